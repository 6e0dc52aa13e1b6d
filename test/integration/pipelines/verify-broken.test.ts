/**
 * verify against tables written directly (not by the pipelines), each broken in one known way, on
 * both catalog set-ups: every check must fail, warn or pass exactly as the break says, with the
 * figures that describe it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureNamespace, ensureTable } from '../../../core/iceberg/catalog/ensure.ts';
import type { TableIdentifier } from '../../../core/iceberg/catalog/catalog.ts';
import type { Schema } from '../../../core/iceberg/spec/types.ts';
import { writeTable } from '../../../core/iceberg/write/commit.ts';
import { fileIOFor } from '../../../core/io/resolve-file-io.ts';
import { TRAINING_SCHEMA } from '../../../core/pipelines/etl-moderation/training-table.ts';
import { OFFSETS_KEY } from '../../../core/pipelines/event-aggregation/offsets.ts';
import { WINDOW_SCHEMA } from '../../../core/pipelines/event-aggregation/window-table.ts';
import { formatVerifyReport } from '../../../core/pipelines/verify/format.ts';
import { runVerify, type VerifyConfig } from '../../../core/pipelines/verify/pipeline.ts';
import type { VerifyReport } from '../../../core/pipelines/verify/report.ts';
import { uniqueName } from '../../services/testbed.ts';
import { catalogSetups, type CatalogUnderTest } from '../iceberg/catalogs.ts';
import { batchOf, micros } from '../iceberg/table-batches.ts';

/** A training row with every contract column; longs as bigints, as batchOf takes them. */
function trainingRow(image: string, point: number | null, label: bigint | null): Record<string, unknown> {
  return {
    image_id: image, decision_point_minutes: point === null ? null : BigInt(point), time_since_upload_seconds: BigInt((point ?? 0) * 60),
    hour_of_day: 12n, day_of_week: 1n, is_weekend: 0n, views_5min: 3n, views_1hr: 10n, comments_5min: 0n, comments_1hr: 2n,
    view_velocity_per_min: 0.6, comment_to_view_ratio: 0.2, recent_engagement_score: 3, caption_length: 7n, has_caption: 1n,
    user_image_count: 2n, user_age_days: 9n, category: 'Unknown', label_needs_moderation_24h: label, label_window_complete: true,
  };
}

const image = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;

/** Five images: A lacks its 30-minute row, B has 7 for 5, C a null label, D a label 2, E is right. */
const BROKEN_ROWS = [
  trainingRow(image(1), 0, 0n), trainingRow(image(1), 5, 0n),
  trainingRow(image(2), 0, 0n), trainingRow(image(2), 7, 0n), trainingRow(image(2), 30, 0n),
  trainingRow(image(3), 0, 1n), trainingRow(image(3), 5, null), trainingRow(image(3), 30, 1n),
  trainingRow(image(4), 0, 0n), trainingRow(image(4), 5, 2n), trainingRow(image(4), 30, 0n),
  trainingRow(image(5), 0, 0n), trainingRow(image(5), 5, 0n), trainingRow(image(5), 30, 0n),
];

const windowRow = (id: string, start: string, count: bigint) =>
  ({ image_id: id, window_start: micros(start), window_end: micros(start) + 300_000_000n, event_count: count, processed_at: 0n });

const statuses = (r: VerifyReport) => Object.fromEntries(r.checks.map((c) => [c.id, c.status]));
const byId = (r: VerifyReport, id: string) => r.checks.find((c) => c.id === id)!;

