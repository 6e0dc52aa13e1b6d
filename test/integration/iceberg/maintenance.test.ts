import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordBatch } from 'apache-arrow';
import { ensureNamespace } from '../../../core/iceberg/catalog/ensure.ts';
import { expireSnapshots } from '../../../core/iceberg/maintenance/expire-snapshots.ts';
import { removeOrphanFiles } from '../../../core/iceberg/maintenance/remove-orphan-files.ts';
import { rewriteDataFiles } from '../../../core/iceberg/maintenance/rewrite-data-files.ts';
import { RewriteInvalidatedError } from '../../../core/iceberg/maintenance/rewrite-snapshot.ts';
import { planFiles, resolveSnapshot, scanTable } from '../../../core/iceberg/read/scan.ts';
import { CommitAbandonedError, writeTable } from '../../../core/iceberg/write/commit.ts';
import { fileIOFor } from '../../../core/io/resolve-file-io.ts';
import { catalogSetups, type CatalogUnderTest } from './catalogs.ts';
import { dataFilesOf, killHard, liveFiles, racingCatalog, sleep, startCrashWriter, storedFiles } from './maintenance-helpers.ts';
import { pyiceberg, type PyTable } from './pyiceberg.ts';
import { batchOf, smallSchema, daySpec } from './table-batches.ts';

const schema = smallSchema;
const spec = daySpec;
const DAY1 = BigInt(Date.parse('2026-03-10T00:00:00Z')) * 1000n;
const DAY2 = BigInt(Date.parse('2026-03-11T00:00:00Z')) * 1000n;
/** Rows of one small append: half in each of two day partitions. */
const rowsOf = (tag: string, n = 6) => Array.from({ length: n }, (_, i) => ({
  image_id: `${tag}-${i}`, window_start: (i % 2 === 0 ? DAY1 : DAY2) + BigInt(i) * 60_000_000n, event_count: BigInt(i),
}));
const MiB = 1024 * 1024;

async function count(gen: AsyncIterable<RecordBatch>): Promise<number> {
  let n = 0;
  for await (const b of gen) n += b.numRows;
  return n;
}

