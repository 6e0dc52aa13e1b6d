import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolve } from 'node:path';
import { writeTable } from '../../../core/iceberg/write/commit.ts';
import { scanTable } from '../../../core/iceberg/read/scan.ts';
import { ensureNamespace } from '../../../core/iceberg/catalog/ensure.ts';
import type { Schema } from '../../../core/iceberg/spec/types.ts';
import { fileIOFor } from '../../../core/io/resolve-file-io.ts';
import { catalogSetups, postgresS3Catalog, type CatalogUnderTest } from './catalogs.ts';
import { pyiceberg, type PyTable } from './pyiceberg.ts';
import { batchOf, rowsOf, smallSchema, daySpec, collectBatches } from './table-batches.ts';

const run = promisify(execFile);
const schema = smallSchema;
const t = (iso: string) => BigInt(Date.parse(iso)) * 1000n;
const day1 = [
  { image_id: 'a', window_start: t('2026-03-10T12:00:00Z') + 1n, event_count: 3n },
  { image_id: '🍜 ramen', window_start: t('2026-03-10T12:05:00Z'), event_count: null },
];
const day2 = [{ image_id: 'b', window_start: t('2026-03-11T00:00:00Z'), event_count: 9007199254740993n }];
const spec = daySpec;

const collect = collectBatches;
const asPy = (rows: Record<string, unknown>[]) => rowsOf([batchOf(schema, rows)], ['window_start']);

