import { describe, expect, it } from 'vitest';
import { historyView, redactProperties, refsView, snapshotsView, tableSummary } from '../../../../core/iceberg/read/metadata-views.ts';
import type { Snapshot, TableMetadata } from '../../../../core/iceberg/spec/types.ts';

// Above 2^53: a JS number would round them, so the views must give them as exact strings.
const S1 = 9007199254740993n;
const S2 = 9223372036854775807n;
const S3 = 4611686018427387905n;
const T0 = Date.parse('2026-03-10T08:00:00Z');

function snapshot(id: bigint, parent: bigint | undefined, seq: bigint, at: number, operation: Snapshot['summary']['operation'], extra: Record<string, string> = {}): Snapshot {
  return {
    'snapshot-id': id, ...(parent === undefined ? {} : { 'parent-snapshot-id': parent }), 'sequence-number': seq, 'timestamp-ms': at,
    'manifest-list': `s3://b/t/metadata/snap-${id}.avro`, summary: { operation, ...extra }, 'schema-id': 0,
  };
}

function metadata(overrides: Partial<TableMetadata> = {}): TableMetadata {
  return {
    'format-version': 2, 'table-uuid': '6f2b1a44-2c43-4a5c-9d4e-0b7c1f0e8a11', location: 's3://b/t',
    'last-sequence-number': 3n, 'last-updated-ms': T0 + 3000, 'last-column-id': 6,
    schemas: [{
      type: 'struct', 'schema-id': 0, 'identifier-field-ids': [1], fields: [
        { id: 1, name: 'image_id', required: true, type: 'string', doc: 'the image' },
        { id: 2, name: 'window_start', required: false, type: 'timestamptz' },
        { id: 3, name: 'price', required: false, type: 'decimal(9, 2)' },
        { id: 4, name: 'where', required: false, type: { type: 'struct', fields: [{ id: 5, name: 'region', required: false, type: 'string' }] } },
        { id: 6, name: 'tags', required: false, type: { type: 'list', 'element-id': 7, element: 'string', 'element-required': false } },
      ],
    }],
    'current-schema-id': 0,
    'partition-specs': [
      { 'spec-id': 0, fields: [] },
      { 'spec-id': 1, fields: [
        { 'source-id': 2, 'field-id': 1000, name: 'window_start_day', transform: 'day' },
        { 'source-id': 5, 'field-id': 1001, name: 'region_bucket', transform: 'bucket[8]' },
      ] },
    ],
    'default-spec-id': 1, 'last-partition-id': 1001,
    properties: {
      owner: 'floe', 's3.secret-access-key': 'abc', 's3.access-key-id': 'AKIA', 'rest.token': 't', 'jdbc.password': 'p',
      'client.credential': 'c', 'gcs.private-key': 'k', 'write.format.default': 'parquet',
    },
    'current-snapshot-id': S3,
    snapshots: [
      snapshot(S1, undefined, 1n, T0, 'append', { 'added-records': '6', 'total-records': '6', 'total-data-files': '2' }),
      snapshot(S2, S1, 2n, T0 + 1000, 'append', { 'total-records': '12' }),
      snapshot(S3, S2, 3n, T0 + 2000, 'overwrite', {
        'total-records': '4', 'total-data-files': '2', 'total-delete-files': '0', 'total-files-size': '2048',
        'total-position-deletes': '0', 'total-equality-deletes': '0',
      }),
    ],
    'snapshot-log': [
      { 'snapshot-id': S1, 'timestamp-ms': T0 }, { 'snapshot-id': S2, 'timestamp-ms': T0 + 1000 }, { 'snapshot-id': S3, 'timestamp-ms': T0 + 2000 },
    ],
    'metadata-log': [],
    'sort-orders': [{ 'order-id': 0, fields: [] }, { 'order-id': 1, fields: [{ transform: 'identity', 'source-id': 1, direction: 'asc', 'null-order': 'nulls-first' }] }],
    'default-sort-order-id': 1,
    refs: {
      'z-tag': { 'snapshot-id': S1, type: 'tag', 'max-ref-age-ms': 86_400_000 },
      dev: { 'snapshot-id': S2, type: 'branch', 'min-snapshots-to-keep': 3 },
      main: { 'snapshot-id': S3, type: 'branch' },
      'a-tag': { 'snapshot-id': S3, type: 'tag' },
    },
    ...overrides,
  };
}

