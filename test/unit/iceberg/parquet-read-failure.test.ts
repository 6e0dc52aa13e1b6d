import { describe, expect, it } from 'vitest';
import { Field, Int32, Schema, Utf8 } from 'apache-arrow';
import { encodeParquet, ParquetReader } from '../../../core/iceberg/parquet.ts';
import { batchFromColumns } from '../../../core/iceberg/arrow-build.ts';
import type { FileIO } from '../../../core/io/file-io.ts';

async function file(): Promise<Uint8Array> {
  const schema = new Schema([new Field('s', new Utf8(), true), new Field('i', new Int32(), true)]);
  const n = 50_000;
  const batch = batchFromColumns(schema, [
    { kind: 'utf8', values: Array.from({ length: n }, (_, k) => `value ${k}`) },
    { kind: 'int32', values: Int32Array.from({ length: n }, (_, k) => k) },
  ], n);
  return (await encodeParquet(schema, [batch], { compression: 'zstd', rowGroupRows: 10_000 })).bytes;
}

/** Serves the bytes until told to fail, as a store that drops off the network mid-read would. */
function flakyIO(bytes: Uint8Array, state = { failing: false }): FileIO {
  return {
    readRange: async (_path: string, start: number, length: number, signal?: AbortSignal) => {
      signal?.throwIfAborted();
      if (state.failing) throw new Error('connection reset by peer');
      return bytes.subarray(start, start + length);
    },
  } as unknown as FileIO;
}

describe('Parquet reads that fail under parquet-wasm', () => {
  it('raise the read error to the caller instead of crashing the process', async () => {
    const bytes = await file();
    const state = { failing: false };
    const reader = await ParquetReader.open(flakyIO(bytes, state), 's3://b/f.parquet', bytes.length);
    state.failing = true;
    const read = async () => { let rows = 0; for await (const b of reader.batches()) rows += b.numRows; return rows; };
    await expect(read()).rejects.toThrow('Reading Parquet file s3://b/f.parquet failed: connection reset by peer');
  });

  it('raise an abort as the abort, opening or reading', async () => {
    const bytes = await file();
    const controller = new AbortController();
    controller.abort(Object.assign(new Error('cancelled by the user'), { name: 'AbortError' }));
    await expect(ParquetReader.open(flakyIO(bytes), 'f', bytes.length, controller.signal)).rejects.toThrow('cancelled by the user');
  });

  it('read every row when nothing fails', async () => {
    const bytes = await file();
    const reader = await ParquetReader.open(flakyIO(bytes), 'f', bytes.length);
    let rows = 0;
    for await (const b of reader.batches()) rows += b.numRows;
    expect(rows).toBe(50_000);
  });
});
