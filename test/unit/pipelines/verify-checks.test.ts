import { describe, expect, it } from 'vitest';
import { TRAINING_SCHEMA } from '../../../core/pipelines/etl-moderation/training-table.ts';
import type { Schema, TableMetadata } from '../../../core/iceberg/spec/types.ts';
import { OFFSETS_KEY } from '../../../core/pipelines/event-aggregation/offsets.ts';
import { latestOffsets, windowChecks } from '../../../core/pipelines/verify/window-checks.ts';
import { compareWithContract, schemaCheck } from '../../../core/pipelines/verify/training-schema.ts';
import { planColumns, TrainingStatsCollector } from '../../../core/pipelines/verify/training-stats.ts';
import { rowChecks } from '../../../core/pipelines/verify/training-checks.ts';
import { jsonRows } from '../../../core/iceberg/read/json-rows.ts';
import { batchOf } from '../../integration/iceberg/table-batches.ts';

const KEYS: Schema = {
  type: 'struct', 'schema-id': 0, fields: TRAINING_SCHEMA.fields.filter((f) => ['image_id', 'decision_point_minutes', 'label_needs_moderation_24h', 'label_window_complete'].includes(f.name)),
};

const row = (image: string | null, point: bigint | null, label: bigint | null, complete: boolean | null = true) =>
  ({ image_id: image, decision_point_minutes: point, label_needs_moderation_24h: label, label_window_complete: complete });

function statsOf(batches: Record<string, unknown>[][], points = [0, 5, 30]) {
  const plan = planColumns(KEYS);
  const c = new TrainingStatsCollector(plan, points);
  for (const rows of batches) c.add(batchOf(KEYS, rows));
  return { plan, stats: c.finish() };
}

