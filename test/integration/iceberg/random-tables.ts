/**
 * Seeded random Iceberg tables for round-trip tests: schemas that hold every primitive type
 * (some inside structs, lists and maps, nested up to two levels, required and optional), rows in
 * the value forms of core/iceberg/spec/values.ts that lean on the edges (type extremes, NaN and
 * -0.0, year 0001 and 9999, non-BMP text), and partition specs the schema allows.
 */
import type { Rng } from '../../../core/demo/random.ts';
import { parsePrimitive } from '../../../core/iceberg/spec/primitive.ts';
import type { IcebergType, NestedField, PartitionField, PartitionSpec, PrimitiveType, Schema } from '../../../core/iceberg/spec/types.ts';
import { randomValue } from './spec-random-values.ts';

/** Every primitive PyIceberg reads from Parquet (it has no nanosecond timestamps). */
export const PRIMITIVE_KINDS = [
  'boolean', 'int', 'long', 'float', 'double', 'decimal', 'date', 'time', 'timestamp', 'timestamptz',
  'string', 'uuid', 'fixed', 'binary',
] as const;
export type PrimitiveKind = typeof PRIMITIVE_KINDS[number];

/** A struct's value is an object by field name, a list's an array, a map's an array of [key, value]. */
export type Row = Record<string, unknown>;
export type MapEntries = [unknown, unknown][];

const MAX_DECIMAL = 38;
// 0001-01-01T00:00:00 and 9999-12-31T23:59:59.999999 in micros: the ends of Python's datetime.
const MIN_TIMESTAMP = -62_135_596_800_000_000n;
const MAX_TIMESTAMP = 253_402_300_799_999_999n;
const WEIRD_NAMES = ['naïve col', 'Größe', '列 名', 'emoji 🍜', 'a.b', 'with-dash'];

export function primitiveOf(rng: Rng, kind: PrimitiveKind): PrimitiveType {
  if (kind === 'decimal') {
    const precision = rng.chance(0.4) ? MAX_DECIMAL : 1 + rng.int(MAX_DECIMAL);
    return `decimal(${precision}, ${rng.chance(0.3) ? 0 : rng.int(precision + 1)})`;
  }
  if (kind === 'fixed') return `fixed[${1 + rng.int(rng.chance(0.5) ? 4 : 32)}]`;
  return kind;
}

