/**
 * extract: each source table streamed from Postgres to `raw/{table}/latest.parquet` in bounded
 * memory (COPY text parsed straight into Arrow column buffers -> Parquet row groups -> multipart
 * upload). The object appears whole or not at all (S3 completes a multipart upload atomically;
 * locally a rename), and its row count is checked against the source, read in the same snapshot.
 *
 * Three things can run at once: Postgres producing COPY text (its own process), this thread
 * parsing it, and a worker thread encoding the previous batches into Parquet. On this thread,
 * encoding a row group (synchronous wasm) stops the reading for longer than the socket buffers
 * last, so the COPY waits; on a worker it overlaps the parsing wherever a core is free, for the
 * same CPU time in all.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { Table as ArrowTable, tableToIPC, type RecordBatch, type Schema as ArrowSchema } from 'apache-arrow';
import type { FileIO } from '../../io/file-io.ts';
import { arrowSchemaFromIceberg } from '../../iceberg/spec/arrow-schema.ts';
import type { PrimitiveType, Schema } from '../../iceberg/spec/types.ts';
import { batchFromColumns, type ColumnValues } from '../../iceberg/arrow-build.ts';
import { ParquetReader, streamParquet, type ParquetCompression, type ParquetEncodeOptions } from '../../iceberg/parquet.ts';
import { parsedBatches } from '../../sources/copy-batches.ts';
import { CopyBinaryParser } from '../../sources/copy-binary.ts';
import { copyColumnBatches, type CopyColumn, type CopyColumnKind } from '../../sources/copy-columns.ts';
import { quoteIdent, type CopyRequest, type SqlSource } from '../../sources/sql-source.ts';
import type { TaskContext } from '../task-context.ts';

type PgType = 'uuid' | 'text' | 'timestamptz' | 'int';

/** The production tables (DESIGN.md), column by column. */
export const SOURCE_TABLES: Record<string, [string, PgType][]> = {
  users: [['id', 'uuid'], ['username', 'text'], ['created_at', 'timestamptz']],
  images: [['id', 'uuid'], ['user_id', 'uuid'], ['s3_url', 'text'], ['caption', 'text'], ['category', 'text'], ['uploaded_at', 'timestamptz'], ['views', 'int']],
  comments: [['id', 'uuid'], ['image_id', 'uuid'], ['user_id', 'uuid'], ['content', 'text'], ['created_at', 'timestamptz']],
  flags: [['id', 'uuid'], ['user_id', 'uuid'], ['image_id', 'uuid'], ['comment_id', 'uuid'], ['reason', 'text'], ['created_at', 'timestamptz']],
  image_milestones: [['id', 'uuid'], ['image_id', 'uuid'], ['milestone_type', 'text'], ['milestone_value', 'int'], ['reached_at', 'timestamptz']],
};

const ICEBERG_TYPE: Record<PgType, PrimitiveType> = { uuid: 'string', text: 'string', timestamptz: 'timestamptz', int: 'int' };
const COPY_KIND: Record<PgType, CopyColumnKind> = { uuid: 'uuid', text: 'utf8', timestamptz: 'timestamptz', int: 'int32' };
/** Casts that pin each column's binary form (free when the column already has the type; a clear error when it cannot be one). */
const SQL_TYPE: Record<PgType, string> = { uuid: 'uuid', text: 'text', timestamptz: 'timestamptz', int: 'int4' };

/**
 * Rows per COPY batch and per Parquet row group. A row group is what the encoder holds in memory
 * (the 1M-row groups of before took extract's RSS to ~840 MB) and what a reader decodes at once.
 */
export const EXTRACT_BATCH_ROWS = 131_072;

/**
 * The columns as they are: COPY renders uuids as canonical lower-case text, and times as ISO text
 * in UTC that the parser turns into microseconds. Cheaper for the server than computing them:
 * `extract(epoch ...)` is numeric arithmetic, a quarter of its CPU time for W2's comments.
 */
function copyRequest(table: string, columns: [string, PgType][], format: 'text' | 'binary' = 'text'): CopyRequest {
  return {
    table, key: columns[0]![0],
    columns: columns.map(([name, type]) => (format === 'binary' ? `${quoteIdent(name)}::${SQL_TYPE[type]}` : quoteIdent(name))),
  };
}

