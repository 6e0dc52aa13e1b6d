import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolve } from 'node:path';
import pg from 'pg';
import { AlreadyExistsError, NoSuchNamespaceError, NoSuchTableError } from '../../../core/iceberg/catalog/catalog.ts';
import { CommitConflictError } from '../../../core/iceberg/spec/table-updates.ts';
import { fileIOFor } from '../../../core/io/resolve-file-io.ts';
import { catalogSetups, postgresS3Catalog, type CatalogUnderTest } from './catalogs.ts';
import { smallSchema } from './table-batches.ts';
import { pyiceberg, type PyTable } from './pyiceberg.ts';

const run = promisify(execFile);

const schema = smallSchema;

describe.each(catalogSetups)('SQL catalog on %s, shared with PyIceberg', (_name, setup) => {
  let c: CatalogUnderTest;
  beforeAll(async () => { c = await setup(); });
  afterAll(() => c.catalog.close());

  it('creates namespaces and tables that PyIceberg sees with the same schema and field ids', async () => {
    await c.catalog.createNamespace(['moderation']);
    const t = await c.catalog.createTable({ namespace: ['moderation'], name: 'windows' }, {
      schema, spec: { 'spec-id': 0, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'window_start_day', transform: 'day' }] },
      properties: { 'floe.created-by': 'test' },
    });
    expect(t.metadataLocation).toMatch(/\/moderation\/windows\/metadata\/00000-[0-9a-f-]{36}\.metadata\.json$/);

    const py = await pyiceberg<PyTable>(c.py, 'describe', { table: 'moderation.windows' });
    expect(py.metadata_location).toBe(t.metadataLocation);
    expect(py.format_version).toBe(2);
    expect(py.schema.fields.map((f) => [f.id, f.name, f.type, f.required])).toEqual([
      [1, 'image_id', 'string', true], [2, 'window_start', 'timestamptz', false], [3, 'event_count', 'long', false],
    ]);
    expect(py.spec.fields).toEqual([{ 'source-id': 2, 'field-id': 1000, transform: 'day', name: 'window_start_day' }]);
    expect(py.properties).toMatchObject({ 'floe.created-by': 'test' });
    expect(py.current_snapshot_id).toBeNull();
    expect(py.row_count).toBe(0);
    const ns = await pyiceberg<{ namespaces: string[][] }>(c.py, 'namespaces');
    expect(ns.namespaces).toContainEqual(['moderation']);
  });

  it('loads and lists tables that PyIceberg created, with snapshot ids exact', async () => {
    const py = await pyiceberg<PyTable>(c.py, 'create', { table: 'event_aggregations.py_made', partitioned: true });
    expect(await c.catalog.listNamespaces()).toEqual(expect.arrayContaining([['event_aggregations'], ['moderation']]));
    expect(await c.catalog.listTables(['event_aggregations'])).toEqual([{ namespace: ['event_aggregations'], name: 'py_made' }]);
    const t = await c.catalog.loadTable({ namespace: ['event_aggregations'], name: 'py_made' });
    expect(t.metadataLocation).toBe(py.metadata_location);
    expect(String(t.metadata['current-snapshot-id'])).toBe(py.current_snapshot_id);
    expect(t.metadata.snapshots[0]!.summary).toMatchObject({ operation: 'append', 'added-records': '3' });
    expect(t.metadata['partition-specs'][0]!.fields).toEqual(py.spec.fields);
  });

  it('refuses duplicates and missing parents with errors that say what to do', async () => {
    await expect(c.catalog.createNamespace(['moderation'])).rejects.toThrow(AlreadyExistsError);
    await expect(c.catalog.createTable({ namespace: ['moderation'], name: 'windows' }, { schema })).rejects.toThrow(AlreadyExistsError);
    await expect(c.catalog.createTable({ namespace: ['nope'], name: 't' }, { schema })).rejects.toThrow(NoSuchNamespaceError);
    await expect(c.catalog.loadTable({ namespace: ['moderation'], name: 'missing' })).rejects.toThrow(/moderation.missing does not exist/);
  });

  it('commits by compare-and-swap: of two writers adding a snapshot on the same base, exactly one wins', async () => {
    const id = { namespace: ['moderation'], name: 'cas' };
    const base = await c.catalog.createTable(id, { schema });
    const other = c.reopen();
    const addSnapshot = (catalog: typeof c.catalog, snapshotId: bigint) => catalog.commitTable(id,
      [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': null }],
      [
        { action: 'add-snapshot', snapshot: { 'snapshot-id': snapshotId, 'sequence-number': 1n, 'timestamp-ms': Date.now(), 'manifest-list': `${base.metadata.location}/metadata/snap-${snapshotId}.avro`, summary: { operation: 'append' } } },
        { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': snapshotId },
      ]);
    const results = await Promise.allSettled([addSnapshot(c.catalog, 111n), addSnapshot(other, 222n)]);
    await other.close();
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(failed.reason).toBeInstanceOf(CommitConflictError);
    const now = await c.catalog.loadTable(id);
    expect([111n, 222n]).toContain(now.metadata['current-snapshot-id']);
    expect(now.metadata.snapshots).toHaveLength(1);
    expect(now.metadata['metadata-log'].map((e) => e['metadata-file'])).toEqual([base.metadataLocation]);
    // The loser's metadata file, if it got as far as writing one, was removed.
    const files = [];
    for await (const f of fileIOFor(now.metadataLocation, c.io).list(now.metadata.location + '/metadata/')) files.push(f.path);
    expect(files.sort()).toEqual([base.metadataLocation, now.metadataLocation].sort());
  });

  it('renames, registers and drops tables', async () => {
    const from = { namespace: ['moderation'], name: 'windows' };
    const to = { namespace: ['event_aggregations'], name: 'renamed' };
    const before = await c.catalog.loadTable(from);
    await c.catalog.renameTable(from, to);
    expect(await c.catalog.tableExists(from)).toBe(false);
    expect((await c.catalog.loadTable(to)).metadataLocation).toBe(before.metadataLocation);
    await c.catalog.dropTable(to);
    await expect(c.catalog.loadTable(to)).rejects.toThrow(NoSuchTableError);
    const registered = await c.catalog.registerTable(from, before.metadataLocation);
    expect(registered.metadata['table-uuid']).toBe(before.metadata['table-uuid']);
    expect((await pyiceberg<PyTable>(c.py, 'describe', { table: 'moderation.windows' })).metadata_location).toBe(before.metadataLocation);
  });
});

