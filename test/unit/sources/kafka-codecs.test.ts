import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import * as lz4 from 'lz4js';
import { compress as snappyCompress } from 'snappyjs';
import { Codec, decompress } from '../../../core/sources/kafka-codecs.ts';

const payload = Buffer.from(Array.from({ length: 3000 }, (_, i) => `{"event_type":"view","n":${i},"text":"Где это? 🍜"}`).join(''));

/** Java's xerial framing: magic, version 1, compatible 1, then [int32 size][raw snappy block]... */
function xerial(blocks: Buffer[]): Buffer {
  const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
  return Buffer.concat([header, ...blocks.flatMap((b) => {
    const raw = Buffer.from(snappyCompress(b));
    const size = Buffer.alloc(4);
    size.writeUInt32BE(raw.length, 0);
    return [size, raw];
  })]);
}

describe('Kafka batch codecs', () => {
  it('decodes gzip, including a batch of two gzip members and a wrong size trailer', async () => {
    expect(await decompress(Codec.gzip, gzipSync(payload))).toEqual(payload);
    const half = payload.length >> 1;
    expect(await decompress(Codec.gzip, Buffer.concat([gzipSync(payload.subarray(0, half)), gzipSync(payload.subarray(half))]))).toEqual(payload);
    const lying = gzipSync(payload);
    lying.writeUInt32LE(10, lying.length - 4); // the size hint is only a hint: gzip's own check fails, loudly
    await expect(decompress(Codec.gzip, lying)).rejects.toThrow(/A gzip-compressed Kafka batch could not be decoded/);
  });

  it('decodes raw snappy and the xerial framing Java producers write, over several blocks', async () => {
    expect(await decompress(Codec.snappy, Buffer.from(snappyCompress(payload)))).toEqual(payload);
    const third = Math.floor(payload.length / 3);
    const framed = xerial([payload.subarray(0, third), payload.subarray(third, 2 * third), payload.subarray(2 * third)]);
    expect(await decompress(Codec.snappy, framed)).toEqual(payload);
    await expect(decompress(Codec.snappy, framed.subarray(0, framed.length - 10))).rejects.toThrow(/snappy.*runs past the end of the batch/);
  });

  it('decodes lz4 frames and zstd', async () => {
    expect(await decompress(Codec.lz4, Buffer.from(lz4.compress(payload)))).toEqual(payload);
    // A zstd frame made by the reference tool (`zstd -19` of "floe\n" ten times): Node 20 has no zstd encoder.
    const zstd = Buffer.from('KLUv/QRoXQAAKGZsb2UKAQDCLFqCAJ70', 'base64');
    expect((await decompress(Codec.zstd, zstd)).toString()).toBe('floe\n'.repeat(10));
  });

  it('names the codec and the remedy when a batch is corrupt, and refuses codecs Kafka does not define', async () => {
    await expect(decompress(Codec.lz4, Buffer.from('not lz4 at all'))).rejects.toThrow(/lz4-compressed Kafka batch could not be decoded .*gzip, snappy or lz4/);
    await expect(decompress(6, Buffer.from('x'))).rejects.toThrow(/compression codec 6, which no Kafka version defines/);
  });
});
