import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { kafkaClient } from '../../../core/sources/kafka-config.ts';
import { fetchWatermarks, readRange, type RawMessage } from '../../../core/sources/kafka-range-reader.ts';
import { testBed, uniqueName } from '../../services/testbed.ts';

const brokers = () => testBed().kafkaBrokers;

async function createTopic(topic: string, partitions: number): Promise<void> {
  const admin = kafkaClient({ brokers: brokers() }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  await admin.disconnect();
}

/** Produces lines with kcat (librdkafka), which writes every codec the way Java producers do. */
function kcatProduce(topic: string, codec: string, lines: string[], partition = 0): void {
  const r = spawnSync('kcat', ['-P', '-b', brokers()[0]!, '-t', topic, '-p', String(partition), '-z', codec, '-X', 'linger.ms=50'], { input: lines.join('\n') + '\n' });
  if (r.status !== 0) throw new Error(`kcat -z ${codec} failed: ${r.stderr.toString()}`);
}

async function readAll(topic: string, ranges: { partition: number; from: bigint; to: bigint }[]): Promise<RawMessage[]> {
  const out: RawMessage[] = [];
  await readRange(kafkaClient({ brokers: brokers() }), topic, ranges, { onMessages: (ms) => { out.push(...ms); } });
  return out;
}

describe('reading exact Kafka offset ranges', () => {
  it.each(['gzip', 'snappy', 'lz4', 'zstd'])('decodes %s batches written by librdkafka', async (codec) => {
    const topic = uniqueName(`codec-${codec}`);
    await createTopic(topic, 1);
    const lines = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ i, text: 'x'.repeat(i % 50) }));
    kcatProduce(topic, codec, lines);
    const [marks] = await fetchWatermarks(kafkaClient({ brokers: brokers() }), topic);
    expect(marks!.high).toBe(2000n);
    const read = await readAll(topic, [{ partition: 0, from: 0n, to: marks!.high }]);
    expect(read.map((m) => m.value!.toString())).toEqual(lines);
  });

  it('reads exactly [from, to) on each partition and nothing past the watermark taken before', async () => {
    const topic = uniqueName('range');
    await createTopic(topic, 3);
    for (let p = 0; p < 3; p++) kcatProduce(topic, 'gzip', Array.from({ length: 100 }, (_, i) => `p${p}-${i}`), p);
    const read = await readAll(topic, [{ partition: 0, from: 10n, to: 20n }, { partition: 1, from: 0n, to: 100n }, { partition: 2, from: 99n, to: 100n }]);
    const byPartition = (p: number) => read.filter((m) => m.partition === p).map((m) => m.value!.toString());
    expect(byPartition(0)).toEqual(Array.from({ length: 10 }, (_, i) => `p0-${10 + i}`));
    expect(byPartition(1)).toHaveLength(100);
    expect(byPartition(2)).toEqual(['p2-99']);
    expect(read.filter((m) => m.partition === 0).map((m) => m.offset)).toEqual(Array.from({ length: 10 }, (_, i) => String(10 + i)));
  });

  it('names the topic when it does not exist', async () => {
    await expect(fetchWatermarks(kafkaClient({ brokers: brokers() }), 'no-such-topic-here')).rejects.toThrow(/Kafka topic "no-such-topic-here" does not exist/);
  });
});
