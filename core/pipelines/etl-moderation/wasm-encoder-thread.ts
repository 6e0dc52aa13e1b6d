/**
 * Parquet encoding with parquet-wasm on a worker thread, for extract where the native codec is not
 * built (with it, encoding runs on the libuv pool and needs no thread of ours). parquet-wasm
 * encodes synchronously: on the parsing thread, encoding a row group stops the reading for longer
 * than the socket buffers last, so the COPY waits; on a worker it overlaps the parsing wherever a
 * core is free, for the same CPU time in all.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { Table as ArrowTable, tableToIPC, type RecordBatch, type Schema as ArrowSchema } from 'apache-arrow';
import { streamParquet, type ParquetEncodeOptions } from '../../iceberg/parquet.ts';
import type { TaskContext } from '../task-context.ts';

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

