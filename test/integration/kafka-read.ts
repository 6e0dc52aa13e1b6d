/** Reads a whole topic back with kafkajs, for tests: every message up to the high watermarks. */
import { Kafka, logLevel } from 'kafkajs';

export interface ReadMessage { partition: number; offset: string; key: string | null; value: string }

export async function readWholeTopic(brokers: string[], topic: string): Promise<ReadMessage[]> {
  const kafka = new Kafka({ clientId: 'floe-test-reader', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(ends.map((p) => [p.partition, BigInt(p.high) - BigInt(p.low)]));
  const out: ReadMessage[] = [];
  if ([...remaining.values()].every((n) => n === 0n)) return out;

  const consumer = kafka.consumer({ groupId: `floe-test-${topic}-${Date.now()}`, maxBytesPerPartition: 8 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`reading ${topic} timed out with ${JSON.stringify([...remaining])} left`)), 60_000);
    consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          out.push({ partition: batch.partition, offset: m.offset, key: m.key?.toString() ?? null, value: m.value?.toString() ?? '' });
          remaining.set(batch.partition, remaining.get(batch.partition)! - 1n);
        }
        if ([...remaining.values()].every((n) => n <= 0n)) { clearTimeout(timer); resolve(); }
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  return out;
}
