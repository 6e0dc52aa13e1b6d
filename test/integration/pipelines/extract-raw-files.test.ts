import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { arrowSchemaFromIceberg } from '../../../core/iceberg/spec/arrow-schema.ts';
import { batchFromColumns } from '../../../core/iceberg/arrow-build.ts';
import { decodeParquet } from '../../../core/iceberg/parquet.ts';
import { fileIOFor } from '../../../core/io/resolve-file-io.ts';
import {
  EXTRACT_BATCH_ROWS, extractTable, rawSchema, rawWriterOptions, SOURCE_TABLES,
} from '../../../core/pipelines/etl-moderation/extract.ts';
import { createSourceTablesSql } from '../../../core/demo/source-schema.ts';
import { postgresSource } from '../../../core/sources/sql-source.ts';
import { freshDatabase, testBed } from '../../services/testbed.ts';
import { encodeParquetStream } from '../../../core/pipelines/etl-moderation/wasm-encoder-thread.ts';

const run = promisify(execFile);
const ROWS = 300_000;
let db: string;
let dir: string;

beforeAll(async () => {
  db = await freshDatabase('extract_raw');
  dir = mkdtempSync(join(tmpdir(), 'floe-extract-raw-'));
  const c = new pg.Client({ connectionString: db });
  await c.connect();
  try {
    await c.query(createSourceTablesSql());
    // Enough rows for three row groups; every 1000th username is null, some hold tabs and emoji.
    await c.query(`INSERT INTO users SELECT md5(i::text)::uuid, CASE WHEN i % 1000 = 0 THEN NULL WHEN i % 7 = 0 THEN 'tab\there 🍜 ' || i ELSE 'user ' || i END,
      timestamptz '2026-03-01 00:00:00+00' + i * interval '1.000001 second' FROM generate_series(1, ${ROWS}) i`);
  } finally {
    await c.end();
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What pyarrow (not parquet-wasm, which wrote the file) sees in a Parquet file: layout, writer properties, aggregates. */
async function pyarrowView(path: string): Promise<{
  rows: number; rowGroups: number[]; compression: string[]; dictionary: Record<string, boolean>; statistics: boolean;
  distinctIds: number; nullUsernames: number; createdAtSum: string; createdAtType: string; sample: Record<string, string | null>;
}> {
  const script = `
import json, sys, pyarrow.parquet as pq
f = pq.ParquetFile(sys.argv[1])
md = f.metadata
t = f.read()
cols = [md.schema.column(j).name for j in range(md.num_columns)]
rg = [md.row_group(i) for i in range(md.num_row_groups)]
ids = t.column('id').to_pylist()
names = t.column('username').to_pylist()
sample = {i: n for i, n in zip(ids, names) if i in ('${'c4ca4238-a0b9-2382-0dcc-509a6f75849b'}', '${'8f14e45f-ceea-167a-5a36-dedd4bea2543'}')}
print(json.dumps({
  'rows': md.num_rows, 'rowGroups': [g.num_rows for g in rg],
  'compression': sorted({g.column(j).compression for g in rg for j in range(md.num_columns)}),
  'dictionary': {cols[j]: any(g.column(j).has_dictionary_page for g in rg) for j in range(md.num_columns)},
  'statistics': any(g.column(j).is_stats_set for g in rg for j in range(md.num_columns)),
  'distinctIds': len(set(ids)), 'nullUsernames': names.count(None),
  'createdAtSum': str(sum(t.column('created_at').cast('int64').to_pylist())), 'createdAtType': str(t.schema.field('created_at').type),
  'sample': sample,
}))`;
  const { stdout } = await run(testBed().python, ['-c', script, path], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout);
}

describe('raw extracts as Parquet files', () => {
  it('are read by pyarrow with every row: 131,072-row groups, zstd, dictionaries only on text, no statistics', async () => {
    const location = join(dir, 'users.parquet');
    const r = await extractTable(postgresSource(db), 'users', fileIOFor(location, {}), location);
    expect(r.rows).toBe(ROWS);
    const view = await pyarrowView(location);
    expect(view.rows).toBe(ROWS);
    expect(view.rowGroups).toEqual([EXTRACT_BATCH_ROWS, EXTRACT_BATCH_ROWS, ROWS - 2 * EXTRACT_BATCH_ROWS]);
    expect(view.compression).toEqual(['ZSTD']);
    expect(view.dictionary).toEqual({ id: false, username: true, created_at: false });
    expect(view.statistics).toBe(false);
    expect(view.distinctIds).toBe(ROWS);
    expect(view.nullUsernames).toBe(ROWS / 1000);
    expect(view.createdAtType).toBe('timestamp[us, tz=UTC]');
    // Postgres's own sum of the times in microseconds: sum over i of (2026-03-01 + i * 1.000001 s).
    const c = new pg.Client({ connectionString: db });
    await c.connect();
    const want = (await c.query<{ s: string }>('SELECT sum((extract(epoch from created_at) * 1000000)::bigint)::text AS s FROM users')).rows[0]!.s;
    await c.end();
    expect(view.createdAtSum).toBe(want);
    expect(view.sample).toEqual({ 'c4ca4238-a0b9-2382-0dcc-509a6f75849b': 'user 1', '8f14e45f-ceea-167a-5a36-dedd4bea2543': 'tab\there 🍜 7' });
  });

  it('of an empty table hold no rows, and the schema', async () => {
    const location = join(dir, 'flags.parquet');
    const r = await extractTable(postgresSource(db), 'flags', fileIOFor(location, {}), location);
    expect(r.rows).toBe(0);
    const t = decodeParquet(readFileSync(location));
    expect(t.numRows).toBe(0);
    expect(t.schema.fields.map((f) => f.name)).toEqual(SOURCE_TABLES.flags!.map(([name]) => name));
  });

  it('are encoded to the same rows by the wasm fallback on its worker thread as on the reading thread', async () => {
    const columns = SOURCE_TABLES.users!;
    const schema = rawSchema(columns);
    const arrow = arrowSchemaFromIceberg(schema);
    const n = 50_000;
    const batches = () => (async function* () {
      for (let b = 0; b < 4; b++) {
        const ids = Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(b * n + i).padStart(12, '0')}`);
        yield batchFromColumns(arrow, [
          { kind: 'utf8', values: ids }, { kind: 'utf8', values: ids.map((id, i) => (i % 3 ? `name ${id.slice(-4)}` : 'Ünïcode 🍜')) },
          { kind: 'int64', values: BigInt64Array.from({ length: n }, (_, i) => BigInt(b * n + i) * 1_000_001n) },
        ], n);
      }
    })();
    const where: string[] = [];
    const collect = async (onThisThread: boolean) => {
      const parts: Uint8Array[] = [];
      for await (const p of encodeParquetStream(arrow, batches(), rawWriterOptions(schema, columns), { onThisThread, log: (_, m) => where.push(m) })) parts.push(p);
      return Buffer.concat(parts);
    };
    const [worker, here] = [await collect(false), await collect(true)];
    expect(where).toEqual(['Parquet encoding on a worker thread', 'Parquet encoding on the reading thread (asked to): slower, nothing else changes']);
    expect(worker.length).toBeGreaterThan(100_000);
    // The same rows; the bytes may differ, as this thread encodes with the native codec where it is built.
    const rows = (bytes: Uint8Array) => decodeParquet(bytes).toArray().map((r) => JSON.stringify(r, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
    expect(decodeParquet(worker).numRows).toBe(4 * n);
    expect(rows(worker)).toEqual(rows(here));
  });

  it('are not left behind, half written, when the run is cancelled during the COPY', async () => {
    const location = join(dir, 'cancelled.parquet');
    const abort = new AbortController();
    const err = await extractTable(postgresSource(db), 'users', fileIOFor(location, {}), location, {
      signal: abort.signal, advance: () => abort.abort(new Error('cancelled by the test')),
    }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/Extracting users to .*cancelled\.parquet failed: .*cancelled by the test/);
    expect(await fileIOFor(location, {}).stat(location)).toBeNull();
  });
});