describe('snapshotsView', () => {
  it('gives every snapshot with exact string ids, ISO times, the summary without operation, and the refs at it', () => {
    const views = snapshotsView(metadata());
    expect(views.map((v) => v.snapshotId)).toEqual([String(S1), String(S2), String(S3)]);
    expect(views[0]).toEqual({
      snapshotId: '9007199254740993', parentId: null, sequenceNumber: '1', timestampMs: T0, timestamp: '2026-03-10T08:00:00.000Z',
      operation: 'append', summary: { 'added-records': '6', 'total-records': '6', 'total-data-files': '2' },
      manifestList: `s3://b/t/metadata/snap-${S1}.avro`, schemaId: 0, isCurrent: false, refs: ['z-tag'],
    });
    expect(views[1]).toMatchObject({ parentId: '9007199254740993', isCurrent: false, refs: ['dev'] });
    expect(views[2]).toMatchObject({ parentId: '9223372036854775807', operation: 'overwrite', isCurrent: true, refs: ['main', 'a-tag'] });
    expect(JSON.parse(JSON.stringify(views))).toEqual(views);
  });

  it('reads v1 metadata: no sequence numbers (0), no refs (main at the current snapshot)', () => {
    const s = snapshot(S1, undefined, 0n, T0, 'append');
    delete s['sequence-number'];
    delete s['schema-id'];
    const views = snapshotsView(metadata({ 'format-version': 1, refs: {}, snapshots: [s], 'current-snapshot-id': S1 }));
    expect(views).toEqual([expect.objectContaining({ sequenceNumber: '0', schemaId: null, isCurrent: true, refs: ['main'] })]);
  });

  it('is empty for a table with no snapshots', () => {
    expect(snapshotsView(metadata({ snapshots: [], 'current-snapshot-id': null, refs: {}, 'snapshot-log': [] }))).toEqual([]);
  });
});

describe('historyView', () => {
  it('flags the current snapshot and its parents, not a snapshot rolled back from', () => {
    const md = metadata({ 'current-snapshot-id': S2 });
    md['snapshot-log'].push({ 'snapshot-id': S2, 'timestamp-ms': T0 + 5000 });
    expect(historyView(md)).toEqual([
      { madeCurrentAtMs: T0, madeCurrentAt: '2026-03-10T08:00:00.000Z', snapshotId: String(S1), parentId: null, isCurrentAncestor: true, snapshotExists: true },
      { madeCurrentAtMs: T0 + 1000, madeCurrentAt: '2026-03-10T08:00:01.000Z', snapshotId: String(S2), parentId: String(S1), isCurrentAncestor: true, snapshotExists: true },
      { madeCurrentAtMs: T0 + 2000, madeCurrentAt: '2026-03-10T08:00:02.000Z', snapshotId: String(S3), parentId: String(S2), isCurrentAncestor: false, snapshotExists: true },
      { madeCurrentAtMs: T0 + 5000, madeCurrentAt: '2026-03-10T08:00:05.000Z', snapshotId: String(S2), parentId: String(S1), isCurrentAncestor: true, snapshotExists: true },
    ]);
  });

  it('keeps log entries of expired snapshots, without a parent', () => {
    const md = metadata();
    md.snapshots = md.snapshots.filter((s) => s['snapshot-id'] !== S1);
    expect(historyView(md)[0]).toMatchObject({ snapshotId: String(S1), parentId: null, isCurrentAncestor: false, snapshotExists: false });
    // S2's parent is gone: the ancestry stops there.
    expect(historyView(md).map((h) => h.isCurrentAncestor)).toEqual([false, true, true]);
  });
});

describe('refsView', () => {
  it('lists main, branches, then tags, with their settings and the retention that applies', () => {
    const refs = refsView(metadata());
    expect(refs.map((r) => r.name)).toEqual(['main', 'dev', 'a-tag', 'z-tag']);
    expect(refs[0]).toEqual({
      name: 'main', type: 'branch', snapshotId: String(S3), snapshotExists: true,
      minSnapshotsToKeep: null, maxSnapshotAgeMs: null, maxRefAgeMs: null,
      effective: { minSnapshotsToKeep: 1, maxSnapshotAgeMs: 5 * 86_400_000, maxRefAgeMs: null },
    });
    expect(refs[1]).toMatchObject({ minSnapshotsToKeep: 3, effective: { minSnapshotsToKeep: 3, maxSnapshotAgeMs: 5 * 86_400_000, maxRefAgeMs: null } });
    expect(refs[3]).toMatchObject({ type: 'tag', maxRefAgeMs: 86_400_000, effective: { minSnapshotsToKeep: null, maxSnapshotAgeMs: null, maxRefAgeMs: 86_400_000 } });
  });

  it('takes defaults from the table properties; main never ages out', () => {
    const md = metadata();
    Object.assign(md.properties, {
      'history.expire.min-snapshots-to-keep': '4', 'history.expire.max-snapshot-age-ms': '1000', 'history.expire.max-ref-age-ms': '2000',
    });
    const [main, dev, aTag, zTag] = refsView(md);
    expect(main!.effective).toEqual({ minSnapshotsToKeep: 4, maxSnapshotAgeMs: 1000, maxRefAgeMs: null });
    expect(dev!.effective).toEqual({ minSnapshotsToKeep: 3, maxSnapshotAgeMs: 1000, maxRefAgeMs: 2000 });
    expect(aTag!.effective.maxRefAgeMs).toBe(2000);
    expect(zTag!.effective.maxRefAgeMs).toBe(86_400_000);
  });

  it('gives old v1 metadata without refs a main branch at the current snapshot', () => {
    expect(refsView(metadata({ refs: {} }))).toEqual([expect.objectContaining({ name: 'main', type: 'branch', snapshotId: String(S3) })]);
  });
});