/** The items in a random order (Fisher–Yates). */
export function shuffled<T>(rng: Rng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

class SchemaBuilder {
  private nextId = 1;

  constructor(private readonly rng: Rng) {}

  id(): number {
    return this.nextId++;
  }

  /** A field holding `leaf` (a primitive) directly or inside up to `depth` levels of nesting. */
  field(name: string, leaf: PrimitiveType, depth: number): NestedField {
    return { id: this.id(), name, required: this.rng.chance(0.35), type: this.wrap(leaf, depth) };
  }

  private wrap(leaf: PrimitiveType, depth: number): IcebergType {
    if (depth === 0 || this.rng.chance(0.4)) return leaf;
    const inner = () => this.wrap(leaf, depth - 1);
    switch (this.rng.pick(['struct', 'list', 'map'] as const)) {
      case 'struct': {
        const fields = [{ id: this.id(), name: 'inner', required: this.rng.chance(0.35), type: inner() }];
        for (let i = this.rng.int(3); i > 0; i--) fields.push(this.field(`f${fields.length}`, primitiveOf(this.rng, this.rng.pick(PRIMITIVE_KINDS)), 0));
        return { type: 'struct', fields: this.rng.chance(0.5) ? fields : fields.reverse() };
      }
      case 'list':
        return { type: 'list', 'element-id': this.id(), element: inner(), 'element-required': this.rng.chance(0.4) };
      case 'map': {
        // Keys are primitives that hold no NaN: a map's keys must be unique.
        const key = primitiveOf(this.rng, this.rng.pick(['string', 'int', 'long', 'date', 'uuid', 'decimal', 'timestamptz'] as const));
        return { type: 'map', 'key-id': this.id(), key, 'value-id': this.id(), value: inner(), 'value-required': this.rng.chance(0.4) };
      }
    }
  }
}

/** Every primitive kind at least once (shuffled, some nested), plus a few more columns. */
export function randomSchema(rng: Rng): Schema {
  const b = new SchemaBuilder(rng);
  const kinds: PrimitiveKind[] = shuffled(rng, PRIMITIVE_KINDS);
  for (let extra = 1 + rng.int(4); extra > 0; extra--) kinds.push(rng.pick(PRIMITIVE_KINDS));
  const fields = kinds.map((kind, i) => {
    const name = rng.chance(0.1) ? `${rng.pick(WEIRD_NAMES)} ${i}` : `c${i}_${kind}`;
    return b.field(name, primitiveOf(rng, kind), rng.chance(0.3) ? 1 + rng.int(2) : 0);
  });
  return { type: 'struct', 'schema-id': 0, fields };
}

/**
 * A spec on one or two top-level columns, or null when the schema has none Floe can partition by:
 * identity, bucket or truncate on a string, int or long column, and day (or hour, month, year) on
 * a timestamp column.
 */
export function randomPartitionSpec(rng: Rng, schema: Schema): PartitionSpec | null {
  const top = (kinds: string[]) => schema.fields.filter((f) => typeof f.type === 'string' && kinds.includes(f.type));
  const values = top(['string', 'int', 'long']);
  const times = top(['timestamp', 'timestamptz']);
  const fields: PartitionField[] = [];
  let fieldId = 1000;
  const add = (source: NestedField, transform: string) =>
    fields.push({ 'source-id': source.id, 'field-id': fieldId++, name: `${source.name}_${transform.replace(/\W/g, '')}`, transform });
  if (values.length > 0 && (times.length === 0 || rng.chance(0.7))) {
    const source = rng.pick(values);
    // Not truncate on int or long: the spec leaves truncating values near the minimum undefined.
    const widths = source.type === 'string' ? [`truncate[${1 + rng.int(4)}]`] : [];
    add(source, rng.pick(['identity', 'identity', `bucket[${1 + rng.int(8)}]`, ...widths]));
  }
  if (times.length > 0 && (fields.length === 0 || rng.chance(0.5))) add(rng.pick(times), rng.pick(['day', 'day', 'hour', 'month', 'year']));
  return fields.length > 0 ? { 'spec-id': 0, fields } : null;
}

const EDGE_STRINGS = ['', '🍜', '𝄞 music', '👩‍👩‍👧‍👦', 'e\u0301', '\u0000nul', '日本語', 'a/b=c&d%20', ' ', '\uffff'];

/** A primitive value, one time in three an edge of the type. */
export function randomPrimitive(rng: Rng, type: PrimitiveType): unknown {
  const t = parsePrimitive(type);
  if (rng.chance(0.67)) return randomValue(rng, type);
  switch (t.kind) {
    case 'int': return rng.pick([-2147483648, 2147483647, 0, -1]);
    case 'long': return rng.pick([-9223372036854775808n, 9223372036854775807n, 0n, -1n]);
    case 'float': return rng.pick([NaN, -0, 0, Infinity, -Infinity, Math.fround(3.4028234663852886e38), Math.fround(1e-45), Math.fround(-1.5)]);
    case 'double': return rng.pick([NaN, -0, 0, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE, -Number.MAX_VALUE]);
    case 'decimal': {
      const max = 10n ** BigInt(t.precision) - 1n;
      return rng.pick([max, -max, 0n, 1n, -1n]);
    }
    case 'date': return rng.pick([-719162, 2932896, 0, -1]);
    case 'time': return rng.pick([0n, 86_399_999_999n]);
    case 'timestamp': case 'timestamptz': return rng.pick([MIN_TIMESTAMP, MAX_TIMESTAMP, 0n, -1n, 1n]);
    case 'string': return rng.pick(EDGE_STRINGS);
    case 'uuid': return rng.pick(['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff']);
    case 'binary': return rng.pick([new Uint8Array(0), Uint8Array.of(0), Uint8Array.of(0xff, 0xff, 0x00)]);
    case 'fixed': return rng.pick([new Uint8Array(t.length), new Uint8Array(t.length).fill(0xff)]);
    default: return randomValue(rng, type);
  }
}

/** A value of any type; null only where `required` is false. */
export function randomOf(rng: Rng, type: IcebergType, required: boolean): unknown {
  if (!required && rng.chance(0.15)) return null;
  if (typeof type === 'string') return randomPrimitive(rng, type);
  switch (type.type) {
    case 'struct':
      return Object.fromEntries(type.fields.map((f) => [f.name, randomOf(rng, f.type, f.required)]));
    case 'list':
      return Array.from({ length: rng.int(5) }, () => randomOf(rng, type.element, type['element-required']));
    case 'map': {
      const entries: MapEntries = [];
      const seen = new Set<string>();
      for (let i = rng.int(4); i > 0; i--) {
        const key = randomPrimitive(rng, type.key as PrimitiveType);
        const text = String(key);
        if (seen.has(text)) continue;
        seen.add(text);
        entries.push([key, randomOf(rng, type.value, type['value-required'])]);
      }
      return entries;
    }
  }
}

/**
 * Rows of a schema. Columns in `pools` take one of a few values each, so that a partitioned
 * table gets a handful of partitions rather than one file per row.
 */
export function randomRows(rng: Rng, schema: Schema, count: number, pooled: number[] = []): Row[] {
  // Identity-partition strings stay short: each is a directory name, URL-encoded (up to 12 bytes a
  // code point), and local file systems refuse names over 255 bytes.
  const pooledValue = (f: NestedField) => {
    const v = randomOf(rng, f.type, f.required);
    return typeof v === 'string' ? [...v].slice(0, 12).join('') : v;
  };
  const pools = new Map(schema.fields.filter((f) => pooled.includes(f.id))
    .map((f) => [f.name, Array.from({ length: 2 + rng.int(3) }, () => pooledValue(f))]));
  return Array.from({ length: count }, () => Object.fromEntries(schema.fields.map((f) => {
    const pool = pools.get(f.name);
    return [f.name, pool ? rng.pick(pool) : randomOf(rng, f.type, f.required)];
  })));
}

/** Rows cut into batches: many tiny ones (1–3 rows) or a few big ones, with some empty ones between. */
export function randomBatching(rng: Rng, rows: Row[]): Row[][] {
  const out: Row[][] = [];
  const tiny = rng.chance(0.5);
  for (let at = 0; at < rows.length;) {
    if (rng.chance(0.05)) out.push([]);
    const size = tiny ? 1 + rng.int(3) : 10 + rng.int(60);
    out.push(rows.slice(at, at + size));
    at += size;
  }
  return out;
}
