import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { World } from '../../../core/demo/generator.ts';
import { WindowTruth } from '../../../core/demo/ground-truth.ts';
import { produceEvents } from '../../../core/demo/produce-kafka.ts';
import type { EventTopic, PlatformEvent } from '../../../core/demo/model.ts';
import { defaultEventAggregationConfig, runEventAggregation, type EventAggregationConfig } from '../../../core/pipelines/event-aggregation/pipeline.ts';
import { fileIOFor } from '../../../core/io/resolve-file-io.ts';
import { testBed, uniqueName } from '../../services/testbed.ts';
import { admin } from '../sources/kafka-helpers.ts';
import { postgresS3Catalog, type CatalogUnderTest } from '../iceberg/catalogs.ts';

const script = resolve(import.meta.dirname, 'event-aggregation-seed-table.py');
const KINDS: EventTopic[] = ['views', 'comments', 'flags'];

interface PySums { sums: Record<string, number>; spec: string[]; schema: [number, string, boolean][] }

/** Runs event-aggregation-seed-table.py (PyIceberg) against the test's catalog. */
async function py<T>(c: CatalogUnderTest, command: string, args: object): Promise<T> {
  const bed = testBed();
  try {
    const { stdout } = await promisify(execFile)(bed.python, [script, command, JSON.stringify(args)], {
      maxBuffer: 64 * 1024 * 1024,
      env: {
        PATH: process.env.PATH, FLOE_ICEBERG_CATALOG_URI: c.py.uri, FLOE_ICEBERG_WAREHOUSE: c.py.warehouse,
        FLOE_TEST_S3_ENDPOINT: bed.s3.endpoint, FLOE_TEST_S3_ACCESS_KEY: bed.s3.accessKeyId,
        FLOE_TEST_S3_SECRET_KEY: bed.s3.secretAccessKey, FLOE_TEST_S3_REGION: bed.s3.region,
      },
    });
    return JSON.parse(stdout) as T;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`PyIceberg (${script} ${command}) failed: ${e.stderr?.split('\n').slice(-8).join('\n') ?? e.message}`);
  }
}

const tableName = (config: EventAggregationConfig, kind: EventTopic) => `${config.tables[kind].namespace.join('.')}.${config.tables[kind].name}`;

function expectedSums(truth: WindowTruth, kind: EventTopic, extra: Record<string, number> = {}): Record<string, number> {
  const out: Record<string, number> = { ...extra };
  for (const w of truth.windows(kind)) out[`${w.imageId}|${w.windowStart}`] = (out[`${w.imageId}|${w.windowStart}`] ?? 0) + w.count;
  return out;
}

function setup(c: CatalogUnderTest, prefix: string): EventAggregationConfig {
  const base = uniqueName(prefix);
  const config = defaultEventAggregationConfig({ brokers: testBed().kafkaBrokers }, `s3://${testBed().s3.bucket}/${base}`);
  config.topics = { views: `${base}.views`, comments: `${base}.comments`, flags: `${base}.flags` };
  const ns = base.replace(/[^a-z0-9]/gi, '_');
  config.tables = {
    views: { namespace: [ns], name: 'view_windows_5min' }, comments: { namespace: [ns], name: 'comment_windows_5min' },
    flags: { namespace: [ns], name: 'flag_windows_5min' },
  };
  config.consumerGroup = null;
  return config;
}

