/**
 * A data file's column metrics from its own Parquet footer, for files the native codec wrote:
 * the encoder has already found every column chunk's null count, NaN count, min and max, so the
 * writer's thread need not scan the rows again (ColumnStats does that, on the JS thread, where the
 * footer has no statistics: parquet-wasm). The result must be, value for value, what ColumnStats
 * gives for the same rows; both end in `columnMetrics`, which truncates and serializes bounds.
 *
 * What Parquet keeps differs from what Iceberg needs in a few places, each handled here:
 * - Statistics are PLAIN-encoded in the column's physical type: decimals are INT32, INT64 or
 *   big-endian FIXED_LEN_BYTE_ARRAY by precision, and become unscaled bigints.
 * - Floats are compared in IEEE 754 total order without NaNs (arrow-rs 60), so -0.0 and 0.0 are
 *   told apart as ColumnStats does; a chunk of only NaNs has NaN for min and max, meaning none.
 * - String and binary statistics longer than the writer's truncate length (footerTruncateBytes)
 *   are a prefix (min) or an incremented prefix (max), marked inexact. Iceberg keeps only the first
 *   16 code points or bytes, so an inexact value still gives the exact Iceberg bound whenever the
 *   part Parquet changed lies past them, and for binary always; otherwise (a string max whose
 *   code points 17 to ~70 are all ones arrow-rs cannot increment in place, such as U+007F or
 *   U+FFFF) the upper bound is left out, never guessed.
 * - uuids: see uuid_order.rs in native/parquet; the writer reports whether the two orders agree.
 */
import type { NativeColumnChunk, NativeFooterInfo, ParquetPhysicalType } from './parquet-native.ts';
import { comparatorFor, DEFAULT_BOUND_LENGTH, truncateLowerBound, truncateUpperBound } from './spec/bounds.ts';
import { columnMetrics, type ColumnMetrics } from './spec/column-stats.ts';
import { parsePrimitive } from './spec/primitive.ts';
import type { PrimitiveType, Schema } from './spec/types.ts';
import { fromTwosComplement, type IcebergValue, utf8String, uuidFromBytes } from './spec/values.ts';

/**
 * Bytes of a string or binary statistic the writer keeps before truncating it: enough for Iceberg's
 * bound length in 4-byte code points, with one to spare for the increment of a max, so that a
 * truncated statistic still holds the whole Iceberg bound. Fixed columns are never truncated by
 * Iceberg: the writer keeps them whole (see `footerTruncateBytes`).
 */
export function footerTruncateBytes(schema: Schema, boundLength = DEFAULT_BOUND_LENGTH): number {
  let bytes = Math.max(64, 4 * (boundLength + 2));
  for (const f of schema.fields) {
    if (typeof f.type !== 'string') continue;
    const t = parsePrimitive(f.type);
    if (t.kind === 'fixed') bytes = Math.max(bytes, t.length);
  }
  return bytes;
}

/** A statistic as an Iceberg value, or null when it is not one this column can hold. */
function valueOf(type: PrimitiveType, physical: ParquetPhysicalType, bytes: Uint8Array): IcebergValue | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const t = parsePrimitive(type);
  switch (t.kind) {
    case 'boolean':
      return physical === 'BOOLEAN' && bytes.length === 1 ? bytes[0] !== 0 : null;
    case 'int': case 'date':
      return physical === 'INT32' && bytes.length === 4 ? view.getInt32(0, true) : null;
    case 'long': case 'time': case 'timestamp': case 'timestamptz': case 'timestamp_ns': case 'timestamptz_ns':
      return physical === 'INT64' && bytes.length === 8 ? view.getBigInt64(0, true) : null;
    case 'float': {
      const v = physical === 'FLOAT' && bytes.length === 4 ? view.getFloat32(0, true) : NaN;
      return Number.isNaN(v) ? null : v; // NaN: the chunk held only NaNs
    }
    case 'double': {
      const v = physical === 'DOUBLE' && bytes.length === 8 ? view.getFloat64(0, true) : NaN;
      return Number.isNaN(v) ? null : v;
    }
    case 'decimal':
      if (physical === 'INT32' && bytes.length === 4) return BigInt(view.getInt32(0, true));
      if (physical === 'INT64' && bytes.length === 8) return view.getBigInt64(0, true);
      return physical === 'FIXED_LEN_BYTE_ARRAY' || physical === 'BYTE_ARRAY' ? fromTwosComplement(bytes) : null;
    case 'string':
      if (physical !== 'BYTE_ARRAY') return null;
      try {
        return utf8String(bytes);
      } catch {
        return null; // not UTF-8: a truncation that split a character would be the only cause
      }
    case 'uuid':
      return physical === 'FIXED_LEN_BYTE_ARRAY' && bytes.length === 16 ? uuidFromBytes(bytes) : null;
    case 'fixed':
      return physical === 'FIXED_LEN_BYTE_ARRAY' && bytes.length === t.length ? bytes.slice() : null;
    case 'binary':
      return physical === 'BYTE_ARRAY' ? bytes.slice() : null;
  }
}

/**
 * The bound of an inexact (truncated) min, or undefined when it cannot be told: a truncated min is
 * a prefix of the column's min, which holds the Iceberg bound whole when it is at least that long.
 */
function inexactLower(type: PrimitiveType, value: IcebergValue, length: number): IcebergValue | undefined {
  if (type === 'string') return [...(value as string)].length >= length ? truncateLowerBound(type, value, length) : undefined;
  if (type === 'binary') return (value as Uint8Array).length >= length ? truncateLowerBound(type, value, length) : undefined;
  return undefined; // only strings and binary are ever truncated (fixed columns are kept whole)
}

