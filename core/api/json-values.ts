/**
 * Arrow values as JSON for the UI without losing anything: 64-bit integers and decimals as decimal
 * strings, timestamps as ISO text with all six fractional digits (Arrow's own getter rounds them
 * through a double), dates as YYYY-MM-DD, bytes as hex.
 */
import { DataType, type Data, type RecordBatch, type Vector } from 'apache-arrow';
import type { JsonValue } from './contract.ts';

const MICROS_PER_UNIT = [1_000_000n, 1000n, 1n, 0n]; // Arrow TimeUnit: SECOND, MILLISECOND, MICROSECOND, NANOSECOND

/** Epoch microseconds -> 2024-01-02T03:04:05.123456 (with Z when the type has a time zone). */
export function isoMicros(micros: bigint, utc: boolean): string {
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const frac = ((micros % 1_000_000n) + 1_000_000n) % 1_000_000n;
  const iso = new Date(Number(ms)).toISOString().slice(0, 19);
  return `${iso}.${frac.toString().padStart(6, '0')}${utc ? 'Z' : ''}`;
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

function decimalText(words: Uint32Array, scale: number): string {
  let v = 0n;
  for (let i = words.length - 1; i >= 0; i--) v = (v << 32n) | BigInt(words[i]!);
  const bits = BigInt(words.length * 32);
  if (v >> (bits - 1n)) v -= 1n << bits; // two's complement
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(scale + 1, '0');
  const text = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return neg ? `-${text}` : text;
}

function valueOf(vector: Vector, index: number): JsonValue {
  const value: unknown = vector.get(index);
  if (value === null || value === undefined) return null;
  const type = vector.type;
  if (DataType.isTimestamp(type)) {
    // Locate the raw int64 behind the row: Arrow's getter has already rounded it through a double.
    let i = index;
    for (const data of vector.data as Data[]) {
      if (i < data.length) {
        const raw = (data.values as BigInt64Array)[data.offset + i]!;
        const unit = MICROS_PER_UNIT[type.unit]!;
        return isoMicros(unit === 0n ? raw / 1000n : raw * unit, Boolean(type.timezone));
      }
      i -= data.length;
    }
  }
  if (DataType.isDate(type)) return new Date(value as number).toISOString().slice(0, 10);
  if (DataType.isDecimal(type)) return decimalText(value as Uint32Array, type.scale);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return hex(value);
  if (DataType.isStruct(type)) {
    const out: Record<string, JsonValue> = {};
    type.children.forEach((f, c) => { out[f.name] = valueOf(vector.getChildAt(c)!, index); });
    return out;
  }
  if (DataType.isList(type) || DataType.isFixedSizeList(type)) return Array.from(value as Vector, (_, i) => valueOf(value as Vector, i));
  if (DataType.isMap(type)) {
    return Array.from(value as Iterable<[unknown, unknown]>, ([k, v]) => [jsonScalar(k), jsonScalar(v)]);
  }
  return jsonScalar(value);
}

function jsonScalar(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Uint8Array) return hex(value);
  return String(value);
}

/** The batch's rows, row-major, in its column order. */
export function batchRows(batch: RecordBatch, limit = batch.numRows): JsonValue[][] {
  const columns = batch.schema.fields.map((_, c) => batch.getChildAt(c)!);
  const rows: JsonValue[][] = [];
  for (let r = 0; r < Math.min(limit, batch.numRows); r++) rows.push(columns.map((v) => valueOf(v, r)));
  return rows;
}
