/**
 * Reading one column of an Arrow batch row by row in the column's Iceberg type, straight from its
 * buffers: `vector.get(i)` allocates per row (a string per Utf8 value, a Date-ish number per
 * timestamp) and converts timestamps to milliseconds. Strings, binary, uuid and fixed values are
 * byte views (UTF-8 byte order is Iceberg's string order, so no decoding is needed to compare).
 */
import { DataType, type Data } from 'apache-arrow';
import { bitSet, validityOf } from '../spec/arrow-scan.ts';
import { parsePrimitive } from '../spec/primitive.ts';
import type { PrimitiveType } from '../spec/types.ts';
import { uuidToBytes, utf8Bytes, type IcebergValue } from '../spec/values.ts';

export type Access =
  | { kind: 'number'; get(i: number): number }
  | { kind: 'bigint'; get(i: number): bigint }
  | { kind: 'bytes'; get(i: number): Uint8Array }
  | { kind: 'bool'; get(i: number): number };

export interface ColumnAccess {
  access: Access;
  /** Row i is null (always false for a column without nulls). */
  isNull(i: number): boolean;
  hasNulls: boolean;
}

export function accessColumn(data: Data, type: PrimitiveType, where: string): ColumnAccess {
  const bits = validityOf(data);
  const offset = data.offset;
  const isNull = bits ? (i: number) => !bitSet(bits, offset + i) : () => false;
  return { access: accessValues(data, type, where), isNull, hasNulls: bits !== null };
}

function accessValues(data: Data, type: PrimitiveType, where: string): Access {
  const kind = parsePrimitive(type).kind;
  const arrowType = data.type as DataType;
  const mismatch = (): never => {
    throw new Error(`${where}: an Arrow ${String(arrowType)} column cannot be read as Iceberg ${type}`);
  };
  switch (kind) {
    case 'int': case 'date': case 'float': case 'double': {
      const values = data.values as Int32Array | Float32Array | Float64Array;
      if (!(values instanceof Int32Array || values instanceof Float32Array || values instanceof Float64Array)) return mismatch();
      return { kind: 'number', get: (i) => values[i]! };
    }
    case 'long': case 'time': case 'timestamp': case 'timestamptz': case 'timestamp_ns': case 'timestamptz_ns': {
      const values = data.values as BigInt64Array;
      if (!(values instanceof BigInt64Array)) return mismatch();
      return { kind: 'bigint', get: (i) => values[i]! };
    }
    case 'decimal': {
      if (!DataType.isDecimal(arrowType) || arrowType.bitWidth !== 128) return mismatch();
      const words = data.values as Uint32Array;
      return { kind: 'bigint', get: (i) => decimal128(words, i) };
    }
    case 'boolean': {
      const bits = data.values as Uint8Array;
      const offset = data.offset;
      return { kind: 'bool', get: (i) => (bitSet(bits, offset + i) ? 1 : 0) };
    }
    case 'string': case 'binary': {
      if (!(DataType.isUtf8(arrowType) || DataType.isBinary(arrowType))) return mismatch();
      const offsets = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      return { kind: 'bytes', get: (i) => bytes.subarray(offsets[i]!, offsets[i + 1]!) };
    }
    case 'uuid': case 'fixed': {
      if (!DataType.isFixedSizeBinary(arrowType)) return mismatch();
      const width = arrowType.byteWidth;
      const bytes = data.values as Uint8Array;
      return { kind: 'bytes', get: (i) => bytes.subarray(i * width, (i + 1) * width) };
    }
  }
}

/** A signed 128-bit little-endian value from four 32-bit words. */
function decimal128(words: Uint32Array, i: number): bigint {
  const at = i * 4;
  const v = (BigInt(words[at + 3]!) << 96n) | (BigInt(words[at + 2]!) << 64n) | (BigInt(words[at + 1]!) << 32n) | BigInt(words[at]!);
  return BigInt.asIntN(128, v);
}

/** A literal in the form `access` returns for its column (bytes for text and uuid, 0/1 for booleans). */
export function accessForm(type: PrimitiveType, v: IcebergValue): number | bigint | Uint8Array {
  switch (parsePrimitive(type).kind) {
    case 'string': return utf8Bytes(v as string);
    case 'uuid': return uuidToBytes(v as string);
    case 'boolean': return v ? 1 : 0;
    default: return v as number | bigint | Uint8Array;
  }
}

const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

/**
 * A string that identifies a non-null value of the column exactly (for set membership and
 * equality delete keys): bytes one char per byte, -0 apart from 0 and NaN equal to NaN, as Java's
 * equality deletes compare them. Null for a null value.
 */
export function keyOf(col: ColumnAccess): (i: number) => string | null {
  const { access } = col;
  switch (access.kind) {
    case 'number': return (i) => (col.isNull(i) ? null : Object.is(access.get(i), -0) ? '-0' : String(access.get(i)));
    case 'bigint': case 'bool': return (i) => (col.isNull(i) ? null : String(access.get(i)));
    case 'bytes': return (i) => (col.isNull(i) ? null : latin1(access.get(i)));
  }
}

/** The key keyOf gives a non-null value, from a value in access form. */
export function keyOfValue(v: number | bigint | Uint8Array): string {
  if (v instanceof Uint8Array) return latin1(v);
  return Object.is(v, -0) ? '-0' : String(v);
}
