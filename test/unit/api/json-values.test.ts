import { describe, expect, it } from 'vitest';
import { Decimal, Field, Int64, List, makeData, RecordBatch, Schema, Struct, TimestampMicrosecond, Utf8, makeVector, vectorFromArray, DateDay, Int32 } from 'apache-arrow';
import { batchRows, isoMicros } from '../../../core/api/json-values.ts';

describe('Arrow values as JSON', () => {
  it('keeps every microsecond of a timestamp, before and after 1970', () => {
    expect(isoMicros(1_700_000_000_123_457n, true)).toBe('2023-11-14T22:13:20.123457Z');
    expect(isoMicros(-1n, false)).toBe('1969-12-31T23:59:59.999999');
    expect(isoMicros(0n, true)).toBe('1970-01-01T00:00:00.000000Z');
  });

  it('renders longs, timestamps, dates, decimals, strings, nulls, lists and structs without losing precision', () => {
    const ts = makeVector(makeData({ type: new TimestampMicrosecond('UTC'), length: 2, nullCount: 1, nullBitmap: Uint8Array.from([1]), data: BigInt64Array.from([1_700_000_000_123_457n, 0n]) }));
    const long = makeVector(makeData({ type: new Int64(), length: 2, data: BigInt64Array.from([9_007_199_254_740_993n, -5n]) }));
    const date = makeVector(makeData({ type: new DateDay(), length: 2, data: Int32Array.from([19_000, -1]) }));
    // 123.45 and -0.07 as decimal(9, 2): little-endian 32-bit words of 12345 and -7.
    const words = new Uint32Array(8);
    words[0] = 12345;
    words.set([0xfffffff9, 0xffffffff, 0xffffffff, 0xffffffff], 4);
    const dec = makeVector(makeData({ type: new Decimal(2, 9, 128), length: 2, data: words }));
    const text = vectorFromArray(['ramen 🍜', null], new Utf8());
    const list = vectorFromArray([[1, 2], []], new List(new Field('element', new Int32(), true)));
    const structType = new Struct([new Field('lat', new Int32(), true)]);
    const struct = makeVector(makeData({ type: structType, length: 2, children: [makeData({ type: new Int32(), length: 2, data: Int32Array.from([7, 8]) })] }));
    const schema = new Schema([
      new Field('ts', ts.type, true), new Field('long', long.type), new Field('date', date.type), new Field('dec', dec.type),
      new Field('text', text.type, true), new Field('list', list.type), new Field('struct', structType),
    ]);
    const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 2, children: [ts.data[0]!, long.data[0]!, date.data[0]!, dec.data[0]!, text.data[0]!, list.data[0]!, struct.data[0]!] }));
    expect(batchRows(batch)).toEqual([
      ['2023-11-14T22:13:20.123457Z', '9007199254740993', '2022-01-08', '123.45', 'ramen 🍜', [1, 2], { lat: 7 }],
      [null, '-5', '1969-12-31', '-0.07', null, [], { lat: 8 }],
    ]);
    expect(batchRows(batch, 1)).toHaveLength(1);
  });
});