/** The query whose COPY extract reads (benchmarks compare `psql \copy` of it). */
export function extractQuery(table: string): string {
  const r = copyRequest(table, SOURCE_TABLES[table]!);
  return `SELECT ${r.columns.join(', ')} FROM ${quoteIdent(table)}`;
}

export function rawSchema(columns: [string, PgType][]): Schema {
  return { type: 'struct', 'schema-id': 0, fields: columns.map(([name, type], i) => ({ id: i + 1, name, required: false, type: ICEBERG_TYPE[type] })) };
}

/**
 * How the raw files are written. Dictionaries only where values repeat (text and small integers):
 * uuids and times are (nearly) unique, so a dictionary there is hashing for nothing. No min/max
 * statistics: the transform reads the raw files whole, and they cost encoding time. zstd: the uuid
 * columns, most of the bytes, are hex digits that only an entropy coder shrinks; snappy makes the
 * files 1.8x bigger for ~25% less extract CPU (W2 figures), which did not show as a clear gain
 * in wall time on the shared 2-core test machine.
 */
export function rawWriterOptions(schema: Schema, columns: [string, PgType][], compression: ParquetCompression = 'zstd'): ParquetEncodeOptions {
  return {
    compression, rowGroupRows: EXTRACT_BATCH_ROWS, statistics: 'none',
    dictionaryColumns: Object.fromEntries(columns.filter(([, t]) => t === 'uuid' || t === 'timestamptz').map(([name]) => [name, false])),
    keyValueMetadata: new Map([['iceberg.schema', JSON.stringify(schema)]]),
  };
}

function columnValues(c: CopyColumn): ColumnValues {
  if (c.kind === 'utf8') return { kind: 'utf8', values: { offsets: c.offsets, bytes: c.bytes }, valid: c.valid };
  return c.kind === 'int32' ? { kind: 'int32', values: c.values, valid: c.valid } : { kind: 'int64', values: c.values, valid: c.valid };
}

// ---- Parquet encoding on a worker thread -----------------------------------------------------

// Plain JS (a worker evaluated from a string needs no file beside a bundle), loading parquet-wasm
// from the path this module resolved. The writer properties are the ones streamParquet builds from
// the same options. It says when it is ready, encodes the IPC batches it is sent, in order, and
// sends the file's bytes back.
const ENCODER = `
const { parentPort, workerData } = require('node:worker_threads');
const pw = require(workerData.parquetWasm);
const o = workerData.options;
const compression = { zstd: pw.Compression.ZSTD, snappy: pw.Compression.SNAPPY, gzip: pw.Compression.GZIP, uncompressed: pw.Compression.UNCOMPRESSED }[o.compression];
let props = new pw.WriterPropertiesBuilder().setCompression(compression).setMaxRowGroupSize(o.rowGroupRows)
  .setStatisticsEnabled(o.statistics === 'none' ? pw.EnabledStatistics.None : pw.EnabledStatistics.Chunk).setCreatedBy('floe');
if (o.keyValueMetadata.length > 0) props = props.setKeyValueMetadata(new Map(o.keyValueMetadata));
if (o.dictionary !== undefined) props = props.setDictionaryEnabled(o.dictionary);
for (const [column, on] of o.dictionaryColumns) props = props.setColumnDictionaryEnabled(column, on);
const queue = [];
let ended = false;
let wake = null;
parentPort.on('message', (m) => {
  if (m.ipc) queue.push(m.ipc); else ended = true;
  if (wake) { const w = wake; wake = null; w(); }
});
let failure = null;
const input = new ReadableStream({
  async pull(controller) {
    try {
      while (queue.length === 0 && !ended) await new Promise((resolve) => { wake = resolve; });
      if (queue.length === 0) { controller.close(); return; }
      const table = pw.Table.fromIPCStream(queue.shift());
      try { controller.enqueue(table.recordBatch(0)); } finally { table.free(); }
      parentPort.postMessage({ consumed: true });
    } catch (err) {
      failure = err; // thrown from here, the writer would just end the file early
      controller.close();
    }
  },
});
const own = (b) => (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : b.slice());
parentPort.postMessage({ ready: true });
(async () => {
  try {
    for await (const chunk of await pw.transformParquetStream(input, props.build())) {
      const c = own(chunk);
      parentPort.postMessage({ chunk: c }, [c.buffer]);
    }
    if (failure) throw failure;
    parentPort.postMessage({ done: true });
  } catch (err) {
    parentPort.postMessage({ error: String((err && err.message) || err) });
  }
})();
`;