describe('tableSummary', () => {
  it('redacts every property that looks like a credential', () => {
    expect(redactProperties({ owner: 'me', 'S3.Secret-Access-Key': 'x', 'oauth2-server-uri': 'u', 'adls.sas-token.acct': 'y' }))
      .toEqual({ owner: 'me', 'S3.Secret-Access-Key': '••••••', 'oauth2-server-uri': 'u', 'adls.sas-token.acct': '••••••' });
  });

  it('summarizes identity, schema, specs, sort order, properties and the current totals', () => {
    const s = tableSummary(metadata());
    expect(s).toMatchObject({
      formatVersion: 2, tableUuid: '6f2b1a44-2c43-4a5c-9d4e-0b7c1f0e8a11', location: 's3://b/t',
      lastUpdated: '2026-03-10T08:00:03.000Z', lastSequenceNumber: '3', schemaCount: 1, snapshotCount: 3,
    });
    expect(s.currentSchema.identifierFieldIds).toEqual([1]);
    expect(s.currentSchema.fields).toEqual([
      { id: 1, name: 'image_id', shortName: 'image_id', parentId: null, type: 'string', required: true, doc: 'the image' },
      { id: 2, name: 'window_start', shortName: 'window_start', parentId: null, type: 'timestamptz', required: false, doc: null },
      { id: 3, name: 'price', shortName: 'price', parentId: null, type: 'decimal(9, 2)', required: false, doc: null },
      { id: 4, name: 'where', shortName: 'where', parentId: null, type: 'struct', required: false, doc: null },
      { id: 5, name: 'where.region', shortName: 'region', parentId: 4, type: 'string', required: false, doc: null },
      { id: 6, name: 'tags', shortName: 'tags', parentId: null, type: 'list', required: false, doc: null },
      { id: 7, name: 'tags.element', shortName: 'element', parentId: 6, type: 'string', required: false, doc: null },
    ]);
    expect(s.partitionSpecs).toEqual([
      { specId: 0, isDefault: false, fields: [] },
      { specId: 1, isDefault: true, fields: [
        { fieldId: 1000, name: 'window_start_day', sourceId: 2, sourceColumn: 'window_start', transform: 'day', resultType: 'date' },
        { fieldId: 1001, name: 'region_bucket', sourceId: 5, sourceColumn: 'where.region', transform: 'bucket[8]', resultType: 'int' },
      ] },
    ]);
    expect(s.defaultSortOrder).toEqual({ orderId: 1, fields: [{ sourceId: 1, sourceColumn: 'image_id', transform: 'identity', direction: 'asc', nullOrder: 'nulls-first' }] });
    expect(s.properties).toEqual({
      owner: 'floe', 's3.secret-access-key': '••••••', 's3.access-key-id': '••••••', 'rest.token': '••••••', 'jdbc.password': '••••••',
      'client.credential': '••••••', 'gcs.private-key': '••••••', 'write.format.default': 'parquet',
    });
    expect(s.currentSnapshot).toEqual({
      snapshotId: String(S3), timestampMs: T0 + 2000, timestamp: '2026-03-10T08:00:02.000Z', operation: 'overwrite',
      totals: { totalRecords: 4, totalDataFiles: 2, totalDeleteFiles: 0, totalFilesSize: 2048, totalPositionDeletes: 0, totalEqualityDeletes: 0 },
    });
  });

  it('says what it does not know: no snapshot, totals a writer left out, a transform of an unknown kind', () => {
    const md = metadata({ 'current-snapshot-id': S2 });
    md['partition-specs'][1]!.fields.push({ 'source-id': 1, 'field-id': 1002, name: 'z', transform: 'zorder' });
    const s = tableSummary(md);
    expect(s.currentSnapshot!.totals).toEqual({
      totalRecords: 12, totalDataFiles: null, totalDeleteFiles: null, totalFilesSize: null, totalPositionDeletes: null, totalEqualityDeletes: null,
    });
    expect(s.partitionSpecs[1]!.fields[2]).toMatchObject({ transform: 'zorder', resultType: null });
    expect(tableSummary(metadata({ 'current-snapshot-id': null, snapshots: [] })).currentSnapshot).toBeNull();
  });
});
