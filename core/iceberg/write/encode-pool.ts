/**
 * Data files encoded in worker threads. Parquet encoding (parquet-wasm) is synchronous and takes
 * most of a write's CPU; in the writer's thread it also stalls reading the next batches and the
 * uploads. The process shares one pool, started on first use: each worker loads its own wasm
 * module once and encodes one file at a time, and the pool holds the process open only while it
 * has work. If no worker can start (say, a runtime that cannot load the worker's module), files are
 * encoded in the caller's thread, as before the pool existed, and `encoderStatus` says why.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Table as ArrowTable, tableToIPC, type RecordBatch, type Schema as ArrowSchema } from 'apache-arrow';
import type { ParquetEncodeOptions } from '../parquet.ts';
import type { Schema } from '../spec/types.ts';
import { encodeDataFile, type EncodedDataFile } from './encode-file.ts';

export interface EncodeRequest { id: number; schema: Schema; ipc: Uint8Array; options: ParquetEncodeOptions }
export type EncodeReply = { id: number; file: EncodedDataFile; error?: undefined } | { id: number; error: string; file?: undefined };

// The worker's module is TypeScript when Floe runs from source: Node 20 loads it only through tsx,
// and a worker thread gets no module hooks from its parent (not even with `tsx file.ts`, whose
// loader is on the command line), so the worker registers tsx itself before importing it.
const BOOT = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.entry);
})().catch((err) => parentPort.postMessage({ failed: String((err && err.stack) || err) }));
`;

const ownExtension = extname(new URL(import.meta.url).pathname);
const ENTRY = new URL(`./encode-worker${ownExtension}`, import.meta.url).href;

/** tsx's ESM register API, where Floe runs from TypeScript source with tsx installed. */
function tsxApi(): string | undefined {
  if (ownExtension !== '.ts') return undefined;
  try {
    // The "import" export of tsx/esm/api: require.resolve would give its CommonJS twin, which
    // cannot register the ESM hooks in a worker.
    const require = createRequire(import.meta.url);
    const manifest = require.resolve('tsx/package.json');
    const exports = (require(manifest) as { exports: Record<string, { import: { default: string } }> }).exports;
    return new URL(exports['./esm/api']!.import.default, pathToFileURL(manifest)).href;
  } catch {
    return undefined; // no tsx: the worker starts only if the runtime loads .ts files itself
  }
}

interface Job { resolve: (file: EncodedDataFile) => void; reject: (err: Error) => void; startedAt: number }

/**
 * An idle worker ends after this long: its wasm heap, which never shrinks, is as big as the
 * largest file it encoded. The next write starts a fresh one (a few hundred ms).
 */
const IDLE_MS = 30_000;

class EncoderWorker {
  readonly ready: Promise<void>;
  private readonly jobs = new Map<number, Job>();
  /** Files handed to this worker and not finished, counted from the moment it is chosen (it may still be starting). */
  load = 0;
  private readonly worker: Worker;
  private failure: Error | null = null;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly onDead: (w: EncoderWorker) => void, private readonly onDone: (ms: number) => void) {
    // Referenced only while it has files: a write awaiting it keeps the process alive, an idle one does not.
    this.worker = new Worker(BOOT, { eval: true, workerData: { entry: ENTRY, tsx: tsxApi() } });
    this.worker.unref();
    let started: () => void;
    let refused: (err: Error) => void;
    this.ready = new Promise((resolve, reject) => { started = resolve; refused = reject; });
    this.ready.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection
    this.worker.on('message', (m: EncodeReply | { ready: true } | { failed: string }) => {
      if ('ready' in m) { started(); if (this.load === 0) this.idle(); return; }
      if ('failed' in m) { this.die(new Error(`the Parquet encoder worker could not start: ${m.failed}`)); refused(this.failure!); return; }
      const job = this.jobs.get(m.id);
      this.jobs.delete(m.id);
      if (job) this.onDone(performance.now() - job.startedAt);
      if (m.file) job?.resolve(m.file);
      else job?.reject(new Error(m.error));
    });
    this.worker.on('error', (err) => { this.die(err); refused(err); });
    this.worker.on('exit', (code) => { const err = new Error(`the Parquet encoder worker exited (code ${code})`); this.die(err); refused(err); });
  }

  /** Counts a file in, from the moment it is assigned (the worker may still be starting). */
  assign(): void {
    if (this.load++ === 0) {
      clearTimeout(this.idleTimer);
      this.worker.ref();
    }
  }

  /** Counts a file out (encoded, failed, or encoded elsewhere). */
  release(): void {
    if (--this.load === 0 && !this.failure) this.idle();
  }

  run(request: EncodeRequest): Promise<EncodedDataFile> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.jobs.set(request.id, { resolve, reject, startedAt: performance.now() });
      this.worker.postMessage(request, [request.ipc.buffer as ArrayBuffer]);
    });
  }

  private idle(): void {
    this.worker.unref();
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.die(new Error('the Parquet encoder worker was idle and has ended')), IDLE_MS).unref();
  }

  /** Fails its jobs (the files they were encoding are lost), leaves the pool and ends the thread. */
  private die(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    clearTimeout(this.idleTimer);
    for (const job of this.jobs.values()) job.reject(new Error(`Parquet encoding failed: ${err.message}`, { cause: err }));
    this.jobs.clear();
    this.onDead(this);
    void this.worker.terminate();
  }
}