describe.each(catalogSetups)('verify finds what is wrong in hand-made tables (%s)', (_name, setup) => {
  let c: CatalogUnderTest;
  let config: VerifyConfig;
  const io = (l: string) => fileIOFor(l, c.io);
  const ns = uniqueName('verify').replace(/-/g, '_');
  const id = (name: string): TableIdentifier => ({ namespace: [ns], name });

  async function write(table: TableIdentifier, schema: Schema, rows: Record<string, unknown>[], summary: Record<string, string> = {}) {
    await ensureTable(c.catalog, table, { schema });
    await writeTable(c.catalog, table, io, [batchOf(schema, rows)], { mode: 'append', summary });
  }

  beforeAll(async () => {
    c = await setup();
    await ensureNamespace(c.catalog, [ns]);
    config = {
      trainingTable: id('training_data'),
      windowTables: { views: id('view_windows_5min'), comments: id('comment_windows_5min'), flags: id('flag_windows_5min') },
      decisionPointsMinutes: [0, 5, 30], sampleRows: 3,
    };
    await write(config.trainingTable, TRAINING_SCHEMA, BROKEN_ROWS, { 'floe.run-id': 'hand-made', 'floe.window-source': 'windows' });
    // Views: written without offsets, with a zero and a negative count.
    await write(config.windowTables.views, WINDOW_SCHEMA, [
      windowRow(image(1), '2026-03-10T12:00:00Z', 3n), windowRow(image(2), '2026-03-10T12:05:00Z', 0n), windowRow(image(3), '2026-03-10T12:10:00Z', -2n),
    ]);
    // Comments: offsets in the first snapshot only; a later append without them (e.g. PyIceberg).
    await write(config.windowTables.comments, WINDOW_SCHEMA, [windowRow(image(1), '2026-03-10T12:10:00Z', 2n)],
      { [OFFSETS_KEY]: JSON.stringify({ topic: 'gourmetgram.comments', partitions: { 0: '17', 1: '4' } }) });
    await write(config.windowTables.comments, WINDOW_SCHEMA, [windowRow(image(2), '2026-03-10T12:10:00Z', 1n)]);
    // Flags: no table at all.
  });
  afterAll(() => c.catalog.close());

  it('fails exactly the per-image, decision point, label and null checks, with their figures', async () => {
    const report = await runVerify(config, { catalog: c.catalog, io });
    expect(report.ok).toBe(false);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report); // the API and run store take it as it is
    expect(statuses(report)).toEqual({
      'training.exists': 'pass', 'training.schema': 'pass', 'training.snapshot': 'pass', 'training.rows': 'pass',
      'training.rows-per-image': 'fail', 'training.decision-points': 'fail', 'training.labels': 'fail', 'training.key-nulls': 'fail',
      'training.sample': 'pass',
      'views-windows.exists': 'pass', 'views-windows.rows': 'pass', 'views-windows.offsets': 'warn', 'views-windows.event-counts': 'fail',
      'comments-windows.exists': 'pass', 'comments-windows.rows': 'pass', 'comments-windows.offsets': 'pass', 'comments-windows.event-counts': 'pass',
      'flags-windows.exists': 'warn', 'flags-windows.rows': 'skip', 'flags-windows.offsets': 'skip', 'flags-windows.event-counts': 'skip',
    });
    expect(byId(report, 'training.rows').figures).toEqual({ rows: 14, images: 5, summaryTotalRecords: 14 });
    expect(byId(report, 'training.rows-per-image').figures).toMatchObject({
      offendingImages: 1, rowsPerImage: { 2: 1, 3: 4 }, examples: [{ imageId: image(1), rows: 2 }], duplicatePointRows: 0,
    });
    expect(byId(report, 'training.rows-per-image').detail).toBe(`images without exactly 3 rows: 1 of 5, e.g. ${image(1)} (2 rows)`);
    expect(byId(report, 'training.decision-points').figures).toEqual({
      configured: [0, 5, 30], rowsPerDecisionPoint: { 0: 5, 5: 4, 7: 1, 30: 4 }, invalidRows: 1, imagesMissingPoints: 2,
    });
    expect(byId(report, 'training.labels').figures).toEqual({
      positives: 2, negatives: 10, balance: 2 / 12, invalidRows: 1, invalidValues: { 2: 1 }, windowCompleteRows: 14,
    });
    expect(byId(report, 'training.key-nulls').figures).toEqual({
      nulls: { image_id: 0, decision_point_minutes: 0, label_needs_moderation_24h: 1, label_window_complete: 0 }, absentColumns: [],
    });
    expect(byId(report, 'training.snapshot').figures).toMatchObject({ runId: 'hand-made', windowSource: 'windows', operation: 'append' });
    expect(report.sampleRows).toHaveLength(3);
    expect(report.sampleRows[0]).toMatchObject({ image_id: image(1), decision_point_minutes: '0', view_velocity_per_min: 0.6, label_window_complete: true });
  });

  it('reports window offsets (from an ancestor when the newest snapshot has none) and non-positive counts', async () => {
    const report = await runVerify(config, { catalog: c.catalog, io });
    expect(byId(report, 'views-windows.event-counts').figures).toEqual({
      nonPositiveRows: 2, nullRows: 0, minEventCount: -2,
      examples: [
        { image_id: image(2), window_start: '2026-03-10T12:05:00+00:00', event_count: '0' },
        { image_id: image(3), window_start: '2026-03-10T12:10:00+00:00', event_count: '-2' },
      ],
    });
    expect(byId(report, 'views-windows.rows').figures).toEqual({ rows: 3, totalEvents: 1 });
    expect(byId(report, 'views-windows.offsets').detail).toMatch(/no snapshot stores floe\.kafka\.offsets/);
    const comments = (await c.catalog.loadTable(config.windowTables.comments)).metadata;
    expect(byId(report, 'comments-windows.offsets').figures).toEqual({
      topic: 'gourmetgram.comments', partitions: { 0: '17', 1: '4' }, fromAncestor: true,
      snapshotId: comments.snapshots[0]!['snapshot-id'].toString(), committedAt: new Date(comments.snapshots[0]!['timestamp-ms']).toISOString(),
    });
    expect(byId(report, 'comments-windows.rows').figures).toEqual({ rows: 2, totalEvents: 3 });
    expect(byId(report, 'flags-windows.exists').detail).toMatch(/flag_windows_5min does not exist .*milestone fallback/);
    const text = formatVerifyReport(report);
    expect(text).toMatch(/^Floe verify: FAILED \(5 failed, 2 warnings, 11 passed, 3 skipped\)\n/);
    expect(text).toContain('  ✗ one row per image and decision point');
    expect(text).toContain('  ! flag windows table exists');
  });

  it('fails the schema check for a table made to another schema, and the existence check for a missing one', async () => {
    const seedLike: Schema = { ...TRAINING_SCHEMA, fields: [...TRAINING_SCHEMA.fields.filter((f) => f.name !== 'label_window_complete'), { id: 30, name: 'note', required: false, type: 'string' }] };
    const table = id('seed_training');
    await write(table, seedLike, [{ ...trainingRow(image(1), 0, 0n), note: 'x' }]);
    const report = await runVerify({ ...config, trainingTable: table, decisionPointsMinutes: [0] }, { catalog: c.catalog, io });
    expect(byId(report, 'training.schema')).toMatchObject({ status: 'fail', figures: { missing: ['label_window_complete'], extra: [{ column: 'note', type: 'string' }] } });
    expect(byId(report, 'training.snapshot').status).toBe('warn'); // no floe.run-id: not written by etl_moderation
    expect(byId(report, 'training.key-nulls')).toMatchObject({ status: 'warn', figures: { absentColumns: ['label_window_complete'] } });

    const missing = await runVerify({ ...config, trainingTable: id('nothing_here') }, { catalog: c.catalog, io });
    expect(missing.checks.filter((x) => x.table.endsWith('nothing_here')).map((x) => x.status)).toEqual(['fail', ...Array(8).fill('skip')]);
    expect(byId(missing, 'training.exists').detail).toMatch(/nothing_here does not exist in catalog "gourmetgram": run etl_moderation/);
  });
});