/**
 * The bound of an inexact max: the prefix the writer kept, its last character (string) or byte
 * (binary) incremented. A string's increment drops the characters it cannot increment without
 * widening them, and Iceberg's would increment some of those: the bound is known only when the
 * increment lies past the first `length` code points. A binary increment carries into zeroed
 * 0xFF bytes instead, which is what Iceberg's does: past byte `length`, Iceberg's bound follows
 * from the prefix; within it, Iceberg's bound is the statistic without its trailing zeros.
 */
function inexactUpper(type: PrimitiveType, value: IcebergValue, length: number): IcebergValue | null | undefined {
  if (type === 'string') return [...(value as string)].length > length ? truncateUpperBound(type, value, length) : undefined;
  if (type === 'binary') {
    const b = value as Uint8Array;
    if (b.subarray(length).some((x) => x !== 0)) return truncateUpperBound(type, b, length);
    let end = b.length;
    while (end > 0 && b[end - 1] === 0) end--;
    return end > 0 ? b.slice(0, end) : undefined;
  }
  return undefined;
}

interface ChunkBounds {
  /** The lower bound; undefined where the footer cannot tell it. */
  lower?: IcebergValue;
  /** The upper bound, null when no short value is greater; undefined where the footer cannot tell it. */
  upper?: IcebergValue | null;
  /**
   * Where the upper bound cannot be told, one at least as great (the bound of the statistic, which
   * is at least the chunk's max): a greater bound of another chunk makes this one's irrelevant.
   */
  ceiling?: IcebergValue | null;
}

/** A chunk's bounds as the manifest keeps them (truncated). */
function chunkBounds(type: PrimitiveType, physical: ParquetPhysicalType, chunk: NativeColumnChunk, length: number): ChunkBounds {
  const min = chunk.min ? valueOf(type, physical, chunk.min) : null;
  const max = chunk.max ? valueOf(type, physical, chunk.max) : null;
  if (min === null || max === null) return {};
  const upper = chunk.maxExact === false ? inexactUpper(type, max, length) : truncateUpperBound(type, max, length);
  return {
    lower: chunk.minExact === false ? inexactLower(type, min, length) : truncateLowerBound(type, min, length),
    upper,
    ceiling: upper === undefined ? truncateUpperBound(type, max, length) : undefined,
  };
}

/**
 * Metrics of every top-level primitive column, by field id, from the footer of a file written by
 * the native codec with chunk statistics (`info(true)`). A column whose footer lacks statistics
 * is left out (no metrics is allowed; wrong ones are not). Bounds are found per row group, then
 * the least lower and the greatest upper one kept: truncation keeps order, so that is the
 * truncation of the file's extremes.
 */
export function footerMetrics(
  schema: Schema, info: NativeFooterInfo, uuidOrdersAgree: Record<string, boolean>, boundLength = DEFAULT_BOUND_LENGTH,
): Map<number, ColumnMetrics> {
  const leafOf = new Map<string, number>();
  info.leaves.forEach((path, i) => { if (path.length === 1) leafOf.set(path[0]!, i); });
  const out = new Map<number, ColumnMetrics>();
  for (const field of schema.fields) {
    if (typeof field.type !== 'string') continue;
    const leaf = leafOf.get(field.name);
    if (leaf === undefined) continue;
    const type = field.type as PrimitiveType;
    const physical = info.leafTypes[leaf]!;
    const floating = type === 'float' || type === 'double';
    const compare = comparatorFor(type);
    let nulls = 0;
    let nans: number | null = 0;
    // null: no value yet; undefined: unknown, so no bound.
    let lower: IcebergValue | null | undefined = null;
    let upper: IcebergValue | null = null;
    let unbounded = false;
    // The greatest ceiling of the chunks whose upper bound is unknown (see ChunkBounds).
    let ceiling: IcebergValue | null = null;
    let complete = true;
    for (const rg of info.rowGroups) {
      const chunk = rg.columns[leaf]!;
      if (chunk.nullCount == null) { complete = false; break; }
      nulls += chunk.nullCount;
      // A chunk of only nulls has no NaN count: it has no values to count in.
      const chunkNans = chunk.nanCount ?? (chunk.nullCount >= rg.numRows ? 0 : null);
      if (floating) nans = chunkNans === null || nans === null ? null : nans + chunkNans;
      if (chunk.nullCount + (chunkNans ?? 0) >= rg.numRows) continue; // no value that bounds count
      const b = chunkBounds(type, physical, chunk, boundLength);
      if (b.lower === undefined) lower = undefined;
      else if (lower === null || (lower !== undefined && compare(b.lower, lower) < 0)) lower = b.lower;
      if (b.upper === null || b.ceiling === null) unbounded = true;
      else if (b.upper !== undefined) { if (upper === null || compare(b.upper, upper) > 0) upper = b.upper; }
      else if (b.ceiling === undefined) unbounded = true; // no statistic at all
      else if (ceiling === null || compare(b.ceiling, ceiling) > 0) ceiling = b.ceiling;
    }
    if (!complete) continue;
    if (ceiling !== null && (upper === null || compare(upper, ceiling) < 0)) upper = null;
    // The bounds are truncated already; truncating them again leaves them as they are.
    out.set(field.id, columnMetrics(type, {
      valueCount: BigInt(info.numRows),
      nullCount: BigInt(nulls),
      nanCount: floating ? (nans === null ? null : BigInt(nans)) : null,
      min: lower ?? null,
      max: unbounded ? null : upper ?? null,
      boundsAllowed: type !== 'uuid' || uuidOrdersAgree[field.name] === true,
    }, boundLength));
  }
  return out;
}
