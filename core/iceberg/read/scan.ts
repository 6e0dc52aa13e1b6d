/**
 * Reading a table: pick the snapshot (current, by id, or as of a time), plan the live data files
 * a row filter can match (plan.ts), and stream Arrow record batches of the projected columns,
 * matching columns by field id (so renamed and added columns read right), with the filter
 * evaluated exactly on every row and delete files applied, stopping as soon as a row limit is met.
 */
import { availableParallelism } from 'node:os';
import { makeData, RecordBatch, Schema as ArrowSchema, Struct, type Data } from 'apache-arrow';
import type { FileIO } from '../../io/file-io.ts';
import { bind, referencedTopLevelIds, TRUE, type Bound } from '../expressions/bind.ts';
import { evaluateBatch, structLookup } from '../expressions/evaluate-arrow.ts';
import type { Expression } from '../expressions/expression.ts';
import { arrowFieldFromIceberg, FIELD_ID_KEY } from '../spec/arrow-schema.ts';
import { NAME_MAPPING_PROPERTY, parseNameMapping } from '../spec/name-mapping.ts';
import type { DataFile, NestedField, Schema, Snapshot, TableMetadata } from '../spec/types.ts';
import { maskIndices, takeBatch } from './arrow-take.ts';
import { DeleteLoader, type FileDeletes } from './delete-apply.ts';
import { readFileBatches, projectColumns } from './file-batches.ts';
import { planFileStream, schemaOf, type FileScanTask, type PlanStats } from './plan.ts';
import { readAhead } from './read-ahead.ts';
import { decodedBuffers, giveBack } from '../lent-batches.ts';

export { planFileStream, planFiles, schemaOf, emptyPlanStats, type FileScanTask, type PlanOptions, type PlanStats } from './plan.ts';
export { UnsupportedDeletesError } from './delete-index.ts';

/**
 * Files decoded beside the one being read, in a full scan: the native codec decodes on the libuv
 * pool, one batch at a time per file, so each file in flight keeps one more core busy.
 */
const READ_AHEAD_FILES = Math.max(1, Math.min(3, availableParallelism() - 1));
/** Batches a file read ahead holds until its turn (64k rows each by default). */
const READ_AHEAD_BATCHES = 2;