describe('event_aggregation on tables, start points and topics it did not make', () => {
  let c: CatalogUnderTest;
  const io = (l: string) => fileIOFor(l, c.io);

  beforeAll(async () => { c = await postgresS3Catalog(); });
  afterAll(() => c.catalog.close());

  it('appends to window tables the seed made with PyIceberg (unpartitioned, optional columns, zoned and naive times), as they are', async () => {
    const config = setup(c, 'seeded');
    const world = new World({ images: 150, seed: 'seeded-tables' });
    const events = [...world.events()];
    const truth = new WindowTruth();
    for (const e of events) truth.add(e);
    await produceEvents(events, { brokers: testBed().kafkaBrokers, topics: config.topics, partitions: 3 });
    // A row the seed wrote for a window this run also touches (the two rows must add up), and one it does not.
    const extra: Partial<Record<EventTopic, Record<string, number>>> = {};
    const zoned = { views: true, comments: false };
    for (const kind of ['views', 'comments'] as const) {
      const w = truth.windows(kind)[0]!;
      const iso = (us: number) => new Date(us / 1000).toISOString();
      const rows = [
        { image_id: w.imageId, window_start: iso(w.windowStart), window_end: iso(w.windowEnd), event_count: 1000, processed_at: '2026-01-01T00:00:00+00:00' },
        { image_id: 'seed-only', window_start: '2025-12-31T23:55:00+00:00', window_end: '2026-01-01T00:00:00+00:00', event_count: 7, processed_at: '2026-01-01T00:00:00+00:00' },
      ];
      await py(c, 'create', { table: tableName(config, kind), timezone: zoned[kind], rows });
      extra[kind] = { [`${w.imageId}|${w.windowStart}`]: 1000, [`seed-only|${Date.UTC(2025, 11, 31, 23, 55) * 1000}`]: 7 };
    }
    const before = await py<PySums>(c, 'sums', { table: tableName(config, 'views') });

    const result = await runEventAggregation(config, { catalog: c.catalog, io });
    expect(result.topics.map((t) => t.snapshotId !== null)).toEqual([true, true, true]);
    for (const kind of KINDS) {
      const after = await py<PySums>(c, 'sums', { table: tableName(config, kind) });
      expect(after.sums, kind).toEqual(expectedSums(truth, kind, extra[kind]));
      expect(after.spec, `${kind}: partitioning`).toEqual(kind === 'flags' ? ['DayTransform'] : []);
      if (kind !== 'flags') expect(after.schema, `${kind}: the seed's field ids and optional columns`).toEqual(before.schema);
    }
  }, 120_000);

  it('starts a first run at a configured time, then continues from the stored offsets', async () => {
    const config = setup(c, 'start-at');
    const world = new World({ images: 120, seed: 'start-time' });
    const events = [...world.events()];
    const parts = [events.slice(0, 1000), events.slice(1000, 2000), events.slice(2000)];
    const produce = (part: PlatformEvent[]) => produceEvents(part, { brokers: testBed().kafkaBrokers, topics: config.topics, partitions: 3 });
    await produce(parts[0]!);
    await new Promise((r) => setTimeout(r, 20));
    const startTime = Date.now();
    await new Promise((r) => setTimeout(r, 20));
    await produce(parts[1]!);

    config.startTime = 'yesterday at noon';
    await expect(runEventAggregation(config, { catalog: c.catalog, io })).rejects.toThrow(/start time "yesterday at noon" is not a time: give ISO 8601 with a UTC offset/);
    config.startTime = new Date(startTime).toISOString();
    const first = await runEventAggregation(config, { catalog: c.catalog, io });
    const truth = new WindowTruth();
    for (const e of parts[1]!) truth.add(e);
    for (const kind of KINDS) {
      expect((await py<PySums>(c, 'sums', { table: tableName(config, kind) })).sums, `${kind}: only what was produced after the start time`).toEqual(expectedSums(truth, kind));
    }
    expect(first.topics.reduce((n, t) => n + t.messages, 0)).toBe(parts[1]!.length);

    await produce(parts[2]!);
    for (const e of parts[2]!) truth.add(e);
    await runEventAggregation(config, { catalog: c.catalog, io });
    for (const kind of KINDS) {
      expect((await py<PySums>(c, 'sums', { table: tableName(config, kind) })).sums, `${kind}: the second run ignores the start time`).toEqual(expectedSums(truth, kind));
    }
  }, 120_000);

  it('reports messages retention deleted before they were read, and refuses offsets past the end of a recreated topic', async () => {
    const config = setup(c, 'lost');
    const events = [...new World({ images: 60, seed: 'lost-messages' }).events()];
    const produce = (part: PlatformEvent[]) => produceEvents(part, { brokers: testBed().kafkaBrokers, topics: config.topics, partitions: 3 });
    await produce(events.slice(0, 600));
    const first = await runEventAggregation(config, { catalog: c.catalog, io });
    const stored = BigInt(first.topics[0]!.endOffsets[0]!);
    await produce(events.slice(600));
    const a = admin();
    await a.connect();
    try {
      await a.fetchTopicMetadata({ topics: [config.topics.views] });
      await a.deleteTopicRecords({ topic: config.topics.views, partitions: [{ partition: 0, offset: String(stored + 5n) }] });
      const warnings: string[] = [];
      const second = await runEventAggregation(config, { catalog: c.catalog, io }, { log: (level, m) => { if (level === 'warn') warnings.push(m); } });
      const expected = `${config.topics.views} partition 0: 5 messages (offsets ${stored} to ${stored + 4n}) were deleted by Kafka retention before Floe read them`;
      expect(second.topics[0]!.warnings.join('\n')).toContain(expected);
      expect(warnings.join('\n')).toContain(expected);
      expect(second.topics[0]!.startOffsets[0]).toBe(String(stored + 5n));

      // The topic deleted and made again, empty: the stored offsets point past its end.
      await a.deleteTopics({ topics: [config.topics.views] });
      for (let attempt = 0; ; attempt++) {
        try {
          await a.createTopics({ topics: [{ topic: config.topics.views, numPartitions: 3 }], waitForLeaders: true });
          break;
        } catch (err) {
          if (attempt > 60) throw err;
          await new Promise((r) => setTimeout(r, 500)); // deletion finishes in the background
        }
      }
      const created = await a.fetchTopicMetadata({ topics: [config.topics.views] });
      expect(created.topics[0]!.partitions).toHaveLength(3);
    } finally {
      await a.disconnect();
    }
    await expect(runEventAggregation(config, { catalog: c.catalog, io }))
      .rejects.toThrow(new RegExp(`Stored offset \\d+ for ${config.topics.views.replace(/\./g, '\\.')} partition \\d is beyond the log end \\(0\\): the topic was probably deleted and recreated`));
  }, 120_000);
});
