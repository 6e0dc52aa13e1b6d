/**
 * The human-readable partition part of a data file's path, `window_start_day=2026-03-10/
 * category=Bread`. The spec leaves the format to implementations (files are found through
 * manifests, never by listing), so this follows PyIceberg, the implementation the interop tests
 * run: Python's isoformat for dates and times, quote_plus escaping. Java differs only in corner
 * cases: its URLEncoder keeps `*` and escapes `~`, and it prints identity timestamps as
 * `2026-03-10T12:00Z` rather than `2026-03-10T12:00:00+00:00`.
 */
import type { PartitionSpec, PartitionValues, PrimitiveType, Schema } from './types.ts';
import { parsePrimitive } from './primitive.ts';
import { type Transform, parseTransform, transformResultType } from './transforms.ts';
import { civilFromDays, decimalToString, floorDiv } from './values.ts';
import { indexById } from './schema.ts';

function pad(n: number, width: number): string {
  // Python's f"{n:0=4d}": the sign counts towards the width.
  return n < 0 ? `-${String(-n).padStart(width - 1, '0')}` : String(n).padStart(width, '0');
}

function humanDay(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** HH:MM:SS, then .ffffff (or .fffffffff for nanoseconds) only when the fraction is not zero. */
function humanTimeOfDay(unitsOfDay: bigint, unitsPerSecond: bigint): string {
  const seconds = unitsOfDay / unitsPerSecond;
  const fraction = unitsOfDay % unitsPerSecond;
  const hms = `${pad(Number(seconds / 3600n), 2)}:${pad(Number((seconds / 60n) % 60n), 2)}:${pad(Number(seconds % 60n), 2)}`;
  if (fraction === 0n) return hms;
  const digits = unitsPerSecond === 1_000_000n ? 6 : 9;
  return `${hms}.${fraction.toString().padStart(digits, '0')}`;
}

function humanTimestamp(value: bigint, unitsPerSecond: bigint, withZone: boolean): string {
  const unitsPerDay = unitsPerSecond * 86_400n;
  const days = floorDiv(value, unitsPerDay);
  const text = `${humanDay(Number(days))}T${humanTimeOfDay(value - days * unitsPerDay, unitsPerSecond)}`;
  return withZone ? `${text}+00:00` : text;
}

/** Python's repr of a float: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
function humanDouble(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, exp] = x.toExponential().split('e') as [string, string];
  const exponent = Number(exp);
  if (exponent < -4 || exponent >= 16) {
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${pad(Math.abs(exponent), 2)}`;
  }
  const text = String(x); // JS prints fixed notation in this range
  return text.includes('.') ? text : `${text}.0`;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** The human string of a partition value of the transform's result type; "null" for null. */
export function humanPartitionValue(transform: Transform, resultType: PrimitiveType, value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (transform.kind) {
    case 'year': return pad(1970 + (value as number), 4);
    case 'month': {
      const months = value as number;
      return `${pad(1970 + Math.floor(months / 12), 4)}-${pad((((months % 12) + 12) % 12) + 1, 2)}`;
    }
    case 'hour': {
      const hours = value as number;
      const days = Math.floor(hours / 24);
      return `${humanDay(days)}-${pad(hours - days * 24, 2)}`;
    }
    default: break;
  }
  const t = parsePrimitive(resultType);
  switch (t.kind) {
    case 'date': return humanDay(value as number);
    case 'time': return humanTimeOfDay(value as bigint, 1_000_000n);
    case 'timestamp': return humanTimestamp(value as bigint, 1_000_000n, false);
    case 'timestamptz': return humanTimestamp(value as bigint, 1_000_000n, true);
    case 'timestamp_ns': return humanTimestamp(value as bigint, 1_000_000_000n, false);
    case 'timestamptz_ns': return humanTimestamp(value as bigint, 1_000_000_000n, true);
    case 'float': case 'double': return humanDouble(value as number);
    case 'decimal': return decimalToString(value as bigint, t.scale);
    case 'binary': case 'fixed': return base64(value as Uint8Array);
    default: return String(value); // int, long, string, uuid, boolean
  }
}

/** Python's quote_plus(s, safe=""): UTF-8 percent-encoding, space as +, only A-Za-z0-9_.-~ kept. */
export function escapePathSegment(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/**
 * `name=value/name=value` for a partition tuple (values keyed by partition field id), in the
 * spec's field order. An unpartitioned spec gives "".
 */
export function partitionPath(spec: PartitionSpec, schema: Schema, values: PartitionValues): string {
  const byId = indexById(schema);
  return spec.fields.map((field) => {
    const source = byId.get(field['source-id']);
    if (!source) throw new Error(`partition field "${field.name}": source column id ${field['source-id']} is not in the schema`);
    const transform = parseTransform(field.transform);
    const resultType = transformResultType(transform, source.field.type);
    const text = humanPartitionValue(transform, resultType, values[field['field-id']]);
    return `${escapePathSegment(field.name)}=${escapePathSegment(text)}`;
  }).join('/');
}
