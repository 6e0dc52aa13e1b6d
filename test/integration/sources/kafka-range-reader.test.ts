import { describe, expect, it } from 'vitest';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { fetchOffsetsForTime, fetchWatermarks } from '../../../core/sources/kafka-range-reader.ts';
import { uniqueName } from '../../services/testbed.ts';
import { brokers, createTopic, kcatProduce, readAll, values } from './kafka-helpers.ts';

const READERS = ['wire', 'kafkajs'] as const;

describe.each(READERS)('reading exact Kafka offset ranges with the %s reader', (reader) => {
  const c = () => ({ brokers: brokers(), reader });

  it.each(['none', 'gzip', 'snappy', 'lz4', 'zstd'])('decodes %s batches written by librdkafka', async (codec) => {
    const topic = uniqueName(`codec-${codec}`);
    await createTopic(topic, 1);
    const lines = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ i, text: 'x'.repeat(i % 50), emoji: i % 7 === 0 ? '🍜' : '' }));
    kcatProduce(topic, codec, lines);
    const [marks] = await fetchWatermarks(c(), topic);
    expect(marks).toEqual({ partition: 0, low: 0n, high: 2000n });
    const read = await readAll(topic, [{ partition: 0, from: 0n, to: marks!.high }], { reader });
    expect(values(read)).toEqual(lines);
    expect(read.map((m) => m.offset)).toEqual(lines.map((_, i) => String(i)));
  });

  it('reads exactly [from, to) on each of several partitions and nothing past the end taken before', async () => {
    const topic = uniqueName('range');
    await createTopic(topic, 3);
    for (let p = 0; p < 3; p++) kcatProduce(topic, 'gzip', Array.from({ length: 100 }, (_, i) => `p${p}-${i}`), p);
    const read = await readAll(topic, [{ partition: 0, from: 10n, to: 20n }, { partition: 1, from: 0n, to: 100n }, { partition: 2, from: 99n, to: 100n }], { reader });
    const byPartition = (p: number) => values(read.filter((m) => m.partition === p));
    expect(byPartition(0)).toEqual(Array.from({ length: 10 }, (_, i) => `p0-${10 + i}`));
    expect(byPartition(1)).toEqual(Array.from({ length: 100 }, (_, i) => `p1-${i}`));
    expect(byPartition(2)).toEqual(['p2-99']);
    expect(read.filter((m) => m.partition === 0).map((m) => m.offset)).toEqual(Array.from({ length: 10 }, (_, i) => String(10 + i)));
  });

  it('gives keys, NULL values and messages with headers as written', async () => {
    const topic = uniqueName('shapes');
    await createTopic(topic, 1);
    kcatProduce(topic, 'lz4', ['k1:v1', 'k2:', ':v3'], 0, ['-K', ':', '-Z', '-H', 'trace=abc', '-H', 'empty=']);
    const read = await readAll(topic, [{ partition: 0, from: 0n, to: 3n }], { reader });
    expect(read.map((m) => [m.key?.toString() ?? null, m.value?.toString() ?? null])).toEqual([['k1', 'v1'], ['k2', null], [null, 'v3']]);
    expect(read.every((m) => m.timestampMs > Date.UTC(2020, 0, 1))).toBe(true);
  });

  it('skips aborted transactions and control records, and ends a range before an open transaction', async () => {
    const topic = uniqueName('txn');
    await createTopic(topic, 1);
    const kafka = new Kafka({ clientId: 'floe-test-txn', brokers: brokers(), logLevel: logLevel.NOTHING });
    const producer = (id: string) => kafka.producer({ transactionalId: `${topic}-${id}`, idempotent: true, maxInFlightRequests: 1 });
    const plain = kafka.producer();
    const [a, b, open] = [producer('a'), producer('b'), producer('open')];
    for (const p of [a, b, open, plain]) await p.connect();
    const send = async (p: typeof plain | Awaited<ReturnType<typeof a.transaction>>, ...vs: string[]) =>
      p.send({ topic, compression: CompressionTypes.GZIP, messages: vs.map((value) => ({ value, partition: 0 })) });
    try {
      await send(plain, 'plain-1');
      // Two transactions interleaved: one commits, the other aborts.
      const ta = await a.transaction();
      const tb = await b.transaction();
      await send(ta, 'a-1', 'a-2');
      await send(tb, 'b-aborted-1');
      await send(ta, 'a-3');
      await send(tb, 'b-aborted-2');
      await tb.abort();
      await ta.commit();
      await send(plain, 'plain-2');
      const tb2 = await b.transaction(); // the same producer after its abort: kept this time
      await send(tb2, 'b-kept');
      await tb2.commit();
      const to = await open.transaction();
      await send(to, 'open-1'); // never decided while the range is read
      await send(plain, 'plain-after-open');

      const [marks] = await fetchWatermarks(c(), topic);
      const read = await readAll(topic, [{ partition: 0, from: 0n, to: marks!.high }], { reader });
      expect(values(read)).toEqual(['plain-1', 'a-1', 'a-2', 'a-3', 'plain-2', 'b-kept']);
      // The end is the open transaction's first offset: right after b-kept's commit marker, or
      // right after b-kept when the coordinator wrote that marker (asynchronously) after open-1.
      const last = Number(read.at(-1)!.offset);
      expect([last + 1, last + 2]).toContain(Number(marks!.high));
      await to.abort();
    } finally {
      for (const p of [a, b, open, plain]) await p.disconnect().catch(() => undefined);
    }
  }, 60_000);

  it('finds where a configured start time begins, and the end when nothing is that new', async () => {
    const topic = uniqueName('by-time');
    await createTopic(topic, 2);
    const kafka = new Kafka({ clientId: 'floe-test-time', brokers: brokers(), logLevel: logLevel.NOTHING });
    const p = kafka.producer();
    await p.connect();
    const t0 = Date.UTC(2026, 2, 10, 12);
    for (let i = 0; i < 6; i++) {
      await p.send({ topic, messages: [{ value: `m${i}`, partition: i % 2, timestamp: String(t0 + i * 60_000) }] });
    }
    await p.disconnect();
    // Partition 0 holds m0, m2, m4 (minutes 0, 2, 4); partition 1 holds m1, m3, m5.
    expect(await fetchOffsetsForTime(c(), topic, t0 + 2 * 60_000)).toEqual(new Map([[0, 1n], [1, 1n]]));
    expect(await fetchOffsetsForTime(c(), topic, t0)).toEqual(new Map([[0, 0n], [1, 0n]]));
    expect(await fetchOffsetsForTime(c(), topic, t0 + 10 * 60_000)).toEqual(new Map([[0, 3n], [1, 3n]]));
  });

  it('names the topic when it does not exist', async () => {
    await expect(fetchWatermarks(c(), 'no-such-topic-here')).rejects.toThrow(/Kafka topic "no-such-topic-here" does not exist/);
  });
});
