import { describe, expect, it } from 'vitest';
import { IdIndex } from '../../../core/features/id-index.ts';
import { stringChunk, type StringChunk } from '../../../core/features/columns.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

function add(ix: IdIndex, id: string): number {
  const b = enc.encode(`..${id}..`); // not at the start of its buffer, as in a column
  return ix.add(b, 2, b.length - 2);
}

function lookup(ix: IdIndex, ids: (string | null)[]): number[] {
  const out = new Int32Array(ids.length);
  ix.lookup(stringChunk(ids), out);
  return [...out];
}

const idOf = (ix: IdIndex, k: number) => dec.decode(ix.keyBytes().subarray(ix.keyStart(k), ix.keyEnd(k)));

/** A canonical lower-case UUID from four 32-bit words. */
function uuid(a: number, b: number, c: number, d: number): string {
  const h = [a, b, c, d].map((w) => (w >>> 0).toString(16).padStart(8, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

describe('IdIndex', () => {
  it('numbers ids in insertion order, gives a duplicate its first number and keeps every id\'s bytes', () => {
    const ix = new IdIndex();
    const ids = ['97c75248-8135-46b6-a390-625448393725', 'user-1', '97c75248-8135-46b6-a390-625448393725', '', 'user-1', '00000000-0000-0000-0000-000000000000'];
    expect(ids.map((id) => add(ix, id))).toEqual([0, 1, 0, 2, 1, 3]);
    expect(ix.size).toBe(4);
    expect([0, 1, 2, 3].map((k) => idOf(ix, k))).toEqual(['97c75248-8135-46b6-a390-625448393725', 'user-1', '', '00000000-0000-0000-0000-000000000000']);
  });

  it('matches ids byte for byte: an upper-case UUID is another id than its lower-case form', () => {
    const ix = new IdIndex();
    const lower = '97c75248-8135-46b6-a390-625448393725';
    expect(add(ix, lower)).toBe(0);
    expect(lookup(ix, [lower.toUpperCase(), lower])).toEqual([-1, 0]);
    expect(add(ix, lower.toUpperCase())).toBe(1);
    expect(add(ix, '97C75248-8135-46b6-a390-625448393725')).toBe(2);
    expect(lookup(ix, [lower, lower.toUpperCase(), '97C75248-8135-46b6-a390-625448393725'])).toEqual([0, 1, 2]);
  });

  it('takes ids that are not canonical UUIDs: wrong length, no dashes, dashes elsewhere, non-hex digits, braces', () => {
    const ix = new IdIndex();
    const others = [
      '97c75248813546b6a390625448393725', '{97c75248-8135-46b6-a390-625448393725}', '97c75248-8135-46b6-a390-62544839372',
      '97c75248-8135-46b6-a390-6254483937255', '97c7524-88135-46b6-a390-625448393725', 'g7c75248-8135-46b6-a390-625448393725',
      '97c75248-8135-46b6-a390-62544839372 ', 'img-1', '🍜',
    ];
    others.forEach((id, i) => expect(add(ix, id), id).toBe(i));
    expect(add(ix, '97c75248-8135-46b6-a390-625448393725')).toBe(others.length);
    expect(lookup(ix, [...others, '97c75248-8135-46b6-a390-625448393725', 'img-2'])).toEqual([...others.map((_, i) => i), others.length, -1]);
  });

  it('gives -1 for null and unknown ids, honouring a chunk\'s validity offset', () => {
    const ix = new IdIndex();
    const a = uuid(1, 2, 3, 4);
    add(ix, a);
    add(ix, 'x');
    expect(lookup(ix, [a, null, 'x', uuid(1, 2, 3, 5), 'y', null])).toEqual([0, -1, 1, -1, -1, -1]);
    // Arrow slices: validity bits start at bit `validOffset` while offsets are per row of the slice.
    const whole = stringChunk([null, null, null, a, null, 'x']);
    const slice: StringChunk = { ...whole, length: 3, offsets: whole.offsets.subarray(3), validOffset: 3 };
    const out = new Int32Array(3);
    ix.lookup(slice, out);
    expect([...out]).toEqual([0, -1, 1]);
  });

  it('tells apart UUIDs that differ in any one of their four 32-bit words, or in one bit', () => {
    const ix = new IdIndex();
    const base = [0x12345678, 0x9abcdef0, 0x0fedcba9, 0x87654321];
    const ids = [uuid(base[0]!, base[1]!, base[2]!, base[3]!)];
    for (let w = 0; w < 4; w++) for (const bit of [0, 15, 16, 31]) {
      const words = [...base];
      words[w] = words[w]! ^ (1 << bit);
      ids.push(uuid(words[0]!, words[1]!, words[2]!, words[3]!));
    }
    ids.forEach((id, i) => expect(add(ix, id), id).toBe(i));
    expect(lookup(ix, ids)).toEqual(ids.map((_, i) => i));
  });

  it('grows through many rehashes with colliding slots, and finds each of 150k ids (UUIDs and others) in one chunk', () => {
    const ix = new IdIndex();
    const ids: string[] = [];
    let seed = 42;
    const next = () => { seed = (Math.imul(seed, 1664525) + 1013904223) | 0; return seed; };
    for (let i = 0; i < 150_000; i++) ids.push(i % 10 === 0 ? `legacy-${i}` : i % 10 === 1 ? uuid(0, 0, 0, i) : uuid(next(), next(), next(), next()));
    ids.forEach((id, i) => { if (add(ix, id) !== i) throw new Error(`${id} got another number than ${i}`); });
    expect(ix.size).toBe(ids.length);
    const out = new Int32Array(ids.length);
    ix.lookup(stringChunk(ids), out);
    const wrong = [...out].findIndex((k, i) => k !== i);
    expect(wrong, wrong >= 0 ? `${ids[wrong]} looked up as ${out[wrong]}, expected ${wrong}` : '').toBe(-1);
    expect(lookup(ix, [uuid(0, 0, 0, 150_001), uuid(0, 0, 1, 1), 'legacy-1'])).toEqual([-1, -1, -1]);
    expect(idOf(ix, 149_999)).toBe(ids[149_999]);
    // Duplicates after growth still find their first number.
    expect(add(ix, ids[7]!)).toBe(7);
    expect(add(ix, ids[10]!)).toBe(10);
  });
});
