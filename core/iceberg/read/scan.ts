/**
 * Reading a table: pick the snapshot (current, by id, or as of a time), plan its live data files
 * from the manifests, and stream Arrow record batches of the projected columns, matching columns
 * by field id (so renamed and added columns read right) and stopping as soon as a row limit is
 * met. Tables with delete files are refused with a clear error rather than read wrong.
 */
import { makeData, makeVector, RecordBatch, Schema as ArrowSchema, Struct, type Data, type Field } from 'apache-arrow';
import type { FileIO } from '../../io/file-io.ts';
import { inheritFromManifest, readManifest } from '../avro/manifest.ts';
import { readManifestList } from '../avro/manifest-list.ts';
import { arrowFieldFromIceberg, FIELD_ID_KEY } from '../spec/arrow-schema.ts';
import { NAME_MAPPING_PROPERTY, parseNameMapping, findMapped, type NameMapping } from '../spec/name-mapping.ts';
import { EntryStatus, FileContent, ManifestContent, type DataFile, type NestedField, type Schema, type Snapshot, type TableMetadata } from '../spec/types.ts';
import { ParquetReader } from '../parquet.ts';

export interface ScanOptions {
  snapshotId?: bigint;
  /** The snapshot that was current at this time (ms since epoch). */
  asOfTimestampMs?: number;
  /** Branch or tag name (default main). */
  ref?: string;
  /** Column names of the table's schema, in the order wanted (default: all). */
  columns?: string[];
  /** Stop after this many rows. */
  limit?: number;
  batchSize?: number;
  signal?: AbortSignal;
}

export interface FileScanTask {
  file: DataFile;
  sequenceNumber: bigint;
}

export class UnsupportedDeletesError extends Error {
  constructor(location: string, count: number) {
    super(`Table ${location} has ${count} live delete file(s) (merge-on-read deletes), which Floe cannot apply yet; `
      + 'reading it would return deleted rows. Rewrite the table (e.g. Spark rewrite_data_files) and try again.');
    this.name = 'UnsupportedDeletesError';
  }
}

export function resolveSnapshot(md: TableMetadata, o: Pick<ScanOptions, 'snapshotId' | 'asOfTimestampMs' | 'ref'> = {}): Snapshot | undefined {
  if (o.snapshotId !== undefined) {
    const s = md.snapshots.find((x) => x['snapshot-id'] === o.snapshotId);
    if (!s) throw new Error(`Table ${md.location} has no snapshot ${o.snapshotId} (it may have been expired)`);
    return s;
  }
  if (o.asOfTimestampMs !== undefined) {
    // The snapshot log says which snapshot was current when; the last entry at or before the time wins.
    const entry = md['snapshot-log'].filter((e) => e['timestamp-ms'] <= o.asOfTimestampMs!).at(-1);
    if (!entry) throw new Error(`Table ${md.location} had no snapshot at ${new Date(o.asOfTimestampMs).toISOString()}`);
    return resolveSnapshot(md, { snapshotId: entry['snapshot-id'] });
  }
  const ref = o.ref ?? 'main';
  const id = md.refs[ref]?.['snapshot-id'] ?? (ref === 'main' ? md['current-snapshot-id'] : undefined);
  if (id === undefined && ref !== 'main') throw new Error(`Table ${md.location} has no branch or tag "${ref}"`);
  return id === null || id === undefined ? undefined : resolveSnapshot(md, { snapshotId: id });
}

/**
 * The live data files of a snapshot, one manifest at a time, so a scan with a row limit stops
 * reading manifests as soon as it has its rows. Delete manifests are visible in the manifest list
 * itself, so a table with deletes is refused before a single row is returned.
 */
export async function* planFileStream(io: FileIO, md: TableMetadata, snapshot: Snapshot | undefined, signal?: AbortSignal): AsyncGenerator<FileScanTask> {
  if (!snapshot) return;
  const manifests = readManifestList(await io.read(snapshot['manifest-list'], signal));
  const liveDeletes = manifests.filter((m) => m.content === ManifestContent.Deletes)
    .reduce((n, m) => n + m.addedFilesCount + m.existingFilesCount, 0);
  if (liveDeletes > 0) throw new UnsupportedDeletesError(md.location, liveDeletes);
  for (const m of manifests) {
    if (m.content === ManifestContent.Deletes) continue;
    // v2 lists count live files; a manifest with no added or existing files holds nothing to read.
    if (m.addedFilesCount === 0 && m.existingFilesCount === 0 && md['format-version'] >= 2) continue;
    const { entries } = readManifest(await io.read(m.manifestPath, signal));
    for (const raw of entries) {
      const e = inheritFromManifest(raw, m);
      if (e.status === EntryStatus.Deleted) continue;
      if (e.dataFile.content !== FileContent.Data) throw new UnsupportedDeletesError(md.location, 1);
      yield { file: e.dataFile, sequenceNumber: e.sequenceNumber ?? 0n };
    }
  }
}