type EncoderMessage = { ready: true } | { consumed: true } | { chunk: Uint8Array } | { done: true } | { error: string };

/** Batches handed to the worker and not yet taken by its writer: one waits while one is encoded, so it never idles. */
const IN_FLIGHT = 2;

const own = (b: Uint8Array) => (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : b.slice());

async function* prepend<T>(first: IteratorResult<T>, rest: AsyncIterator<T>): AsyncGenerator<T> {
  if (first.done) return;
  yield first.value;
  for (let n = await rest.next(); !n.done; n = await rest.next()) yield n.value;
}

/** A started encoder thread and what it has said; `ready` settles false if it cannot encode. */
class EncoderThread {
  readonly worker: Worker;
  readonly ready: Promise<boolean>;
  readonly chunks: Uint8Array[] = [];
  inFlight = 0;
  finished = false;
  failed: Error | null = null;
  private notify: (() => void) | null = null;

  constructor(o: ParquetEncodeOptions) {
    const options = { ...o, keyValueMetadata: [...(o.keyValueMetadata ?? [])], dictionaryColumns: Object.entries(o.dictionaryColumns ?? {}) };
    this.worker = new Worker(ENCODER, { eval: true, workerData: { parquetWasm: createRequire(import.meta.url).resolve('parquet-wasm/node'), options } });
    let started: (ok: boolean) => void;
    this.ready = new Promise((resolve) => { started = resolve; });
    const fail = (err: Error) => { this.failed ??= err; started(false); this.wake(); };
    this.worker.on('message', (m: EncoderMessage) => {
      if ('ready' in m) started(true);
      else if ('consumed' in m) this.inFlight--;
      else if ('chunk' in m) this.chunks.push(m.chunk);
      else if ('done' in m) this.finished = true;
      else this.failed ??= new Error(`Parquet encoding failed: ${m.error}`);
      this.wake();
    });
    this.worker.on('error', (err) => fail(new Error(`the Parquet encoding thread failed: ${err.message}`, { cause: err })));
    this.worker.on('exit', (code) => { if (!this.finished) fail(new Error(`the Parquet encoding thread stopped (exit code ${code}) before the file was complete`)); });
  }

  /** Resolves at the thread's next message. */
  async message(): Promise<void> {
    // Only while this is awaited does the thread hold the process open.
    this.worker.ref();
    try {
      await new Promise<void>((resolve) => { this.notify = resolve; });
    } finally {
      this.worker.unref();
    }
  }

  private wake(): void {
    const n = this.notify;
    this.notify = null;
    n?.();
  }
}

export interface EncodeStreamOptions {
  /** Encode on this thread (to measure what the worker thread gains). */
  onThisThread?: boolean;
  /** Where the encoding runs, and why not on a worker thread when it could not. */
  log?: TaskContext['log'];
}

/**
 * streamParquet's bytes, encoded on a worker thread while this one produces the next batches.
 * Without worker threads, when the thread cannot load parquet-wasm, or with `onThisThread`:
 * streamParquet itself. As with streamParquet, the caller checks the row count of the written file.
 */
