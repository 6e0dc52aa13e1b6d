import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { compress as snappyCompress } from 'snappyjs';
import { Codec } from '../../../core/sources/kafka-codecs.ts';
import { Inflater } from '../../../core/sources/kafka/inflater.ts';

const text = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => `{"n":${i},"v":"Где 🍜"}`).join('\n'));

describe('Inflater', () => {
  it('decompresses in call order, off and on the main thread, its slots growing to fit', async () => {
    const inflater = new Inflater(2);
    const inputs = [text(10), text(20_000), text(5), text(300_000)];
    const jobs = [
      inflater.inflate(Codec.gzip, gzipSync(inputs[0]!)),
      inflater.inflate(Codec.snappy, Buffer.from(snappyCompress(inputs[1]!))),
      inflater.inflate(Codec.gzip, gzipSync(inputs[2]!)),
      inflater.inflate(Codec.gzip, gzipSync(inputs[3]!)),
    ];
    for (const [i, job] of jobs.entries()) {
      const r = await job;
      expect(r.data.equals(inputs[i]!), `job ${i}`).toBe(true);
      r.release();
    }
  });

  it('holds at most its bound of unreleased results, and reuses a released slot', async () => {
    const inflater = new Inflater(2);
    const a = await inflater.inflate(Codec.gzip, gzipSync(text(100)));
    const b = await inflater.inflate(Codec.gzip, gzipSync(text(200)));
    let started = false;
    const c = inflater.inflate(Codec.gzip, gzipSync(text(300))).then((r) => { started = true; return r; });
    await new Promise((r) => setTimeout(r, 100));
    expect(started, 'a third result before one is released').toBe(false);
    const aData = Buffer.from(a.data);
    a.release();
    const third = await c;
    expect(third.data.equals(text(300))).toBe(true);
    expect(aData.equals(text(100))).toBe(true);
    b.release();
    third.release();
  });

  it('fails with the codec\'s message on corrupt data and keeps working after', async () => {
    const inflater = new Inflater(1);
    const bad = gzipSync(text(50));
    bad[bad.length - 12]! ^= 0xff; // inside the deflate data: the CRC check fails
    await expect(inflater.inflate(Codec.gzip, bad)).rejects.toThrow(/gzip-compressed Kafka batch could not be decoded/);
    const ok = await inflater.inflate(Codec.gzip, gzipSync(text(50)));
    expect(ok.data.equals(text(50))).toBe(true);
    ok.release();
  });
});
