import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordBatch } from 'apache-arrow';
import { World } from '../../../core/demo/generator.ts';
import { malformedEvents } from '../../../core/demo/events.ts';
import { WindowTruth, type WindowCount } from '../../../core/demo/ground-truth.ts';
import { produceEvents } from '../../../core/demo/produce-kafka.ts';
import type { EventTopic, PlatformEvent } from '../../../core/demo/model.ts';
import { defaultEventAggregationConfig, runEventAggregation, type EventAggregationConfig } from '../../../core/pipelines/event-aggregation/pipeline.ts';
import { scanTable } from '../../../core/iceberg/read/scan.ts';
import { fileIOFor } from '../../../core/io/resolve-file-io.ts';
import { testBed, uniqueName } from '../../services/testbed.ts';
import { kafkaClient } from '../../../core/sources/kafka-config.ts';
import { postgresS3Catalog, type CatalogUnderTest } from '../iceberg/catalogs.ts';
import { pyiceberg, type PyTable } from '../iceberg/pyiceberg.ts';

const KINDS: EventTopic[] = ['views', 'comments', 'flags'];

async function tableWindows(c: CatalogUnderTest, config: EventAggregationConfig, kind: EventTopic): Promise<WindowCount[]> {
  const md = (await c.catalog.loadTable(config.tables[kind])).metadata;
  const sums = new Map<string, number>();
  for await (const b of scanTable(fileIOFor(md.location, c.io), md) as AsyncIterable<RecordBatch>) {
    const ids = b.getChild('image_id')!, starts = b.getChild('window_start')!.data[0]!.values as BigInt64Array;
    const ends = b.getChild('window_end')!.data[0]!.values as BigInt64Array, counts = b.getChild('event_count')!.data[0]!.values as BigInt64Array;
    for (let i = 0; i < b.numRows; i++) {
      expect(ends[i]! - starts[i]!).toBe(300_000_000n);
      const key = `${ids.get(i) as string}|${starts[i]}`;
      sums.set(key, (sums.get(key) ?? 0) + Number(counts[i]!)); // rows of one window add up (FEATURES.md)
    }
  }
  return [...sums].map(([k, count]) => {
    const [imageId, s] = k.split('|') as [string, string];
    return { imageId, windowStart: Number(s), windowEnd: Number(s) + 300_000_000, count };
  }).sort((a, b) => (a.imageId < b.imageId ? -1 : a.imageId > b.imageId ? 1 : a.windowStart - b.windowStart));
}

