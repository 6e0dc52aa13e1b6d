import { describe, expect, it } from 'vitest';
import { BytesIndex } from '../../../core/features/bytes-index.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Adds (or finds) a key given as a string, through a buffer with other bytes around it as a column's would have. */
function key(s: string): [Uint8Array, number, number] {
  const b = enc.encode(`<<${s}>>`);
  return [b, 2, b.length - 2];
}

const keyOf = (ix: BytesIndex, k: number) => dec.decode(ix.keyBytesOf().subarray(ix.keyStart(k), ix.keyEnd(k)));

describe('BytesIndex', () => {
  it('numbers keys 0, 1, 2... in insertion order and gives a duplicate its first number', () => {
    const ix = new BytesIndex(4);
    expect(ix.find(...key('a'))).toBe(-1);
    expect(['Soup', 'Dessert', 'Soup', '', 'soup', 'Dessert', ''].map((s) => ix.add(...key(s)))).toEqual([0, 1, 0, 2, 3, 1, 2]);
    expect(ix.size).toBe(4);
    expect([0, 1, 2, 3].map((k) => keyOf(ix, k))).toEqual(['Soup', 'Dessert', '', 'soup']);
    expect(ix.find(...key('SOUP'))).toBe(-1);
  });

  it('tells apart keys that are prefixes of each other and keys of the same length', () => {
    const ix = new BytesIndex();
    const keys = ['a', 'ab', 'abc', 'abd', 'ba', '🍜', '🍜🍜', 'ラーメン'];
    keys.forEach((k, i) => expect(ix.add(...key(k))).toBe(i));
    keys.forEach((k, i) => expect(ix.find(...key(k)), k).toBe(i));
    expect(ix.find(...key('abcd'))).toBe(-1);
  });

  it('keeps keys whose 32-bit hashes are equal apart (compares bytes, not only hashes)', () => {
    // These two share their full hash (FNV-1a and the final mix: found by searching user-0 .. user-999999).
    const ix = new BytesIndex();
    expect(ix.add(...key('user-129599'))).toBe(0);
    expect(ix.add(...key('user-732382'))).toBe(1);
    expect(ix.find(...key('user-732382'))).toBe(1);
    expect(ix.find(...key('user-129599'))).toBe(0);
    expect(ix.add(...key('user-129599'))).toBe(0);
  });

  it('grows past its expected size, slot collisions and long keys included, and finds every key after', () => {
    const ix = new BytesIndex(16);
    const n = 200_000;
    for (let i = 0; i < n; i++) if (ix.add(...key(`user-${i}`)) !== i) throw new Error(`user-${i} was not numbered ${i}`);
    const long = 'x'.repeat(100_000);
    expect(ix.add(...key(long))).toBe(n);
    for (let i = 0; i < n; i++) if (ix.find(...key(`user-${i}`)) !== i) throw new Error(`user-${i} is not found as ${i} after growing`);
    for (let i = n; i < n + 1000; i++) expect(ix.find(...key(`user-${i}`))).toBe(-1);
    expect(keyOf(ix, n)).toBe(long);
    expect(keyOf(ix, 12345)).toBe('user-12345');
    expect(ix.size).toBe(n + 1);
  });
});