export interface ScanOptions {
  snapshotId?: bigint;
  /** The snapshot that was current at this time (ms since epoch). */
  asOfTimestampMs?: number;
  /** Branch or tag name (default main). */
  ref?: string;
  /** Column names of the table's schema, in the order wanted (default: all). */
  columns?: string[];
  /** Only rows matching this filter (expressions/expression.ts); columns it reads need not be projected. */
  filter?: Expression;
  /** Match the filter's column names ignoring case (default: exact). */
  caseSensitive?: boolean;
  /** Stop after this many rows. */
  limit?: number;
  batchSize?: number;
  /**
   * Lend each batch instead of giving it: once the caller asks for the next batch (or stops), the
   * memory of the one before goes back to the decoder and every array of it reads as empty. For
   * callers that are done with a batch within their loop body (counting, summing, checking); it
   * spares V8 a full garbage collection per 64 MB read. A caller that keeps a batch, a column or
   * a typed array of it past that point must not set this.
   */
  lendBatches?: boolean;
  signal?: AbortSignal;
  /** Filled in by planning: files pruned and planned, delete files applied. */
  stats?: PlanStats;
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

/** Streams the rows of a table as Arrow record batches of the projected columns. */
export async function* scanTable(io: FileIO, md: TableMetadata, o: ScanOptions = {}): AsyncGenerator<RecordBatch> {
  const snapshot = resolveSnapshot(md, o);
  if ((o.limit ?? Infinity) <= 0) return;
  const schema = schemaOf(md, snapshot);
  // Bound here first so that a bad filter fails before any manifest is read.
  if (o.filter) bind(schema, o.filter, { caseSensitive: o.caseSensitive });
  const tasks = planFileStream(io, md, snapshot, o.signal, { filter: o.filter, caseSensitive: o.caseSensitive, stats: o.stats });
  yield* scanFiles(io, md, tasks, schema, o);
}

/**
 * Streams the rows of the given data files (or planned tasks, whose delete files are applied),
 * read with `schema` by field id like scanTable. For callers that chose the files themselves,
 * e.g. compaction reading the files it rewrites.
 */
export async function* scanFiles(
  io: FileIO, md: TableMetadata, files: Iterable<DataFile | FileScanTask> | AsyncIterable<DataFile | FileScanTask>, schema: Schema,
  o: Pick<ScanOptions, 'columns' | 'limit' | 'batchSize' | 'signal' | 'filter' | 'caseSensitive' | 'lendBatches'> = {},
): AsyncGenerator<RecordBatch> {
  const fields = projectColumns(schema, o.columns);
  const outSchema = new ArrowSchema(fields.map(arrowFieldFromIceberg));
  const mapping = md.properties[NAME_MAPPING_PROPERTY] ? parseNameMapping(md.properties[NAME_MAPPING_PROPERTY]) : undefined;
  const filter = o.filter ? bind(schema, o.filter, { caseSensitive: o.caseSensitive }) : TRUE;
  let remaining = o.limit ?? Infinity;
  if (remaining <= 0 || filter.op === 'false') return;
  let loader: DeleteLoader | undefined;
  // One file's rows, to the filter and the deletes. Files are read one at a time under a limit
  // (so that this one's limit is what is still wanted), several at once without one.
  async function* fileRows(item: DataFile | FileScanTask): AsyncGenerator<RecordBatch> {
    const task: FileScanTask = 'filePath' in item ? { file: item, sequenceNumber: 0n } : item;
    const file = { path: task.file.filePath, sizeInBytes: Number(task.file.fileSizeInBytes), recordCount: Number(task.file.recordCount) };
    let deletes: FileDeletes | undefined;
    if (task.deletes && task.deletes.length > 0) {
      loader ??= new DeleteLoader(io, schema, md.location, { mapping, signal: o.signal });
      deletes = await loader.forDataFile(task.file.filePath, task.deletes);
    }
    if (filter.op === 'true' && !deletes) {
      // Nothing to drop: the reader itself stops at the limit.
      const limit = Number.isFinite(remaining) ? remaining : undefined;
      yield* readFileBatches(io, file, fields, { limit, batchSize: o.batchSize, signal: o.signal, mapping });
    } else {
      yield* filteredFile(io, file, schema, fields, outSchema, filter, deletes, { batchSize: o.batchSize, signal: o.signal, mapping });
    }
  }
  async function* perFile(): AsyncGenerator<AsyncGenerator<RecordBatch>> {
    for await (const item of files) {
      o.signal?.throwIfAborted();
      yield fileRows(item);
    }
  }
  const ahead = Number.isFinite(remaining) ? 0 : READ_AHEAD_FILES;
  for await (const batch of readAhead<RecordBatch>(perFile(), ahead, READ_AHEAD_BATCHES)) {
    const rows = Math.min(batch.numRows, remaining);
    const out = rows < batch.numRows ? batch.slice(0, rows) : batch;
    remaining -= rows;
    if (o.lendBatches) {
      const lent = decodedBuffers(out);
      try {
        yield out;
      } finally {
        giveBack(lent);
      }
    } else {
      yield out;
    }
    if (remaining <= 0) return;
  }
}

/**
 * One file's rows that pass the filter and are not deleted. Reads the projected columns plus those
 * the filter and the equality deletes compare, then keeps the projected ones.
 */
async function* filteredFile(
  io: FileIO, file: { path: string; sizeInBytes: number; recordCount: number }, schema: Schema, fields: NestedField[], outSchema: ArrowSchema,
  filter: Bound, deletes: FileDeletes | undefined, o: Parameters<typeof readFileBatches>[3],
): AsyncGenerator<RecordBatch> {
  const needed = new Set([...fields.map((f) => f.id), ...referencedTopLevelIds(filter), ...(deletes?.fieldIds ?? [])]);
  const readFields = schema.fields.filter((f) => needed.has(f.id));
  const outPositions = fields.map((f) => readFields.findIndex((r) => r.id === f.id));
  let firstRow = 0;
  // Row groups are skipped only without deletes: position deletes count rows from the file's start.
  for await (const batch of readFileBatches(io, file, readFields, { ...o, skipRowGroups: deletes ? undefined : filter })) {
    const rows = batch.numRows;
    const columns = new Map<number, Data>(readFields.map((f, i) => [f.id, batch.getChildAt(i)!.data[0]!]));
    const keep = evaluateBatch(filter, rows, structLookup(columns), `data file ${file.path}`);
    if (deletes) {
      const deleted = new Uint8Array(rows);
      deletes.markDeleted(columns, firstRow, rows, deleted);
      for (let i = 0; i < rows; i++) keep[i]! &= deleted[i]! ^ 1;
    }
    firstRow += rows;
    const indices = maskIndices(keep);
    if (indices.length === 0) continue;
    const children = outPositions.map((at) => batch.data.children[at]!);
    const projected = new RecordBatch(outSchema, makeData({ type: new Struct(outSchema.fields), length: rows, nullCount: 0, children }));
    yield takeBatch(projected, indices);
  }
}

export { FIELD_ID_KEY };
