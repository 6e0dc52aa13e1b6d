/**
 * Data files encoded in worker threads are the files the writer's own thread makes: for random
 * schemas (every primitive type, structs, lists and maps) the same batches written with encoder
 * workers and without give byte-identical Parquet files, identical manifest metrics, and the same
 * rows for PyIceberg. The rows reach a worker as an Arrow IPC stream; a type or a field id lost
 * on the way would show here. Worker threads encode only without the native codec, so this file
 * runs with FLOE_PARQUET=wasm (read when the codec is first asked for, after these imports).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordBatch } from 'apache-arrow';
import { Rng } from '../../../core/demo/random.ts';
import { readManifest } from '../../../core/iceberg/avro/manifest.ts';
import { ensureNamespace } from '../../../core/iceberg/catalog/ensure.ts';
import type { DataFile } from '../../../core/iceberg/spec/types.ts';
import { writeTable } from '../../../core/iceberg/write/commit.ts';
import { branchSnapshot, snapshotManifests } from '../../../core/iceberg/write/snapshot-producer.ts';
import { encoderStatus } from '../../../core/iceberg/write/encode-pool.ts';
import { heldBytes } from '../../../core/iceberg/write/held-bytes.ts';
import { fileIOFor } from '../../../core/io/resolve-file-io.ts';
import { sqliteLocalCatalog, type CatalogUnderTest } from './catalogs.ts';
import { nestedBatchOf } from './nested-batches.ts';
import { pyiceberg } from './pyiceberg.ts';
import { randomRows, randomSchema } from './random-tables.ts';

process.env.FLOE_PARQUET = 'wasm';

// The writer encodes files of at least 4 MiB in workers (data-file-writer.ts): each file here is
// that big. A buffer this small is cut into whole-buffer files with or without workers, so both
// writes have the same file boundaries, hence the same bytes.
const FILE_BYTES = 4 * 1024 * 1024 + 1;
const TOTAL_BYTES = 3 * FILE_BYTES;

/** The data files of a table's current snapshot, as its manifests list them. */
async function dataFiles(c: CatalogUnderTest, table: string): Promise<DataFile[]> {
  const md = (await c.catalog.loadTable({ namespace: ['workers'], name: table })).metadata;
  const io = fileIOFor(md.location, c.io);
  const out: DataFile[] = [];
  for (const m of await snapshotManifests(io, branchSnapshot(md))) out.push(...readManifest(await io.read(m.manifestPath)).entries.map((e) => e.dataFile));
  return out;
}

describe('encoder worker threads make the same files as the writer\'s own thread (SQLite + local folder)', () => {
  let c: CatalogUnderTest;
  const io = (l: string) => fileIOFor(l, c.io);
  beforeAll(async () => {
    c = await sqliteLocalCatalog();
    await ensureNamespace(c.catalog, ['workers']);
  });
  afterAll(() => c.catalog.close());

  it.each([1, 2, 3])('seed %i: byte-identical files and metrics', async (seed) => {
    const rng = new Rng('writer-workers', seed);
    const schema = randomSchema(rng);
    const batches: RecordBatch[] = [];
    for (let bytes = 0; bytes < TOTAL_BYTES;) {
      const batch = nestedBatchOf(schema, randomRows(rng, schema, 2000));
      batches.push(batch);
      bytes += heldBytes(batch.data);
    }
    const rows = batches.reduce((n, b) => n + b.numRows, 0);
    const files: Record<string, DataFile[]> = {};
    const pyRows: Record<string, unknown> = {};
    for (const [name, encodeWorkers] of [['in_workers', 2], ['in_thread', 0]] as const) {
      const table = `seed_${seed}_${name}`;
      await c.catalog.createTable({ namespace: ['workers'], name: table }, { schema });
      const result = await writeTable(c.catalog, { namespace: ['workers'], name: table }, io, batches, { mode: 'append', bufferBytes: FILE_BYTES, encodeWorkers });
      expect(result.records, `rows committed by the ${name} write`).toBe(BigInt(rows));
      expect(result.dataFiles, `files of the ${name} write (about ${TOTAL_BYTES} bytes of rows, a file per ${FILE_BYTES})`).toBeGreaterThanOrEqual(3);
      files[name] = await dataFiles(c, table);
      pyRows[name] = (await pyiceberg<Record<string, { rows: unknown[] }>>(c.py, 'typed', { tables: [`workers.${table}`] }))[`workers.${table}`]!.rows;
    }
    const status = encoderStatus();
    expect(status.fallback, 'encoder workers should start (tsx registered in the worker) rather than fall back').toBeNull();
    expect(status.workers, 'encoder workers running after the write').toBeGreaterThan(0);

    const withoutPath = (fs: DataFile[]) => fs.map(({ filePath: _path, ...rest }) => rest);
    expect(withoutPath(files.in_workers!), 'data files (counts, sizes, metrics, bounds) of the two writes').toEqual(withoutPath(files.in_thread!));
    for (const [i, f] of files.in_workers!.entries()) {
      const other = files.in_thread![i]!;
      const [a, b] = await Promise.all([io(f.filePath).read(f.filePath), io(other.filePath).read(other.filePath)]);
      expect(Buffer.compare(a, b), `bytes of file ${i} (${f.filePath} from workers vs ${other.filePath} from the writer's thread)`).toBe(0);
    }
    expect(pyRows.in_workers, 'rows PyIceberg reads from the two tables').toEqual(pyRows.in_thread);
  }, 180_000);
});
