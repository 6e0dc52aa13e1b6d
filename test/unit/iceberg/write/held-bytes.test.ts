import { describe, expect, it } from 'vitest';
import { Bool, Decimal, Field, Int64, List, makeData, Struct, Utf8, vectorFromArray } from 'apache-arrow';
import { heldBytes } from '../../../../core/iceberg/write/held-bytes.ts';

const strings = (values: (string | null)[]) => vectorFromArray(values, new Utf8()).data[0]!;

describe('heldBytes: the Arrow bytes a chunk\'s rows take, not the buffers its slices share', () => {
  it('counts a string slice\'s own bytes, not its parent\'s whole byte buffer (the writer\'s file-per-few-rows bug)', () => {
    const parent = strings(Array.from({ length: 10_000 }, (_, i) => `value-${i}-${'x'.repeat(i % 50)}`));
    const one = parent.slice(5000, 1);
    expect(one.byteLength, 'Arrow\'s own count for a 1-row slice: the parent\'s bytes').toBeGreaterThan(parent.values.length);
    expect(heldBytes(one)).toBe(8 + 'value-5000-'.length); // two offsets and the value's bytes
  });

  it('adds up, over the slices of a batch, to what the batch takes', () => {
    const values = Array.from({ length: 1000 }, (_, i) => (i % 7 === 0 ? null : `🍜${i}`));
    const parent = strings(values);
    let total = 0;
    for (let at = 0; at < 1000; at += 37) total += heldBytes(parent.slice(at, Math.min(37, 1000 - at)));
    // Each slice has one offset more than its rows, and its validity rounded up to whole bytes.
    const slices = Math.ceil(1000 / 37);
    expect(total).toBeGreaterThanOrEqual(heldBytes(parent));
    expect(total).toBeLessThanOrEqual(heldBytes(parent) + slices * (4 + 1));
    const utf8 = values.reduce((n, v) => n + (v === null ? 0 : Buffer.byteLength(v)), 0);
    expect(heldBytes(parent)).toBe(1001 * 4 + utf8 + Math.ceil(1000 / 8)); // offsets, UTF-8 bytes, validity
  });

  it('counts lists by the elements of their rows, and structs, booleans and decimals by their rows', () => {
    const list = vectorFromArray([[1n, 2n], [3n], [], [4n, 5n, 6n]], new List(new Field('element', new Int64(), true))).data[0]!;
    expect(heldBytes(list.slice(1, 2))).toBe(3 * 4 + 1 * 8); // offsets of 2 rows, one long element
    const struct = makeData({
      type: new Struct([new Field('a', new Int64(), true), new Field('b', new Bool(), true)]), length: 16, nullCount: 0,
      children: [vectorFromArray(Array.from({ length: 16 }, (_, i) => BigInt(i)), new Int64()).data[0]!,
        vectorFromArray(Array.from({ length: 16 }, (_, i) => i % 2 === 0), new Bool()).data[0]!],
    });
    expect(heldBytes(struct.slice(3, 9))).toBe(9 * 8 + Math.ceil(9 / 8));
    const decimals = makeData({ type: new Decimal(2, 10, 128), length: 4, nullCount: 0, data: new Uint32Array(16) });
    expect(heldBytes(decimals.slice(1, 2))).toBe(2 * 16);
  });
});
