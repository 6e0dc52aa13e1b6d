/**
 * Floe's metadata views against PyIceberg's `table.inspect` on a day-partitioned table built by
 * Floe: three appends (one with a null partition), a replace, a tag and a branch, then a rollback.
 * Where the two overlap they must agree field by field: ids, paths, counts, sizes, readable
 * partition values and column bounds. See inspect-shapes.ts for how each view maps onto PyIceberg's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureNamespace } from '../../../core/iceberg/catalog/ensure.ts';
import {
  fileViewStream, filesView, historyView, manifestsView, partitionsView, redactProperties, refsView, snapshotsView, tableSummary, type FileView,
} from '../../../core/iceberg/read/metadata-views.ts';
import type { TableMetadata } from '../../../core/iceberg/spec/types.ts';
import { writeTable } from '../../../core/iceberg/write/commit.ts';
import { fileIOFor } from '../../../core/io/resolve-file-io.ts';
import { catalogSetups, type CatalogUnderTest } from './catalogs.ts';
import { asPyFile, asPyManifest, asPyPartition, asPyRef, byKey, pyFileNormalized, type PyInspect } from './inspect-shapes.ts';
import { pyiceberg, type PyTable } from './pyiceberg.ts';
import { batchOf, daySpec, micros, smallSchema } from './table-batches.ts';

const rows = (tag: string, days: (string | null)[]) => days.map((day, i) => ({
  image_id: `${tag}-${i}`, window_start: day === null ? null : micros(`${day}T0${i % 10}:30:00Z`) + BigInt(i), event_count: BigInt(i * 10),
}));

describe.each(catalogSetups)('metadata views agree with PyIceberg inspect (%s)', (_name, setup) => {
  let c: CatalogUnderTest;
  const id = { namespace: ['views'], name: 'events' };
  const table = 'views.events';
  const io = (l: string) => fileIOFor(l, c.io);
  const load = async (): Promise<TableMetadata> => (await c.catalog.loadTable(id)).metadata;
  const inspect = (snapshotId?: string) => pyiceberg<PyInspect>(c.py, 'inspect', { table, snapshot_id: snapshotId });
  const write = (mode: 'append' | 'replace', r: ReturnType<typeof rows>) => writeTable(c.catalog, id, io, [batchOf(smallSchema, r)], { mode });
  const snapshotIds: bigint[] = [];

  beforeAll(async () => {
    c = await setup();
    await ensureNamespace(c.catalog, id.namespace);
    await c.catalog.createTable(id, { schema: smallSchema, spec: daySpec, properties: { owner: 'floe', 'floe.test.secret-key': 'hush' } });
    for (const [mode, r] of [
      ['append', rows('a0', ['2026-03-10', '2026-03-11', '2026-03-10'])],
      ['append', rows('a1', ['2026-03-11', '2026-03-12'])],
      ['append', rows('a2', ['2026-03-10', null])],
      ['replace', rows('r', ['2026-03-12', '2026-03-13', '2026-03-13', '2026-03-14'])],
    ] as const) snapshotIds.push((await write(mode, [...r])).snapshotId);
    await c.catalog.commitTable(id, [], [
      { action: 'set-snapshot-ref', 'ref-name': 'audit', type: 'tag', 'snapshot-id': snapshotIds[0]!, 'max-ref-age-ms': 7 * 86_400_000 },
      { action: 'set-snapshot-ref', 'ref-name': 'dev', type: 'branch', 'snapshot-id': snapshotIds[1]!, 'min-snapshots-to-keep': 2, 'max-snapshot-age-ms': 3_600_000 },
    ]);
  });
  afterAll(() => c.catalog.close());

  it('snapshots, history and refs match', async () => {
    const [md, py] = [await load(), await inspect()];
    const snapshots = snapshotsView(md);
    expect(snapshots.map((s) => s.snapshotId)).toEqual(snapshotIds.map(String));
    expect(snapshots.map((s) => ({
      committed_at: s.timestampMs, snapshot_id: s.snapshotId, parent_id: s.parentId, operation: s.operation, manifest_list: s.manifestList, summary: s.summary,
    }))).toEqual(py.snapshots);
    expect(snapshots.map((s) => ({ snapshot_id: s.snapshotId, sequence_number: s.sequenceNumber, schema_id: s.schemaId }))).toEqual(py.snapshot_meta);
    expect(snapshots.map((s) => s.operation)).toEqual(['append', 'append', 'append', 'overwrite']);
    expect(snapshots.map((s) => [s.isCurrent, s.refs])).toEqual([[false, ['audit']], [false, ['dev']], [false, []], [true, ['main']]]);

    expect(historyView(md).map((h) => ({
      made_current_at: h.madeCurrentAtMs, snapshot_id: h.snapshotId, parent_id: h.parentId, is_current_ancestor: h.isCurrentAncestor,
    }))).toEqual(py.history);

    expect(byKey(refsView(md).map(asPyRef), 'name')).toEqual(byKey(py.refs, 'name'));
    expect(refsView(md).map((r) => r.name)).toEqual(['main', 'dev', 'audit']);
  });

  it('the table summary matches what PyIceberg loads, with the secret redacted', async () => {
    const [md, py] = [await load(), await pyiceberg<PyTable>(c.py, 'describe', { table })];
    const s = tableSummary(md);
    expect(s.formatVersion).toBe(py.format_version);
    expect(s.currentSchema.fields.map((f) => ({ id: f.id, name: f.name, type: f.type, required: f.required })))
      .toEqual(py.schema.fields.map((f) => ({ id: f.id, name: f.name, type: f.type, required: f.required })));
    expect(s.partitionSpecs.find((p) => p.isDefault)!.fields.map((f) => ({ 'source-id': f.sourceId, 'field-id': f.fieldId, transform: f.transform, name: f.name })))
      .toEqual(py.spec.fields);
    expect(s.properties).toEqual(redactProperties(py.properties));
    expect(s.properties['floe.test.secret-key']).toBe('••••••');
    expect(s.properties.owner).toBe('floe');
    expect(s.snapshotCount).toBe(py.snapshots.length);
    expect(s.currentSnapshot!.snapshotId).toBe(py.current_snapshot_id);
    expect(s.currentSnapshot!.totals).toMatchObject({ totalRecords: py.row_count, totalDataFiles: 3, totalDeleteFiles: 0 });
  });

  it('manifests of the current snapshot match', async () => {
    const [md, py] = [await load(), await inspect()];
    const manifests = await manifestsView(io(md.location), md);
    expect(manifests.map(asPyManifest)).toEqual(py.manifests);
    // The replace lists the files it removed as deleted entries, and the day range of its files.
    expect(manifests.map((m) => [m.addedFilesCount, m.deletedFilesCount])).toEqual([[3, 0], [0, 2], [0, 2], [0, 2]]);
    expect(manifests[0]!.partitionSummaries).toEqual([
      { field: 'window_start_day', transform: 'day', containsNull: false, containsNaN: false, lowerBound: '2026-03-12', upperBound: '2026-03-14' },
    ]);
  });

  for (const which of ['current', 'before the replace'] as const) {
    it(`files and partitions of the ${which} snapshot match`, async () => {
      const md = await load();
      const snapshot = which === 'current' ? undefined : String(snapshotIds[2]);
      const py = await inspect(snapshot);
      const files: FileView[] = [];
      for await (const f of fileViewStream(io(md.location), md, { snapshot })) files.push(f);
      const topLevel = md.schemas.find((s) => s['schema-id'] === md['current-schema-id'])!.fields;
      expect(byKey(files.map((f) => asPyFile(f, topLevel)), 'file_path')).toEqual(byKey(py.files.map(pyFileNormalized), 'file_path'));
      expect(files.length).toBe(which === 'current' ? 3 : 6);

      const partitions = await partitionsView(io(md.location), md, snapshot);
      expect(byKey(partitions.map(asPyPartition), 'key')).toEqual(byKey(py.partitions.map((p) => ({ ...p, key: JSON.stringify(p.partition) })), 'key'));
      expect(partitions.map((p) => p.partition.window_start_day)).toEqual(
        which === 'current' ? ['2026-03-12', '2026-03-13', '2026-03-14'] : [null, '2026-03-10', '2026-03-11', '2026-03-12'],
      );
    });
  }

  it('pages of files add up to the whole listing', async () => {
    const md = await load();
    const snapshot = String(snapshotIds[2]);
    const whole: FileView[] = [];
    for await (const f of fileViewStream(io(md.location), md, { snapshot })) whole.push(f);
    const paged: FileView[] = [];
    for (let offset: number | null = 0; offset !== null;) {
      const page = await filesView(io(md.location), md, { snapshot, offset, limit: 2 });
      expect(page).toMatchObject({ snapshotId: snapshot, total: 6 });
      paged.push(...page.files);
      offset = page.nextOffset;
    }
    expect(paged).toEqual(whole);
  });

  it('after a rollback, history flags the rolled-back snapshot as no longer a current ancestor', async () => {
    const before = await load();
    await c.catalog.commitTable(id, [], [{ action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': snapshotIds[2]! }]);
    const [md, py] = [await load(), await inspect()];
    const history = historyView(md);
    expect(history.map((h) => ({
      made_current_at: h.madeCurrentAtMs, snapshot_id: h.snapshotId, parent_id: h.parentId, is_current_ancestor: h.isCurrentAncestor,
    }))).toEqual(py.history);
    expect(history.map((h) => [h.snapshotId, h.isCurrentAncestor])).toEqual([
      ...snapshotIds.slice(0, 3).map((s) => [String(s), true]), [String(snapshotIds[3]), false], [String(snapshotIds[2]), true],
    ]);
    expect(history.length).toBe(historyView(before).length + 1);
    expect(snapshotsView(md).filter((s) => s.isCurrent).map((s) => s.snapshotId)).toEqual([String(snapshotIds[2])]);
    expect((await manifestsView(io(md.location), md)).map(asPyManifest)).toEqual(py.manifests);
  });
});
