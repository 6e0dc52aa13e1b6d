import { describe, expect, it } from 'vitest';
import { applyUpdates, checkRequirements, CommitConflictError, emptyMetadata, type TableUpdate } from '../../../../core/iceberg/spec/table-updates.ts';
import type { Schema, Snapshot } from '../../../../core/iceberg/spec/types.ts';

const schema: Schema = { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'a', required: true, type: 'long' }, { id: 2, name: 'b', required: false, type: 'string' }] };
const create: TableUpdate[] = [
  { action: 'assign-uuid', uuid: 'u-1' },
  { action: 'upgrade-format-version', 'format-version': 2 },
  { action: 'add-schema', schema },
  { action: 'set-current-schema', 'schema-id': -1 },
  { action: 'add-spec', spec: { 'spec-id': 0, fields: [{ 'source-id': 1, 'field-id': 1000, name: 'a_bucket', transform: 'bucket[4]' }] } },
  { action: 'set-default-spec', 'spec-id': -1 },
  { action: 'add-sort-order', 'sort-order': { 'order-id': 0, fields: [] } },
  { action: 'set-default-sort-order', 'sort-order-id': -1 },
  { action: 'set-location', location: 's3://b/ns/t/' },
  { action: 'set-properties', updates: { owner: 'floe' } },
];
const snapshot = (id: bigint, seq: bigint, parent?: bigint): Snapshot => ({
  'snapshot-id': id, ...(parent ? { 'parent-snapshot-id': parent } : {}), 'sequence-number': seq, 'timestamp-ms': 1000 + Number(seq),
  'manifest-list': `s3://b/ns/t/metadata/snap-${id}.avro`, summary: { operation: 'append' }, 'schema-id': 0,
});

describe('applyUpdates', () => {
  const created = applyUpdates(emptyMetadata(''), create, 500);

  it('builds a new table from create updates', () => {
    expect(created).toMatchObject({
      'table-uuid': 'u-1', 'format-version': 2, location: 's3://b/ns/t', 'current-schema-id': 0, 'last-column-id': 2,
      'default-spec-id': 0, 'last-partition-id': 1000, 'default-sort-order-id': 0, properties: { owner: 'floe' },
      'current-snapshot-id': null, 'last-updated-ms': 500,
    });
  });

  it('adds a snapshot and moves main: current snapshot, sequence number and snapshot log follow', () => {
    const s1 = snapshot(9223372036854775807n, 1n);
    const md = applyUpdates(created, [
      { action: 'add-snapshot', snapshot: s1 },
      { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': s1['snapshot-id'] },
    ]);
    expect(md['current-snapshot-id']).toBe(9223372036854775807n);
    expect(md['last-sequence-number']).toBe(1n);
    expect(md['snapshot-log']).toEqual([{ 'snapshot-id': 9223372036854775807n, 'timestamp-ms': 1001 }]);
    expect(created.snapshots).toEqual([]); // the base is untouched
  });

  it('refuses a snapshot whose sequence number does not advance', () => {
    const md = applyUpdates(created, [{ action: 'add-snapshot', snapshot: snapshot(1n, 1n) }]);
    expect(() => applyUpdates(md, [{ action: 'add-snapshot', snapshot: snapshot(2n, 1n, 1n) }])).toThrow(/sequence number 1 is not above/);
  });

  it('reuses an identical schema instead of adding a copy, and evolves with a new one', () => {
    const same = applyUpdates(created, [{ action: 'add-schema', schema }, { action: 'set-current-schema', 'schema-id': -1 }]);
    expect(same.schemas).toHaveLength(1);
    const wider: Schema = { ...schema, fields: [...schema.fields, { id: 3, name: 'c', required: false, type: 'boolean' }] };
    const evolved = applyUpdates(created, [{ action: 'add-schema', schema: wider }, { action: 'set-current-schema', 'schema-id': -1 }]);
    expect(evolved['current-schema-id']).toBe(1);
    expect(evolved['last-column-id']).toBe(3);
  });

  it('will not remove a snapshot that a branch still points at', () => {
    const md = applyUpdates(created, [
      { action: 'add-snapshot', snapshot: snapshot(1n, 1n) },
      { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 1n },
    ]);
    expect(() => applyUpdates(md, [{ action: 'remove-snapshots', 'snapshot-ids': [1n] }])).toThrow(/still referenced by "main"/);
  });
});

describe('remove-snapshots', () => {
  it('keeps only the snapshot log after the last removed entry, so time travel never skips a gap', () => {
    const md = applyUpdates(applyUpdates(emptyMetadata(''), create), [1n, 2n, 3n].flatMap((id): TableUpdate[] => [
      { action: 'add-snapshot', snapshot: snapshot(id, id, id > 1n ? id - 1n : undefined) },
      { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': id },
    ]));
    expect(md['snapshot-log'].map((e) => e['snapshot-id'])).toEqual([1n, 2n, 3n]);
    const after = applyUpdates(md, [{ action: 'remove-snapshots', 'snapshot-ids': [2n] }]);
    expect(after.snapshots.map((s) => s['snapshot-id'])).toEqual([1n, 3n]);
    expect(after['snapshot-log'].map((e) => e['snapshot-id'])).toEqual([3n]);
  });

  it('drops the statistics of removed snapshots with them, keeping the others', () => {
    const md = applyUpdates(applyUpdates(emptyMetadata(''), create), [
      { action: 'add-snapshot', snapshot: snapshot(1n, 1n) },
      { action: 'add-snapshot', snapshot: snapshot(2n, 2n, 1n) },
      { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 2n },
    ]);
    const stats = (id: bigint) => ({ 'snapshot-id': id, 'statistics-path': `s3://b/ns/t/metadata/${id}.stats`, 'file-size-in-bytes': 10 });
    md.statistics = [stats(1n), stats(2n)];
    md['partition-statistics'] = [stats(1n)];
    const after = applyUpdates(md, [{ action: 'remove-snapshots', 'snapshot-ids': [1n] }]);
    expect(after.statistics).toEqual([stats(2n)]);
    expect(after['partition-statistics']).toEqual([]);
  });
});

describe('checkRequirements', () => {
  const md = applyUpdates(applyUpdates(emptyMetadata(''), create), [
    { action: 'add-snapshot', snapshot: snapshot(7n, 1n) },
    { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 7n },
  ]);

  it('passes when the table is as the writer saw it', () => {
    expect(() => checkRequirements('ns.t', md, [
      { type: 'assert-table-uuid', uuid: 'u-1' }, { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 7n },
      { type: 'assert-current-schema-id', 'current-schema-id': 0 }, { type: 'assert-last-assigned-field-id', 'last-assigned-field-id': 2 },
    ])).not.toThrow();
  });

  it('reports a concurrent append as a conflict naming the branch and both snapshots', () => {
    expect(() => checkRequirements('ns.t', md, [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 6n }]))
      .toThrow(new CommitConflictError('ns.t', 'branch "main" snapshot is 7, expected 6'));
    expect(() => checkRequirements('ns.t', md, [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': null }]))
      .toThrow(CommitConflictError);
  });

  it('distinguishes create from update', () => {
    expect(() => checkRequirements('ns.t', md, [{ type: 'assert-create' }])).toThrow(/already exists/);
    expect(() => checkRequirements('ns.t', null, [{ type: 'assert-create' }])).not.toThrow();
    expect(() => checkRequirements('ns.t', null, [{ type: 'assert-table-uuid', uuid: 'u-1' }])).toThrow(/does not exist/);
  });
});