describe.each(catalogSetups)('Iceberg tables written and read by Floe and PyIceberg (%s)', (_name, setup) => {
  let c: CatalogUnderTest;
  const id = { namespace: ['event_aggregations'], name: 'view_windows_5min' };
  const io = (l: string) => fileIOFor(l, c.io);
  beforeAll(async () => {
    c = await setup();
    await ensureNamespace(c.catalog, id.namespace);
    await c.catalog.createTable(id, { schema, spec });
  });
  afterAll(() => c.catalog.close());

  it('appends partitioned data that PyIceberg reads back row for row, with summaries and totals', async () => {
    const first = await writeTable(c.catalog, id, io, [batchOf(schema, [...day1, ...day2])], { mode: 'append', summary: { 'floe.run-id': 'run-1' } });
    expect(first.dataFiles).toBe(2); // one per day partition
    const second = await writeTable(c.catalog, id, io, [batchOf(schema, day1)], { mode: 'append' });
    const py = await pyiceberg<PyTable>(c.py, 'describe', { table: 'event_aggregations.view_windows_5min' });
    expect(py.rows).toEqual(asPy([...day1, ...day2, ...day1]));
    expect(py.snapshots.map((s) => s.snapshot_id)).toEqual([String(first.snapshotId), String(second.snapshotId)]);
    expect(py.snapshots[0]!.summary).toMatchObject({ operation: 'append', 'floe.run-id': 'run-1', 'added-records': '3', 'total-records': '3', 'added-data-files': '2' });
    expect(py.snapshots[1]!.summary).toMatchObject({ 'added-records': '2', 'total-records': '5', 'total-data-files': '3' });
    expect(py.snapshots.map((s) => s.sequence_number)).toEqual([1, 2]);
  });

  it('scans its own table: all rows, a projection, a limit that stops early, and time travel', async () => {
    const md = (await c.catalog.loadTable(id)).metadata;
    const tableIo = io(md.location);
    expect(rowsOf(await collect(scanTable(tableIo, md)), ['window_start'])).toEqual(asPy([...day1, ...day2, ...day1]));
    const projected = await collect(scanTable(tableIo, md, { columns: ['event_count', 'image_id'] }));
    expect(projected[0]!.schema.fields.map((f) => f.name)).toEqual(['event_count', 'image_id']);
    const limited = await collect(scanTable(tableIo, md, { limit: 2 }));
    expect(limited.reduce((n, b) => n + b.numRows, 0)).toBe(2);
    const firstSnapshot = md.snapshots[0]!['snapshot-id'];
    expect(rowsOf(await collect(scanTable(tableIo, md, { snapshotId: firstSnapshot })), ['window_start'])).toEqual(asPy([...day1, ...day2]));
  });

  it('replaces the whole contents in one snapshot: no duplicates, exact totals, old snapshot still readable', async () => {
    const replaced = await writeTable(c.catalog, id, io, [batchOf(schema, day2)], { mode: 'replace' });
    const py = await pyiceberg<PyTable>(c.py, 'describe', { table: 'event_aggregations.view_windows_5min' });
    expect(py.rows).toEqual(asPy(day2));
    expect(py.snapshots.at(-1)!.summary).toMatchObject({ operation: 'overwrite', 'added-records': '1', 'deleted-records': '5', 'total-records': '1', 'total-data-files': '1' });
    expect(py.current_snapshot_id).toBe(String(replaced.snapshotId));
    const md = (await c.catalog.loadTable(id)).metadata;
    expect(rowsOf(await collect(scanTable(io(md.location), md, { snapshotId: md.snapshots[1]!['snapshot-id'] })), ['window_start']))
      .toEqual(asPy([...day1, ...day2, ...day1]));
  });

  it('reads and appends to a partitioned table PyIceberg made, and PyIceberg reads the result', async () => {
    const made = await pyiceberg<PyTable>(c.py, 'create', { table: 'event_aggregations.py_made', partitioned: true });
    const pyId = { namespace: ['event_aggregations'], name: 'py_made' };
    const md = (await c.catalog.loadTable(pyId)).metadata;
    const floeRows = rowsOf(await collect(scanTable(io(md.location), md)), ['window_start']);
    expect(floeRows).toEqual(made.rows);
    await writeTable(c.catalog, pyId, io, [batchOf(md.schemas[0]!, [{ image_id: 'img-9', window_start: t('2024-05-03T08:00:00Z'), event_count: 1n }])], { mode: 'append' });
    const after = await pyiceberg<PyTable>(c.py, 'describe', { table: 'event_aggregations.py_made' });
    expect(after.row_count).toBe(4);
    expect(after.rows).toContainEqual({ image_id: 'img-9', window_start: '2024-05-03T08:00:00+00:00', event_count: 1 });
    expect(after.snapshots.at(-1)!.summary).toMatchObject({ operation: 'append', 'total-records': '4' });
  });

  it('refuses data that does not fit the table, naming the column, and leaves the table unchanged', async () => {
    const before = (await c.catalog.loadTable(id)).metadataLocation;
    const wrong: Schema = { ...schema, fields: [schema.fields[0]!, schema.fields[1]!, { id: 3, name: 'event_count', required: false, type: 'double' }] };
    await expect(writeTable(c.catalog, id, io, [batchOf(wrong, [{ image_id: 'x', window_start: null, event_count: 1.5 }])], { mode: 'append' }))
      .rejects.toThrow(/column "event_count": table has long, data has double/);
    await expect(writeTable(c.catalog, id, io, [batchOf({ ...schema, fields: [{ ...schema.fields[0]!, required: false }, schema.fields[1]!, schema.fields[2]!] }, [{ image_id: null }])], { mode: 'append' }))
      .rejects.toThrow(/column "image_id" is required but 1 rows have no value/);
    expect((await c.catalog.loadTable(id)).metadataLocation).toBe(before);
  });
});

describe('concurrent appends from separate processes (Postgres + S3)', () => {
  it('lands every append exactly once, retrying conflicts instead of failing', async () => {
    const c = await postgresS3Catalog();
    const id = { namespace: ['event_aggregations'], name: 'contended' };
    await ensureNamespace(c.catalog, id.namespace);
    await c.catalog.createTable(id, { schema, spec });
    await c.catalog.close();
    const worker = resolve(import.meta.dirname, 'append-worker.ts');
    const startAt = Date.now() + 8000;
    const outputs = await Promise.all(Array.from({ length: 4 }, (_, w) =>
      run('npx', ['tsx', worker, JSON.stringify({ db: c.py.uri, warehouse: c.py.warehouse, io: c.io, worker: w, startAt })])));
    const results = outputs.map((o) => JSON.parse(o.stdout) as { snapshotId: string });
    const py = await pyiceberg<PyTable>(c.py, 'describe', { table: 'event_aggregations.contended' });
    expect(py.row_count).toBe(4 * 50);
    expect(new Set(py.rows.map((r) => r.image_id)).size).toBe(4 * 50);
    expect(py.snapshots.map((s) => s.snapshot_id).sort()).toEqual(results.map((r) => r.snapshotId).sort());
    expect(py.snapshots.at(-1)!.summary['total-records']).toBe('200');
  });
});