describe('verify: training table statistics', () => {
  it('counts rows per image across batches, points, labels and nulls', () => {
    const { stats } = statsOf([
      [row('a', 0n, 0n), row('a', 5n, 0n), row('b', 0n, 1n)],
      [row('a', 30n, 0n), row('b', 5n, 1n), row('b', 30n, 1n, false), row('c', 0n, 0n), row('c', 7n, 2n), row(null, 5n, null, null)],
    ]);
    expect(stats).toMatchObject({
      rows: 9, images: 3, rowsPerImage: { 2: 1, 3: 2 }, offendingImages: 1, offendingExamples: [{ imageId: 'c', rows: 2 }],
      rowsPerDecisionPoint: { 0: 3, 5: 3, 30: 2, 7: 1 }, invalidPointRows: 1, duplicatePointRows: 0, imagesMissingPoints: 1,
      positives: 3, negatives: 4, invalidLabelRows: 1, invalidLabels: { 2: 1 }, windowCompleteRows: 7,
      nulls: { image_id: 1, decision_point_minutes: 0, label_needs_moderation_24h: 1, label_window_complete: 1 },
    });
  });

  it('sees an image with the right row count but a repeated decision point (a doubled load)', () => {
    const { stats, plan } = statsOf([[row('a', 0n, 0n), row('a', 0n, 0n), row('a', 30n, 0n), row('b', 0n, 1n), row('b', 5n, 1n), row('b', 30n, 1n)]]);
    expect(stats).toMatchObject({ offendingImages: 0, duplicatePointRows: 1, imagesMissingPoints: 1 });
    const perImage = rowChecks('t', stats, plan, [0, 5, 30], 6, { columns: [], rows: [] }).find((c) => c.id === 'training.rows-per-image')!;
    expect(perImage.status).toBe('fail');
    expect(perImage.detail).toBe('a decision point repeated within its image in 1 row');
  });

  it('turns the statistics into checks with figures, each failing on its own problem', () => {
    const { stats, plan } = statsOf([[row('a', 0n, 0n), row('a', 5n, 0n), row('b', 0n, 1n), row('b', 5n, 2n), row('b', 30n, null), row('a', 30n, 0n)]], [0, 5, 30]);
    const checks = Object.fromEntries(rowChecks('m.t', stats, plan, [0, 5, 30], 6, { columns: ['image_id'], rows: [{ image_id: 'a' }] }).map((c) => [c.id, c]));
    expect(Object.fromEntries(Object.entries(checks).map(([id, c]) => [id, c.status]))).toEqual({
      'training.rows': 'pass', 'training.rows-per-image': 'pass', 'training.decision-points': 'pass',
      'training.labels': 'fail', 'training.key-nulls': 'fail', 'training.sample': 'pass',
    });
    expect(checks['training.labels']!.detail).toBe('label other than 0 or 1 in 1 row (2 x1); 1 positive / 4 (25.0%)');
    expect(checks['training.labels']!.figures).toMatchObject({ positives: 1, negatives: 3, balance: 0.25 });
    expect(checks['training.key-nulls']!.detail).toBe('nulls in label_needs_moderation_24h (1)');
  });

  it('fails the row count when the scan and the snapshot summary disagree, or the table is empty', () => {
    const { stats, plan } = statsOf([[row('a', 0n, 0n)]], [0]);
    const rows = (total: number | null) => rowChecks('t', stats, plan, [0], total, { columns: [], rows: [] })[0]!;
    expect(rows(1).status).toBe('pass');
    expect(rows(2)).toMatchObject({ status: 'fail', figures: { rows: 1, summaryTotalRecords: 2 } });
    const empty = statsOf([], [0]);
    expect(rowChecks('t', empty.stats, empty.plan, [0], 0, { columns: [], rows: [] })[0]).toMatchObject({ status: 'fail', detail: 'the table is empty: run etl_moderation' });
  });

  it('skips value checks on columns of another type, and still counts their nulls', () => {
    const schema: Schema = { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'image_id', required: false, type: 'string' }, { id: 2, name: 'decision_point_minutes', required: false, type: 'string' }] };
    const plan = planColumns(schema);
    expect(plan.unusable).toEqual({
      decision_point_minutes: 'column decision_point_minutes is string, not a number',
      label_needs_moderation_24h: 'the table has no column label_needs_moderation_24h',
      label_window_complete: 'the table has no column label_window_complete',
    });
    const c = new TrainingStatsCollector(plan, [0]);
    c.add(batchOf(schema, [{ image_id: 'a', decision_point_minutes: null }]));
    const checks = rowChecks('t', c.finish(), plan, [0], 1, { columns: [], rows: [] });
    expect(checks.map((x) => x.status)).toEqual(['pass', 'pass', 'skip', 'skip', 'fail', 'skip']);
    expect(checks[4]!.detail).toBe('nulls in decision_point_minutes (1); not checked (absent): label_needs_moderation_24h, label_window_complete');
  });

  it('refuses a decision point list it cannot pack', () => {
    expect(() => new TrainingStatsCollector(planColumns(KEYS), [])).toThrow(/1 to 30 decision points/);
    expect(() => new TrainingStatsCollector(planColumns(KEYS), [0, 5, 5])).toThrow(/repeat a value/);
  });
});

describe('verify: schema against the FEATURES.md contract', () => {
  it('passes the contract itself', () => {
    expect(schemaCheck('m.t', TRAINING_SCHEMA)).toMatchObject({ status: 'pass', figures: { missing: [], wrongType: [], wrongRequired: [], extra: [] } });
  });

  it('names missing columns, other types and optionality, and extra columns', () => {
    const fields = TRAINING_SCHEMA.fields.filter((f) => f.name !== 'label_window_complete').map((f) => {
      if (f.name === 'hour_of_day') return { ...f, type: 'int' as const };
      if (f.name === 'image_id') return { ...f, required: true };
      return f;
    });
    const schema: Schema = { type: 'struct', 'schema-id': 3, fields: [...fields, { id: 99, name: 'notes', required: false, type: { type: 'list', 'element-id': 100, element: 'string', 'element-required': false } }] };
    expect(compareWithContract(schema)).toEqual({
      missing: ['label_window_complete'],
      wrongType: [{ column: 'hour_of_day', expected: 'long', actual: 'int' }],
      wrongRequired: [{ column: 'image_id', expected: 'optional', actual: 'required' }],
      extra: [{ column: 'notes', type: 'list<string>' }],
    });
    const c = schemaCheck('m.t', schema);
    expect(c.status).toBe('fail');
    expect(c.detail).toBe('missing label_window_complete; hour_of_day is int, expected long; image_id is required, expected optional; '
      + 'extra columns: notes (list<string>). Rerun etl_moderation to evolve the table, or fix it by hand');
  });

  it('only warns for extra columns', () => {
    const schema: Schema = { ...TRAINING_SCHEMA, fields: [...TRAINING_SCHEMA.fields, { id: 50, name: 'note', required: false, type: 'string' }] };
    expect(schemaCheck('m.t', schema)).toMatchObject({ status: 'warn', detail: 'all 20 contract columns match; extra columns: note (string)' });
  });
});

