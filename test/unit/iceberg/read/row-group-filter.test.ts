import { describe, expect, it } from 'vitest';
import type { RecordBatch } from 'apache-arrow';
import { batchFromColumns } from '../../../../core/iceberg/arrow-build.ts';
import { bind } from '../../../../core/iceberg/expressions/bind.ts';
import { and, greaterThan, greaterThanOrEqual, isNaN, lessThan, type Expression } from '../../../../core/iceberg/expressions/expression.ts';
import { encodeParquet } from '../../../../core/iceberg/parquet.ts';
import { readFileBatches } from '../../../../core/iceberg/read/file-batches.ts';
import { arrowSchemaFromIceberg } from '../../../../core/iceberg/spec/arrow-schema.ts';
import type { Schema } from '../../../../core/iceberg/spec/types.ts';
import type { FileIO } from '../../../../core/io/file-io.ts';

// 10 row groups of 1,000 rows: id 0..9999 in order, x = id / 10 except row group 3 (all NaN) and
// row group 5 (all null), and n an int column.
const ROWS = 10_000, GROUP = 1_000;
const FILE_SCHEMA: Schema = { type: 'struct', 'schema-id': 0, fields: [
  { id: 1, name: 'id', required: true, type: 'long' }, { id: 2, name: 'x', required: false, type: 'double' },
  { id: 3, name: 'n', required: false, type: 'int' },
] };
const group = (i: number) => Math.floor(i / GROUP);

async function file(): Promise<Uint8Array> {
  const arrow = arrowSchemaFromIceberg(FILE_SCHEMA);
  const xValid = new Uint8Array(ROWS / 8).fill(0xff);
  for (let i = 5 * GROUP; i < 6 * GROUP; i++) xValid[i >> 3]! &= ~(1 << (i & 7));
  const batch = batchFromColumns(arrow, [
    { kind: 'int64', values: BigInt64Array.from({ length: ROWS }, (_, i) => BigInt(i)) },
    { kind: 'float64', values: Float64Array.from({ length: ROWS }, (_, i) => (group(i) === 3 ? NaN : i / 10)), valid: xValid },
    { kind: 'int32', values: Int32Array.from({ length: ROWS }, (_, i) => i) },
  ], ROWS);
  return (await encodeParquet(arrow, [batch], { compression: 'zstd', rowGroupRows: GROUP })).bytes;
}

function memoryIO(bytes: Uint8Array): FileIO {
  return { readRange: async (_p: string, offset: number, length: number) => bytes.slice(offset, offset + length) } as unknown as FileIO;
}

/** Reads the file as a table whose schema is `table`, skipping row groups by `filter`. */
async function read(bytes: Uint8Array, table: Schema, filter: Expression) {
  let groups: [number, number] | undefined;
  const ids: bigint[] = [];
  const batches: RecordBatch[] = [];
  for await (const b of readFileBatches(memoryIO(bytes), { path: 'mem.parquet', sizeInBytes: bytes.length, recordCount: ROWS }, table.fields, {
    skipRowGroups: bind(table, filter), onRowGroups: (r, s) => { groups = [r, s]; },
  })) batches.push(b);
  for (const b of batches) ids.push(...(b.getChild('id')!.toArray() as BigInt64Array));
  return { ids, groups };
}

describe('row groups skipped by their statistics', () => {
  it('reads only the row groups whose min/max can match, and every row of them', async () => {
    const bytes = await file();
    // Without a filter every row group is read.
    expect((await read(bytes, FILE_SCHEMA, greaterThanOrEqual('id', 0))).ids.length).toBe(ROWS);
    const r = await read(bytes, FILE_SCHEMA, and(greaterThanOrEqual('id', 7_500), lessThan('id', 8_200)));
    expect(r.groups).toEqual([2, 8]);
    expect(r.ids.length).toBe(2 * GROUP); // the scan's exact filter then keeps 700 of them
    expect(r.ids[0]).toBe(7_000n);
  });

  it('keeps the row group of NaNs for isNaN, and skips groups of only nulls or only NaNs for a comparison', async () => {
    const bytes = await file();
    const nan = await read(bytes, FILE_SCHEMA, isNaN('x'));
    expect(nan.groups).toEqual([1, 9]);
    expect(nan.ids[0]).toBe(3_000n);
    const r = await read(bytes, FILE_SCHEMA, greaterThan('x', 950));
    // x > 950 can only be in the last row group (x up to 999.9): null and NaN satisfy no comparison.
    expect(r.groups).toEqual([1, 9]);
    expect(r.ids[0]).toBe(9_000n);
  });

  it('does not prune on a column the file holds with a narrower type (int read as long)', async () => {
    const bytes = await file();
    const table: Schema = { ...FILE_SCHEMA, fields: FILE_SCHEMA.fields.map((f) => (f.name === 'n' ? { ...f, type: 'long' } : f)) };
    const r = await read(bytes, table, greaterThanOrEqual('n', 9_500));
    expect(r.groups).toBeUndefined();
    expect(r.ids.length).toBe(ROWS);
  });
});
