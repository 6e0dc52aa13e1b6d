/**
 * The REST catalog against Apache Iceberg's RESTCatalogServer (JdbcCatalog on SQLite, warehouse on
 * the test S3 server), with PyIceberg's RestCatalog as the independent second client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type AddressInfo } from 'node:net';
import { AlreadyExistsError, NamespaceNotEmptyError, NoSuchNamespaceError, NoSuchTableError, type TableIdentifier } from '../../../core/iceberg/catalog/catalog.ts';
import { RestCatalog } from '../../../core/iceberg/catalog/rest-catalog.ts';
import { scanTable } from '../../../core/iceberg/read/scan.ts';
import { CommitConflictError, type TableRequirement, type TableUpdate } from '../../../core/iceberg/spec/table-updates.ts';
import { writeTable } from '../../../core/iceberg/write/commit.ts';
import { fileIOFor } from '../../../core/io/resolve-file-io.ts';
import { testBed, uniqueName } from '../../services/testbed.ts';
import { s3Config } from './catalogs.ts';
import { pyiceberg, type PyCatalog, type PyTable } from './pyiceberg.ts';
import { batchOf, rowsOf, smallSchema, daySpec, collectBatches } from './table-batches.ts';

const schema = smallSchema;
const spec = daySpec;
const t = (iso: string) => BigInt(Date.parse(iso)) * 1000n;
const rowsA = [
  { image_id: 'a', window_start: t('2026-03-10T12:00:00Z') + 1n, event_count: 3n },
  { image_id: '🍜 ramen', window_start: t('2026-03-10T12:05:00Z'), event_count: null },
];
const rowsB = [{ image_id: 'b', window_start: t('2026-03-11T00:00:00Z'), event_count: 9007199254740993n }];
const asPy = (rows: Record<string, unknown>[]) => rowsOf([batchOf(schema, rows)], ['window_start']);
const io = (location: string) => fileIOFor(location, s3Config());

const collect = collectBatches;

const openCatalog = () => new RestCatalog({ name: 'gourmetgram', uri: testBed().rest.uri });
const py = (): PyCatalog => ({ type: 'rest', uri: testBed().rest.uri, warehouse: testBed().rest.warehouse });
// The server outlives test runs: every run works in namespaces of its own.
const freshNamespace = (prefix: string) => [uniqueName(prefix).replace(/-/g, '_')];

describe('REST catalog (Apache RESTCatalogServer)', () => {
  let catalog: RestCatalog;
  beforeAll(() => { catalog = openCatalog(); });
  afterAll(() => catalog.close());

  it('creates, lists, renames, registers and drops namespaces and tables, with the catalog errors', async () => {
    const ns = freshNamespace('rest_lifecycle');
    const other = freshNamespace('rest_other');
    expect(await catalog.namespaceExists(ns)).toBe(false);
    await catalog.createNamespace(ns, { owner: 'floe-test' });
    await catalog.createNamespace(other);
    expect(await catalog.listNamespaces()).toEqual(expect.arrayContaining([ns, other]));
    expect(await catalog.namespaceExists(ns)).toBe(true);
    expect(await catalog.loadNamespaceProperties(ns)).toMatchObject({ owner: 'floe-test' });
    await expect(catalog.createNamespace(ns)).rejects.toThrow(AlreadyExistsError);

    const id = { namespace: ns, name: 'windows' };
    const created = await catalog.createTable(id, { schema, spec, properties: { 'floe.created-by': 'test' } });
    expect(created.metadataLocation).toMatch(/\/windows\/metadata\/00000-[0-9a-f-]{36}\.metadata\.json$/);
    expect(created.metadata['format-version']).toBe(2);
    expect(created.metadata.schemas[0]!.fields).toEqual(schema.fields);
    expect(created.metadata['partition-specs'][0]!.fields).toEqual(spec.fields);
    expect(created.metadata.properties).toMatchObject({ 'floe.created-by': 'test' });
    expect(created.metadata['current-snapshot-id']).toBeNull();
    expect(await catalog.listTables(ns)).toEqual([id]);
    expect(await catalog.tableExists(id)).toBe(true);
    expect((await catalog.loadTable(id)).metadataLocation).toBe(created.metadataLocation);
    await expect(catalog.createTable(id, { schema })).rejects.toThrow(AlreadyExistsError);
    await expect(catalog.createTable({ namespace: ['no_such_ns'], name: 't' }, { schema })).rejects.toThrow(NoSuchNamespaceError);
    const missing = catalog.loadTable({ namespace: ns, name: 'missing' });
    await expect(missing).rejects.toThrow(NoSuchTableError);
    // The message names the table and the request, so a user can tell which server said what.
    await expect(missing).rejects.toThrow(new RegExp(`${ns[0]}\\.missing does not exist.*GET http://127\\.0\\.0\\.1:\\d+/v1/namespaces/${ns[0]}/tables/missing answered HTTP 404`));

    const renamed = { namespace: other, name: 'renamed' };
    await catalog.renameTable(id, renamed);
    expect(await catalog.tableExists(id)).toBe(false);
    expect((await catalog.loadTable(renamed)).metadataLocation).toBe(created.metadataLocation);
    await expect(catalog.renameTable({ namespace: ns, name: 'missing' }, { namespace: other, name: 'x' })).rejects.toThrow(NoSuchTableError);
    const registered = await catalog.registerTable(id, created.metadataLocation);
    expect(registered.metadata['table-uuid']).toBe(created.metadata['table-uuid']);
    await expect(catalog.renameTable(id, renamed)).rejects.toThrow(AlreadyExistsError);
    await expect(catalog.registerTable(id, created.metadataLocation)).rejects.toThrow(AlreadyExistsError);

    await expect(catalog.dropNamespace(ns)).rejects.toThrow(NamespaceNotEmptyError);
    await catalog.dropTable(id);
    await catalog.dropTable(renamed);
    await expect(catalog.dropTable(id)).rejects.toThrow(NoSuchTableError);
    expect(await catalog.listTables(ns)).toEqual([]);
    await catalog.dropNamespace(ns);
    await catalog.dropNamespace(other);
    expect(await catalog.namespaceExists(ns)).toBe(false);
    await expect(catalog.loadNamespaceProperties(ns)).rejects.toThrow(NoSuchNamespaceError);
    await expect(catalog.dropNamespace(ns)).rejects.toThrow(NoSuchNamespaceError);
  });

  it('keeps 63-bit snapshot ids exact through writes, reloads, scans and PyIceberg', async () => {
    const ns = freshNamespace('rest_bigids');
    const id = { namespace: ns, name: 'view_windows' };
    await catalog.createNamespace(ns);
    await catalog.createTable(id, { schema, spec });
    const first = await writeTable(catalog, id, io, [batchOf(schema, rowsA)], { mode: 'append' });
    // The second commit asserts main is at the first snapshot, as loaded back through REST: a
    // rounded id would fail that requirement on every retry.
    const second = await writeTable(catalog, id, io, [batchOf(schema, rowsB)], { mode: 'append' });
    const ids = [first.snapshotId, second.snapshotId];
    // Random 63-bit ids: both at or below 2^53 has odds of one in a million.
    expect(ids.some((s) => s > 2n ** 53n)).toBe(true);
    expect(second.attempts).toBe(1);
    expect(second.table.metadata['current-snapshot-id']).toBe(second.snapshotId);

    const loaded = await openCatalog().loadTable(id);
    expect(loaded.metadata.snapshots.map((s) => s['snapshot-id'])).toEqual(ids);
    expect(loaded.metadata.snapshots[1]!['parent-snapshot-id']).toBe(first.snapshotId);
    expect(loaded.metadata.refs.main).toEqual({ 'snapshot-id': second.snapshotId, type: 'branch' });
    const tableIo = io(loaded.metadata.location);
    expect(rowsOf(await collect(scanTable(tableIo, loaded.metadata)), ['window_start'])).toEqual(asPy([...rowsA, ...rowsB]));
    expect(rowsOf(await collect(scanTable(tableIo, loaded.metadata, { snapshotId: first.snapshotId })), ['window_start'])).toEqual(asPy(rowsA));

    const fromPy = await pyiceberg<PyTable>(py(), 'describe', { table: `${ns[0]}.view_windows` });
    expect(fromPy.metadata_location).toBe(loaded.metadataLocation);
    expect(fromPy.snapshots.map((s) => s.snapshot_id)).toEqual(ids.map(String));
    expect(fromPy.current_snapshot_id).toBe(String(second.snapshotId));
    expect(fromPy.rows).toEqual(asPy([...rowsA, ...rowsB]));
    expect(fromPy.snapshots[1]!.summary).toMatchObject({ operation: 'append', 'added-records': '1', 'total-records': '3' });
  });

  it('lets exactly one of two concurrent writers win a commit; the other gets CommitConflictError and retries', async () => {
    const ns = freshNamespace('rest_race');
    const id = { namespace: ns, name: 'contended' };
    await catalog.createNamespace(ns);
    await catalog.createTable(id, { schema, spec });
    // Both writers' first commits wait for each other, so both are built on the same base.
    let arrive!: () => void;
    const bothArrived = new Promise<void>((resolve) => {
      let n = 0;
      arrive = () => { if (++n === 2) resolve(); };
    });
    const writers = [new BarrierCatalog(arrive, bothArrived), new BarrierCatalog(arrive, bothArrived)];
    const conflicts: unknown[] = [];
    const results = await Promise.all(writers.map((w, i) =>
      writeTable(w, id, io, [batchOf(schema, i === 0 ? rowsA : rowsB)], { mode: 'append', onConflict: (_attempt, err) => conflicts.push(err) })));

    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toBeInstanceOf(CommitConflictError);
    expect((conflicts[0] as Error).message).toMatch(/409 CommitFailedException/);
    expect(results.map((r) => r.attempts).sort()).toEqual([1, 2]);
    const fromPy = await pyiceberg<PyTable>(py(), 'describe', { table: `${ns[0]}.contended` });
    expect(fromPy.rows).toEqual(asPy([...rowsA, ...rowsB]));
    expect(fromPy.snapshots.map((s) => s.snapshot_id).sort()).toEqual(results.map((r) => String(r.snapshotId)).sort());
  });

  it('reads and appends to a table PyIceberg wrote through REST, and PyIceberg reads the result', async () => {
    const ns = freshNamespace('rest_py');
    const made = await pyiceberg<PyTable>(py(), 'create', { table: `${ns[0]}.py_made`, partitioned: true });
    const id = { namespace: ns, name: 'py_made' };
    const table = await catalog.loadTable(id);
    expect(table.metadataLocation).toBe(made.metadata_location);
    expect(String(table.metadata['current-snapshot-id'])).toBe(made.current_snapshot_id);
    const md = table.metadata;
    expect(rowsOf(await collect(scanTable(io(md.location), md)), ['window_start'])).toEqual(made.rows);

    const extra = { image_id: 'img-9', window_start: t('2024-05-03T08:00:00Z'), event_count: 1n };
    const written = await writeTable(catalog, id, io, [batchOf(md.schemas[0]!, [extra])], { mode: 'append' });
    const after = await pyiceberg<PyTable>(py(), 'describe', { table: `${ns[0]}.py_made` });
    expect(after.row_count).toBe(4);
    expect(after.rows).toContainEqual({ image_id: 'img-9', window_start: '2024-05-03T08:00:00+00:00', event_count: 1 });
    expect(after.current_snapshot_id).toBe(String(written.snapshotId));
    expect(after.snapshots.at(-1)!.parent_snapshot_id).toBe(made.current_snapshot_id);
  });

  it('authenticates with OAuth2 client credentials (one token request) and a bearer token', async () => {
    const seen: { url: string; authorization: string | null }[] = [];
    const recording: typeof fetch = (input, init) => {
      seen.push({ url: String(input), authorization: new Headers(init?.headers).get('authorization') });
      return fetch(input, init);
    };
    const oauth = new RestCatalog({
      name: 'gourmetgram', uri: testBed().rest.uri, fetch: recording,
      auth: { type: 'oauth2', clientId: 'floe', clientSecret: 'not-checked-by-the-test-server' },
    });
    await oauth.listNamespaces();
    await oauth.namespaceExists(['nope']);
    const tokenRequests = seen.filter((s) => s.url.endsWith('/v1/oauth/tokens'));
    expect(tokenRequests).toHaveLength(1);
    const rest = seen.filter((s) => !s.url.endsWith('/v1/oauth/tokens'));
    // RESTCatalogServer issues "client-credentials-token:sub=<client id>".
    expect(rest.map((s) => s.authorization)).toEqual(rest.map(() => 'Bearer client-credentials-token:sub=floe'));

    seen.length = 0;
    await new RestCatalog({ name: 'gourmetgram', uri: testBed().rest.uri, fetch: recording, auth: { type: 'bearer', token: 'tkn' } }).listNamespaces();
    expect(seen.map((s) => s.authorization)).toEqual(seen.map(() => 'Bearer tkn'));
  });

  it('says which server it cannot reach, and never repeats credentials', async () => {
    const port = await closedPort();
    const down = new RestCatalog({ name: 'gourmetgram', uri: `http://127.0.0.1:${port}/`, auth: { type: 'bearer', token: 'sekrit' } });
    const err = await down.loadTable({ namespace: ['ns'], name: 't' }).then(() => new Error('loaded'), (e: unknown) => e as Error);
    expect(err.message).toMatch(new RegExp(`Cannot reach the Iceberg REST catalog "gourmetgram" \\(REST GET http://127\\.0\\.0\\.1:${port}/v1/config answered nothing .*ECONNREFUSED`));
    expect(err.message).not.toMatch(/sekrit/);
    expect(() => new RestCatalog({ name: 'gourmetgram', uri: 'http://floe:hunter2@127.0.0.1:9' }))
      .toThrow(/URI http:\/\/127\.0\.0\.1:9 must not hold a user name or password/);
    expect(() => new RestCatalog({ name: 'gourmetgram', uri: 'http://floe:hunter2@127.0.0.1:9' })).not.toThrow(/hunter2/);
  });
});

/** A loopback port nothing listens on (just released by a server that had it). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A RestCatalog whose first commit waits until `bothArrived`, as if two processes raced. */
class BarrierCatalog extends RestCatalog {
  private waited = false;
  constructor(private readonly arrive: () => void, private readonly bothArrived: Promise<void>) {
    super({ name: 'gourmetgram', uri: testBed().rest.uri });
  }

  override async commitTable(id: TableIdentifier, requirements: TableRequirement[], updates: TableUpdate[]) {
    if (!this.waited) {
      this.waited = true;
      this.arrive();
      await this.bothArrived;
    }
    return super.commitTable(id, requirements, updates);
  }
}
