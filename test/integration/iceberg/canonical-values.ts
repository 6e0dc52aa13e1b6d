/**
 * One exact JSON form for table values, whoever produced them: the rows a test generated (values
 * in core/iceberg/spec/values.ts forms), Arrow batches Floe scanned, and PyIceberg's answer
 * (typed_value in pyiceberg_cli.py). The form: 64-bit integers, times and timestamps as decimal
 * strings (micros), dates as day numbers, decimals as Python's str(Decimal), binary, fixed as hex,
 * uuid as its canonical text, NaN, infinities and -0.0 as strings (so NaN equals NaN and -0.0
 * differs from 0.0), structs as objects, lists as arrays, maps as [key, value] pairs.
 *
 * The Arrow reader here reads buffers itself rather than through Arrow's getters (which turn
 * microsecond timestamps into lossy milliseconds), and shares no code with Floe's readers.
 */
import { type Data, DataType, type RecordBatch } from 'apache-arrow';
import { parsePrimitive } from '../../../core/iceberg/spec/primitive.ts';
import type { IcebergType, PrimitiveType, Schema, StructType } from '../../../core/iceberg/spec/types.ts';
import { decimalToString } from '../../../core/iceberg/spec/values.ts';

export type Canonical = null | boolean | number | string | Canonical[] | { [name: string]: Canonical };
export type CanonicalRow = Record<string, Canonical>;

const hex = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
const utf8 = new TextDecoder('utf-8', { fatal: true });

function canonicalFloat(x: number): Canonical {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return Object.is(x, -0) ? '-0' : x;
}

function canonicalPrimitive(v: unknown, type: PrimitiveType): Canonical {
  const t = parsePrimitive(type);
  switch (t.kind) {
    case 'float': case 'double': return canonicalFloat(v as number);
    case 'decimal': return decimalToString(v as bigint, t.scale);
    case 'binary': case 'fixed': return hex(v as Uint8Array);
    case 'uuid': return (v as string).toLowerCase();
    case 'long': case 'time': case 'timestamp': case 'timestamptz': case 'timestamp_ns': case 'timestamptz_ns':
      return String(v as bigint);
    default: return v as boolean | number | string;
  }
}

/** The canonical form of a value in Floe's value forms (struct: object, list: array, map: entries). */
export function canonicalOf(v: unknown, type: IcebergType): Canonical {
  if (v === null || v === undefined) return null;
  if (typeof type === 'string') return canonicalPrimitive(v, type);
  switch (type.type) {
    case 'struct': return canonicalStruct(v as Record<string, unknown>, type);
    case 'list': return (v as unknown[]).map((x) => canonicalOf(x, type.element));
    case 'map': return (v as [unknown, unknown][]).map(([k, x]) => [canonicalOf(k, type.key), canonicalOf(x, type.value)]);
  }
}

function canonicalStruct(v: Record<string, unknown>, type: StructType): CanonicalRow {
  return Object.fromEntries(type.fields.map((f) => [f.name, canonicalOf(v[f.name], f.type)]));
}

export function canonicalRows(schema: Schema, rows: Record<string, unknown>[]): CanonicalRow[] {
  return rows.map((r) => canonicalStruct(r, schema));
}

function isValid(data: Data, i: number): boolean {
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return true;
  const at = data.offset + i;
  return (data.nullBitmap[at >> 3]! & (1 << (at & 7))) !== 0;
}

/** [start, end) of row i of a variable-width or list chunk (value offsets are sliced with the chunk). */
function span(data: Data, i: number): [number, number] {
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  return [Number(offsets[i]!), Number(offsets[i + 1]!)];
}

