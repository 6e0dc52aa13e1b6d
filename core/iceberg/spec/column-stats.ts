/**
 * Column metrics for a data file's manifest entry (value, null and NaN counts, lower and upper
 * bounds), computed from the Arrow data as it is written, where the file's own statistics cannot
 * be had (parquet-wasm exposes none; the native codec's footer does, see
 * ../footer-metrics.ts). One ColumnStats per primitive column, fed its Arrow chunks batch
 * after batch. Loops read the typed arrays directly. `columnMetrics` turns a column's counts and
 * extremes, however they were found, into the manifest's form: both ways share it.
 */
import { DataType, type Data, type Vector } from 'apache-arrow';
import type { DataFile, PrimitiveType } from './types.ts';
import { parsePrimitive, samePrimitive } from './primitive.ts';
import { icebergPrimitiveOf } from './arrow-schema.ts';
import { bitSet, nullCountOf, validityOf } from './arrow-scan.ts';
import { ByteRangeExtremes } from './bytes-range.ts';
import { DEFAULT_BOUND_LENGTH, toBytes, truncateLowerBound, truncateUpperBound } from './bounds.ts';
import { type IcebergValue, utf8String, uuidFromBytes } from './values.ts';

export interface ColumnMetrics {
  /** Rows, nulls and NaNs included (spec: value_counts). */
  valueCount: bigint;
  nullCount: bigint;
  /** Float and double columns only; null for other types. */
  nanCount: bigint | null;
  /** Appendix D bytes; null when there is no bound (all null/NaN, or no shorter upper bound). */
  lowerBound: Uint8Array | null;
  upperBound: Uint8Array | null;
}

/** A column's counts and extremes, before they are truncated and serialized. */
export interface ColumnSummary {
  valueCount: bigint;
  nullCount: bigint;
  /** Float and double columns only; null for other types. */
  nanCount: bigint | null;
  /** The least and greatest non-null, non-NaN value; null when there is none. */
  min: IcebergValue | null;
  max: IcebergValue | null;
  /** False to leave out both bounds (a uuid column whose orders disagree, see ColumnStats.metrics). */
  boundsAllowed: boolean;
}

/**
 * The manifest metrics of a column summary: string and binary bounds truncated to
 * `truncateLength` code points or bytes (the upper one incremented, or none when no shorter value
 * is greater), every bound in its Appendix D bytes.
 */
export function columnMetrics(type: PrimitiveType, s: ColumnSummary, truncateLength = DEFAULT_BOUND_LENGTH): ColumnMetrics {
  const upper = s.max === null || !s.boundsAllowed ? null : truncateUpperBound(type, s.max, truncateLength);
  return {
    valueCount: s.valueCount,
    nullCount: s.nullCount,
    nanCount: s.nanCount,
    lowerBound: s.min === null || !s.boundsAllowed ? null : toBytes(type, truncateLowerBound(type, s.min, truncateLength)),
    upperBound: upper === null ? null : toBytes(type, upper),
  };
}

export interface ColumnStatsOptions {
  /** Truncate string/binary bounds to this many code points/bytes (default 16, as Java and PyIceberg). */
  truncateLength?: number;
}

interface Extremes {
  /** Adds a chunk's valid values; returns how many of them were NaN. */
  add(data: Data): number;
  min(): IcebergValue | null;
  max(): IcebergValue | null;
}

class NumberExtremes implements Extremes {
  private lo = Infinity;
  private hi = -Infinity;
  private seen = false;
  private negativeZero = false;
  private positiveZero = false;

  add(data: Data): number {
    const values = data.values as Int32Array | Float32Array | Float64Array;
    const bits = validityOf(data);
    let lo = this.lo, hi = this.hi, nans = 0, seen = 0;
    for (let i = 0, n = data.length; i < n; i++) {
      if (bits !== null && !bitSet(bits, data.offset + i)) continue;
      const x = values[i]!;
      if (x !== x) { nans++; continue; } // NaN is never a bound
      seen++;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
      if (x === 0) { if (1 / x < 0) this.negativeZero = true; else this.positiveZero = true; }
    }
    this.lo = lo; this.hi = hi;
    if (seen > 0) this.seen = true;
    return nans;
  }

  // -0.0 sorts before 0.0 (spec, manifest list note 2): a lower bound of 0.0 would exclude -0.0.
  min(): number | null {
    if (!this.seen) return null;
    return this.lo === 0 && this.negativeZero ? -0 : this.lo;
  }