describe('verify: sample rows as JSON-safe values', () => {
  it('renders longs and times as strings and keeps nulls, decimals and non-finite doubles readable', () => {
    const schema: Schema = {
      type: 'struct', 'schema-id': 0, fields: [
        { id: 1, name: 'n', required: false, type: 'long' },
        { id: 2, name: 'at', required: false, type: 'timestamptz' },
        { id: 3, name: 'local', required: false, type: 'timestamp' },
        { id: 4, name: 'day', required: false, type: 'date' },
        { id: 5, name: 'price', required: false, type: 'decimal(9, 2)' },
        { id: 6, name: 'x', required: false, type: 'double' },
        { id: 7, name: 'ok', required: false, type: 'boolean' },
        { id: 8, name: 'id', required: false, type: 'uuid' },
      ],
    };
    const batch = batchOf(schema, [
      { n: 9007199254740993n, at: 1_773_144_000_000_001n, local: 0n, day: 20522, price: -1420n, x: Number.NaN, ok: true, id: '0a1b2c3d-0000-4000-8000-000000000001' },
      { n: null, at: null, local: null, day: null, price: null, x: 0.25, ok: null, id: null },
    ]);
    const rows = jsonRows(batch, schema.fields);
    expect(rows).toEqual([
      { n: '9007199254740993', at: '2026-03-10T12:00:00.000001+00:00', local: '1970-01-01T00:00:00', day: '2026-03-10', price: '-14.20', x: 'nan', ok: true, id: '0a1b2c3d-0000-4000-8000-000000000001' },
      { n: null, at: null, local: null, day: null, price: null, x: 0.25, ok: null, id: null },
    ]);
    expect(JSON.parse(JSON.stringify(rows))).toEqual(rows);
  });
});

describe('verify: committed Kafka offsets from snapshot summaries', () => {
  const snapshot = (id: bigint, parent: bigint | undefined, summary: Record<string, string>) =>
    ({ 'snapshot-id': id, 'parent-snapshot-id': parent, 'timestamp-ms': Number(id) * 1000, 'manifest-list': '', summary: { operation: 'append', ...summary } });
  const md = (snapshots: ReturnType<typeof snapshot>[], current: bigint) =>
    ({ snapshots, refs: { main: { 'snapshot-id': current, type: 'branch' } }, 'current-snapshot-id': current }) as unknown as TableMetadata;
  const offsets = (topic: string, partitions: Record<string, string>) => ({ [OFFSETS_KEY]: JSON.stringify({ topic, partitions }) });

  it('takes the newest snapshot on main that has them, saying whether it was an ancestor', () => {
    const chain = [snapshot(1n, undefined, offsets('t', { 0: '5' })), snapshot(2n, 1n, offsets('t', { 0: '9', 1: '3' })), snapshot(3n, 2n, {})];
    expect(latestOffsets(md(chain, 3n))).toEqual({ topic: 't', partitions: { 0: '9', 1: '3' }, snapshotId: '2', committedAt: '1970-01-01T00:00:02.000Z', fromAncestor: true });
    expect(latestOffsets(md(chain, 1n))).toMatchObject({ partitions: { 0: '5' }, fromAncestor: false });
    expect(latestOffsets(md([snapshot(1n, undefined, {})], 1n))).toBeNull();
  });

  it('fails the offsets check, not the run, on a summary it cannot read', () => {
    const bad = md([snapshot(1n, undefined, { [OFFSETS_KEY]: '{"topic":' })], 1n);
    expect(() => latestOffsets(bad)).toThrow(/snapshot 1 has an unreadable floe\.kafka\.offsets/);
    const checks = windowChecks('views', 'e.v', { md: bad, stats: { rows: 1, totalEvents: 1, nonPositiveRows: 0, nullRows: 0, minEventCount: 1 }, countsProblem: null, badExamples: [] });
    expect(checks.map((c) => c.status)).toEqual(['pass', 'pass', 'fail', 'pass']);
  });
});
