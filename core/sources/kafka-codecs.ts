/**
 * The compression codecs a consumer meets: gzip (kafkajs has it), snappy (with Java's xerial
 * framing) and lz4 frames (pure JS), and zstd for reading (pure-JS decoder; Node 20's zlib has no
 * zstd). Registered once, process-wide, because kafkajs keeps codecs in a global table.
 */
import kafkajs from 'kafkajs';
import SnappyCodec from 'kafkajs-snappy';
import * as lz4 from 'lz4js';
import { decompress as zstdDecompress } from 'fzstd';

interface Encoder { buffer: Buffer }

const lz4Codec = () => ({
  async compress(encoder: Encoder) {
    return Buffer.from(lz4.compress(encoder.buffer));
  },
  async decompress(buffer: Buffer) {
    return Buffer.from(lz4.decompress(buffer));
  },
});

const zstdCodec = () => ({
  async compress(): Promise<Buffer> {
    throw new Error('Floe reads zstd-compressed Kafka batches but does not produce them: choose gzip, snappy or lz4 for producing');
  },
  async decompress(buffer: Buffer) {
    try {
      return Buffer.from(zstdDecompress(buffer));
    } catch (err) {
      throw new Error(`A zstd-compressed Kafka batch could not be decoded (${(err as Error).message}); if this persists, have the producer use gzip, snappy or lz4`);
    }
  },
});

// A default import: Node's ESM loader cannot see CompressionCodecs among kafkajs's CommonJS exports.
const { CompressionCodecs, CompressionTypes } = kafkajs;

let registered = false;

export function registerKafkaCodecs(): void {
  if (registered) return;
  CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec;
  CompressionCodecs[CompressionTypes.LZ4] = lz4Codec;
  CompressionCodecs[CompressionTypes.ZSTD] = zstdCodec;
  registered = true;
}
