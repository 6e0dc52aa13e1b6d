/**
 * Avro container block codecs. Floe writes `null` and `deflate` (what PyIceberg writes by default,
 * and Java reads); it reads also `snappy` and `zstandard`, which Java and PyIceberg write when a
 * table sets `write.avro.compression-codec`.
 */
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { uncompress as snappyUncompress } from 'snappyjs';
import { decompress as zstdDecompress } from 'fzstd';

export type AvroWriteCodec = 'null' | 'deflate';
export type AvroReadCodec = AvroWriteCodec | 'snappy' | 'zstandard';

const READABLE: readonly string[] = ['null', 'deflate', 'snappy', 'zstandard'] satisfies AvroReadCodec[];

export function isReadableCodec(name: string): name is AvroReadCodec {
  return READABLE.includes(name);
}

export function compressBlock(codec: AvroWriteCodec, data: Uint8Array): Uint8Array {
  // Avro's deflate is raw RFC 1951 data: no zlib header, no checksum.
  return codec === 'deflate' ? deflateRawSync(data) : data;
}

export function decompressBlock(codec: AvroReadCodec, data: Uint8Array): Uint8Array {
  switch (codec) {
    case 'null':
      return data;
    case 'deflate':
      return inflateRawSync(data);
    case 'snappy':
      return unsnappy(data);
    case 'zstandard':
      return zstdDecompress(data);
  }
}

/** Avro's snappy block: raw snappy data, then the big-endian CRC-32 of the uncompressed bytes. */
function unsnappy(data: Uint8Array): Uint8Array {
  if (data.length < 4) throw new Error('Avro snappy block is shorter than its 4-byte checksum');
  const body = data.subarray(0, data.length - 4);
  const expected = new DataView(data.buffer, data.byteOffset + data.length - 4, 4).getUint32(0, false);
  const out = snappyUncompress(body);
  const actual = crc32(out);
  if (actual !== expected) {
    throw new Error(`Avro snappy block checksum mismatch: stored ${hex(expected)}, computed ${hex(actual)}`);
  }
  return out;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
