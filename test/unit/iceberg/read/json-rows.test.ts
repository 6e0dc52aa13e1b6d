import { describe, expect, it } from 'vitest';
import { Field, Int64, makeData, RecordBatch, Schema, Struct, TimestampMicrosecond, Utf8, vectorFromArray } from 'apache-arrow';
import { jsonRows } from '../../../../core/iceberg/read/json-rows.ts';
import type { NestedField } from '../../../../core/iceberg/spec/types.ts';

const fields: NestedField[] = [
  { id: 1, name: 'at', required: false, type: 'timestamptz' },
  { id: 2, name: 'n', required: true, type: 'long' },
  { id: 3, name: 's', required: false, type: 'string' },
];

function batch(): RecordBatch {
  // Rows: (t0, 9007199254740993, 'a'), (null, -5, null), (t2, 7, 'ramen 🍜').
  const at = makeData({ type: new TimestampMicrosecond('UTC'), length: 3, nullCount: 1, nullBitmap: Uint8Array.from([0b101]), data: BigInt64Array.from([1_700_000_000_123_457n, 0n, -1n]) });
  const n = makeData({ type: new Int64(), length: 3, data: BigInt64Array.from([9_007_199_254_740_993n, -5n, 7n]) });
  const s = vectorFromArray(['a', null, 'ramen 🍜'], new Utf8()).data[0]!;
  const schema = new Schema([new Field('at', at.type, true), new Field('n', n.type), new Field('s', s.type, true)]);
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 3, children: [at, n, s] }));
}

describe('table rows as JSON', () => {
  it('keeps every microsecond and every digit of a long, and nulls as null', () => {
    expect(jsonRows(batch(), fields)).toEqual([
      { at: '2023-11-14T22:13:20.123457+00:00', n: '9007199254740993', s: 'a' },
      { at: null, n: '-5', s: null },
      { at: '1969-12-31T23:59:59.999999+00:00', n: '7', s: 'ramen 🍜' },
    ]);
  });

  it('reads the right rows of a slice (values sliced, validity bitmap offset)', () => {
    expect(jsonRows(batch().slice(1), fields)).toEqual([
      { at: null, n: '-5', s: null },
      { at: '1969-12-31T23:59:59.999999+00:00', n: '7', s: 'ramen 🍜' },
    ]);
  });
});
