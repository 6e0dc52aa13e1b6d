/**
 * Partition transforms (spec "Partition Transforms"): parsing their names, what they accept and
 * produce, and applying them to single values in the forms of values.ts. A partition value that
 * differs from Java's for one row files that row where no other engine's scan will find it.
 */
import type { IcebergType, PrimitiveType } from './types.ts';
import { isPrimitive, parsePrimitive, typeToString } from './primitive.ts';
import { hashIntAsLong, hashValue } from './hash.ts';
import { type IcebergValue, civilFromDays, codePointPrefixEnd, floorDiv } from './values.ts';

export type Transform =
  | { kind: 'identity' | 'void' | 'year' | 'month' | 'day' | 'hour' }
  | { kind: 'bucket'; buckets: number }
  | { kind: 'truncate'; width: number }
  /** A transform this code does not know: readers ignore the field, writers must refuse it. */
  | { kind: 'unknown'; name: string };

export function parseTransform(name: string): Transform {
  const trimmed = name.trim().toLowerCase();
  switch (trimmed) {
    case 'identity': case 'void': case 'year': case 'month': case 'day': case 'hour':
      return { kind: trimmed };
  }
  const param = /^(bucket|truncate)\[\s*(\d+)\s*\]$/.exec(trimmed);
  if (param) {
    const n = Number(param[2]);
    if (!(n > 0 && n <= 2147483647)) throw new Error(`transform "${name}" needs a positive 32-bit parameter`);
    return param[1] === 'bucket' ? { kind: 'bucket', buckets: n } : { kind: 'truncate', width: n };
  }
  return { kind: 'unknown', name };
}

export function transformToString(t: Transform): string {
  switch (t.kind) {
    case 'bucket': return `bucket[${t.buckets}]`;
    case 'truncate': return `truncate[${t.width}]`;
    case 'unknown': return t.name;
    default: return t.kind;
  }
}

const TIMESTAMPS = ['timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns'];
const BUCKETABLE = new Set(['int', 'long', 'decimal', 'date', 'time', ...TIMESTAMPS, 'string', 'uuid', 'fixed', 'binary']);
const TRUNCATABLE = new Set(['int', 'long', 'decimal', 'string', 'binary']);
const DATED = new Set(['date', ...TIMESTAMPS]);

/** Whether the spec lets this transform take a column of this type. */
export function canTransform(t: Transform, source: IcebergType): boolean {
  if (t.kind === 'void') return true;
  if (!isPrimitive(source)) return false;
  const kind = parsePrimitive(source).kind;
  switch (t.kind) {
    case 'identity': return true;
    case 'bucket': return BUCKETABLE.has(kind);
    case 'truncate': return TRUNCATABLE.has(kind);
    case 'year': case 'month': case 'day': return DATED.has(kind);
    case 'hour': return TIMESTAMPS.includes(kind);
    case 'unknown': return false;
  }
}

/**
 * The partition value's type. day is `date` although the spec's table says int: Java and
 * PyIceberg type it as date (same int in Avro, with the date logical type), and manifests must
 * match theirs.
 */
export function transformResultType(t: Transform, source: IcebergType): PrimitiveType {
  if (t.kind === 'unknown') throw new Error(`unknown transform "${t.name}": Floe cannot compute it, so it must not write with it`);
  if (!canTransform(t, source) || !isPrimitive(source)) {
    throw new Error(`transform ${transformToString(t)} cannot be applied to ${typeToString(source)}`);
  }
  switch (t.kind) {
    case 'bucket': case 'year': case 'month': case 'hour': return 'int';
    case 'day': return 'date';
    default: return source;
  }
}

type ValueFn = (value: IcebergValue | null | undefined) => IcebergValue | null;

const MICROS_PER_HOUR = 3_600_000_000n;
const MICROS_PER_DAY = 86_400_000_000n;

/**
 * The transform as a function of one value, resolved once for a source type so that applying
 * it to every row of a batch does no parsing. Null (or undefined) gives null.
 */
export function transformFunction(t: Transform, source: IcebergType): ValueFn {
  transformResultType(t, source); // throws for a transform the type does not take
  const type = source as PrimitiveType;
  const kind = parsePrimitive(type).kind;
  const nullSafe = (fn: (v: IcebergValue) => IcebergValue): ValueFn => (v) => (v === null || v === undefined ? null : fn(v));
  switch (t.kind) {
    case 'identity': return nullSafe((v) => v);
    case 'void': return () => null;
    case 'bucket': {
      const n = t.buckets;
      if (kind === 'int' || kind === 'date') return nullSafe((v) => (hashIntAsLong(v as number) & 0x7fffffff) % n);
      return nullSafe((v) => (hashValue(type, v) & 0x7fffffff) % n);
    }
    case 'truncate': return nullSafe(truncateFunction(kind, t.width));
    case 'year': case 'month': case 'day': case 'hour': return nullSafe(dateTimeFunction(t.kind, kind));
    case 'unknown': throw new Error('unreachable: transformResultType refuses unknown transforms');
  }
}

export function applyTransform(t: Transform, source: IcebergType, value: IcebergValue | null): IcebergValue | null {
  return transformFunction(t, source)(value);
}

function truncateFunction(kind: string, width: number): (v: IcebergValue) => IcebergValue {
  switch (kind) {
    case 'int':
      return (v) => {
        const n = v as number;
        const out = n - (((n % width) + width) % width);
        if (out < -2147483648) throw new Error(`truncate[${width}] of ${n} is below the int range`);
        return out;
      };
    case 'long':
    case 'decimal': {
      // Decimals truncate their unscaled value: W applies at the column's scale (note 2).
      const w = BigInt(width);
      return (v) => {
        const n = v as bigint;
        return n - (((n % w) + w) % w);
      };
    }
    case 'string':
      return (v) => (v as string).slice(0, codePointPrefixEnd(v as string, width));
    default: // binary
      return (v) => (v as Uint8Array).slice(0, width);
  }
}

/** Months since 1970-01 of a day count, by the calendar (months have different lengths). */
function monthsFromDays(days: number): number {
  const { year, month } = civilFromDays(days);
  return (year - 1970) * 12 + (month - 1);
}

function dateTimeFunction(unit: 'year' | 'month' | 'day' | 'hour', kind: string): (v: IcebergValue) => number {
  // Every unit goes through floor division: 1969-12-31T23:59:59.999999 is day -1, not day 0.
  const perMicro = kind.endsWith('_ns') ? 1000n : 1n;
  const toDays = kind === 'date'
    ? (v: IcebergValue) => v as number
    : (v: IcebergValue) => Number(floorDiv(v as bigint, MICROS_PER_DAY * perMicro));
  switch (unit) {
    case 'hour': return (v) => Number(floorDiv(v as bigint, MICROS_PER_HOUR * perMicro));
    case 'day': return toDays;
    case 'month': return (v) => monthsFromDays(toDays(v));
    case 'year': return (v) => civilFromDays(toDays(v)).year - 1970;
  }
}
