import { describe, expect, it } from 'vitest';
import { KafkaUnsupportedError } from '../../../core/sources/kafka/errors.ts';
import { MessageColumns, type RawMessage } from '../../../core/sources/kafka/messages.ts';
import { AbortFilter, BATCH_HEADER_BYTES, decodeRecords, scanBatches } from '../../../core/sources/kafka/record-batch.ts';
import { controlBatch, encodeBatch, type TestRecord } from './batch-writer.ts';

const text = (c: MessageColumns, i: number, which: 'key' | 'value') => {
  const [s, e] = which === 'key' ? [c.keyStart[i]!, c.keyEnd[i]!] : [c.valueStart[i]!, c.valueEnd[i]!];
  return s < 0 ? null : c.data.toString('utf8', s, e);
};

/** Decodes every batch in `records`; the columns of the last one, and all messages as objects. */
function decodeAll(records: Buffer, from = 0, to = Number.MAX_SAFE_INTEGER): { columns: MessageColumns; messages: RawMessage[] } {
  const columns = new MessageColumns('t');
  const messages: RawMessage[] = [];
  for (const h of scanBatches(records, 'test').batches) {
    columns.reset(0, records, h.records);
    decodeRecords(h, records, h.at + BATCH_HEADER_BYTES, h.at + h.size, from, to, columns, 'test');
    for (let i = 0; i < columns.count; i++) messages.push(columns.message(i));
  }
  return { columns, messages };
}