  // `hi` is whichever zero came first, so both signs are decided by what was seen.
  max(): number | null {
    if (!this.seen) return null;
    return this.hi === 0 ? (this.positiveZero ? 0 : -0) : this.hi;
  }
}

/** 64-bit values compared as (signed high, unsigned low) 32-bit halves: no bigint per row. */
class LongExtremes implements Extremes {
  private minHi = Infinity; private minLo = 0;
  private maxHi = -Infinity; private maxLo = 0;

  add(data: Data): number {
    const v = data.values as BigInt64Array;
    if (!(v instanceof BigInt64Array)) throw new Error(`expected a BigInt64Array of values for ${String(data.type)}`);
    const words = new Int32Array(v.buffer, v.byteOffset, v.length * 2);
    const bits = validityOf(data);
    let minHi = this.minHi, minLo = this.minLo, maxHi = this.maxHi, maxLo = this.maxLo;
    for (let i = 0, n = data.length; i < n; i++) {
      if (bits !== null && !bitSet(bits, data.offset + i)) continue;
      const hi = words[2 * i + 1]!;
      const lo = words[2 * i]! >>> 0;
      if (hi < minHi || (hi === minHi && lo < minLo)) { minHi = hi; minLo = lo; }
      if (hi > maxHi || (hi === maxHi && lo > maxLo)) { maxHi = hi; maxLo = lo; }
    }
    this.minHi = minHi; this.minLo = minLo; this.maxHi = maxHi; this.maxLo = maxLo;
    return 0;
  }

  min(): bigint | null { return this.minHi === Infinity ? null : (BigInt(this.minHi) << 32n) + BigInt(this.minLo); }
  max(): bigint | null { return this.maxHi === -Infinity ? null : (BigInt(this.maxHi) << 32n) + BigInt(this.maxLo); }
}

class BooleanExtremes implements Extremes {
  private sawFalse = false;
  private sawTrue = false;

  add(data: Data): number {
    const values = data.values as Uint8Array;
    const bits = validityOf(data);
    for (let i = 0, n = data.length; i < n && !(this.sawFalse && this.sawTrue); i++) {
      if (bits !== null && !bitSet(bits, data.offset + i)) continue;
      if (bitSet(values, data.offset + i)) this.sawTrue = true; else this.sawFalse = true;
    }
    return 0;
  }

  min(): boolean | null { return this.sawFalse ? false : this.sawTrue ? true : null; }
  max(): boolean | null { return this.sawTrue ? true : this.sawFalse ? false : null; }
}

/** Decimals are 128-bit little-endian two's complement in 32-bit words: a bigint per row is fine here. */
class DecimalExtremes implements Extremes {
  private lo: bigint | null = null;
  private hi: bigint | null = null;

  add(data: Data): number {
    const words = data.values as Uint32Array;
    const stride = data.stride;
    const bits = validityOf(data);
    for (let i = 0, n = data.length; i < n; i++) {
      if (bits !== null && !bitSet(bits, data.offset + i)) continue;
      let v = 0n;
      for (let w = stride - 1; w >= 0; w--) v = (v << 32n) | BigInt(words[i * stride + w]!);
      v = BigInt.asIntN(32 * stride, v);
      if (this.lo === null || v < this.lo) this.lo = v;
      if (this.hi === null || v > this.hi) this.hi = v;
    }
    return 0;
  }

  min(): bigint | null { return this.lo; }
  max(): bigint | null { return this.hi; }
}

class BytesExtremes implements Extremes {
  private readonly unsigned = new ByteRangeExtremes(false);
  // Only uuid needs the second order: see ColumnStats.metrics.
  private readonly signed: ByteRangeExtremes | null;

  constructor(private readonly kind: 'string' | 'binary' | 'fixed' | 'uuid') {
    this.signed = kind === 'uuid' ? new ByteRangeExtremes(true) : null;
  }

  add(data: Data): number {
    for (const order of this.signed ? [this.unsigned, this.signed] : [this.unsigned]) {
      if (DataType.isDictionary(data.type)) order.addDictionary(data); else order.addChunk(data);
    }
    return 0;
  }

  private decode(bytes: Uint8Array | null): IcebergValue | null {
    if (bytes === null) return null;
    return this.kind === 'string' ? utf8String(bytes) : this.kind === 'uuid' ? uuidFromBytes(bytes) : bytes;
  }

