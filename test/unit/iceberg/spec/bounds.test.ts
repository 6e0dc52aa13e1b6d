import { describe, expect, it } from 'vitest';
import {
  comparatorFor, compareFloats, compareUtf8, fromBytes, toBytes, truncateLowerBound, truncateUpperBound,
} from '../../../../core/iceberg/spec/bounds.ts';
import type { PrimitiveType } from '../../../../core/iceberg/spec/types.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

describe('Appendix D single-value serialization', () => {
  const cases: [PrimitiveType, unknown, string][] = [
    ['boolean', false, '00'],
    ['boolean', true, '01'],
    ['int', 34, '22000000'],
    ['int', -1, 'ffffffff'],
    ['int', -2147483648, '00000080'],
    ['long', 34n, '2200000000000000'],
    ['long', -9223372036854775808n, '0000000000000080'],
    ['float', 1, '0000803f'],
    ['float', -0, '00000080'],
    ['double', 1, '000000000000f03f'],
    ['double', -2.5, '00000000000004c0'],
    ['date', 17486, '4e440000'],
    ['time', 81068000000n, '008307e012000000'],
    ['timestamp', 1510871468000000n, '00c3262d215e0500'],
    ['timestamptz', -1n, 'ffffffffffffffff'],
    ['timestamp_ns', 1510871468000000001n, '01b8695f98b1f714'],
    ['timestamptz_ns', 0n, '0000000000000000'],
    ['string', 'iceberg', '69636562657267'],
    ['string', '', ''],
    ['string', 'é😀', 'c3a9f09f9880'],
    ['uuid', 'f79c3e09-677c-4bbd-a479-3f349cb785e7', 'f79c3e09677c4bbda4793f349cb785e7'],
    ['fixed[3]', Uint8Array.of(0, 1, 255), '0001ff'],
    ['binary', Uint8Array.of(0, 1, 2, 3), '00010203'],
    ['decimal(4, 2)', 1420n, '058c'],
    ['decimal(9, 2)', 0n, '00'],
    ['decimal(9, 2)', 127n, '7f'],
    ['decimal(9, 2)', 128n, '0080'],
    ['decimal(9, 2)', -128n, '80'],
    ['decimal(9, 2)', -129n, 'ff7f'],
    ['decimal(38, 0)', 10n ** 38n - 1n, '4b3b4ca85a86c47a098a223fffffffff'],
  ];

  it.each(cases)('%s %s <-> %s', (type, value, expected) => {
    expect(hex(toBytes(type, value))).toBe(expected);
    expect(fromBytes(type, bytes(expected))).toEqual(value);
  });

  it('reads bounds written before a type promotion by their width', () => {
    expect(fromBytes('long', toBytes('int', -5))).toBe(-5n);
    expect(fromBytes('double', toBytes('float', 1.5))).toBe(1.5);
    expect(fromBytes('timestamp', toBytes('date', -1))).toBe(-86_400_000_000n);
    expect(fromBytes('timestamp_ns', toBytes('date', 1))).toBe(86_400_000_000_000n);
    expect(fromBytes('decimal(12, 2)', toBytes('decimal(4, 2)', -1420n))).toBe(-1420n);
  });

  it('refuses values that do not fit the type, naming the type', () => {
    expect(() => toBytes('int', 2147483648)).toThrow(/as int: expected an integer number/);
    expect(() => toBytes('int', 1.5)).toThrow(/as int/);
    expect(() => toBytes('long', 1)).toThrow(/as long: expected a 64-bit bigint/);
    expect(() => toBytes('long', 1n << 63n)).toThrow(/as long/);
    expect(() => toBytes('fixed[4]', Uint8Array.of(1))).toThrow(/expected 4 bytes, got 1/);
    expect(() => toBytes('decimal(3, 0)', 1000n)).toThrow(/more than 3 digits/);
    expect(() => toBytes('uuid', 'not-a-uuid')).toThrow(/not a UUID/);
    expect(() => fromBytes('int', Uint8Array.of(1, 2))).toThrow(/4 bytes, got 2/);
    expect(() => fromBytes('string', Uint8Array.of(0xff))).toThrow();
  });
});

