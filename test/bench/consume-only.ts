/**
 * A Kafka client alone on the W1 topics, for the benchmark: every message of every topic read
 * through the range reader, each value's bytes summed so nothing is skipped, nothing else done.
 */
import type { KafkaConnection } from '../../core/sources/kafka-config.ts';
import { fetchWatermarks, readRange } from '../../core/sources/kafka-range-reader.ts';

export async function consumeOnly(kafka: KafkaConnection, topics: string[]): Promise<{ messages: number; bytes: number; ms: number }> {
  const t0 = performance.now();
  let messages = 0;
  let bytes = 0;
  for (const topic of topics) {
    const marks = await fetchWatermarks(kafka, topic);
    await readRange(kafka, topic, marks.map((m) => ({ partition: m.partition, from: m.low, to: m.high })), {
      onBatch: (b) => {
        messages += b.count;
        for (let i = 0; i < b.count; i++) bytes += b.valueEnd[i]! - b.valueStart[i]!;
      },
    });
  }
  return { messages, bytes, ms: performance.now() - t0 };
}