describe.each(catalogSetups)('table maintenance (%s)', (_name, setup) => {
  let c: CatalogUnderTest;
  const id = { namespace: ['maintenance'], name: 'events' };
  const io = (l: string) => fileIOFor(l, c.io);
  const describeTable = (table = 'maintenance.events') => pyiceberg<PyTable>(c.py, 'describe', { table });
  const load = async (tableId = id) => (await c.catalog.loadTable(tableId)).metadata;
  const append = (tag: string, tableId = id) => writeTable(c.catalog, tableId, io, [batchOf(schema, rowsOf(tag))], { mode: 'append' });

  beforeAll(async () => {
    c = await setup();
    await ensureNamespace(c.catalog, id.namespace);
    await c.catalog.createTable(id, { schema, spec });
  });
  afterAll(() => c.catalog.close());

  it('compacts many small appends into one file per partition; PyIceberg reads exactly the same rows', async () => {
    for (let i = 0; i < 6; i++) await append(`a${i}`);
    const before = await describeTable();
    expect(before.row_count).toBe(36);
    const md = await load();
    expect(await planFiles(io(md.location), md, resolveSnapshot(md))).toHaveLength(12);

    const r = await rewriteDataFiles(c.catalog, id, io, { targetFileBytes: 64 * MiB });
    expect(r).toMatchObject({ groups: 2, rewrittenFiles: 12, addedFiles: 2, records: 36n, attempts: 1 });
    const after = await describeTable();
    expect(after.rows).toEqual(before.rows);
    expect(after.current_snapshot_id).toBe(String(r.snapshotId));
    expect(after.snapshots.at(-1)!.summary).toMatchObject({
      operation: 'replace', 'added-data-files': '2', 'deleted-data-files': '12', 'added-records': '36', 'deleted-records': '36',
      'total-records': '36', 'total-data-files': '2',
    });
    const now = await load();
    expect(await planFiles(io(now.location), now, resolveSnapshot(now))).toHaveLength(2);
    // Nothing small is left in numbers worth rewriting.
    expect((await rewriteDataFiles(c.catalog, id, io, { targetFileBytes: 64 * MiB })).snapshotId).toBeNull();
  });

  it('retries a compaction that met a concurrent append, keeping the appended rows', async () => {
    await append('b0');
    await append('b1');
    const before = await describeTable();
    const racing = racingCatalog(c.catalog, () => append('raced'));
    const r = await rewriteDataFiles(racing, id, io, { targetFileBytes: 64 * MiB });
    expect(r).toMatchObject({ attempts: 2, groups: 2, rewrittenFiles: 6, addedFiles: 2 });
    const after = await describeTable();
    expect(after.row_count).toBe(before.row_count + 6);
    expect(after.rows).toEqual(expect.arrayContaining(before.rows));
    expect(after.rows.filter((row) => String(row.image_id).startsWith('raced-'))).toHaveLength(6);
    const md = await load();
    expect(await planFiles(io(md.location), md, resolveSnapshot(md))).toHaveLength(4); // 2 compacted + the raced append's 2
  });

  it('abandons a compaction whose input files a concurrent overwrite removed, and deletes what it wrote', async () => {
    const other = { namespace: ['maintenance'], name: 'contested' };
    await c.catalog.createTable(other, { schema, spec });
    await append('c0', other);
    await append('c1', other);
    const location = (await load(other)).location;
    let storedAfterOverwrite: string[] = [];
    const racing = racingCatalog(c.catalog, async () => {
      await writeTable(c.catalog, other, io, [batchOf(schema, rowsOf('over', 2))], { mode: 'replace' });
      storedAfterOverwrite = dataFilesOf(await storedFiles(io, location));
    });
    const err = await rewriteDataFiles(racing, other, io, { targetFileBytes: 64 * MiB }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommitAbandonedError);
    expect((err as Error).cause).toBeInstanceOf(RewriteInvalidatedError);
    const py = await describeTable('maintenance.contested');
    expect(py.row_count).toBe(2);
    expect(py.snapshots.map((s) => s.summary.operation)).toEqual(['append', 'append', 'overwrite']);
    // The compaction's two files were on storage when the overwrite landed; now only referenced files are.
    const md = await load(other);
    const stored = dataFilesOf(await storedFiles(io, location));
    expect(stored).toEqual([...await liveFiles(io, md, md.snapshots.map((s) => s['snapshot-id']))].sort());
    expect(storedAfterOverwrite).toHaveLength(stored.length + 2);
  });

  it('expires old snapshots: same rows for PyIceberg, a tag keeps its snapshot, files only they used are deleted', async () => {
    const before = await describeTable();
    let md = await load();
    const current = md['current-snapshot-id']!;
    const firstCompaction = md.snapshots.find((s) => s.summary.operation === 'replace')!;
    const tagged = firstCompaction['parent-snapshot-id']!; // the last of the small appends
    await c.catalog.commitTable(id, [], [{ action: 'set-snapshot-ref', 'ref-name': 'audit', type: 'tag', 'snapshot-id': tagged }]);
    md = await load();
    const expiring = md.snapshots.map((s) => s['snapshot-id']).filter((s) => s !== current && s !== tagged);
    const keptFiles = await liveFiles(io, md, [current, tagged]);
    const expiringFiles = [...await liveFiles(io, md, expiring)].filter((f) => !keptFiles.has(f));
    expect(expiringFiles.length).toBeGreaterThan(0);

    const r = await expireSnapshots(c.catalog, id, io, { olderThanMs: 0 });
    expect(r.warnings).toEqual([]);
    expect(r.expiredSnapshotIds.sort()).toEqual(expiring.sort());
    expect(r.deleted).toMatchObject({ dataFiles: expiringFiles.length, deleteFiles: 0, manifestLists: expiring.length });
    expect(r.deleted.manifests).toBeGreaterThan(0);
    const after = await describeTable();
    expect(after.rows).toEqual(before.rows);
    expect(after.snapshots.map((s) => s.snapshot_id).sort()).toEqual([String(current), String(tagged)].sort());
    const stored = await storedFiles(io, md.location);
    expect(dataFilesOf(stored)).toEqual([...keptFiles].sort());
    for (const s of md.snapshots.filter((x) => expiring.includes(x['snapshot-id']))) expect(stored).not.toContain(s['manifest-list']);
    // Storage holds exactly what the metadata references: nothing left over, nothing missing.
    expect((await removeOrphanFiles(c.catalog, id, io, { olderThanMs: 0, dryRun: true })).orphans).toEqual([]);
    const now = await load();
    expect(await count(scanTable(io(now.location), now, { ref: 'audit' }))).toBe(36);

    // Without the tag, its snapshot expires too, and the small files only it still read go with it.
    await c.catalog.commitTable(id, [], [{ action: 'remove-snapshot-ref', 'ref-name': 'audit' }]);
    const again = await expireSnapshots(c.catalog, id, io, { olderThanMs: 0 });
    expect(again.expiredSnapshotIds).toEqual([tagged]);
    expect(again.deleted.dataFiles).toBe(12);
    expect(dataFilesOf(await storedFiles(io, md.location))).toEqual([...await liveFiles(io, now, [current])].sort());
    expect((await describeTable()).rows).toEqual(before.rows);
    // Young snapshots are kept: nothing is old enough now.
    await append('late');
    expect((await expireSnapshots(c.catalog, id, io, { olderThanMs: 60 * 60 * 1000 })).expiredSnapshotIds).toEqual([]);
  });

  it('removes a stale orphan file and keeps young ones and files outside the table', async () => {
    const before = await describeTable();
    const md = await load();
    const stale = `${md.location}/data/stale-orphan.parquet`;
    const young = `${md.location}/data/young-orphan.parquet`;
    const sibling = `${md.location}-sibling/data/not-ours.parquet`;
    await io(stale).write(stale, new Uint8Array([1, 2, 3]));
    await io(sibling).write(sibling, new Uint8Array([4]));
    await sleep(3000);
    await io(young).write(young, new Uint8Array([5, 6]));
    const [staleAt, youngAt] = await Promise.all([io(stale).stat(stale), io(young).stat(young)]);
    // The threshold falls halfway between the two files' times (S3 keeps whole seconds).
    const olderThanMs = Date.now() - (staleAt!.lastModified.getTime() + youngAt!.lastModified.getTime()) / 2;

    const dry = await removeOrphanFiles(c.catalog, id, io, { olderThanMs, dryRun: true });
    expect(dry.orphans.map((f) => f.path)).toEqual([stale]);
    expect(dry.youngOrphans.map((f) => f.path)).toEqual([young]);
    expect(await io(stale).stat(stale)).not.toBeNull();
    const real = await removeOrphanFiles(c.catalog, id, io, { olderThanMs });
    expect(real.orphans.map((f) => f.path)).toEqual([stale]);
    expect(await io(stale).stat(stale)).toBeNull();
    expect(await io(young).stat(young)).not.toBeNull();
    expect(await io(sibling).stat(sibling)).not.toBeNull();
    expect((await describeTable()).rows).toEqual(before.rows);
  });

  it('leaves the table untouched when a writer is killed before its commit; orphan removal then deletes its files', async () => {
    const crashy = { namespace: ['maintenance'], name: 'crashy' };
    await c.catalog.createTable(crashy, { schema, spec });
    await append('kept', crashy);
    const { location } = await load(crashy);
    const before = (await c.catalog.loadTable(crashy)).metadataLocation;
    const storedBefore = await storedFiles(io, location);

    const child = await startCrashWriter(c.py, c.io, 'maintenance.crashy', 4);
    const written = (await storedFiles(io, location)).filter((p) => !storedBefore.includes(p));
    expect(await killHard(child)).toBe('SIGKILL');
    expect(written.length).toBeGreaterThan(0);
    expect(written.every((p) => p.startsWith(`${location}/data/`) && p.endsWith('.parquet'))).toBe(true);

    expect((await c.catalog.loadTable(crashy)).metadataLocation).toBe(before);
    expect((await describeTable('maintenance.crashy')).row_count).toBe(6);

    const r = await removeOrphanFiles(c.catalog, crashy, io, { olderThanMs: 0 });
    expect(r.orphans.map((f) => f.path).sort()).toEqual(written.sort());
    expect(r.failed).toEqual([]);
    expect(await storedFiles(io, location)).toEqual(storedBefore);
    expect((await c.catalog.loadTable(crashy)).metadataLocation).toBe(before);
    expect((await describeTable('maintenance.crashy')).row_count).toBe(6);
  });
});
