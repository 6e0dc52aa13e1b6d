/**
 * Reading one Parquet file (data or delete) as Arrow batches of table columns: columns matched by
 * field id (name mapping for files written without ids), nulls for columns the file predates,
 * and the promotions Iceberg allows (int -> long, float -> double).
 */
import { DataType, makeData, makeVector, RecordBatch, Schema as ArrowSchema, Struct, type Data, type Field } from 'apache-arrow';
import type { FileIO } from '../../io/file-io.ts';
import { arrowFieldFromIceberg } from '../spec/arrow-schema.ts';
import { findMapped, type NameMapping } from '../spec/name-mapping.ts';
import type { NestedField, Schema } from '../spec/types.ts';
import type { Bound } from '../expressions/bind.ts';
import { ParquetReader } from '../parquet.ts';
import { matchingRowGroups } from './row-group-filter.ts';

export interface FileReadOptions {
  /** Stop after this many rows (the reader stops fetching too). */
  limit?: number;
  batchSize?: number;
  signal?: AbortSignal;
  mapping?: NameMapping;
  /** Names to try, by field id, in files with neither ids nor a mapping entry (delete files' reserved columns). */
  fallbackNames?: Map<number, string>;
  /**
   * Row groups whose statistics show no row can match this filter (on `fields`' columns) are
   * skipped. Only for callers that do not count row positions (position deletes would be misread).
   */
  skipRowGroups?: Bound;
  /** Told the row groups read and skipped, when some were skipped. */
  onRowGroups?: (read: number, skipped: number) => void;
}

export interface FileToRead {
  path: string;
  sizeInBytes: number;
  /** Rows in the file: what a read of no column returns. */
  recordCount: number;
}

/** Batches whose columns are `fields`, in that order, typed as the table types them. */
export async function* readFileBatches(io: FileIO, file: FileToRead, fields: NestedField[], o: FileReadOptions = {}): AsyncGenerator<RecordBatch> {
  const target = new ArrowSchema(fields.map(arrowFieldFromIceberg));
  const reader = await ParquetReader.open(io, file.path, file.sizeInBytes, o.signal);
  const fileColumns = await reader.fieldIds();
  const wanted = fields.map((f) => fileColumns.get(f.id) ?? mappedColumn(o.mapping, f, fileColumns) ?? (fileColumns.size === 0 ? o.fallbackNames?.get(f.id) : undefined));
  const readNames = [...new Set(wanted.filter((n): n is string => n !== undefined))];
  const stats = o.skipRowGroups ? reader.statistics() : null;
  const rowGroups = stats && o.skipRowGroups ? matchingRowGroups(o.skipRowGroups, fields, stats, reader.arrowSchema(), fileColumns) : undefined;
  if (rowGroups) o.onRowGroups?.(rowGroups.length, stats!.rowGroups.length - rowGroups.length);
  if (rowGroups?.length === 0) return;
  const source = readNames.length > 0
    ? reader.batches({ columns: readNames, limit: o.limit, batchSize: o.batchSize, rowGroups })
    : countOnly(file.recordCount, o.limit);
  for await (const batch of source) {
    o.signal?.throwIfAborted();
    yield toTableBatch(target, fields, wanted, batch, file.path);
  }
}

/** The schema's top-level fields named by `columns`, in that order (all when undefined). */
export function projectColumns(schema: Schema, columns: string[] | undefined): NestedField[] {
  if (!columns) return schema.fields;
  return columns.map((name) => {
    const f = schema.fields.find((x) => x.name === name);
    if (!f) throw new Error(`No column "${name}" in the table; its columns are ${schema.fields.map((x) => x.name).join(', ')}`);
    return f;
  });
}

function mappedColumn(mapping: NameMapping | undefined, f: NestedField, fileColumns: Map<number, string>): string | undefined {
  if (!mapping || fileColumns.size > 0) return undefined; // a file with ids is read by ids only
  const m = mapping.find((x) => x['field-id'] === f.id);
  return m?.names[0] ?? findMapped(mapping, f.name)?.names[0];
}

