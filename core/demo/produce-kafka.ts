/**
 * Produces platform events to Kafka as the production producer does: JSON values, keyed by
 * image, in gzip-compressed batches over several partitions.
 */
import { CompressionTypes, Kafka, logLevel, Partitioners } from 'kafkajs';
import type { EventTopic, PlatformEvent } from './model.ts';
import { TOPIC_NAMES } from './events.ts';

export interface ProduceOptions {
  brokers: string[];
  topics?: Record<EventTopic, string>;
  partitions?: number;
  /** Messages per produced batch (one gzip batch per topic-partition per request). */
  batchSize?: number;
  onProgress?: (produced: number) => void;
}

export type ProducedCounts = Record<EventTopic, number>;

/** Creates the topics if missing, then sends every event. Resolves when all are acknowledged. */
export async function produceEvents(events: Iterable<PlatformEvent>, o: ProduceOptions): Promise<ProducedCounts> {
  const topics = o.topics ?? TOPIC_NAMES;
  const batchSize = o.batchSize ?? 5000;
  const kafka = new Kafka({ clientId: 'floe-generator', brokers: o.brokers, logLevel: logLevel.WARN });
  const admin = kafka.admin();
  // The Java-compatible murmur2 partitioner: the same key lands where a Java producer puts it.
  // Idempotent: a request retried after a timeout must not write its batch twice, or the ground
  // truth would no longer describe the topic.
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1,
  });
  const counts: ProducedCounts = { views: 0, comments: 0, flags: 0 };
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = Object.values(topics).filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: o.partitions ?? 3 })) });
    }
    await producer.connect();
    let batch: PlatformEvent[] = [];
    let total = 0;
    const send = async () => {
      const byTopic = new Map<string, { key: string; value: string }[]>();
      for (const e of batch) {
        const name = topics[e.topic];
        if (!byTopic.has(name)) byTopic.set(name, []);
        byTopic.get(name)!.push({ key: e.key, value: e.value });
        counts[e.topic]++;
      }
      await producer.sendBatch({
        acks: -1, compression: CompressionTypes.GZIP,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      total += batch.length;
      batch = [];
      o.onProgress?.(total);
    };
    for (const e of events) {
      batch.push(e);
      if (batch.length >= batchSize) await send();
    }
    if (batch.length > 0) await send();
    return counts;
  } catch (err) {
    throw new Error(`Producing events to Kafka at ${o.brokers.join(',')} failed: ${(err as Error).message}`, { cause: err });
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}
