import { describe, expect, it } from 'vitest';
import {
  Dictionary, Field, FixedSizeList, Int16, Int32, Int64, LargeBinary, LargeList, LargeUtf8, List, Map_, Struct, Table,
  TimestampMicrosecond, Uint32, Utf8, type DataType, makeData, makeVector, type Vector, vectorFromArray,
} from 'apache-arrow';
import { decodeParquet, encodeParquet } from '../../../../core/iceberg/parquet.ts';
import type { Schema } from '../../../../core/iceberg/spec/types.ts';
import { BatchConformer } from '../../../../core/iceberg/write/conform.ts';

const f = (name: string, type: DataType) => new Field(name, type, true);

/** vectorFromArray takes timestamps as milliseconds: microseconds go in through their buffer. */
function micros(values: bigint[], type: TimestampMicrosecond, valid?: boolean[]): Vector<TimestampMicrosecond> {
  const nullBitmap = valid && Uint8Array.of(valid.reduce((bits, v, i) => bits | (v ? 1 << i : 0), 0));
  return makeVector(makeData({ type, data: BigInt64Array.from(values), nullBitmap }));
}

/** Conforms one batch of `columns` to `schema`, writes it to Parquet and reads the rows back. */
async function roundTrip(schema: Schema, columns: Record<string, Vector>): Promise<unknown[]> {
  const conformer = new BatchConformer('t', schema);
  const batch = conformer.conform(new Table(columns).batches[0]!);
  const { bytes } = await encodeParquet(conformer.target, [batch], { compression: 'zstd', rowGroupRows: 100 });
  return JSON.parse(JSON.stringify(decodeParquet(bytes).toArray(), (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))) as unknown[];
}

describe('BatchConformer lays batches out as the table does', () => {
  it('matches struct children by name at every depth, not by position', async () => {
    const ab = (id: number) => ({ type: 'struct' as const, fields: [
      { id, name: 'a', required: false, type: 'long' as const }, { id: id + 1, name: 'b', required: false, type: 'string' as const },
    ] });
    const schema: Schema = { type: 'struct', 'schema-id': 0, fields: [
      { id: 1, name: 's', required: false, type: ab(10) },
      { id: 2, name: 'l', required: false, type: { type: 'list', 'element-id': 3, element: ab(20), 'element-required': false } },
      { id: 4, name: 'm', required: false, type: { type: 'map', 'key-id': 5, key: 'string', 'value-id': 6, value: ab(30), 'value-required': false } },
    ] };
    const ba = new Struct([f('b', new Utf8()), f('a', new Int64())]);
    const rows = await roundTrip(schema, {
      m: vectorFromArray([new Map([['k', { b: 'x', a: 3n }]])], new Map_<Utf8, Struct>(new Field('entries', new Struct([new Field('key', new Utf8(), false), new Field('value', ba, true)]), false))),
      l: vectorFromArray([[{ b: 'y', a: 2n }]], new List(f('element', ba))),
      s: vectorFromArray([{ b: 'z', a: 1n }], ba),
    });
    expect(rows).toEqual([{ s: { a: 1, b: 'z' }, l: [{ a: 2, b: 'y' }], m: { k: { a: 3, b: 'x' } } }]);
  });

  it('converts the other layouts it accepts: dictionaries, large and narrow types, other list kinds, zone names', async () => {
    const schema: Schema = { type: 'struct', 'schema-id': 0, fields: [
      { id: 1, name: 'dict', required: false, type: 'string' },
      { id: 2, name: 'large', required: false, type: 'string' },
      { id: 3, name: 'bytes', required: false, type: 'binary' },
      { id: 4, name: 'small', required: false, type: 'int' },
      { id: 5, name: 'unsigned', required: false, type: 'long' },
      { id: 6, name: 'll', required: false, type: { type: 'list', 'element-id': 7, element: 'int', 'element-required': false } },
      { id: 8, name: 'fl', required: false, type: { type: 'list', 'element-id': 9, element: 'int', 'element-required': false } },
      { id: 10, name: 'ts', required: false, type: 'timestamptz' },
    ] };
    const rows = await roundTrip(schema, {
      dict: vectorFromArray(['a', null, 'a'], new Dictionary(new Utf8(), new Int32())),
      large: vectorFromArray(['é', '', null], new LargeUtf8()),
      bytes: vectorFromArray([Uint8Array.of(1, 2), null, new Uint8Array(0)], new LargeBinary()),
      small: vectorFromArray([-32768, null, 7], new Int16()),
      unsigned: vectorFromArray([4294967295, 0, null], new Uint32()),
      ll: vectorFromArray([[1], null, []], new LargeList(f('element', new Int32()))),
      fl: vectorFromArray([[1, 2], [3, null], null], new FixedSizeList(2, f('element', new Int32()))),
      ts: micros([1n, 0n, -1n], new TimestampMicrosecond('Europe/Paris'), [true, false, true]),
    });
    expect(rows.map((r) => Object.values(r as object))).toEqual([
      ['a', 'é', { 0: 1, 1: 2 }, -32768, 4294967295, [1], [1, 2], 0.001],
      [null, '', null, null, 0, null, [3, null], null],
      ['a', null, {}, 7, null, [], null, -0.001],
    ]);
  });

  it('refuses, naming the column, a layout it cannot convert exactly', () => {
    const schema: Schema = { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'ts', required: false, type: 'timestamp' }] };
    const conformer = new BatchConformer('t', schema);
    const type = new Dictionary(new TimestampMicrosecond(), new Int32());
    const dict = makeVector(makeData({ type, length: 2, nullCount: 0, data: Int32Array.of(0, 0), dictionary: micros([1n], new TimestampMicrosecond()) }));
    expect(() => conformer.conform(new Table({ ts: dict }).batches[0]!)).toThrow(/column "ts": Arrow Dictionary.*decode the dictionary/);
  });
});
