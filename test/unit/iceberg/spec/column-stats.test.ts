import { describe, expect, it } from 'vitest';
import {
  Binary, Bool, type Data, Decimal, Dictionary, FixedSizeBinary, Float32, Float64, Int32, Int64, Struct, Field,
  TimestampMicrosecond, Utf8, makeData, makeVector, vectorFromArray,
} from 'apache-arrow';
import { ColumnStats } from '../../../../core/iceberg/spec/column-stats.ts';
import { withParentNulls } from '../../../../core/iceberg/spec/arrow-scan.ts';
import { fromBytes, toBytes } from '../../../../core/iceberg/spec/bounds.ts';
import type { PrimitiveType } from '../../../../core/iceberg/spec/types.ts';
import { uuidToBytes } from '../../../../core/iceberg/spec/values.ts';

/** A validity bitmap from a list of row flags. */
function bitmap(valid: boolean[]): Uint8Array {
  const out = new Uint8Array(Math.ceil(valid.length / 8));
  valid.forEach((v, i) => { if (v) out[i >> 3]! |= 1 << (i & 7); });
  return out;
}

function stats(type: PrimitiveType, ...chunks: Data[]) {
  const s = new ColumnStats(type, {}, 'c');
  for (const c of chunks) s.add(c);
  const m = s.metrics();
  return {
    ...m,
    lower: m.lowerBound && fromBytes(type, m.lowerBound),
    upper: m.upperBound && fromBytes(type, m.upperBound),
  };
}

const longs = (values: bigint[], valid?: boolean[]): Data =>
  makeData({ type: new Int64(), data: BigInt64Array.from(values), nullBitmap: valid ? bitmap(valid) : null });

describe('ColumnStats counts and bounds', () => {
  it('counts values and nulls and bounds ints, across chunks and slices', () => {
    const v = vectorFromArray([3, null, -7, 10, 99], new Int32());
    const m = stats('int', ...v.slice(0, 4).data, ...vectorFromArray([5, null], new Int32()).data);
    expect(m).toMatchObject({ valueCount: 6n, nullCount: 2n, nanCount: null, lower: -7, upper: 10 });
  });

  it('bounds longs and timestamps across the 32-bit word boundaries, nulls skipped', () => {
    const values = [-1n, -4294967296n, 4294967295n, 4294967296n, -4294967297n, 12n];
    expect(stats('long', longs(values))).toMatchObject({ lower: -4294967297n, upper: 4294967296n });
    const extremes = [9223372036854775807n, -9223372036854775808n, 0n];
    expect(stats('long', longs(extremes))).toMatchObject({ lower: -9223372036854775808n, upper: 9223372036854775807n });
    const ts = makeData({
      type: new TimestampMicrosecond('UTC'), data: BigInt64Array.of(-1n, 1_700_000_000_000_000n, -9_000_000_000_000_000n),
      nullBitmap: bitmap([true, true, false]),
    });
    expect(stats('timestamptz', ts)).toMatchObject({ valueCount: 3n, nullCount: 1n, lower: -1n, upper: 1_700_000_000_000_000n });
  });

  it('has no bounds for an all-null column', () => {
    const m = stats('long', longs([5n, 6n], [false, false]));
    expect(m).toMatchObject({ valueCount: 2n, nullCount: 2n, lowerBound: null, upperBound: null });
  });
});

describe('ColumnStats for floats', () => {
  const doubles = (values: number[]) => makeData({ type: new Float64(), data: Float64Array.from(values) });

  it('counts NaN and never makes it a bound', () => {
    expect(stats('double', doubles([NaN, 2, -3, NaN]))).toMatchObject({ nanCount: 2n, lower: -3, upper: 2 });
    expect(stats('double', doubles([NaN, NaN]))).toMatchObject({ valueCount: 2n, nanCount: 2n, lowerBound: null, upperBound: null });
  });

  it('keeps -0.0 below 0.0: lower -0.0 when it occurs, upper 0.0 when that occurs', () => {
    for (const both of [stats('double', doubles([0, -0])), stats('double', doubles([-0, 0])), stats('double', doubles([-0]), doubles([0]))]) {
      expect(Object.is(both.lower, -0)).toBe(true);
      expect(Object.is(both.upper, 0)).toBe(true);
    }
    const negativeOnly = stats('double', doubles([-0, -1]));
    expect(Object.is(negativeOnly.upper, -0)).toBe(true);
    const positiveOnly = stats('double', doubles([0, 1]));
    expect(Object.is(positiveOnly.lower, 0)).toBe(true);
  });

  it('bounds infinities and float32 values exactly', () => {
    expect(stats('double', doubles([Infinity, Infinity]))).toMatchObject({ lower: Infinity, upper: Infinity });
    const f = makeData({ type: new Float32(), data: Float32Array.of(0.1, -2.5, NaN) });
    const m = stats('float', f);
    expect(m).toMatchObject({ nanCount: 1n, lower: -2.5, upper: Math.fround(0.1) });
    expect(m.upperBound).toEqual(toBytes('float', 0.1));
  });
});

