import { describe, expect, it } from 'vitest';
import { CompressionTypes, Kafka, logLevel, Partitioners } from 'kafkajs';
import { testBed, uniqueName } from '../../services/testbed.ts';
import { readWholeTopic } from '../kafka-read.ts';

describe('test bed: Apache Kafka (KRaft)', () => {
  it('takes a gzip batch over three partitions and gives every message back', async () => {
    const brokers = testBed().kafkaBrokers;
    const topic = uniqueName('smoke');
    const kafka = new Kafka({ clientId: 'floe-test', brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();

    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const messages = Array.from({ length: 3000 }, (_, i) => ({ key: `image-${i % 97}`, value: JSON.stringify({ i }) }));
    await producer.send({ topic, messages, compression: CompressionTypes.GZIP, acks: -1 });
    await producer.disconnect();

    const read = await readWholeTopic(brokers, topic);
    expect(read.map((m) => (JSON.parse(m.value) as { i: number }).i).sort((a, b) => a - b)).toEqual(messages.map((_, i) => i));
    expect(new Set(read.map((m) => m.partition))).toEqual(new Set([0, 1, 2]));
    // Same key, same partition: what per-image ordering relies on.
    const partitionOfKey = new Map<string, number>();
    for (const m of read) {
      expect(partitionOfKey.get(m.key!) ?? m.partition).toBe(m.partition);
      partitionOfKey.set(m.key!, m.partition);
    }
  });
});