describe('record batch v2 decoding', () => {
  it('reads offsets, timestamps, keys and values, skipping record headers by length', () => {
    const records: TestRecord[] = [
      { offsetDelta: 0, timestampDelta: 0, key: Buffer.from('k0'), value: Buffer.from('v0'), headers: [['trace', 'x'.repeat(300)]] },
      { offsetDelta: 1, timestampDelta: -5, key: null, value: Buffer.from('🍜 ramen') },
      { offsetDelta: 2, timestampDelta: 2 ** 40, key: Buffer.from(''), value: null, padding: 3 },
    ];
    const { columns } = decodeAll(encodeBatch({ baseOffset: 1000, baseTimestamp: 1_773_144_000_000, records }));
    expect(columns.count).toBe(3);
    expect([...columns.offsets.subarray(0, 3)]).toEqual([1000, 1001, 1002]);
    expect([...columns.timestamps.subarray(0, 3)]).toEqual([1_773_144_000_000, 1_773_143_999_995, 1_773_144_000_000 + 2 ** 40]);
    expect([0, 1, 2].map((i) => [text(columns, i, 'key'), text(columns, i, 'value')])).toEqual([['k0', 'v0'], [null, '🍜 ramen'], ['', null]]);
    expect(columns.message(1)).toEqual({ topic: 't', partition: 0, offset: '1001', key: null, value: Buffer.from('🍜 ramen'), timestampMs: 1_773_143_999_995 });
  });

  it('reads varints at every length boundary exactly', () => {
    const sizes = [0, 63, 64, 8191, 8192, 2 ** 20 - 1, 2 ** 20];
    const records = sizes.map((n, i) => ({ offsetDelta: i, value: Buffer.alloc(n, 0x61) }));
    const { columns } = decodeAll(encodeBatch({ baseOffset: 0, records }));
    expect(sizes.map((_, i) => columns.valueEnd[i]! - columns.valueStart[i]!)).toEqual(sizes);
  });

  it('keeps only offsets in [from, to), across batches', () => {
    const batch = (base: number) => encodeBatch({ baseOffset: base, records: [0, 1, 2, 3, 4].map((d) => ({ offsetDelta: d, value: Buffer.from(`m${base + d}`) })) });
    const { messages } = decodeAll(Buffer.concat([batch(0), batch(5), batch(10)]), 3, 12);
    expect(messages.map((m) => m.value!.toString())).toEqual(['m3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10', 'm11']);
  });

  it('stops before a cut-off batch and says how big it is, so the next fetch can allow it', () => {
    const a = encodeBatch({ baseOffset: 0, records: [{ offsetDelta: 0, value: Buffer.from('a') }] });
    const b = encodeBatch({ baseOffset: 1, records: [{ offsetDelta: 0, value: Buffer.alloc(5000) }] });
    const cut = Buffer.concat([a, b.subarray(0, 100)]);
    expect(scanBatches(cut, 'test').batches.map((h) => h.baseOffset)).toEqual([0]);
    expect(scanBatches(cut, 'test').blockedBy).toBe(0);
    expect(scanBatches(b.subarray(0, 100), 'test')).toEqual({ batches: [], blockedBy: b.length });
    expect(scanBatches(b.subarray(0, 8), 'test')).toEqual({ batches: [], blockedBy: 0 });
  });

  it('refuses the pre-0.11 message format with a pointer to the kafkajs reader', () => {
    const legacy = encodeBatch({ baseOffset: 0, magic: 1, records: [{ offsetDelta: 0 }] });
    expect(() => scanBatches(legacy, 'topic t partition 0')).toThrow(KafkaUnsupportedError);
    expect(() => scanBatches(legacy, 'topic t partition 0')).toThrow(/legacy format v1.*reader to "kafkajs"/);
  });

  it('says a record is corrupt when its length runs past its batch', () => {
    const batch = encodeBatch({ baseOffset: 7, records: [{ offsetDelta: 0, value: Buffer.from('hello') }] });
    const broken = Buffer.concat([batch.subarray(0, 61), Buffer.from([0x7e]), batch.subarray(62)]); // length 63 in a 15-byte record
    expect(() => decodeAll(broken)).toThrow(/test: record 0 of the batch at offset 7 runs past the batch's end: the data is corrupt/);
  });
});

describe('read_committed filtering', () => {
  const data = (base: number, producerId: bigint, n = 2) =>
    encodeBatch({ baseOffset: base, producerId, attributes: 0x10, records: Array.from({ length: n }, (_, d) => ({ offsetDelta: d, value: Buffer.from(`${producerId}@${base + d}`) })) });
  const plain = (base: number) => encodeBatch({ baseOffset: base, records: [{ offsetDelta: 0, value: Buffer.from(`plain@${base}`) }] });

  function kept(records: Buffer, aborted: { producerId: bigint; firstOffset: bigint }[]): string[] {
    const filter = new AbortFilter(aborted);
    const out: string[] = [];
    for (const h of scanBatches(records, 'test').batches) {
      const [s, e] = [h.at + BATCH_HEADER_BYTES, h.at + h.size];
      if (filter.skip(h, records, s, e) || h.control) continue;
      const c = new MessageColumns('t');
      c.reset(0, records, h.records);
      decodeRecords(h, records, s, e, 0, 1e9, c, 'test');
      for (let i = 0; i < c.count; i++) out.push(text(c, i, 'value')!);
    }
    return out;
  }

  it('drops an aborted transaction interleaved with a committed one, and control markers', () => {
    const log = Buffer.concat([
      plain(0), data(1, 7n), data(3, 9n), data(5, 7n), controlBatch(7, 9n, 0), controlBatch(8, 7n, 1), plain(9),
    ]);
    expect(kept(log, [{ producerId: 9n, firstOffset: 3n }])).toEqual(['plain@0', '7@1', '7@2', '7@5', '7@6', 'plain@9']);
  });

  it('keeps a producer\'s later transaction once its abort marker has passed', () => {
    const log = Buffer.concat([data(0, 5n), controlBatch(2, 5n, 0), data(3, 5n), controlBatch(5, 5n, 1)]);
    expect(kept(log, [{ producerId: 5n, firstOffset: 0n }])).toEqual(['5@3', '5@4']);
  });

  it('keeps everything transactional when nothing was aborted', () => {
    expect(kept(Buffer.concat([data(0, 5n), controlBatch(2, 5n, 1)]), [])).toEqual(['5@0', '5@1']);
  });
});
