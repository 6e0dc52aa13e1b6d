/**
 * Table rows as JSON-safe objects (previews, verify's sample rows): longs as decimal strings (a JS
 * number rounds past 2^53 and JSON has no bigint), times as the ISO text Iceberg prints
 * (PyIceberg's and Java's human strings), bytes as base64, non-finite doubles as "nan"/"inf".
 * Values come from the Arrow buffers by the column's Iceberg type, not from `vector.get`, whose
 * timestamp results are rounded milliseconds.
 */
import type { Data, RecordBatch, Vector } from 'apache-arrow';
import { bitSet, validityOf } from '../spec/arrow-scan.ts';
import { humanPartitionValue } from '../spec/partition-path.ts';
import { isPrimitive, parsePrimitive } from '../spec/primitive.ts';
import type { IcebergType, NestedField, PrimitiveType } from '../spec/types.ts';
import { uuidFromBytes } from '../spec/values.ts';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

const IDENTITY = { kind: 'identity' } as const;

function decimalAt(data: Data, row: number): bigint {
  const words = data.values as Uint32Array;
  const stride = data.stride;
  let v = 0n;
  for (let w = stride - 1; w >= 0; w--) v = (v << 32n) | BigInt(words[row * stride + w]!);
  return BigInt.asIntN(32 * stride, v);
}

/** `row` indexes the vector; `i` the value buffers of the chunk `data` that holds it. */
function primitiveCell(type: PrimitiveType, vector: Vector, data: Data, row: number, i: number): JsonValue {
  const t = parsePrimitive(type);
  switch (t.kind) {
    case 'boolean': case 'string': case 'int':
      return vector.get(row) as boolean | string | number;
    case 'long':
      return (data.values as BigInt64Array)[i]!.toString();
    case 'float': case 'double': {
      const x = (data.values as Float32Array | Float64Array)[i]!;
      return Number.isFinite(x) ? x : humanPartitionValue(IDENTITY, type, x);
    }
    case 'date':
      return humanPartitionValue(IDENTITY, type, (data.values as Int32Array)[i]!);
    case 'time': case 'timestamp': case 'timestamptz': case 'timestamp_ns': case 'timestamptz_ns':
      return humanPartitionValue(IDENTITY, type, (data.values as BigInt64Array)[i]!);
    case 'decimal':
      return humanPartitionValue(IDENTITY, type, decimalAt(data, i));
    case 'uuid':
      return uuidFromBytes(vector.get(row) as Uint8Array);
    case 'fixed': case 'binary':
      return humanPartitionValue(IDENTITY, type, vector.get(row) as Uint8Array);
  }
}

/**
 * Nested values (structs, lists, maps) through Arrow's own JSON form, made safe: a sample row is
 * for reading, and the top-level columns are what verify is about.
 */
function nestedSafe(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), nestedSafe(v)]));
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    const json = (value as { toJSON(): unknown }).toJSON();
    if (json !== value) return nestedSafe(json);
  }
  if (Array.isArray(value) || typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function') {
    return [...(value as Iterable<unknown>)].map(nestedSafe);
  }
  return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, nestedSafe(v)]));
}

function cell(type: IcebergType, vector: Vector, row: number): JsonValue {
  // The chunk holding the row, and the row's index in that chunk's buffers.
  let local = row;
  let data = vector.data[0]!;
  for (const chunk of vector.data) {
    data = chunk;
    if (local < chunk.length) break;
    local -= chunk.length;
  }
  // Arrow slices the value buffers to the chunk but not the validity bitmap, which keeps the offset.
  const bits = validityOf(data);
  if (bits && !bitSet(bits, data.offset + local)) return null;
  return isPrimitive(type) ? primitiveCell(type, vector, data, row, local) : nestedSafe(vector.get(row));
}

function vectorsOf(batch: RecordBatch, fields: NestedField[]): Vector[] {
  return fields.map((f) => {
    const v = batch.getChild(f.name);
    if (!v) throw new Error(`the scan returned no column "${f.name}"`);
    return v;
  });
}

/** Row `row` of a batch read with `fields` (the scan's projection, in order) as a plain object. */
export function jsonRow(batch: RecordBatch, fields: NestedField[], row: number, vectors = vectorsOf(batch, fields)): Record<string, JsonValue> {
  const obj: Record<string, JsonValue> = {};
  fields.forEach((f, i) => { obj[f.name] = cell(f.type, vectors[i]!, row); });
  return obj;
}

export function jsonRows(batch: RecordBatch, fields: NestedField[]): Record<string, JsonValue>[] {
  const vectors = vectorsOf(batch, fields);
  return Array.from({ length: batch.numRows }, (_, row) => jsonRow(batch, fields, row, vectors));
}
