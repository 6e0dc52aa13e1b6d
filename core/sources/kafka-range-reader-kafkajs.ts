/**
 * The kafkajs range reader: the fallback for what the wire reader does not serve (messages in the
 * pre-0.11 format, old brokers, other SASL mechanisms). A consumer in a fresh group, seeked to
 * each range's start, paused per partition at its end; each kafkajs batch becomes one
 * MessageBatch (its keys and values copied into one buffer).
 */
import type { Kafka, KafkaMessage } from 'kafkajs';
import { MessageColumns, type MessageBatch } from './kafka/messages.ts';
import type { PartitionRange, PartitionWatermarks } from './kafka-range-reader.ts';

export async function kafkajsWatermarks(kafka: Kafka, topic: string): Promise<PartitionWatermarks[]> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const topics = await admin.listTopics();
    if (!topics.includes(topic)) throw new Error(`Kafka topic "${topic}" does not exist: check the topic name in the pipeline settings`);
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.map((o) => ({ partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) })).sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function kafkajsOffsetsForTime(kafka: Kafka, topic: string, ms: number): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const [at, end] = await Promise.all([admin.fetchTopicOffsetsByTimestamp(topic, ms), admin.fetchTopicOffsets(topic)]);
    const high = new Map(end.map((o) => [o.partition, BigInt(o.high)]));
    return new Map(at.map((o) => {
      const offset = BigInt(o.offset);
      const end = high.get(o.partition)!;
      return [o.partition, offset < 0n || offset > end ? end : offset];
    }));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function toColumns(out: MessageColumns, partition: number, messages: KafkaMessage[]): MessageBatch {
  const parts: Buffer[] = [];
  let size = 0;
  for (const m of messages) {
    for (const b of [m.key, m.value]) if (b) { parts.push(b); size += b.length; }
  }
  out.reset(partition, Buffer.concat(parts, size), messages.length);
  let at = 0;
  const place = (b: Buffer | null): [number, number] => {
    if (!b) return [-1, -1];
    at += b.length;
    return [at - b.length, at];
  };
  for (const m of messages) {
    const [ks, ke] = place(m.key);
    const [vs, ve] = place(m.value);
    out.push(Number(m.offset), Number(m.timestamp), ks, ke, vs, ve);
  }
  return out;
}

export interface KafkajsReadOptions {
  onBatch: (batch: MessageBatch) => Promise<void> | void;
  signal?: AbortSignal;
  stallTimeoutMs?: number;
}

/** Reads every message of `ranges` of one topic, then resolves. */
export async function kafkajsReadRange(kafka: Kafka, topic: string, ranges: PartitionRange[], o: KafkajsReadOptions): Promise<void> {
  const pending = new Map(ranges.filter((r) => r.to > r.from).map((r) => [r.partition, { ...r }]));
  if (pending.size === 0) return;
  // A fresh group per run: Floe never trusts committed group offsets (the range comes from the
  // table's snapshot), and a shared group would rebalance against a concurrent run.
  const consumer = kafka.consumer({
    groupId: `floe-range-${topic}-${process.pid}-${Date.now().toString(36)}`,
    maxBytesPerPartition: 1024 * 1024, maxBytes: 3 * 1024 * 1024, maxWaitTimeInMs: 250,
    allowAutoTopicCreation: false,
  });
  const stallMs = o.stallTimeoutMs ?? 60_000;
  const columns = new MessageColumns(topic);
  let lastProgress = Date.now();
  let failure: Error | undefined;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => { done = resolve; });
  const onAbort = () => { failure = o.signal!.reason as Error; done(); };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, heartbeat }) => {
        const range = pending.get(batch.partition);
        if (!range || failure) return;
        const from = Number(range.from);
        const to = Number(range.to);
        const wanted = batch.messages.filter((m) => Number(m.offset) >= from && Number(m.offset) < to);
        try {
          if (wanted.length > 0) await o.onBatch(toColumns(columns, batch.partition, wanted));
        } catch (err) {
          failure = err as Error;
          done();
          return;
        }
        lastProgress = Date.now();
        // The batch's last offset (or, for an empty batch, the high watermark - 1) tells how far
        // the log has been read, across gaps left by compaction and transaction markers.
        const next = BigInt(batch.lastOffset()) + 1n;
        if (next >= range.to) {
          pending.delete(batch.partition);
          consumer.pause([{ topic, partitions: [batch.partition] }]);
          if (pending.size === 0) done();
        } else {
          range.from = next > range.from ? next : range.from;
        }
        await heartbeat();
      },
    });
    for (const r of pending.values()) consumer.seek({ topic, partition: r.partition, offset: r.from.toString() });
    const stallCheck = setInterval(() => {
      if (Date.now() - lastProgress > stallMs) {
        failure = new Error(`Reading Kafka topic "${topic}" made no progress for ${stallMs / 1000} s `
          + `(partitions still pending: ${[...pending.keys()].join(', ')}); is the broker reachable?`);
        done();
      }
    }, 1000);
    await finished;
    clearInterval(stallCheck);
    if (failure) throw failure;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    await consumer.disconnect().catch(() => undefined);
  }
}