describe('event_aggregation against real Kafka, S3 and a Postgres catalog', () => {
  let c: CatalogUnderTest;
  let config: EventAggregationConfig;
  const truth = new WindowTruth();
  const world = new World({ images: 300, seed: 'event-aggregation' });
  const events = [...world.events()];
  const firstHalf = events.slice(0, Math.floor(events.length / 2));
  const secondHalf = events.slice(firstHalf.length);
  const malformed = malformedEvents('event-aggregation', world.options.start);
  const io = (l: string) => fileIOFor(l, c.io);

  beforeAll(async () => {
    c = await postgresS3Catalog();
    const base = uniqueName('gg');
    config = defaultEventAggregationConfig({ brokers: testBed().kafkaBrokers }, `s3://${testBed().s3.bucket}/${base}`);
    config.topics = { views: `${base}.views`, comments: `${base}.comments`, flags: `${base}.flags` };
    config.consumerGroup = `${base}-lag`;
    await produceEvents([...firstHalf, ...malformed], { brokers: testBed().kafkaBrokers, topics: config.topics, partitions: 3 });
    for (const e of firstHalf) truth.add(e);
  });
  afterAll(() => c.catalog.close());

  it('counts every event into its 5-minute window, equal to the ground truth', { timeout: 120_000 }, async () => {
    const result = await runEventAggregation(config, { catalog: c.catalog, io });
    const admin = kafkaClient(config.kafka).admin();
    await admin.connect();
    for (const kind of KINDS) {
      // The group offsets (for lag tools) match what was committed to the table.
      const [group] = await admin.fetchOffsets({ groupId: config.consumerGroup!, topics: [config.topics[kind]] });
      const committed = Object.fromEntries(group!.partitions.map((p) => [p.partition, p.offset]));
      expect(committed, kind).toEqual(result.topics.find((t) => t.kind === kind)!.endOffsets);
    }
    await admin.disconnect();
    for (const kind of KINDS) {
      expect(await tableWindows(c, config, kind), kind).toEqual(truth.windows(kind));
      const r = result.topics.find((t) => t.kind === kind)!;
      expect(r.messages).toBe(truth.events[kind] + malformed.filter((m) => m.topic === kind).length);
    }
  });

  it('counts and keeps every malformed event by reason, with topic, partition and offset', async () => {
    const md = (await c.catalog.loadTable(config.tables.views)).metadata;
    const summary = md.snapshots.at(-1)!.summary;
    expect(summary['floe.pipeline']).toBe('event_aggregation');
    const s3 = fileIOFor(config.rejectsLocation, c.io);
    const expected: Record<string, Record<string, number>> = {};
    for (const m of malformed) { expected[m.topic] ??= {}; expected[m.topic]![m.reason] = (expected[m.topic]![m.reason] ?? 0) + 1; }
    expected.flags!.flag_on_comment = (expected.flags!.flag_on_comment ?? 0) + truth.flagsOnComments;
    const objects: string[] = [];
    for await (const f of s3.list(`${config.rejectsLocation}/`)) objects.push(f.path);
    expect(objects).toHaveLength(3);
    for (const kind of KINDS) {
      const object = objects.find((o) => o.endsWith(`${config.topics[kind]}.jsonl`))!;
      const lines = new TextDecoder().decode(await s3.read(object)).trim().split('\n').map((l) => JSON.parse(l) as { reason: string; offset: string; partition: number; value?: string });
      const byReason: Record<string, number> = {};
      for (const l of lines) byReason[l.reason] = (byReason[l.reason] ?? 0) + 1;
      expect(byReason, kind).toEqual(expected[kind]);
      for (const l of lines) expect(l.offset).toMatch(/^\d+$/);
      const bad = malformed.filter((m) => m.topic === kind).map((m) => m.value);
      for (const v of bad) expect(lines.some((l) => l.value === v)).toBe(true);
    }
  });

  it('adds nothing when run again with no new events', async () => {
    const before = await Promise.all(KINDS.map(async (k) => (await c.catalog.loadTable(config.tables[k])).metadataLocation));
    const result = await runEventAggregation(config, { catalog: c.catalog, io });
    expect(result.topics.map((t) => t.messages)).toEqual([0, 0, 0]);
    const after = await Promise.all(KINDS.map(async (k) => (await c.catalog.loadTable(config.tables[k])).metadataLocation));
    expect(after).toEqual(before);
  });

  it('continues from the stored offsets: late events land in their old windows and totals stay exact', { timeout: 120_000 }, async () => {
    await produceEvents(secondHalf, { brokers: testBed().kafkaBrokers, topics: config.topics, partitions: 3 });
    for (const e of secondHalf) truth.add(e);
    const result = await runEventAggregation(config, { catalog: c.catalog, io });
    for (const kind of KINDS) expect(await tableWindows(c, config, kind), kind).toEqual(truth.windows(kind));
    expect(result.topics.find((t) => t.kind === 'views')!.messages).toBe(secondHalf.filter((e: PlatformEvent) => e.topic === 'views').length);
  });

  it('is read by PyIceberg with the same sums', async () => {
    const py = await pyiceberg<PyTable>(c.py, 'describe', { table: `event_aggregations.view_windows_5min` });
    const total = py.rows.reduce((n, r) => n + (r.event_count as number), 0);
    expect(total).toBe(truth.events.views);
    expect(py.spec.fields.map((f) => f.transform)).toEqual(['day']);
  });
});
