/**
 * Single values as bytes (spec Appendix D), the order Iceberg compares them in, and the truncated
 * string/binary bounds that Java and PyIceberg write into manifests. Values are in the forms of
 * values.ts. A bound that is wrong in any direction makes engines skip files that hold matching
 * rows, so every rule here errs towards "no bound" rather than "a guessed bound".
 */
import type { PrimitiveType } from './types.ts';
import { parsePrimitive } from './primitive.ts';
import {
  type IcebergValue, codePointPrefixEnd, fromTwosComplement, minimalTwosComplement, utf8Bytes,
  utf8String, uuidFromBytes, uuidToBytes,
} from './values.ts';

/** Java and PyIceberg truncate string and binary bounds to 16 (code points or bytes) by default. */
export const DEFAULT_BOUND_LENGTH = 16;

const MICROS_PER_DAY = 86_400_000_000n;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function fail(type: PrimitiveType, value: unknown, why: string): never {
  const shown = typeof value === 'bigint' ? `${value}n` : typeof value === 'string' ? `"${value}"` : String(value);
  throw new Error(`cannot serialize ${shown} as ${type}: ${why}`);
}

function int32(type: PrimitiveType, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
    fail(type, value, 'expected an integer number in the 32-bit range');
  }
  return value;
}

function int64(type: PrimitiveType, value: unknown): bigint {
  if (typeof value !== 'bigint' || BigInt.asIntN(64, value) !== value) fail(type, value, 'expected a 64-bit bigint');
  return value;
}

function bytesOf(type: PrimitiveType, value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) fail(type, value, 'expected a Uint8Array');
  return value;
}

function little(length: number, write: (view: DataView) => void): Uint8Array {
  const out = new Uint8Array(length);
  write(new DataView(out.buffer));
  return out;
}

/** Appendix D binary single-value serialization of a non-null value. */
export function toBytes(type: PrimitiveType, value: unknown): Uint8Array {
  const t = parsePrimitive(type);
  switch (t.kind) {
    case 'boolean':
      if (typeof value !== 'boolean') fail(type, value, 'expected a boolean');
      return Uint8Array.of(value ? 1 : 0);
    case 'int':
    case 'date': {
      const v = int32(type, value);
      return little(4, (d) => d.setInt32(0, v, true));
    }
    case 'long': case 'time': case 'timestamp': case 'timestamptz': case 'timestamp_ns': case 'timestamptz_ns': {
      const v = int64(type, value);
      return little(8, (d) => d.setBigInt64(0, v, true));
    }
    case 'float':
    case 'double': {
      if (typeof value !== 'number') fail(type, value, 'expected a number');
      return t.kind === 'float'
        ? little(4, (d) => d.setFloat32(0, value, true))
        : little(8, (d) => d.setFloat64(0, value, true));
    }
    case 'string':
      if (typeof value !== 'string') fail(type, value, 'expected a string');
      return utf8Bytes(value);
    case 'uuid':
      if (typeof value !== 'string') fail(type, value, 'expected a UUID string');
      return uuidToBytes(value);
    case 'fixed': {
      const v = bytesOf(type, value);
      if (v.length !== t.length) fail(type, value, `expected ${t.length} bytes, got ${v.length}`);
      return v.slice();
    }
    case 'binary':
      return bytesOf(type, value).slice();
    case 'decimal': {
      if (typeof value !== 'bigint') fail(type, value, 'expected the unscaled value as a bigint');
      if ((value < 0n ? -value : value) >= 10n ** BigInt(t.precision)) {
        fail(type, value, `more than ${t.precision} digits`);
      }
      return minimalTwosComplement(value);
    }
  }
}

function needLength(type: PrimitiveType, bytes: Uint8Array, ...lengths: number[]): void {
  if (!lengths.includes(bytes.length)) {
    throw new Error(`a ${type} value is ${lengths.join(' or ')} bytes, got ${bytes.length}`);
  }
}

/**
 * Reads an Appendix D value. Bounds written before a type promotion keep their old width (spec
 * "Schema Evolution"): a 4-byte long bound is an int, a 4-byte double bound a float, a 4-byte
 * timestamp bound a date; they are returned converted to the current type.
 */
export function fromBytes(type: PrimitiveType, bytes: Uint8Array): IcebergValue {
  const t = parsePrimitive(type);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (t.kind) {
    case 'boolean':
      needLength(type, bytes, 1);
      return bytes[0] !== 0;
    case 'int':
    case 'date':
      needLength(type, bytes, 4);
      return view.getInt32(0, true);
    case 'long':
      needLength(type, bytes, 4, 8);
      return bytes.length === 4 ? BigInt(view.getInt32(0, true)) : view.getBigInt64(0, true);
    case 'time':
    case 'timestamptz':
    case 'timestamptz_ns':
      needLength(type, bytes, 8);
      return view.getBigInt64(0, true);
    case 'timestamp':
    case 'timestamp_ns': {
      needLength(type, bytes, 4, 8);
      if (bytes.length === 8) return view.getBigInt64(0, true);
      const perDay = t.kind === 'timestamp' ? MICROS_PER_DAY : MICROS_PER_DAY * 1000n;
      return BigInt(view.getInt32(0, true)) * perDay;
    }
    case 'float':
      needLength(type, bytes, 4);
      return view.getFloat32(0, true);
    case 'double':
      needLength(type, bytes, 4, 8);
      return bytes.length === 4 ? view.getFloat32(0, true) : view.getFloat64(0, true);
    case 'string':
      return utf8String(bytes);
    case 'uuid':
      return uuidFromBytes(bytes);
    case 'fixed': // no length check: a writer may have truncated a long fixed bound like a binary one
    case 'binary':
      return bytes.slice();
    case 'decimal':
      return fromTwosComplement(bytes);
  }
}