describe('ColumnStats for strings and bytes', () => {
  it('orders strings by UTF-8 bytes: an emoji is above U+FFFD', () => {
    const v = vectorFromArray(['b', '😀', '\uFFFD', null, 'a'], new Utf8());
    expect(stats('string', ...v.data)).toMatchObject({ valueCount: 5n, nullCount: 1n, lower: 'a', upper: '😀' });
  });

  it('truncates long strings to 16 code points, upper bound incremented', () => {
    const v = vectorFromArray(['x'.repeat(20), 'a😀'.repeat(10)], new Utf8());
    expect(stats('string', ...v.data)).toMatchObject({ lower: 'a😀'.repeat(8), upper: `${'x'.repeat(15)}y` });
    const short = new ColumnStats('string', { truncateLength: 2 });
    short.add(vectorFromArray(['iceberg'], new Utf8()));
    expect(fromBytes('string', short.metrics().upperBound!)).toBe('id');
  });

  it('drops the upper bound when no shorter string is greater', () => {
    const max = String.fromCodePoint(0x10ffff);
    const m = stats('string', ...vectorFromArray([max.repeat(17)], new Utf8()).data);
    expect(m.lower).toBe(max.repeat(16));
    expect(m.upperBound).toBeNull();
  });

  it('reads dictionary-encoded strings through the entries rows use', () => {
    const dictionary = vectorFromArray(['Zzz', 'Bread', 'Dairy', 'Aaa'], new Utf8());
    const data = makeData({
      type: new Dictionary(new Utf8(), new Int32()), data: Int32Array.of(1, 2, 1, 3),
      nullBitmap: bitmap([true, true, true, false]), dictionary,
    });
    expect(stats('string', data)).toMatchObject({ valueCount: 4n, nullCount: 1n, lower: 'Bread', upper: 'Dairy' });
  });

  it('bounds binary and fixed as unsigned bytes', () => {
    const builder = vectorFromArray([Uint8Array.of(0x80), Uint8Array.of(0x7f, 0xff), null], new Binary());
    expect(stats('binary', ...builder.data)).toMatchObject({ lower: Uint8Array.of(0x7f, 0xff), upper: Uint8Array.of(0x80) });
    const fixed = makeData({ type: new FixedSizeBinary(2), data: Uint8Array.of(9, 9, 1, 2, 0xff, 0) });
    expect(stats('fixed[2]', fixed)).toMatchObject({ lower: Uint8Array.of(1, 2), upper: Uint8Array.of(0xff, 0) });
  });

  it('bounds uuids only where signed (old Java) and unsigned order agree', () => {
    const uuids = (...values: string[]) =>
      makeData({ type: new FixedSizeBinary(16), data: Uint8Array.from(values.flatMap((u) => [...uuidToBytes(u)])) });
    const low = '1d7d081d-7440-441d-9828-26e57c614219';
    const high = '7d7d081d-7440-441d-9828-26e57c614219';
    const signBit = 'b6be8d3b-7bad-4499-8a33-50634dc9e3a9';
    expect(stats('uuid', uuids(high, low))).toMatchObject({ lower: low, upper: high });
    expect(stats('uuid', uuids(high, signBit))).toMatchObject({ lowerBound: null, upperBound: null });
  });
});

describe('ColumnStats for other types', () => {
  it('bounds booleans', () => {
    expect(stats('boolean', ...vectorFromArray([true, null, true], new Bool()).data)).toMatchObject({ lower: true, upper: true, nullCount: 1n });
    expect(stats('boolean', ...vectorFromArray([true, false], new Bool()).slice(1).data)).toMatchObject({ lower: false, upper: false });
  });

  it('bounds decimals by their unscaled value', () => {
    const words = new Uint32Array(12);
    const view = new DataView(words.buffer);
    [1420n, -5n, 10n ** 30n].forEach((v, i) => {
      view.setBigUint64(16 * i, BigInt.asUintN(64, v), true);
      view.setBigUint64(16 * i + 8, BigInt.asUintN(64, v >> 64n), true);
    });
    const data = makeData({ type: new Decimal(2, 38, 128), data: words });
    expect(stats('decimal(38, 2)', data)).toMatchObject({ lower: -5n, upper: 10n ** 30n });
  });

  it('treats a struct child as null wherever the struct is', () => {
    const child = makeData({ type: new Int32(), data: Int32Array.of(1, 1000, 3) });
    const parent = makeData({
      type: new Struct([new Field('x', new Int32(), true)]), length: 3, nullBitmap: bitmap([true, false, true]), children: [child],
    });
    expect(stats('int', withParentNulls(child, parent))).toMatchObject({ nullCount: 1n, lower: 1, upper: 3 });
    expect(stats('int', withParentNulls(child.slice(1, 2), parent.slice(1, 2)))).toMatchObject({ nullCount: 1n, lower: 3, upper: 3 });
  });

  it('refuses Arrow data of another type, naming the column', () => {
    expect(() => new ColumnStats('long', {}, 'views_5min').add(vectorFromArray([1], new Int32())))
      .toThrow('column "views_5min": statistics for long were given Arrow Int32 data (int)');
  });

  it('keeps up with millions of rows (a loose bound: ~20 ms here, only pathological slowness fails)', () => {
    const n = 2_000_000;
    const big = new BigInt64Array(n);
    const dbl = new Float64Array(n);
    for (let i = 0; i < n; i++) { big[i] = BigInt(i) * 7919n - 1000n; dbl[i] = Math.sin(i); }
    const started = performance.now();
    const l = new ColumnStats('long');
    l.add(makeVector(makeData({ type: new Int64(), data: big })));
    const d = new ColumnStats('double');
    d.add(makeVector(makeData({ type: new Float64(), data: dbl })));
    const elapsed = performance.now() - started;
    expect(l.max).toBe(BigInt(n - 1) * 7919n - 1000n);
    expect(d.min).toBeGreaterThanOrEqual(-1);
    expect(elapsed).toBeLessThan(2000);
  });
});
