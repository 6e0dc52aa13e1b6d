/**
 * Splits record batches by partition. Rows are grouped in runs of equal partition values; input
 * that arrives ordered by partition (as Floe's pipelines write it) splits into zero-copy slices
 * at no cost, and unordered input into one gathered batch per partition.
 */
import { makeVector, type Data, type RecordBatch } from 'apache-arrow';
import { indexById } from '../spec/schema.ts';
import { parseTransform, transformFunction } from '../spec/transforms.ts';
import { bitSet, validityOf } from '../spec/arrow-scan.ts';
import { parsePrimitive } from '../spec/primitive.ts';
import { takeBatch } from '../read/arrow-take.ts';
import type { IcebergValue } from '../spec/values.ts';
import type { PartitionSpec, PartitionValues, PrimitiveType, Schema } from '../spec/types.ts';

export interface PartitionSlice {
  /** Stable text form of the values, for grouping. "" when unpartitioned. */
  key: string;
  values: PartitionValues;
  rows: RecordBatch;
}

/**
 * What the partition value of a row depends on: the source value, or, for a timestamp under a
 * year/month/day/hour transform, the hour it falls in (a number: no bigint per row).
 */
type Token = IcebergValue | null;

interface FieldPlan {
  fieldId: number;
  column: string;
  read: (data: Data) => (row: number) => Token;
  /** The partition value of a token and its text form, cached: a few distinct values usually cover a batch. */
  resolve: (token: Token) => { value: IcebergValue | null; part: string };
}

export class Partitioner {
  private readonly plan: FieldPlan[];

  constructor(spec: PartitionSpec, schema: Schema) {
    const byId = indexById(schema);
    this.plan = spec.fields.filter((f) => f.transform !== 'void').map((f) => {
      const source = byId.get(f['source-id']);
      if (!source) throw new Error(`partition field "${f.name}": source column id ${f['source-id']} is not in the table schema`);
      if (!schema.fields.includes(source.field)) {
        throw new Error(`partition field "${f.name}": partitioning by the nested column "${source.name}" is not supported when writing`);
      }
      if (typeof source.field.type !== 'string') throw new Error(`partition field "${f.name}": source column "${source.name}" is not a primitive`);
      const transform = parseTransform(f.transform);
      const apply = transformFunction(transform, source.field.type);
      const hourly = HOURLY_TRANSFORMS.has(transform.kind) && MICROS_KINDS.has(parsePrimitive(source.field.type).kind);
      return {
        fieldId: f['field-id'],
        column: source.field.name,
        read: hourly ? hourReader : valueReader(source.field.type, source.field.name),
        resolve: cached((token) => {
          // An hour's first microsecond stands for all of it: year/month/day/hour boundaries are whole UTC hours.
          const value = apply(hourly && typeof token === 'number' ? BigInt(token) * HOUR_US : token);
          return { value, part: keyPart(value) };
        }),
      };
    });
  }

  get partitioned(): boolean {
    return this.plan.length > 0;
  }

  /**
   * The batch's rows by partition. A partition whose rows come in a few long runs is yielded as
   * zero-copy slices of those runs; one whose rows are scattered (input not grouped by partition)
   * is gathered into one batch of its own, so a batch becomes at most one slice per partition
   * instead of one per row, and the slices hold only their own rows.
   */
  *split(batch: RecordBatch): Generator<PartitionSlice> {
    if (!this.partitioned) {
      yield { key: '', values: {}, rows: batch };
      return;
    }
    const { groups, rowGroup } = this.groupRows(batch);
    const n = batch.numRows;
    const gather = groups.map((g) => (g.runs > 1 && g.rows / g.runs < MIN_SLICE_ROWS ? new Int32Array(g.rows) : null));
    const filled = new Int32Array(groups.length);
    for (let row = 0; row < n; row++) {
      const g = rowGroup[row]!;
      const indices = gather[g];
      if (indices) indices[filled[g]!++] = row;
    }
    for (const [g, group] of groups.entries()) {
      const indices = gather[g];
      if (indices) {
        yield { key: group.key, values: group.values, rows: takeBatch(batch, indices) };
        continue;
      }
      // A few long runs: find them (a scan per such partition, and a batch holds few of them).
      for (let row = 0; row < n; row++) {
        if (rowGroup[row] !== g || (row > 0 && rowGroup[row - 1] === g)) continue;
        let end = row + 1;
        while (end < n && rowGroup[end] === g) end++;
        yield { key: group.key, values: group.values, rows: batch.slice(row, end) };
        row = end - 1;
      }
    }
  }