export async function* encodeParquetStream(
  schema: ArrowSchema, batches: AsyncIterable<RecordBatch>, o: ParquetEncodeOptions, { onThisThread = false, log }: EncodeStreamOptions = {},
): AsyncGenerator<Uint8Array> {
  const it = batches[Symbol.asyncIterator]();
  let t: EncoderThread | null = null;
  let noThread = onThisThread ? 'asked to' : '';
  try {
    if (!onThisThread) t = new EncoderThread(o);
  } catch (err) {
    noThread = `no worker thread could start: ${(err as Error).message}`;
  }
  t?.worker.unref();
  let first: IteratorResult<RecordBatch>;
  let ready: boolean;
  try {
    // The thread loads wasm while the first batch is read.
    [first, ready] = await Promise.all([it.next(), t ? t.ready : false]);
  } catch (err) {
    await t?.worker.terminate();
    throw err;
  }
  if (t && !ready) noThread = t.failed?.message ?? 'the worker thread did not start';
  // streamParquet also writes the file of no rows (the streaming writer cannot).
  if (!t || !ready || first.done) {
    await t?.worker.terminate();
    if (!first.done) log?.(noThread === 'asked to' ? 'debug' : 'warn', `Parquet encoding on the reading thread (${noThread}): slower, nothing else changes`);
    yield* streamParquet(schema, prepend(first, it), o);
    return;
  }
  log?.('debug', 'Parquet encoding on a worker thread');
  let next: IteratorResult<RecordBatch> | undefined = first;
  let sourceDone = false;
  try {
    for (;;) {
      if (t.failed) throw t.failed;
      if (t.chunks.length > 0) { yield t.chunks.shift()!; continue; }
      if (t.finished) return;
      if (!sourceDone && t.inFlight < IN_FLIGHT) {
        const n: IteratorResult<RecordBatch> = next ?? await it.next();
        next = undefined;
        if (n.done) {
          sourceDone = true;
          t.worker.postMessage({ end: true });
        } else {
          const ipc = own(tableToIPC(new ArrowTable(schema, [n.value]), 'stream'));
          t.inFlight++;
          t.worker.postMessage({ ipc }, [ipc.buffer as ArrayBuffer]);
        }
        continue;
      }
      await t.message();
    }
  } finally {
    if (!sourceDone) await it.return?.(undefined);
    // Also on failure: a half-written file's writer is dropped with its thread, nothing else to undo.
    await t.worker.terminate();
  }
}

export interface ExtractResult {
  table: string;
  location: string;
  rows: number;
  bytes: number;
}

export interface ExtractOptions {
  /** Encode on this thread instead of a worker (to measure the difference); default false. */
  encodeOnThisThread?: boolean;
  compression?: ParquetCompression;
  /** COPY binary where the source offers it (the default), or text (to compare them). */
  copyFormat?: 'binary' | 'text';
}

export async function extractTable(
  source: SqlSource, table: string, io: FileIO, location: string, ctx: TaskContext = {}, options: ExtractOptions = {},
): Promise<ExtractResult> {
  const columns = SOURCE_TABLES[table];
  if (!columns) throw new Error(`extract: "${table}" is not one of the source tables (${Object.keys(SOURCE_TABLES).join(', ')})`);
  const schema = rawSchema(columns);
  const arrow = arrowSchemaFromIceberg(schema);
  const specs = columns.map(([name, type]) => ({ name, kind: COPY_KIND[type] }));
  let rows = 0;
  let expected = 0;
  let bytes = 0;
  try {
    await source.readSnapshot(async (snapshot) => {
      expected = await snapshot.count(table);
      ctx.setTotal?.(expected, 'rows');
      async function* batches() {
        const what = `${table} from ${source.description}`;
        // Both encoders copy a batch into an IPC message before asking for the next one, so the
        // parser may refill its buffers then: no 20 MB of new buffers per batch for the GC.
        const parsed = snapshot.copyBinary && options.copyFormat !== 'text'
          ? parsedBatches(snapshot.copyBinary(copyRequest(table, columns!, 'binary'), ctx.signal), new CopyBinaryParser(specs, EXTRACT_BATCH_ROWS, what), { reuse: true })
          : copyColumnBatches(snapshot.copyText(copyRequest(table, columns!), ctx.signal), specs, EXTRACT_BATCH_ROWS, what, { reuse: true });
        for await (const batch of parsed) {
          rows += batch.rows;
          ctx.advance?.(batch.rows);
          yield batchFromColumns(arrow, batch.columns.map(columnValues), batch.rows);
        }
      }
      const encoded = encodeParquetStream(arrow, batches(), rawWriterOptions(schema, columns!, options.compression), {
        onThisThread: options.encodeOnThisThread, log: (level, message) => ctx.log?.(level, `extract ${table}: ${message}`),
      });
      bytes = await io.writeStream(location, encoded, { contentType: 'application/vnd.apache.parquet', signal: ctx.signal });
    });
  } catch (err) {
    throw new Error(`Extracting ${table} to ${location} failed: ${(err as Error).message}`, { cause: err });
  }
  const written = (await ParquetReader.open(io, location, bytes, ctx.signal)).numRows;
  if (rows !== expected || written !== expected) {
    // A file that silently lost rows must not stand as the latest extract: nobody may read it.
    await io.delete([location]);
    throw new Error(`Extracting ${table}: the source has ${expected} rows, ${rows} were read and ${written} written to ${location}; run again`);
  }
  return { table, location, rows, bytes };
}
