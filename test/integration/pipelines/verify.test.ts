/**
 * verify over tables the real pipelines wrote: etl_moderation from the synthetic world in
 * Postgres (first with the milestone fallback, then from window tables event_aggregation filled
 * from Kafka), in a Postgres catalog with its warehouse on S3.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { World } from '../../../core/demo/generator.ts';
import { loadWorldIntoPostgres } from '../../../core/demo/load-postgres.ts';
import { WindowTruth } from '../../../core/demo/ground-truth.ts';
import { produceEvents } from '../../../core/demo/produce-kafka.ts';
import { fileIOFor } from '../../../core/io/resolve-file-io.ts';
import { defaultEtlModerationConfig, runEtlModeration, type EtlModerationConfig } from '../../../core/pipelines/etl-moderation/pipeline.ts';
import { TRAINING_SCHEMA } from '../../../core/pipelines/etl-moderation/training-table.ts';
import { defaultEventAggregationConfig, runEventAggregation } from '../../../core/pipelines/event-aggregation/pipeline.ts';
import { formatVerifyReport } from '../../../core/pipelines/verify/format.ts';
import { defaultVerifyConfig, runVerify, verifyConfigFor, type VerifyConfig } from '../../../core/pipelines/verify/pipeline.ts';
import type { VerifyReport } from '../../../core/pipelines/verify/report.ts';
import { postgresSource, type SqlSource } from '../../../core/sources/sql-source.ts';
import { freshDatabase, testBed, uniqueName } from '../../services/testbed.ts';
import { postgresS3Catalog, type CatalogUnderTest } from '../iceberg/catalogs.ts';

const world = new World({ images: 40, seed: 'verify' });
const KINDS = ['views', 'comments', 'flags'] as const;

const statusOf = (r: VerifyReport) => Object.fromEntries(r.checks.map((c) => [c.id, c.status]));
const byId = (r: VerifyReport, id: string) => r.checks.find((c) => c.id === id)!;

describe('verify over tables written by etl_moderation and event_aggregation (Postgres catalog, S3)', () => {
  let c: CatalogUnderTest;
  let etl: EtlModerationConfig;
  let config: VerifyConfig;
  let source: SqlSource;
  const base = uniqueName('verify');
  const now = world.options.start / 1000 + 10 * 86_400_000;
  const io = (l: string) => fileIOFor(l, c.io);

  beforeAll(async () => {
    c = await postgresS3Catalog();
    const db = await freshDatabase('verify');
    await loadWorldIntoPostgres(world, db);
    source = postgresSource(db);
    etl = defaultEtlModerationConfig(`s3://${testBed().s3.bucket}/${base}`);
    config = verifyConfigFor(etl);
  });
  afterAll(() => c.catalog.close());

  it('checks the tables etl_moderation names, with 5 sample rows by default', () => {
    expect(defaultVerifyConfig()).toEqual({
      trainingTable: { namespace: ['moderation'], name: 'training_data' },
      windowTables: {
        views: { namespace: ['event_aggregations'], name: 'view_windows_5min' },
        comments: { namespace: ['event_aggregations'], name: 'comment_windows_5min' },
        flags: { namespace: ['event_aggregations'], name: 'flag_windows_5min' },
      },
      decisionPointsMinutes: [0, 5, 30], sampleRows: 5,
    });
  });

  it('passes every training check on what etl_moderation loaded, and only warns for the missing window tables', async () => {
    const r = await runEtlModeration(etl, { catalog: c.catalog, io, source }, {}, 'run-verify-b', now);
    const progress: number[] = [];
    const report = await runVerify(config, { catalog: c.catalog, io }, { setTotal: (t) => progress.push(-t), advance: (n) => progress.push(n) });
    const statuses = statusOf(report);
    for (const [id, status] of Object.entries(statuses)) {
      if (id.startsWith('training.')) expect(status, id).toBe('pass');
      else expect(status, id).toBe(id.endsWith('.exists') ? 'warn' : 'skip');
    }
    expect(report.ok).toBe(true);
    expect(byId(report, 'training.rows').figures).toEqual({ rows: r.rows, images: r.features.images, summaryTotalRecords: r.rows });
    expect(byId(report, 'training.decision-points').figures.rowsPerDecisionPoint).toEqual(r.features.rowsPerDecisionPoint);
    expect(byId(report, 'training.labels').figures).toMatchObject({ positives: r.features.labelPositive, negatives: r.features.labelNegative, invalidRows: 0 });
    expect(byId(report, 'training.snapshot').figures).toMatchObject({ snapshotId: r.snapshotId, runId: 'run-verify-b', windowSource: 'milestones', pipeline: 'etl_moderation' });
    expect(progress[0]).toBe(-r.rows); // the total is known from the snapshot summary before reading
    expect(progress.slice(1).reduce((a, b) => a + b, 0)).toBe(r.rows);

    expect(report.sampleRows).toHaveLength(5);
    for (const row of report.sampleRows) {
      expect(Object.keys(row)).toEqual(TRAINING_SCHEMA.fields.map((f) => f.name));
      expect(row.decision_point_minutes).toMatch(/^(0|5|30)$/); // longs as strings
      expect(typeof row.view_velocity_per_min).toBe('number');
    }
    const text = formatVerifyReport(report);
    expect(text).toMatch(/^Floe verify: PASSED \(0 failed, 3 warnings, 9 passed, 9 skipped\)/);
    expect(text).toContain(`  ✓ has rows`);
    expect(text).toContain('  ! view windows table exists');
    expect(text).toContain(`Sample rows of moderation.training_data (first 5):`);
  });

  it('reports the offsets and event counts event_aggregation committed, and passes a training table built from them', { timeout: 120_000 }, async () => {
    const evConfig = defaultEventAggregationConfig({ brokers: testBed().kafkaBrokers }, `s3://${testBed().s3.bucket}/${base}`);
    evConfig.topics = { views: `${base}.views`, comments: `${base}.comments`, flags: `${base}.flags` };
    evConfig.consumerGroup = null; // lag-tool offsets are not what verify reads
    const truth = new WindowTruth();
    const events = [...world.events()];
    for (const e of events) truth.add(e);
    await produceEvents(events, { brokers: testBed().kafkaBrokers, topics: evConfig.topics, partitions: 2 });
    const agg = await runEventAggregation(evConfig, { catalog: c.catalog, io }, {}, 'run-agg');
    const r = await runEtlModeration(etl, { catalog: c.catalog, io, source }, {}, 'run-verify-a', now);
    expect(r.features.source).toBe('windows');

    const report = await runVerify(config, { catalog: c.catalog, io });
    expect(report.checks.filter((x) => x.status !== 'pass').map((x) => `${x.id}: ${x.detail}`)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(byId(report, 'training.snapshot').figures).toMatchObject({ runId: 'run-verify-a', windowSource: 'windows' });
    for (const kind of KINDS) {
      const topic = agg.topics.find((t) => t.kind === kind)!;
      expect(byId(report, `${kind}-windows.offsets`).figures, kind).toEqual({
        topic: evConfig.topics[kind], partitions: topic.endOffsets, snapshotId: topic.snapshotId,
        committedAt: expect.any(String), fromAncestor: false,
      });
      expect(byId(report, `${kind}-windows.rows`).figures, kind).toEqual({ rows: topic.rows, totalEvents: topic.counted });
      expect(topic.counted, kind).toBe(truth.windows(kind).reduce((n, w) => n + w.count, 0));
      expect(byId(report, `${kind}-windows.exists`).figures, kind).toMatchObject({ runId: 'run-agg', snapshotId: topic.snapshotId });
    }
    const text = formatVerifyReport(report, { figures: 'none' });
    expect(text).toMatch(/^Floe verify: PASSED \(0 failed, 0 warnings, 21 passed, 0 skipped\)/);
    expect(text).toContain(`  ✓ view windows committed Kafka offsets`);
  });
});