  min(): IcebergValue | null { return this.decode(this.unsigned.min); }
  max(): IcebergValue | null { return this.decode(this.unsigned.max); }

  /** True when java.util.UUID's signed order picks the same min and max as byte order does. */
  ordersAgree(): boolean {
    if (!this.signed) return true;
    const same = (a: Uint8Array | null, b: Uint8Array | null) => a === b || (a !== null && b !== null && a.every((x, i) => x === b[i]));
    return same(this.unsigned.min, this.signed.min) && same(this.unsigned.max, this.signed.max);
  }
}

function extremesFor(type: PrimitiveType): Extremes {
  const kind = parsePrimitive(type).kind;
  switch (kind) {
    case 'int': case 'date': case 'float': case 'double': return new NumberExtremes();
    case 'long': case 'time': case 'timestamp': case 'timestamptz': case 'timestamp_ns': case 'timestamptz_ns':
      return new LongExtremes();
    case 'boolean': return new BooleanExtremes();
    case 'decimal': return new DecimalExtremes();
    default: return new BytesExtremes(kind);
  }
}

export class ColumnStats {
  private valueCount = 0;
  private nullCount = 0;
  private nanCount = 0;
  private readonly extremes: Extremes;
  private readonly truncateLength: number;
  private readonly isFloating: boolean;

  /** `name` only makes error messages say which column was fed the wrong Arrow type. */
  constructor(readonly type: PrimitiveType, options: ColumnStatsOptions = {}, readonly name = '') {
    this.extremes = extremesFor(type);
    this.truncateLength = options.truncateLength ?? DEFAULT_BOUND_LENGTH;
    const kind = parsePrimitive(type).kind;
    this.isFloating = kind === 'float' || kind === 'double';
  }

  /** Adds every chunk of a column (a Vector, or one Data chunk); struct children via withParentNulls. */
  add(column: Vector | Data): void {
    for (const data of 'data' in column ? column.data : [column]) {
      this.checkArrowType(data.type as DataType);
      this.valueCount += data.length;
      this.nullCount += nullCountOf(data);
      this.nanCount += this.extremes.add(data);
    }
  }

  private checkArrowType(arrowType: DataType): void {
    const actual = icebergPrimitiveOf(arrowType, new Map(), this.name);
    // A uuid is a FixedSizeBinary(16) whose marker sits on the field, which a chunk does not have.
    if (samePrimitive(actual, this.type) || (this.type === 'uuid' && actual === 'fixed[16]')) return;
    throw new Error(`column "${this.name}": statistics for ${this.type} were given Arrow ${String(arrowType)} data (${actual})`);
  }

  get min(): IcebergValue | null { return this.extremes.min(); }
  get max(): IcebergValue | null { return this.extremes.max(); }

  /**
   * The manifest metrics. Bounds are omitted (null) for a uuid column whose values span both
   * halves of the signed range: Java readers before apache/iceberg#14500 compare uuids as signed
   * longs and would skip this file for values inside it; byte order and signed order agree otherwise.
   */
  metrics(): ColumnMetrics {
    return columnMetrics(this.type, {
      valueCount: BigInt(this.valueCount),
      nullCount: BigInt(this.nullCount),
      nanCount: this.isFloating ? BigInt(this.nanCount) : null,
      min: this.extremes.min(),
      max: this.extremes.max(),
      boundsAllowed: !(this.extremes instanceof BytesExtremes) || this.extremes.ordersAgree(),
    }, this.truncateLength);
  }
}

/** A data file's metric maps (value, null and NaN counts, lower and upper bounds) from its columns' metrics, by field id. */
export function metricMaps(metrics: Iterable<[number, ColumnMetrics]>): Required<Pick<DataFile, 'valueCounts' | 'nullValueCounts' | 'nanValueCounts' | 'lowerBounds' | 'upperBounds'>> {
  const maps = { valueCounts: new Map(), nullValueCounts: new Map(), nanValueCounts: new Map(), lowerBounds: new Map(), upperBounds: new Map() };
  for (const [id, m] of metrics) {
    maps.valueCounts.set(id, m.valueCount);
    maps.nullValueCounts.set(id, m.nullCount);
    if (m.nanCount !== null) maps.nanValueCounts.set(id, m.nanCount);
    if (m.lowerBound) maps.lowerBounds.set(id, m.lowerBound);
    if (m.upperBound) maps.upperBounds.set(id, m.upperBound);
  }
  return maps;
}