describe('Iceberg ordering', () => {
  it('orders strings by UTF-8 bytes, where JS < puts emoji before U+E000..U+FFFF', () => {
    const emoji = '😀'; // U+1F600: surrogate pair D83D DE00, UTF-8 f0 9f 98 80
    const replacement = '\uFFFD'; // UTF-8 ef bf bd
    const privateUse = '\uE000';
    expect(emoji < replacement).toBe(true); // JS: UTF-16 order
    expect(compareUtf8(emoji, replacement)).toBeGreaterThan(0);
    expect(compareUtf8(privateUse, emoji)).toBeLessThan(0);
    expect(compareUtf8('a😀', 'a\uFFFF')).toBeGreaterThan(0);
    expect(compareUtf8('𐀀', '😀')).toBeLessThan(0); // both supplementary: unit order is right
    expect(compareUtf8('abc', 'abd')).toBeLessThan(0);
    expect(compareUtf8('ab', 'abc')).toBeLessThan(0);
    expect(compareUtf8('', '')).toBe(0);
    const words = ['z', '\uFFFD', 'é', '😀', 'a', '\uE000', '\u07FF', 'aa', '𝄞'];
    const byBytes = [...words].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect([...words].sort(compareUtf8)).toEqual(byBytes);
  });

  it('orders -0.0 before 0.0 and NaN after everything, like Java', () => {
    expect(compareFloats(-0, 0)).toBeLessThan(0);
    expect(compareFloats(0, -0)).toBeGreaterThan(0);
    expect(compareFloats(0, 0)).toBe(0);
    expect(compareFloats(NaN, Infinity)).toBeGreaterThan(0);
    expect(compareFloats(NaN, NaN)).toBe(0);
    expect([1, NaN, -0, -Infinity, 0, -1].sort(compareFloats)).toEqual([-Infinity, -1, -0, 0, 1, NaN]);
  });

  it('orders uuids as unsigned bytes and binary as unsigned bytes', () => {
    const uuid = comparatorFor('uuid');
    expect(uuid('7d7d081d-7440-441d-9828-26e57c614219', 'b6be8d3b-7bad-4499-8a33-50634dc9e3a9')).toBeLessThan(0);
    const binary = comparatorFor('binary');
    expect(binary(Uint8Array.of(0x7f), Uint8Array.of(0x80))).toBeLessThan(0);
    expect(binary(Uint8Array.of(1), Uint8Array.of(1, 0))).toBeLessThan(0);
    expect(comparatorFor('long')(-2n, 1n)).toBeLessThan(0);
    expect(comparatorFor('decimal(9, 2)')(5n, -5n)).toBeGreaterThan(0);
    expect(comparatorFor('boolean')(false, true)).toBeLessThan(0);
  });
});

describe('truncated bounds', () => {
  it('leaves values within the length alone', () => {
    expect(truncateLowerBound('string', 'short')).toBe('short');
    expect(truncateUpperBound('string', 'sixteen-chars-ok')).toBe('sixteen-chars-ok');
    expect(truncateUpperBound('binary', new Uint8Array(16).fill(0xff))).toEqual(new Uint8Array(16).fill(0xff));
    expect(truncateUpperBound('long', 5n, 1)).toBe(5n);
  });

  it('cuts strings by code points, never inside a surrogate pair', () => {
    expect(truncateLowerBound('string', 'iceberg', 3)).toBe('ice');
    expect(truncateLowerBound('string', '😀😀😀', 2)).toBe('😀😀');
    expect(truncateUpperBound('string', 'iceberg', 3)).toBe('icf');
    expect(truncateUpperBound('string', 'a😀b', 2)).toBe('a😁');
  });

  it('gives up on a string upper bound only when every code point is U+10FFFF', () => {
    const max = String.fromCodePoint(0x10ffff);
    expect(truncateUpperBound('string', `a${max}${max}x`, 3)).toBe('b');
    expect(truncateUpperBound('string', `${max}${max}${max}`, 2)).toBeNull();
    // U+D7FF + 1 would be a surrogate, which UTF-8 cannot encode: the next code point is U+E000.
    expect(truncateUpperBound('string', '\uD7FF\uD7FFz', 2)).toBe('\uD7FF\uE000');
    expect(compareUtf8('\uD7FF\uE000', '\uD7FF\uD7FFz')).toBeGreaterThan(0);
  });

  it('increments the last byte of a binary upper bound, dropping 0xFF bytes, or gives up', () => {
    expect(truncateLowerBound('binary', Uint8Array.of(1, 2, 3, 4, 5), 3)).toEqual(Uint8Array.of(1, 2, 3));
    expect(truncateUpperBound('binary', Uint8Array.of(1, 2, 3, 4, 5), 3)).toEqual(Uint8Array.of(1, 2, 4));
    expect(truncateUpperBound('binary', Uint8Array.of(1, 0xff, 0xff, 4), 3)).toEqual(Uint8Array.of(2));
    expect(truncateUpperBound('binary', Uint8Array.of(0xff, 0xff, 0xff, 0), 3)).toBeNull();
  });

  it('keeps truncated bounds on the right side of the value', () => {
    const values = ['iceberg-table-with-a-long-name', '😀'.repeat(17), `${'z'.repeat(16)}\uFFFF`, 'a\uFFFF\uFFFF'];
    for (const v of values) {
      expect(compareUtf8(truncateLowerBound('string', v, 2) as string, v)).toBeLessThanOrEqual(0);
      const upper = truncateUpperBound('string', v, 2) as string;
      expect(compareUtf8(upper, v)).toBeGreaterThan(0);
    }
  });
});