/** Batches of only a row count, for projections that read no column present in the file. */
async function* countOnly(rows: number, limit: number | undefined): AsyncGenerator<RecordBatch> {
  const n = Math.min(rows, limit ?? rows);
  yield new RecordBatch(new ArrowSchema([]), makeData({ type: new Struct([]), length: n, nullCount: 0, children: [] }));
}

/** Re-labels a file's batch with the table's columns: by field id, nulls for columns the file predates. */
function toTableBatch(target: ArrowSchema, fields: NestedField[], wanted: (string | undefined)[], batch: RecordBatch, path: string): RecordBatch {
  const children: Data[] = fields.map((f, i) => {
    const name = wanted[i];
    const targetField = target.fields[i] as Field;
    if (name === undefined) {
      if (f.required) throw new Error(`Data file ${path} has no column for required field "${f.name}" (id ${f.id})`);
      // A v3 column added with a default reads as that default in older files, not as null.
      const initial = (f as { 'initial-default'?: unknown })['initial-default'];
      if (initial !== undefined && initial !== null) {
        throw new Error(`Data file ${path} predates column "${f.name}" (id ${f.id}), whose rows there read as its initial default (a v3 feature Floe does not read yet); project the columns without it`);
      }
      return makeData({ type: targetField.type, length: batch.numRows, nullCount: batch.numRows, nullBitmap: new Uint8Array(Math.ceil(batch.numRows / 8)) } as never);
    }
    const column = batch.getChild(name);
    if (!column) throw new Error(`Data file ${path}: column "${name}" was not read`);
    return promote(column.data.length === 1 ? column.data[0]! : concat(column.data), targetField, path);
  });
  return new RecordBatch(target, makeData({ type: new Struct(target.fields), length: batch.numRows, nullCount: 0, children }));
}

function concat(chunks: readonly Data[]): Data {
  return makeVector(chunks as Data[]).data.length === 1 ? makeVector(chunks as Data[]).data[0]! : chunks.reduce((a, b) => makeVector([a, b]).data[0]!);
}

/** Allowed type promotions (int -> long, float -> double) and exact matches. */
function promote(data: Data, target: Field, path: string): Data {
  if (data.type.typeId === target.type.typeId && String(data.type) === String(target.type)) return data;
  const t = String(target.type);
  const s = String(data.type);
  if (t === 'Int64' && s === 'Int32') return widen(data, target, (v: Int32Array) => BigInt64Array.from(v, (x) => BigInt(x)));
  if (t === 'Float64' && s === 'Float32') return widen(data, target, (v: Float32Array) => Float64Array.from(v));
  // PyIceberg (pyarrow) writes strings and binary as large_string/large_binary, and records that in
  // the file's Arrow schema, so they come back with 64-bit offsets.
  const type = data.type as DataType;
  if ((DataType.isUtf8(target.type) && DataType.isLargeUtf8(type)) || (DataType.isBinary(target.type) && DataType.isLargeBinary(type))) {
    return narrowOffsets(data, target, path);
  }
  // Timestamp units/zones and string views differ only in Arrow labels; the values are the same.
  if (data.type.typeId === target.type.typeId) return makeData({ ...data, type: target.type } as never);
  throw new Error(`Data file ${path}: column "${target.name}" is ${s} in the file but ${t} in the table, and Iceberg allows no such promotion`);
}

function narrowOffsets(data: Data, target: Field, path: string): Data {
  const large = data.valueOffsets as unknown as BigInt64Array;
  if (large[large.length - 1]! > 2147483647n) throw new Error(`Data file ${path}: column "${target.name}" holds over 2 GiB of text in one batch`);
  const valueOffsets = Int32Array.from(large, (o) => Number(o));
  return makeData({ type: target.type, length: data.length, nullCount: data.nullCount, nullBitmap: data.nullBitmap, valueOffsets, data: data.values } as never);
}

function widen<T>(data: Data, target: Field, convert: (v: T) => ArrayLike<unknown>): Data {
  return makeData({ type: target.type, length: data.length, nullCount: data.nullCount, nullBitmap: data.nullBitmap, data: convert(data.values as T) } as never);
}