export class EncodePool {
  private readonly workers: EncoderWorker[] = [];
  private nextId = 1;
  private encodedFiles = 0;
  private busyMs = 0;
  /** Why files are encoded in the caller's thread, or null while workers work. */
  fallback: string | null = null;

  constructor(private size: number) {}

  /** Lets the pool start up to `n` workers. */
  grow(n: number): void {
    this.size = Math.max(this.size, n);
  }

  /**
   * Encodes one data file's batches; resolves with its bytes and metrics. The rows are copied to
   * the worker as soon as it is ready, and the batches are not referenced after that.
   */
  encode(schema: Schema, arrow: ArrowSchema, batches: RecordBatch[], options: ParquetEncodeOptions): Promise<EncodedDataFile> {
    if (this.fallback !== null) return encodeDataFile(schema, arrow, batches, options);
    const worker = this.pick();
    worker.assign();
    const done = worker.ready.then(
      () => worker.run({ id: this.nextId++, schema, ipc: ipcOf(arrow, batches), options }),
      (err: Error) => {
        this.fallback = err.message;
        return encodeDataFile(schema, arrow, batches, options);
      },
    );
    void done.then(() => worker.release(), () => worker.release());
    return done;
  }

  /** Starts workers ahead of the files they will encode, so that their start-up overlaps the rows still to come. */
  warm(n: number): void {
    while (this.fallback === null && this.workers.length < Math.min(n, this.size)) this.start();
  }

  /** The idlest worker, starting another while all are busy and the pool may grow. */
  private pick(): EncoderWorker {
    let idlest = this.workers[0];
    for (const w of this.workers) if (w.load < idlest!.load) idlest = w;
    if (idlest && (idlest.load === 0 || this.workers.length >= this.size)) return idlest;
    return this.start();
  }

  private start(): EncoderWorker {
    const started = new EncoderWorker((dead) => {
      const at = this.workers.indexOf(dead);
      if (at >= 0) this.workers.splice(at, 1);
    }, (ms) => { this.encodedFiles++; this.busyMs += ms; });
    this.workers.push(started);
    return started;
  }

  status(): EncoderStatus {
    return { backend: 'wasm', workers: this.workers.length, maxWorkers: this.size, fallback: this.fallback, files: this.encodedFiles, busyMs: this.busyMs };
  }
}

/** The rows as one Arrow IPC stream in a buffer of its own (to transfer, not copy, to the worker). */
function ipcOf(arrow: ArrowSchema, batches: RecordBatch[]): Uint8Array {
  const ipc = tableToIPC(new ArrowTable(arrow, batches), 'stream');
  return ipc.byteOffset === 0 && ipc.byteLength === ipc.buffer.byteLength ? ipc : new Uint8Array(ipc);
}

export interface EncoderStatus {
  /** The codec data files are encoded with: native (on the libuv pool, no worker thread) or wasm. */
  backend: 'native' | 'wasm';
  /** Worker threads running now (wasm only). */
  workers: number;
  maxWorkers: number;
  /** Why encoding runs in the writer's thread instead, or null. */
  fallback: string | null;
  /** Files encoded so far, by workers or the native codec, and the time they took (from hand-over to result). */
  files: number;
  busyMs: number;
}

/**
 * Workers a writer uses by default: one per core, at most 3. Each file in flight holds its rows
 * (up to the writer's buffer) and each worker its own wasm heap, so more would cost more memory
 * than a desktop app should take for one write.
 */
export function defaultEncodeWorkers(): number {
  return Math.max(1, Math.min(availableParallelism(), 3));
}

let shared: EncodePool | undefined;

/** The process's encoder pool, allowed at least `workers` workers. */
export function encodePool(workers = defaultEncodeWorkers()): EncodePool {
  shared ??= new EncodePool(workers);
  shared.grow(workers);
  return shared;
}

const native = { files: 0, busyMs: 0 };

/** Counts a data file the native codec encoded (encode-native.ts), for `encoderStatus`. */
export function noteNativeEncode(ms: number): void {
  native.files++;
  native.busyMs += ms;
}

/** What the process's data file encoders did so far; the native codec's files when it encoded any. */
export function encoderStatus(): EncoderStatus {
  if (native.files > 0) return { backend: 'native', workers: 0, maxWorkers: defaultEncodeWorkers(), fallback: null, ...native };
  return shared?.status() ?? { backend: 'wasm', workers: 0, maxWorkers: defaultEncodeWorkers(), fallback: null, files: 0, busyMs: 0 };
}