/** Every live data file of a snapshot. */
export async function planFiles(io: FileIO, md: TableMetadata, snapshot: Snapshot | undefined, signal?: AbortSignal): Promise<FileScanTask[]> {
  const tasks: FileScanTask[] = [];
  for await (const t of planFileStream(io, md, snapshot, signal)) tasks.push(t);
  return tasks;
}

export function schemaOf(md: TableMetadata, snapshot: Snapshot | undefined): Schema {
  // Time travel reads with the schema the snapshot was written with.
  const id = snapshot?.['schema-id'] ?? md['current-schema-id'];
  return md.schemas.find((s) => s['schema-id'] === id) ?? md.schemas.find((s) => s['schema-id'] === md['current-schema-id'])!;
}

/** Streams the rows of a table as Arrow record batches of the projected columns. */
export async function* scanTable(io: FileIO, md: TableMetadata, o: ScanOptions = {}): AsyncGenerator<RecordBatch> {
  const snapshot = resolveSnapshot(md, o);
  if ((o.limit ?? Infinity) <= 0) return;
  async function* files() {
    for await (const t of planFileStream(io, md, snapshot, o.signal)) yield t.file;
  }
  yield* scanFiles(io, md, files(), schemaOf(md, snapshot), o);
}

/**
 * Streams the rows of the given data files, read with `schema` (by field id, like scanTable).
 * For callers that chose the files themselves, e.g. compaction reading the files it rewrites.
 */
export async function* scanFiles(
  io: FileIO, md: TableMetadata, files: Iterable<DataFile> | AsyncIterable<DataFile>, schema: Schema,
  o: Pick<ScanOptions, 'columns' | 'limit' | 'batchSize' | 'signal'> = {},
): AsyncGenerator<RecordBatch> {
  const fields = project(schema, o.columns);
  const arrowSchema = new ArrowSchema(fields.map(arrowFieldFromIceberg));
  const mapping = md.properties[NAME_MAPPING_PROPERTY] ? parseNameMapping(md.properties[NAME_MAPPING_PROPERTY]) : undefined;
  let remaining = o.limit ?? Infinity;
  if (remaining <= 0) return;
  for await (const file of files) {
    o.signal?.throwIfAborted();
    const reader = await ParquetReader.open(io, file.filePath, Number(file.fileSizeInBytes), o.signal);
    const fileColumns = await reader.fieldIds();
    const wanted = fields.map((f) => fileColumns.get(f.id) ?? mappedColumn(mapping, f, fileColumns));
    const readNames = [...new Set(wanted.filter((n): n is string => n !== undefined))];
    const limit = Number.isFinite(remaining) ? remaining : undefined;
    const source = readNames.length > 0
      ? reader.batches({ columns: readNames, limit, batchSize: o.batchSize })
      : countOnly(Number(file.recordCount), limit);
    for await (const batch of source) {
      const out = toTableBatch(arrowSchema, fields, wanted, batch, file.filePath);
      const rows = Math.min(out.numRows, remaining);
      yield rows < out.numRows ? out.slice(0, rows) : out;
      remaining -= rows;
      if (remaining <= 0) return;
    }
  }
}

function project(schema: Schema, columns: string[] | undefined): NestedField[] {
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
  // Timestamp units/zones and string views differ only in Arrow labels; the values are the same.
  if (data.type.typeId === target.type.typeId) return makeData({ ...data, type: target.type } as never);
  throw new Error(`Data file ${path}: column "${target.name}" is ${s} in the file but ${t} in the table, and Iceberg allows no such promotion`);
}

function widen<T>(data: Data, target: Field, convert: (v: T) => ArrayLike<unknown>): Data {
  return makeData({ type: target.type, length: data.length, nullCount: data.nullCount, nullBitmap: data.nullBitmap, data: convert(data.values as T) } as never);
}

export { FIELD_ID_KEY };
