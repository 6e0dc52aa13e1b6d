/**
 * Reads exact offset ranges of Kafka topics: from given start offsets up to the high watermarks
 * taken when the run started, over every partition, then stops. This is what makes a batch run
 * repeatable: the range is fixed before the first message is read, and the caller stores where it
 * ended together with the data it produced.
 */
import type { Kafka } from 'kafkajs';

export interface PartitionRange {
  partition: number;
  /** First offset to read. */
  from: bigint;
  /** Offset to stop before (the high watermark when the run started). */
  to: bigint;
}

export interface PartitionWatermarks {
  partition: number;
  low: bigint;
  high: bigint;
}

export interface RawMessage {
  topic: string;
  partition: number;
  /** Decimal, as Kafka gives it (a bigint per message would cost more than the message). */
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Producer/broker timestamp, ms (not the event time: that is in the JSON). */
  timestampMs: number;
}

export async function fetchWatermarks(kafka: Kafka, topic: string): Promise<PartitionWatermarks[]> {
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

export interface ReadRangeOptions {
  /** Called with each fetched batch, in offset order per partition; awaited (backpressure). */
  onMessages: (messages: RawMessage[]) => Promise<void> | void;
  signal?: AbortSignal;
  /** Give up if no progress is made for this long. */
  stallTimeoutMs?: number;
}

/** Reads every message of `ranges` of one topic, then resolves. */
export async function readRange(kafka: Kafka, topic: string, ranges: PartitionRange[], o: ReadRangeOptions): Promise<void> {
  const pending = new Map(ranges.filter((r) => r.to > r.from).map((r) => [r.partition, r]));
  if (pending.size === 0) return;
  // A fresh group per run: Floe never trusts committed group offsets (the range comes from the
  // table's snapshot), and a shared group would rebalance against a concurrent run.
  const consumer = kafka.consumer({
    groupId: `floe-range-${topic}-${process.pid}-${Date.now().toString(36)}`,
    maxBytesPerPartition: 1024 * 1024, maxBytes: 3 * 1024 * 1024, maxWaitTimeInMs: 250,
    allowAutoTopicCreation: false,
  });
  const stallMs = o.stallTimeoutMs ?? 60_000;
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
        const out: RawMessage[] = [];
        // Offsets compared as numbers: exact below 2^53, which a log reaches after centuries.
        const from = Number(range.from);
        const to = Number(range.to);
        for (const m of batch.messages) {
          const offset = Number(m.offset);
          if (offset < from) continue;
          if (offset >= to) break;
          out.push({ topic, partition: batch.partition, offset: m.offset, key: m.key, value: m.value, timestampMs: Number(m.timestamp) });
        }
        try {
          if (out.length > 0) await o.onMessages(out);
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