  /** Each row's partition (an index into `groups`, which are in order of first appearance) and each partition's row and run counts. */
  private groupRows(batch: RecordBatch): { groups: RowGroup[]; rowGroup: Int32Array } {
    const readers = this.plan.map((p) => {
      const column = batch.getChild(p.column);
      if (!column) throw new Error(`the data has no column "${p.column}", which the table is partitioned by`);
      if (column.data.length !== 1) throw new Error(`column "${p.column}" must be one chunk per batch`);
      return p.read(column.data[0]!);
    });
    const groups: RowGroup[] = [];
    const byKey = new Map<string, number>();
    const rowGroup = new Int32Array(batch.numRows);
    // Two arrays reused row after row: one array per row would be millions of allocations.
    let tokens: Token[] = readers.map(() => null);
    let previous: Token[] = readers.map(() => null);
    let current = -1;
    for (let row = 0; row < batch.numRows; row++) {
      let same = row > 0;
      for (let i = 0; i < readers.length; i++) {
        const t = readers[i]!(row);
        tokens[i] = t;
        if (t !== previous[i]) same = false;
      }
      // Consecutive rows with the same tokens (sorted input) share the partition.
      if (!same) {
        [previous, tokens] = [tokens, previous];
        // resolve() is cached, so for scattered rows this is a few lookups, not transforms.
        const key = this.plan.length === 1 ? this.plan[0]!.resolve(previous[0]!).part
          : this.plan.map((p, i) => p.resolve(previous[i]!).part).join('\u0001');
        let g = byKey.get(key);
        if (g === undefined) {
          const values: PartitionValues = {};
          this.plan.forEach((p, i) => { values[p.fieldId] = p.resolve(previous[i]!).value; });
          g = groups.push({ key, values, rows: 0, runs: 0 }) - 1;
          byKey.set(key, g);
        }
        if (g !== current) { groups[g]!.runs++; current = g; }
      }
      rowGroup[row] = current;
      groups[current]!.rows++;
    }
    return { groups, rowGroup };
  }
}

interface RowGroup { key: string; values: PartitionValues; rows: number; runs: number }

/**
 * A partition's runs averaging at least this many rows stay zero-copy slices; shorter runs are
 * gathered, since per-slice costs (a batch object, a message to the encoder) outweigh a copy.
 */
const MIN_SLICE_ROWS = 4096;

const HOUR_US = 3_600_000_000n;
const HOURLY_TRANSFORMS = new Set(['year', 'month', 'day', 'hour']);
const MICROS_KINDS = new Set(['timestamp', 'timestamptz']);
const CACHE_ENTRIES = 4096;

function cached<T>(f: (token: Token) => T): (token: Token) => T {
  const cache = new Map<Token, T>();
  return (token) => {
    let hit = cache.get(token);
    if (hit === undefined) {
      if (cache.size >= CACHE_ENTRIES) cache.clear(); // distinct values without end (identity on a long): bounded
      hit = f(token);
      cache.set(token, hit);
    }
    return hit;
  };
}

/**
 * A microsecond timestamp column's rows as the hour they fall in, computed on the two 32-bit
 * halves of each value; values beyond 2^53 (past year 2255 or before 1685) as bigints.
 */
function hourReader(data: Data): (row: number) => Token {
  const validity = validityOf(data);
  const values = data.values as unknown;
  if (!(values instanceof BigInt64Array)) throw new Error(`a timestamp column holds ${String(data.type)} data, which partitioning cannot read`);
  const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
  const HOUR = 3_600_000_000;
  return (row) => {
    if (validity !== null && !bitSet(validity, data.offset + row)) return null;
    const high = words[2 * row + 1]!;
    if (high >= 0x200000 || high < -0x200000) return values[row]!;
    const micros = high * 4294967296 + (words[2 * row]! >>> 0); // exact below 2^53
    let hour = Math.floor(micros / HOUR);
    // The division rounds; the products are exact integers, so they settle which hour it is.
    if (hour * HOUR > micros) hour--;
    else if ((hour + 1) * HOUR <= micros) hour++;
    return hour;
  };
}

function keyPart(v: IcebergValue | null): string {
  if (v === null) return '\u0000';
  if (v instanceof Uint8Array) return `b${Buffer.from(v).toString('hex')}`;
  return `${(typeof v)[0]}${String(v)}`;
}

/** Reads row values in Iceberg's value forms from an Arrow chunk, straight from its buffers for numbers. */
function valueReader(type: PrimitiveType, column: string): (data: Data) => (row: number) => IcebergValue | null {
  const kind = parsePrimitive(type).kind;
  return (data) => {
    const validity = validityOf(data);
    const isNull = (row: number) => validity !== null && !bitSet(validity, data.offset + row);
    const values = data.values as unknown;
    switch (kind) {
      case 'long': case 'time': case 'timestamp': case 'timestamptz': case 'timestamp_ns': case 'timestamptz_ns':
        if (values instanceof BigInt64Array) return (row) => (isNull(row) ? null : values[row]!);
        break;
      case 'int': case 'date':
        if (values instanceof Int32Array) return (row) => (isNull(row) ? null : values[row]!);
        break;
      case 'string': case 'boolean': {
        // Arrow's own getters decode UTF-8 and bit-packed booleans (dictionaries too).
        const vector = makeVector(data);
        return (row) => (isNull(row) ? null : (vector.get(row) as string | boolean));
      }
    }
    throw new Error(`column "${column}" (${type}): partitioning by this column type is not supported when writing`);
  };
}
