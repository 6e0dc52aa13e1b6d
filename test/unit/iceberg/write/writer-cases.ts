/**
 * What a DataFileWriter must produce with either encoder (the native codec's footer metrics, or
 * parquet-wasm in worker threads with ColumnStats): for random batches of every primitive type,
 * cut into several files by a small buffer, each data file holds its rows, in order, and its
 * metrics are ColumnStats' metrics of exactly those rows. data-file-writer.test.ts runs it with
 * the codec this process has, data-file-writer-wasm.test.ts with FLOE_PARQUET=wasm.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { RecordBatch } from 'apache-arrow';
import { Rng } from '../../../../core/demo/random.ts';
import { ParquetReader } from '../../../../core/iceberg/parquet.ts';
import type { ColumnMetrics } from '../../../../core/iceberg/spec/column-stats.ts';
import type { DataFile } from '../../../../core/iceberg/spec/types.ts';
import { DataFileWriter } from '../../../../core/iceberg/write/data-file-writer.ts';
import { LocalFileIO } from '../../../../core/io/local-file-io.ts';
import { jsMetrics, randomBatches, SCHEMA, shown } from './random-columns.ts';

/** Rows [from, to) of the batches, as slices of them. */
function rowsBetween(batches: RecordBatch[], from: number, to: number): RecordBatch[] {
  const out: RecordBatch[] = [];
  let start = 0;
  for (const b of batches) {
    const lo = Math.max(from, start);
    const hi = Math.min(to, start + b.numRows);
    if (lo < hi) out.push(b.slice(lo - start, hi - start));
    start += b.numRows;
  }
  return out;
}

/** A data file's metrics as ColumnStats gives them (the columns of SCHEMA are all top-level primitives). */
function metricsOf(file: DataFile): Map<number, ColumnMetrics> {
  const out = new Map<number, ColumnMetrics>();
  for (const f of SCHEMA.fields) {
    out.set(f.id, {
      valueCount: file.valueCounts!.get(f.id)!, nullCount: file.nullValueCounts!.get(f.id)!,
      nanCount: file.nanValueCounts!.get(f.id) ?? null,
      lowerBound: file.lowerBounds!.get(f.id) ?? null, upperBound: file.upperBounds!.get(f.id) ?? null,
    });
  }
  return out;
}

export async function writeAndCheck(seed: number, encodeWorkers: number): Promise<DataFile[]> {
  const dir = await mkdtemp(join(tmpdir(), 'floe-writer-'));
  try {
    const rng = new Rng('data-file-writer', seed);
    const batches = randomBatches(rng, SCHEMA, 12, 600);
    const writer = new DataFileWriter({
      io: new LocalFileIO(), table: 't', location: `file://${dir}`, schema: SCHEMA, spec: { 'spec-id': 0, fields: [] },
      properties: { 'write.parquet.row-group-limit': String(50 + rng.int(500)) }, bufferBytes: 64 * 1024, encodeWorkers,
    });
    for (const b of batches) await writer.write(b);
    const files = await writer.close();
    const rows = batches.reduce((n, b) => n + b.numRows, 0);
    expect(files.reduce((n, f) => n + Number(f.recordCount), 0), 'rows in all files').toBe(rows);
    let first = 0;
    for (const file of files) {
      const last = first + Number(file.recordCount);
      const bytes = await new LocalFileIO().read(file.filePath);
      expect(Number(file.fileSizeInBytes)).toBe(bytes.length);
      let decoded = 0;
      for await (const b of (await ParquetReader.fromBytes(bytes)).batches()) decoded += b.numRows;
      expect(decoded, `rows decoded from ${file.filePath}`).toBe(Number(file.recordCount));
      expect(shown(SCHEMA, metricsOf(file)), `metrics of rows ${first}..${last}`).toEqual(shown(SCHEMA, jsMetrics(SCHEMA, rowsBetween(batches, first, last))));
      first = last;
    }
    return files;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
