/** Topics and messages for the Kafka reader tests, made with kafkajs admin and kcat (librdkafka). */
import { spawnSync } from 'node:child_process';
import { Kafka, logLevel, type ITopicConfig } from 'kafkajs';
import type { KafkaConnection } from '../../../core/sources/kafka-config.ts';
import { readRange, type PartitionRange, type RawMessage } from '../../../core/sources/kafka-range-reader.ts';
import { testBed } from '../../services/testbed.ts';

export const brokers = (): string[] => testBed().kafkaBrokers;

export function admin(): ReturnType<Kafka['admin']> {
  return new Kafka({ clientId: 'floe-test-admin', brokers: brokers(), logLevel: logLevel.NOTHING }).admin();
}

export async function createTopic(topic: string, partitions: number, configEntries: ITopicConfig['configEntries'] = []): Promise<void> {
  const a = admin();
  await a.connect();
  try {
    await a.createTopics({ topics: [{ topic, numPartitions: partitions, configEntries }], waitForLeaders: true });
  } finally {
    await a.disconnect();
  }
}

/**
 * Produces lines with kcat (librdkafka), which writes every codec the way Java producers do.
 * `extra` passes more kcat options (headers, keys, NULL values, size limits).
 */
export function kcatProduce(topic: string, codec: string, lines: string[], partition = 0, extra: string[] = []): void {
  const r = spawnSync('kcat', ['-P', '-b', brokers()[0]!, '-t', topic, '-p', String(partition), '-z', codec, '-X', 'linger.ms=50', ...extra], {
    input: lines.join('\n') + '\n', maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`kcat -P -z ${codec} to ${topic} failed: ${r.stderr.toString()}`);
}

/** Every message of the ranges, copied out of the reader's reused batches. */
export async function readAll(topic: string, ranges: PartitionRange[], connection: Partial<KafkaConnection> = {}, signal?: AbortSignal): Promise<RawMessage[]> {
  const out: RawMessage[] = [];
  await readRange({ brokers: brokers(), ...connection }, topic, ranges, {
    signal, stallTimeoutMs: 20_000,
    onBatch: (b) => { for (let i = 0; i < b.count; i++) out.push(b.message(i)); },
  });
  return out;
}

export const values = (ms: RawMessage[]): (string | null)[] => ms.map((m) => m.value?.toString() ?? null);
