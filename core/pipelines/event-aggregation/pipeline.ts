/**
 * event_aggregation: the three platform topics into their 5-minute window tables, each topic
 * exactly once (see aggregate-topic.ts). Topics run one after another; a failure in one leaves
 * the others' commits in place and is reported with what was done.
 */
import { randomUUID } from 'node:crypto';
import type { Catalog, TableIdentifier } from '../../iceberg/catalog/catalog.ts';
import type { FileIOFor } from '../../iceberg/catalog/metadata-files.ts';
import { kafkaClient, type KafkaConnection } from '../../sources/kafka-config.ts';
import type { TaskContext } from '../task-context.ts';
import { aggregateTopic, type TopicResult } from './aggregate-topic.ts';
import type { EventKind } from './parse-event.ts';

export interface EventAggregationConfig {
  kafka: KafkaConnection;
  topics: Record<EventKind, string>;
  tables: Record<EventKind, TableIdentifier>;
  windowMinutes: number;
  /** Larger messages are rejected as oversize (production events are well under 1 KB). */
  maxEventBytes: number;
  rejectsLocation: string;
  /** Also commit the end offsets to this consumer group, for lag tools (never read back). */
  consumerGroup: string | null;
  /**
   * Where a topic's first run starts (ISO 8601 with an offset, or ms since the epoch): the first
   * message at or after it. Unset: the earliest offset. Ignored once a table has stored offsets.
   */
  startTime?: string | number | null;
}

export const EVENT_KINDS: readonly EventKind[] = ['views', 'comments', 'flags'];

export function defaultEventAggregationConfig(kafka: KafkaConnection, bucketRoot: string): EventAggregationConfig {
  return {
    kafka,
    topics: { views: 'gourmetgram.views', comments: 'gourmetgram.comments', flags: 'gourmetgram.flags' },
    tables: {
      views: { namespace: ['event_aggregations'], name: 'view_windows_5min' },
      comments: { namespace: ['event_aggregations'], name: 'comment_windows_5min' },
      flags: { namespace: ['event_aggregations'], name: 'flag_windows_5min' },
    },
    windowMinutes: 5,
    maxEventBytes: 1024 * 1024,
    rejectsLocation: `${bucketRoot.replace(/\/+$/, '')}/rejects/event_aggregation`,
    consumerGroup: 'floe-event-aggregation',
  };
}

export interface EventAggregationResult {
  runId: string;
  topics: TopicResult[];
}

export async function runEventAggregation(
  config: EventAggregationConfig, deps: { catalog: Catalog; io: FileIOFor }, ctx: TaskContext = {}, runId: string = randomUUID(),
): Promise<EventAggregationResult> {
  const processedAtMicros = Date.now() * 1000;
  const topics: TopicResult[] = [];
  for (const kind of EVENT_KINDS) topics.push(await aggregateKind(config, deps, kind, runId, ctx, processedAtMicros));
  await recordGroupOffsets(config, topics, ctx);
  return { runId, topics };
}

/** One topic into its window table, exactly once (the engine runs each as a task of its own). */
export function aggregateKind(
  config: EventAggregationConfig, deps: { catalog: Catalog; io: FileIOFor }, kind: EventKind, runId: string, ctx: TaskContext = {},
  processedAtMicros = Date.now() * 1000,
): Promise<TopicResult> {
  return aggregateTopic({
    kind, topic: config.topics[kind], table: config.tables[kind], runId, windowMinutes: config.windowMinutes,
    maxEventBytes: config.maxEventBytes, rejectsLocation: config.rejectsLocation, processedAtMicros, startTimeMs: startTimeOf(config.startTime),
  }, { catalog: deps.catalog, io: deps.io, kafka: config.kafka }, ctx);
}

/** The consumed end offsets into the consumer group, for lag tools, once the tables have committed them. */
export async function recordGroupOffsets(config: EventAggregationConfig, topics: TopicResult[], ctx: TaskContext = {}): Promise<void> {
  const group = config.consumerGroup;
  if (!group) return;
  const kafka = kafkaClient(config.kafka);
  // kafkajs records group offsets by joining the group and lingering a heartbeat (~5 s each). One
  // topic at a time: concurrent joins of one group rebalance against each other and can hang.
  for (const t of topics.filter((x) => x.snapshotId)) await commitGroupOffsets(kafka, group, t, ctx);
}

function startTimeOf(t: string | number | null | undefined): number | undefined {
  if (t === null || t === undefined) return undefined;
  const ms = typeof t === 'number' ? t : /(Z|[+-]\d{2}:?\d{2})$/i.test(t.trim()) ? Date.parse(t) : NaN;
  if (!Number.isFinite(ms)) {
    throw new Error(`event_aggregation start time ${JSON.stringify(t)} is not a time: give ISO 8601 with a UTC offset (e.g. 2026-03-01T00:00:00Z) or milliseconds since 1970`);
  }
  return ms;
}

/** Best effort: lag dashboards read group offsets; Floe's truth is the snapshot summary. */
async function commitGroupOffsets(kafka: ReturnType<typeof kafkaClient>, groupId: string, r: TopicResult, ctx: TaskContext): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.setOffsets({ groupId, topic: r.topic, partitions: Object.entries(r.endOffsets).map(([p, o]) => ({ partition: Number(p), offset: o })) });
  } catch (err) {
    ctx.log?.('warn', `could not record offsets in consumer group ${groupId} for lag tools: ${(err as Error).message}`, { topic: r.topic });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
