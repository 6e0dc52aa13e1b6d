/**
 * The compression codecs a consumer meets, for both Kafka readers (Floe's own and kafkajs): gzip
 * (zlib, on libuv's thread pool so it overlaps with parsing), snappy (raw, or in the xerial
 * framing Java producers write), lz4 frames (pure JS), and zstd (Node's zlib where it has it,
 * from 22.15 and in Electron; a pure-JS decoder on Node 20). Floe decodes but never produces
 * zstd.
 */
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import kafkajs from 'kafkajs';
import SnappyCodec from 'kafkajs-snappy';
import * as lz4 from 'lz4js';
import { decompress as zstdDecompress } from 'fzstd';
import { uncompress as snappyUncompress } from 'snappyjs';

/** The codec ids of a record batch's attributes (bits 0-2). */
export const Codec = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;

const CODEC_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

const gunzip = promisify(zlib.gunzip);
// zstd in zlib arrived after Node 20; typed loosely because @types/node 20 does not declare it.
const nativeZstd = (zlib as unknown as { zstdDecompress?: typeof zlib.gunzip }).zstdDecompress;
const zstdNative = nativeZstd ? promisify(nativeZstd) : null;

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

function snappy(data: Buffer): Buffer {
  if (data.length < 16 || !data.subarray(0, 8).equals(XERIAL_MAGIC)) return Buffer.from(snappyUncompress(data));
  // xerial: 16 header bytes (magic, version, compatible version), then [int32 size][raw block]...
  const blocks: Buffer[] = [];
  for (let at = 16; at < data.length;) {
    if (at + 4 > data.length) throw new Error('xerial snappy framing ends inside a block size');
    const size = data.readUInt32BE(at);
    at += 4;
    if (at + size > data.length) throw new Error(`xerial snappy block of ${size} bytes runs past the end of the batch`);
    blocks.push(Buffer.from(snappyUncompress(data.subarray(at, at + size))));
    at += size;
  }
  return blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks);
}

/** Decompresses one record batch's records; the error names the codec and says what to do. */
export async function decompress(codec: number, data: Buffer): Promise<Buffer> {
  try {
    switch (codec) {
      case Codec.gzip: {
        // A batch is one gzip member, whose last 4 bytes are its size: one output buffer of that
        // size (capped) means one callback and no chunks to join.
        const size = data.length >= 18 ? data.readUInt32LE(data.length - 4) : 0;
        return await gunzip(data, { chunkSize: Math.min(Math.max(size + 64, 64 * 1024), 64 * 1024 * 1024) });
      }
      case Codec.snappy: return snappy(data);
      case Codec.lz4: return Buffer.from(lz4.decompress(data));
      case Codec.zstd: return zstdNative ? await zstdNative(data) : Buffer.from(zstdDecompress(data));
      default: break;
    }
  } catch (err) {
    throw new Error(`A ${CODEC_NAMES[codec]}-compressed Kafka batch could not be decoded (${(err as Error).message}); `
      + 'if this persists, have the producer use gzip, snappy or lz4', { cause: err });
  }
  throw new Error(`A Kafka batch uses compression codec ${codec}, which no Kafka version defines: the data is corrupt or from an unsupported producer`);
}

interface Encoder { buffer: Buffer }

const lz4Codec = () => ({
  async compress(encoder: Encoder) {
    return Buffer.from(lz4.compress(encoder.buffer));
  },
  decompress: (buffer: Buffer) => decompress(Codec.lz4, buffer),
});

const zstdCodec = () => ({
  async compress(): Promise<Buffer> {
    throw new Error('Floe reads zstd-compressed Kafka batches but does not produce them: choose gzip, snappy or lz4 for producing');
  },
  decompress: (buffer: Buffer) => decompress(Codec.zstd, buffer),
});

// A default import: Node's ESM loader cannot see CompressionCodecs among kafkajs's CommonJS exports.
const { CompressionCodecs, CompressionTypes } = kafkajs;

let registered = false;

/** kafkajs keeps codecs in a global table: registered once, process-wide. */
export function registerKafkaCodecs(): void {
  if (registered) return;
  CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec;
  CompressionCodecs[CompressionTypes.LZ4] = lz4Codec;
  CompressionCodecs[CompressionTypes.ZSTD] = zstdCodec;
  registered = true;
}
