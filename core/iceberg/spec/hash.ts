/**
 * The 32-bit hash behind bucket[N] partitions (spec Appendix B): Murmur3, x86 variant, 32-bit,
 * seed 0, over a per-type byte form. A bucket that differs from Java's by one value puts rows in
 * partitions no other engine will look in, so the spec's test vectors are unit tests.
 * Values are in the forms of values.ts.
 */
import type { PrimitiveType } from './types.ts';
import { parsePrimitive } from './primitive.ts';
import { floorDiv, minimalTwosComplement, utf8Bytes, uuidToBytes } from './values.ts';

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function mixK1(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

function mixH1(h: number, k: number): number {
  h ^= mixK1(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finalMix(h: number, length: number): number {
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** Murmur3 x86 32-bit of the bytes with seed 0, as a signed 32-bit integer (Java's int). */
export function murmur3Hash32(bytes: Uint8Array): number {
  let h = 0;
  const blocks = bytes.length >>> 2;
  for (let i = 0; i < blocks; i++) {
    const o = i << 2;
    h = mixH1(h, bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16) | (bytes[o + 3]! << 24));
  }
  const tail = blocks << 2;
  const rest = bytes.length & 3;
  if (rest > 0) {
    let k = bytes[tail]!;
    if (rest > 1) k |= bytes[tail + 1]! << 8;
    if (rest > 2) k |= bytes[tail + 2]! << 16;
    h ^= mixK1(k);
  }
  return finalMix(h, bytes.length);
}

/** hashLong from the two 32-bit halves of a 64-bit integer (its 8 little-endian bytes). */
function hashLongWords(low: number, high: number): number {
  return finalMix(mixH1(mixH1(0, low), high), 8);
}

/** hashLong: the 8 little-endian bytes of a 64-bit integer. */
export function hashLong(value: bigint): number {
  return hashLongWords(Number(BigInt.asIntN(32, value)), Number(BigInt.asIntN(32, value >> 32n)));
}

/** hashLong(long(v)) for a 32-bit integer, without going through bigint (the hot bucket[N] path). */
export function hashIntAsLong(value: number): number {
  return hashLongWords(value | 0, value < 0 ? -1 : 0);
}

const doubleView = new DataView(new ArrayBuffer(8));

/** hashLong(doubleToLongBits(v)) with NaN and -0.0 canonicalised (Appendix B note 5). */
export function hashDouble(value: number): number {
  if (Number.isNaN(value)) return hashLongWords(0, 0x7ff80000);
  doubleView.setFloat64(0, value === 0 ? 0 : value, true);
  return hashLongWords(doubleView.getInt32(0, true), doubleView.getInt32(4, true));
}

/**
 * The Appendix B hash of a non-null value of a primitive type. Also defined for boolean, float
 * and double (the spec's "if that changes" table), though bucket[N] does not accept them.
 * The spec's table says hashInt for date and boolean, but its own test vectors (2017-11-16 ->
 * -653330422, true -> 1392991556) and Java hash them as longs: the vectors win.
 */
export function hashValue(type: PrimitiveType, value: unknown): number {
  const t = parsePrimitive(type);
  switch (t.kind) {
    case 'int':
    case 'date':
      return hashIntAsLong(value as number);
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      return hashLong(value as bigint);
    case 'timestamp_ns':
    case 'timestamptz_ns':
      // Note 3: nanoseconds hash as their microsecond so that precision changes keep buckets.
      return hashLong(floorDiv(value as bigint, 1000n));
    case 'string':
      return murmur3Hash32(utf8Bytes(value as string));
    case 'uuid':
      return murmur3Hash32(uuidToBytes(value as string));
    case 'binary':
    case 'fixed':
      return murmur3Hash32(value as Uint8Array);
    case 'decimal':
      return murmur3Hash32(minimalTwosComplement(value as bigint));
    case 'boolean':
      return hashIntAsLong(value ? 1 : 0);
    case 'float':
    case 'double':
      return hashDouble(value as number);
  }
}