function primitiveColumn(data: Data, type: PrimitiveType): (i: number) => Canonical {
  const t = parsePrimitive(type);
  const arrowType = data.type as DataType;
  if (DataType.isDictionary(arrowType) || DataType.isUtf8View(arrowType) || DataType.isBinaryView(arrowType)) {
    throw new Error(`the reader here does not decode Arrow ${String(arrowType)} (column of ${type})`);
  }
  const values = data.values as ArrayLike<number | bigint> & Uint8Array;
  switch (t.kind) {
    case 'boolean': return (i) => ((values[(data.offset + i) >> 3]! & (1 << ((data.offset + i) & 7))) !== 0);
    case 'int': case 'date': return (i) => values[i] as number;
    case 'float': case 'double': return (i) => canonicalFloat(values[i] as number);
    case 'string': return (i) => utf8.decode(values.subarray(...span(data, i)));
    case 'binary': return (i) => hex(values.subarray(...span(data, i)));
    case 'uuid': case 'fixed': {
      const width = t.kind === 'fixed' ? t.length : 16;
      return (i) => {
        const h = hex(values.subarray(i * width, (i + 1) * width));
        return t.kind === 'fixed' ? h : `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
      };
    }
    case 'decimal': {
      const words = data.values as Uint32Array;
      return (i) => {
        let v = 0n;
        for (let w = data.stride - 1; w >= 0; w--) v = (v << 32n) | BigInt(words[i * data.stride + w]!);
        return decimalToString(BigInt.asIntN(32 * data.stride, v), t.scale);
      };
    }
    default: return (i) => String(values[i]); // 64-bit (BigInt64Array): long, time, timestamps
  }
}

/** Every value of an Arrow chunk, read as the Iceberg type says, in canonical form. */
export function canonicalColumn(data: Data, type: IcebergType): Canonical[] {
  const read = columnReader(data, type);
  return Array.from({ length: data.length }, (_, i) => (isValid(data, i) ? read(i) : null));
}

function columnReader(data: Data, type: IcebergType): (i: number) => Canonical {
  if (typeof type === 'string') return primitiveColumn(data, type);
  switch (type.type) {
    case 'struct': {
      const names = (data.type as DataType).children.map((f) => f.name);
      const children = type.fields.map((f) => {
        const at = names.indexOf(f.name);
        if (at < 0) throw new Error(`struct ${String(data.type)} has no child "${f.name}"`);
        return canonicalColumn(data.children[at]!, f.type);
      });
      return (i) => Object.fromEntries(type.fields.map((f, k) => [f.name, children[k]![i]!]));
    }
    case 'list': {
      const elements = canonicalColumn(data.children[0]!, type.element);
      return (i) => elements.slice(...span(data, i));
    }
    case 'map': {
      const entries = data.children[0]!;
      const keys = canonicalColumn(entries.children[0]!, type.key);
      const values = canonicalColumn(entries.children[1]!, type.value);
      return (i) => {
        const [start, end] = span(data, i);
        return keys.slice(start, end).map((k, j) => [k, values[start + j]!]);
      };
    }
  }
}

/**
 * The rows as PyIceberg 0.12 returns them: a null list of structs, or a null map with struct
 * values, comes back as an empty one. Its Arrow projection rebuilds those arrays from their
 * offsets alone (pyiceberg/io/pyarrow.py, ArrowProjectionVisitor.list and .map, working around
 * apache/arrow#38809), which drops the validity bitmap: apache/iceberg-python#251. The Parquet
 * file holds the nulls (pyarrow and Floe read them), so only PyIceberg's view is adjusted.
 */
export function asPyIcebergReads(schema: Schema, rows: CanonicalRow[]): CanonicalRow[] {
  const isStruct = (t: IcebergType) => typeof t !== 'string' && t.type === 'struct';
  const adjust = (v: Canonical, type: IcebergType): Canonical => {
    if (typeof type === 'string') return v;
    if (v === null) return (type.type === 'list' && isStruct(type.element)) || (type.type === 'map' && isStruct(type.value)) ? [] : null;
    switch (type.type) {
      case 'struct': return adjustStruct(v as CanonicalRow, type);
      case 'list': return (v as Canonical[]).map((x) => adjust(x, type.element));
      case 'map': return (v as Canonical[][]).map(([k, x]) => [k!, adjust(x!, type.value)]);
    }
  };
  const adjustStruct = (v: CanonicalRow, type: StructType): CanonicalRow =>
    Object.fromEntries(type.fields.map((f) => [f.name, adjust(v[f.name]!, f.type)]));
  return rows.map((r) => adjustStruct(r, schema));
}

/** The rows of record batches whose columns are the schema's, in canonical form. */
export function canonicalBatchRows(schema: Schema, batches: RecordBatch[]): CanonicalRow[] {
  const out: CanonicalRow[] = [];
  for (const batch of batches) {
    const columns = schema.fields.map((f) => {
      const column = batch.getChild(f.name);
      if (!column) throw new Error(`the scan returned no column "${f.name}"`);
      return column.data.flatMap((chunk) => canonicalColumn(chunk, f.type));
    });
    for (let i = 0; i < batch.numRows; i++) out.push(Object.fromEntries(schema.fields.map((f, k) => [f.name, columns[k]![i]!])));
  }
  return out;
}

/** Rows in one order whatever order they were read in (files of a scan come in no fixed order). */
export function sortedRows(rows: CanonicalRow[]): CanonicalRow[] {
  const keyed = rows.map((r) => [JSON.stringify(r), r] as const);
  return keyed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

/**
 * A schema's fields, ids, names, requiredness and types, as both Floe's metadata and PyIceberg's
 * model_dump_json spell them (decimal spacing aside), for comparing the two.
 */
export function schemaShape(type: unknown): unknown {
  if (typeof type === 'string') return type.replace(/\s+/g, '');
  const t = type as Record<string, unknown>;
  switch (t.type) {
    case 'struct':
      return (t.fields as Record<string, unknown>[]).map((f) => ({ id: f.id, name: f.name, required: f.required, type: schemaShape(f.type) }));
    case 'list':
      return { list: t['element-id'], element: schemaShape(t.element), required: t['element-required'] };
    case 'map':
      return { map: [t['key-id'], t['value-id']], key: schemaShape(t.key), value: schemaShape(t.value), required: t['value-required'] };
    default:
      throw new Error(`not an Iceberg type: ${JSON.stringify(type)}`);
  }
}