/** Unsigned lexicographic byte order, shorter first on a common prefix. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

/**
 * Strings in the order of their UTF-8 bytes (= code point order), without encoding them. JS `<`
 * compares UTF-16 units, which puts U+10000.. (surrogate pairs, 0xD800..) before U+E000..U+FFFF:
 * at the first differing unit, lift surrogates above the rest of the BMP. (A lone surrogate is not
 * text and has no UTF-8 form; it sorts as if it were paired.)
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** Java's Double.compare: -0.0 before 0.0, NaN after everything (and equal to itself). */
export function compareFloats(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) {
    if (a !== 0) return 0;
    return (Object.is(a, -0) ? 0 : 1) - (Object.is(b, -0) ? 0 : 1);
  }
  return (Number.isNaN(a) ? 1 : 0) - (Number.isNaN(b) ? 1 : 0);
}

export type Comparator = (a: IcebergValue, b: IcebergValue) => number;

const compareNumbers = (a: IcebergValue, b: IcebergValue): number => (a as number) - (b as number);
const compareBigints = (a: IcebergValue, b: IcebergValue): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Iceberg's order for a primitive type. UUIDs compare as unsigned big-endian bytes (RFC 9562);
 * Java before apache/iceberg#14500 compared them as signed longs, see column-stats.ts.
 */
export function comparatorFor(type: PrimitiveType): Comparator {
  const t = parsePrimitive(type);
  switch (t.kind) {
    case 'boolean':
      return (a, b) => Number(a) - Number(b);
    case 'int':
    case 'date':
      return compareNumbers;
    case 'float':
    case 'double':
      return (a, b) => compareFloats(a as number, b as number);
    case 'long': case 'time': case 'timestamp': case 'timestamptz': case 'timestamp_ns': case 'timestamptz_ns':
    case 'decimal':
      return compareBigints;
    case 'string':
      return (a, b) => compareUtf8(a as string, b as string);
    case 'uuid':
      // Canonical hex digits sort like the bytes they spell; lower-case both in case of input.
      return (a, b) => compareUtf8((a as string).toLowerCase(), (b as string).toLowerCase());
    case 'fixed':
    case 'binary':
      return (a, b) => compareBytes(a as Uint8Array, b as Uint8Array);
  }
}

/**
 * A lower bound no longer than `length`: the first `length` code points of a string or bytes of
 * a binary value (a prefix is never greater). Other types are returned unchanged.
 */
export function truncateLowerBound(type: PrimitiveType, value: IcebergValue, length = DEFAULT_BOUND_LENGTH): IcebergValue {
  if (type === 'string') return (value as string).slice(0, codePointPrefixEnd(value as string, length));
  if (type === 'binary') return (value as Uint8Array).slice(0, length);
  return value;
}

/**
 * An upper bound no longer than `length`: the prefix with its last code point (string) or byte
 * (binary) incremented, dropping trailing ones that are already at their maximum (U+10FFFF, 0xFF).
 * Null when every position is at its maximum: no upper bound can be shorter. U+D7FF increments
 * to U+E000, skipping the surrogates that UTF-8 cannot encode. Other types are returned unchanged.
 */
export function truncateUpperBound(type: PrimitiveType, value: IcebergValue, length = DEFAULT_BOUND_LENGTH): IcebergValue | null {
  if (type === 'string') return truncateStringMax(value as string, length);
  if (type === 'binary') return truncateBinaryMax(value as Uint8Array, length);
  return value;
}

function truncateStringMax(s: string, length: number): string | null {
  const end = codePointPrefixEnd(s, length);
  if (end === s.length) return s;
  const codePoints = Array.from(s.slice(0, end), (c) => c.codePointAt(0)!);
  for (let i = codePoints.length - 1; i >= 0; i--) {
    const next = codePoints[i]! === 0xd7ff ? 0xe000 : codePoints[i]! + 1;
    if (next <= 0x10ffff) return String.fromCodePoint(...codePoints.slice(0, i), next);
  }
  return null;
}

function truncateBinaryMax(b: Uint8Array, length: number): Uint8Array | null {
  if (b.length <= length) return b.slice();
  for (let i = length - 1; i >= 0; i--) {
    if (b[i]! < 0xff) {
      const out = b.slice(0, i + 1);
      out[i] = b[i]! + 1;
      return out;
    }
  }
  return null;
}
