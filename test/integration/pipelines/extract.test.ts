import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PGlite } from '@electric-sql/pglite';
import { World } from '../../../core/demo/generator.ts';
import { loadWorldIntoPostgres } from '../../../core/demo/load-postgres.ts';
import { loadWorldIntoPglite } from '../../../core/demo/load-pglite.ts';
import { extractTable, SOURCE_TABLES } from '../../../core/pipelines/etl-moderation/extract.ts';
import { decodeParquet } from '../../../core/iceberg/parquet.ts';
import { fileIOFor } from '../../../core/io/resolve-file-io.ts';
import { postgresSource, type SqlSource } from '../../../core/sources/sql-source.ts';
import { pgliteSource } from '../../../core/sources/pglite-source.ts';
import type { SourceRow } from '../../../core/demo/model.ts';
import { freshDatabase, testBed, uniqueName } from '../../services/testbed.ts';
import { s3Config } from '../iceberg/catalogs.ts';

const world = new World({ images: 300, seed: 'extract' });
const expected = [...world.tableRows()];
const base = `s3://${testBed().s3.bucket}/${uniqueName('raw')}`;
const io = () => fileIOFor(base, s3Config());
let db: string;
let pglite: PGlite;
const sources: Record<string, () => SqlSource> = {
  Postgres: () => postgresSource(db),
  // Small pages so that every table is read in several of them.
  PGlite: () => pgliteSource(pglite, { pageRows: 97 }),
};

beforeAll(async () => {
  db = await freshDatabase('extract');
  await loadWorldIntoPostgres(world, db);
  pglite = (await loadWorldIntoPglite(world)).db;
});
afterAll(() => pglite.close());

describe.each(Object.keys(sources))('extract from %s to raw Parquet on S3', (sourceName) => {
  it.each(Object.keys(SOURCE_TABLES))('writes %s with every row and value, uuids as canonical text and times as UTC microseconds', async (table) => {
    const location = `${base}/${sourceName}/raw/${table}/latest.parquet`;
    const r = await extractTable(sources[sourceName]!(), table, io(), location);
    const want = expected.filter((x: SourceRow) => x.table === table).map((x) => x.row as unknown as Record<string, unknown>);
    expect(r.rows).toBe(want.length);
    const got = decodeParquet(await io().read(location));
    expect(got.numRows).toBe(want.length);
    const columns = SOURCE_TABLES[table]!;
    const byId = new Map<string, Record<string, unknown>>();
    for (let i = 0; i < got.numRows; i++) {
      const row: Record<string, unknown> = {};
      for (const [name, type] of columns) {
        const v = got.getChild(name)!.get(i) as unknown;
        row[name] = v === null ? null : type === 'timestamptz' ? Number((got.getChild(name)!.data[0]!.values as BigInt64Array)[i]) : v;
      }
      byId.set(row.id as string, row);
    }
    expect(byId.size).toBe(want.length);
    for (const w of want) expect(byId.get(w.id as string), `${table} ${String(w.id)}`).toEqual(Object.fromEntries(columns.map(([name]) => [name, w[name] ?? null])));
  });
});

describe('extract errors', () => {
  it('replaces the object on a second run and names the table when the source is missing', async () => {
    const location = `${base}/raw/users/latest.parquet`;
    await extractTable(postgresSource(db), 'users', io(), location);
    await expect(extractTable(postgresSource(db), 'nope', io(), location)).rejects.toThrow(/"nope" is not one of the source tables/);
    await expect(extractTable(postgresSource(db.replace(/\/[^/]+$/, '/postgres')), 'users', io(), `${base}/raw/missing/latest.parquet`)).rejects.toThrow(/Extracting users .* failed: relation "users" does not exist/);
    expect(await io().stat(`${base}/raw/missing/latest.parquet`)).toBeNull();
  });

  it('names the source without its password when it cannot connect', async () => {
    const url = db.replace('postgresql://postgres@', 'postgresql://postgres:hunter2@').replace(/:(\d+)\//, ':1/');
    const err = await extractTable(postgresSource(url), 'users', io(), `${base}/raw/refused/latest.parquet`).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/Extracting users .* failed: Cannot connect to the Postgres source postgresql:\/\/postgres@127\.0\.0\.1:1\//);
    expect((err as Error).message).not.toContain('hunter2');
  });

  // A source that loses a row on the way (its COPY text without the first line), or whose count
  // of rows sent is one more than arrived: extract must notice and leave no file behind.
  function lossy(how: 'drop a row' | 'count one more'): SqlSource {
    const real = postgresSource(db);
    return {
      description: real.description,
      readSnapshot: (fn) => real.readSnapshot((snapshot) => fn({
        ...snapshot,
        async *copyText(request, signal) {
          let first = true;
          for await (const chunk of snapshot.copyText(request, signal)) {
            yield first ? chunk.subarray(chunk.indexOf(10) + 1) : chunk;
            first = false;
          }
        },
        copyBinary: (request, signal, onRowCount) => snapshot.copyBinary!(request, signal, (n) => onRowCount?.(n + 1)),
        estimate: how === 'drop a row' ? undefined : snapshot.estimate,
      })),
    };
  }

  it.each([['drop a row', 'text'], ['count one more', 'binary']] as const)('keeps no file when fewer rows arrive than the source has (%s)', async (how, copyFormat) => {
    const location = `${base}/raw/lossy-${copyFormat}/latest.parquet`;
    const users = expected.filter((x) => x.table === 'users').length;
    const message = how === 'drop a row' ? `the source has ${users} rows, ${users - 1} were read` : `the source has ${users + 1} rows, ${users} were read`;
    await expect(extractTable(lossy(how), 'users', io(), location, {}, { copyFormat })).rejects.toThrow(message);
    expect(await io().stat(location)).toBeNull();
  });
});
