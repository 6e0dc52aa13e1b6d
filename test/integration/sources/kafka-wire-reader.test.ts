import { describe, expect, it } from 'vitest';
import { fetchWatermarks, readRange } from '../../../core/sources/kafka-range-reader.ts';
import { WireKafka } from '../../../core/sources/kafka/client.ts';
import { uniqueName } from '../../services/testbed.ts';
import { admin, brokers, createTopic, kcatProduce, readAll, values } from './kafka-helpers.ts';

describe('the wire reader against a real broker', () => {
  it('reads a batch bigger than the per-partition fetch limit, behind a partition that has data', async () => {
    const topic = uniqueName('big-batch');
    await createTopic(topic, 2, [{ name: 'max.message.bytes', value: String(8 * 1024 * 1024) }]);
    kcatProduce(topic, 'none', Array.from({ length: 50 }, (_, i) => `small-${i}`), 0);
    // One uncompressed batch of ~3 MB: three times the 1 MB a partition gets per fetch.
    const big = Array.from({ length: 3 }, (_, i) => `${i}:${'y'.repeat(1024 * 1024)}`);
    kcatProduce(topic, 'none', big, 1, ['-X', 'message.max.bytes=8000000', '-X', 'batch.size=8000000', '-X', 'linger.ms=500']);
    const marks = await fetchWatermarks({ brokers: brokers() }, topic);
    const read = await readAll(topic, marks.map((m) => ({ partition: m.partition, from: m.low, to: m.high })));
    expect(values(read.filter((m) => m.partition === 0))).toHaveLength(50);
    expect(values(read.filter((m) => m.partition === 1))).toEqual(big);
  });

  it('reports offsets that retention deleted, and offsets past the log end, with their numbers', async () => {
    const topic = uniqueName('deleted');
    await createTopic(topic, 1);
    kcatProduce(topic, 'gzip', Array.from({ length: 100 }, (_, i) => `m${i}`), 0, ['-X', 'linger.ms=0', '-X', 'batch.num.messages=10']);
    const a = admin();
    await a.connect();
    await a.fetchTopicMetadata({ topics: [topic] }); // kafkajs needs the leaders before deleting
    await a.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '40' }] });
    await a.disconnect();
    const [marks] = await fetchWatermarks({ brokers: brokers() }, topic);
    expect(marks).toEqual({ partition: 0, low: 40n, high: 100n });
    await expect(readAll(topic, [{ partition: 0, from: 10n, to: 100n }]))
      .rejects.toThrow(/partition 0: offsets 10 to 39 were deleted by Kafka retention .*\(30 messages\)/);
    await expect(readAll(topic, [{ partition: 0, from: 120n, to: 130n }])).rejects.toThrow(/offset 120 is outside the log \(now 40 to 100\)/);
    expect(values(await readAll(topic, [{ partition: 0, from: 40n, to: 100n }]))).toEqual(Array.from({ length: 60 }, (_, i) => `m${40 + i}`));
  });

  it('stops when cancelled: the abort reason is thrown and no batch arrives after it', async () => {
    const topic = uniqueName('abort');
    await createTopic(topic, 1);
    kcatProduce(topic, 'gzip', Array.from({ length: 20000 }, (_, i) => `m${i}`), 0, ['-X', 'batch.num.messages=500']);
    const controller = new AbortController();
    let batches = 0;
    let afterAbort = 0;
    const reading = readRange({ brokers: brokers() }, topic, [{ partition: 0, from: 0n, to: 20000n }], {
      signal: controller.signal,
      onBatch: () => {
        if (controller.signal.aborted) afterAbort++;
        if (++batches === 3) controller.abort(new Error('cancelled by the test'));
      },
    });
    await expect(reading).rejects.toThrow('cancelled by the test');
    expect(afterAbort).toBe(0);
  });

  it('says which broker could not be reached, and how long it tried', async () => {
    const kafka = new WireKafka({ brokers: ['127.0.0.1:1'], connectionTimeoutMs: 2000 });
    try {
      await expect(kafka.partitions('any')).rejects.toThrow(/no Kafka broker answered \(tried 127\.0\.0\.1:1\).*127\.0\.0\.1:1/);
    } finally {
      kafka.close();
    }
  });

  it('reads several topics at once over its connections (one reader per call, no state left behind)', async () => {
    const topics = [uniqueName('multi-a'), uniqueName('multi-b')];
    for (const t of topics) {
      await createTopic(t, 3);
      for (let p = 0; p < 3; p++) kcatProduce(t, 'snappy', Array.from({ length: 300 }, (_, i) => `${t}-${p}-${i}`), p);
    }
    const reads = await Promise.all(topics.map((t) => readAll(t, [0, 1, 2].map((p) => ({ partition: p, from: 0n, to: 300n })))));
    reads.forEach((read, k) => {
      expect(read).toHaveLength(900);
      for (let p = 0; p < 3; p++) {
        expect(values(read.filter((m) => m.partition === p))).toEqual(Array.from({ length: 300 }, (_, i) => `${topics[k]}-${p}-${i}`));
      }
    });
  });
});
