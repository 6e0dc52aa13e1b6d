/**
 * Reads exact offset ranges of Kafka topics: from given start offsets up to the ends taken when
 * the run started, over every partition, then stops. This is what makes a batch run repeatable:
 * the range is fixed before the first message is read, and the caller stores where it ended
 * together with the data it produced.
 *
 * Two clients serve it: Floe's wire-protocol reader (core/sources/kafka/, the default) and kafkajs
 * (`reader: 'kafkajs'` in the connection). When the wire reader finds something it does not serve
 * (a broker too old for its request versions, messages in the pre-0.11 format) before it has
 * handed over any message, kafkajs takes over on its own, and `onFallback` says why.
 * Both read committed data only: aborted transactions are skipped, and a range ends at the last
 * stable offset, never inside an open transaction.
 */
import { WireKafka } from './kafka/client.ts';
import { KafkaUnsupportedError } from './kafka/errors.ts';
import type { MessageBatch } from './kafka/messages.ts';
import { kafkaClient, type KafkaConnection } from './kafka-config.ts';
import { kafkajsOffsetsForTime, kafkajsReadRange, kafkajsWatermarks } from './kafka-range-reader-kafkajs.ts';

export type { MessageBatch, RawMessage } from './kafka/messages.ts';

export interface PartitionRange {
  partition: number;
  /** First offset to read. */
  from: bigint;
  /** Offset to stop before (the end of the log when the run started). */
  to: bigint;
}

export interface PartitionWatermarks {
  partition: number;
  /** The log start: older messages were deleted by retention. */
  low: bigint;
  /** The last stable offset: the high watermark, or the first offset of a still-open transaction. */
  high: bigint;
}

export interface ReadRangeOptions {
  /**
   * Called with each record batch's messages in the range, in offset order per partition;
   * awaited (backpressure). The batch and its buffers are reused after the callback returns.
   */
  onBatch: (batch: MessageBatch) => Promise<void> | void;
  signal?: AbortSignal;
  /** Give up if no progress is made for this long. */
  stallTimeoutMs?: number;
  /** Told when kafkajs takes over from the wire reader, with the reason. */
  onFallback?: (reason: string) => void;
}

async function withWire<T>(c: KafkaConnection, fn: (k: WireKafka) => Promise<T>): Promise<T> {
  const kafka = new WireKafka(c);
  try {
    return await fn(kafka);
  } finally {
    kafka.close();
  }
}

/** Runs `wire`; if the wire reader cannot serve this cluster and nothing was handed over yet, `kafkajs` instead. */
async function withFallback<T>(c: KafkaConnection, wire: (k: WireKafka) => Promise<T>, kafkajs: (k: ReturnType<typeof kafkaClient>) => Promise<T>,
  canFallBack: () => boolean = () => true, onFallback?: (reason: string) => void): Promise<T> {
  if (c.reader === 'kafkajs') return kafkajs(kafkaClient(c));
  try {
    return await withWire(c, wire);
  } catch (err) {
    if (!(err instanceof KafkaUnsupportedError) || !canFallBack()) throw err;
    onFallback?.((err as Error).message);
    return kafkajs(kafkaClient(c));
  }
}

/** Every partition's log start and stable end. Throws, naming the topic, if it does not exist. */
export function fetchWatermarks(c: KafkaConnection, topic: string): Promise<PartitionWatermarks[]> {
  return withFallback(c, (k) => k.watermarks(topic), (k) => kafkajsWatermarks(k, topic));
}

/** Per partition, the first offset with a timestamp at or after `ms` (the log end if none). */
export function fetchOffsetsForTime(c: KafkaConnection, topic: string, ms: number): Promise<Map<number, bigint>> {
  return withFallback(c, (k) => k.offsetsForTime(topic, ms), (k) => kafkajsOffsetsForTime(k, topic, ms));
}

/** Reads every message of `ranges` of one topic, then resolves. */
export function readRange(c: KafkaConnection, topic: string, ranges: PartitionRange[], o: ReadRangeOptions): Promise<void> {
  let delivered = false;
  const counted: ReadRangeOptions = { ...o, onBatch: (b) => { delivered = true; return o.onBatch(b); } };
  return withFallback(c, (k) => k.readRange(topic, ranges, counted), (k) => kafkajsReadRange(k, topic, ranges, o), () => !delivered, o.onFallback);
}