describe('SQL catalog under concurrency (separate processes, real Postgres)', () => {
  it('lets 6 processes bootstrap, create the same namespace and the same table at once without an error', async () => {
    const c = await postgresS3Catalog();
    await c.catalog.close();
    const worker = resolve(import.meta.dirname, 'catalog-worker.ts');
    const startAt = Date.now() + 8000; // after every worker has loaded its code
    const outputs = await Promise.all(Array.from({ length: 6 }, () =>
      run('npx', ['tsx', worker, JSON.stringify({ db: c.py.uri, warehouse: c.py.warehouse, io: c.io, startAt })], { env: { ...process.env } })));
    const results = outputs.map((o) => JSON.parse(o.stdout) as { created: boolean; metadataLocation: string });
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.metadataLocation)).size).toBe(1);

    const client = new pg.Client({ connectionString: c.py.uri });
    await client.connect();
    const tables = await client.query('SELECT table_namespace, table_name, metadata_location FROM iceberg_tables');
    const props = await client.query('SELECT namespace, property_key FROM iceberg_namespace_properties');
    await client.end();
    expect(tables.rows).toEqual([{ table_namespace: 'moderation', table_name: 'training_data', metadata_location: results[0]!.metadataLocation }]);
    expect(props.rows).toEqual([{ namespace: 'moderation', property_key: 'exists' }]);
  });
});
