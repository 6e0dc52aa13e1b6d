/**
 * One measured Floe phase of the Iceberg benchmark, in a process of its own so that its peak RSS
 * is its own (parquet-wasm's memory never shrinks: a scan measured after a write in the same
 * process would carry the write's wasm heap). Run by test/bench/iceberg.ts:
 *   node <tsx loader> test/bench/floe-phase.ts '<PhaseRequest JSON>'
 * Prints one JSON line (PhaseResult) on stdout.
 */
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RecordBatchReader, tableFromIPC, type RecordBatch } from 'apache-arrow';
import { SqlCatalog } from '../../core/iceberg/catalog/sql-catalog.ts';
import { PostgresDriver, SqliteDriver } from '../../core/iceberg/catalog/sql-driver.ts';
import { parseIdentifier } from '../../core/iceberg/catalog/catalog.ts';
import { planFiles, resolveSnapshot, scanTable } from '../../core/iceberg/read/scan.ts';
import { writeTable } from '../../core/iceberg/write/commit.ts';
import { encoderStatus, type EncoderStatus } from '../../core/iceberg/write/encode-pool.ts';
import type { FileIO } from '../../core/io/file-io.ts';
import { fileIOFor, releaseFileIOs } from '../../core/io/resolve-file-io.ts';
import { s3Config } from '../integration/iceberg/catalogs.ts';
import { PhaseMeter, type RssPeak } from './phase-meter.ts';
import { TRAINING_DATA_SCHEMA, trainingDataBatches } from './training-data.ts';

export type PhaseRequest =
  | { phase: 'write'; catalog: CatalogAddress; table: string; rows: number; batchRows: number; ipc?: string; inMemory?: boolean; encodeWorkers?: number }
  | { phase: 'scan'; catalog: CatalogAddress; table: string; lendBatches?: boolean }
  | { phase: 'preview'; catalog: CatalogAddress; table: string; runs: number; limit: number }
  /** The store alone: GET every data file of `table`, then PUT the same bytes back (as the writer, two at a time). */
  | { phase: 'store'; catalog: CatalogAddress; table: string }
  /** The encoding alone: the write phase's rows appended to a table in a local folder (SQLite catalog), no S3. */
  | { phase: 'encode'; table: string; ipc: string; dir: string };

export interface CatalogAddress { uri: string; warehouse: string }

export interface IoCounts { gets: number; bytesRead: number; puts: number; bytesWritten: number }

export interface PhaseResult {
  wallMs: number;
  /** CPU time of the whole process (all threads) during the phase. */
  cpuMs: number;
  rows: number;
  rss: RssPeak;
  io: IoCounts;
  /** write: time spent generating the rows (or reading them from the IPC file), inside wallMs. */
  generateMs?: number;
  /** write: where the Parquet encoding ran. */
  encoder?: EncoderStatus;
  dataFiles?: number;
  dataBytes?: number;
  /** scan: sum of views_1hr over all rows, to show both readers saw the same data. */
  checksum?: number;
  /** preview: wall time of each run (load table + plan + read), ms. */
  runsMs?: number[];
  /** store: time to GET every data file, and to PUT the same bytes back, ms. */
  getMs?: number;
  putMs?: number;
}

/** A FileIO that counts requests and bytes, to say what a phase cost the store. */
function counting(io: FileIO, counts: IoCounts): FileIO {
  return {
    read: async (path, signal) => { const b = await io.read(path, signal); counts.gets++; counts.bytesRead += b.length; return b; },
    readRange: async (path, offset, length, signal) => {
      const b = await io.readRange(path, offset, length, signal);
      counts.gets++; counts.bytesRead += b.length;
      return b;
    },
    stat: (path, signal) => io.stat(path, signal),
    write: async (path, data, o) => { await io.write(path, data, o); counts.puts++; counts.bytesWritten += data.length; },
    writeStream: async (path, source, o) => { const n = await io.writeStream(path, source, o); counts.puts++; counts.bytesWritten += n; return n; },
    delete: (paths, signal) => io.delete(paths, signal),
    list: (prefix, signal) => io.list(prefix, signal),
  };
}

/** Passes batches through, adding up the time spent producing them. */
async function* timed(batches: Iterable<RecordBatch> | AsyncIterable<RecordBatch>, spent: { ms: number }): AsyncGenerator<RecordBatch> {
  const it = Symbol.asyncIterator in batches ? batches[Symbol.asyncIterator]() : batches[Symbol.iterator]();
  for (;;) {
    const t0 = performance.now();
    const next = await it.next();
    spent.ms += performance.now() - t0;
    if (next.done) return;
    yield next.value;
  }
}

/** The batches of an Arrow IPC file, read as they are needed (the file is bigger than memory should hold). */
async function* ipcBatches(path: string): AsyncGenerator<RecordBatch> {
  const file = await open(path);
  try {
    yield* await RecordBatchReader.from(file);
  } finally {
    await file.close();
  }
}

/** Runs `work` on every item, `width` at a time. */
async function inParallel<T>(items: T[], width: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i]!, i);
    }
  }));
}

async function run(req: PhaseRequest): Promise<PhaseResult> {
  if (req.phase === 'encode') return encodeOnly(req);
  const counts: IoCounts = { gets: 0, bytesRead: 0, puts: 0, bytesWritten: 0 };
  const s3 = s3Config();
  const io = (location: string) => counting(fileIOFor(location, s3), counts);
  const catalog = new SqlCatalog({ name: 'gourmetgram', driver: new PostgresDriver(req.catalog.uri), warehouse: req.catalog.warehouse, io });
  const id = parseIdentifier(req.table);
  try {
    if (req.phase === 'write') {
      const spent = { ms: 0 };
      // In memory: the whole table is loaded before the clock starts, as PyIceberg's append takes it.
      const loaded = req.ipc && req.inMemory ? tableFromIPC(await readFile(req.ipc)).batches : undefined;
      const meter = new PhaseMeter();
      const t0 = performance.now();
      const input = loaded ?? (req.ipc ? ipcBatches(req.ipc) : trainingDataBatches(req.rows, req.batchRows));
      const result = await writeTable(catalog, id, io, timed(input, spent), { mode: 'append', encodeWorkers: req.encodeWorkers });
      const wallMs = performance.now() - t0;
      return {
        wallMs, rows: Number(result.records), ...await meter.stop(), io: counts, generateMs: spent.ms,
        dataFiles: result.dataFiles, dataBytes: Number(result.bytes), encoder: encoderStatus(),
      };
    }
    if (req.phase === 'store') {
      const { metadata } = await catalog.loadTable(id);
      const fileIo = io(metadata.location);
      const files = (await planFiles(fileIo, metadata, resolveSnapshot(metadata))).map((t) => t.file.filePath);
      const meter = new PhaseMeter();
      const bodies: Uint8Array[] = [];
      const t0 = performance.now();
      await inParallel(files, 2, async (path, i) => { bodies[i] = await fileIo.read(path); });
      const t1 = performance.now();
      const probes = files.map((_, i) => `${metadata.location}/store-probe/${i}.bin`);
      await inParallel(bodies, 2, (bytes, i) => fileIo.write(probes[i]!, bytes));
      const t2 = performance.now();
      await fileIo.delete(probes);
      return { wallMs: t2 - t0, getMs: t1 - t0, putMs: t2 - t1, rows: 0, ...await meter.stop(), io: counts };
    }
    if (req.phase === 'scan') {
      const meter = new PhaseMeter();
      const t0 = performance.now();
      const { metadata } = await catalog.loadTable(id);
      let rows = 0;
      let checksum = 0;
      for await (const batch of scanTable(io(metadata.location), metadata, { lendBatches: req.lendBatches })) {
        rows += batch.numRows;
        checksum += sumLongs(batch, 'views_1hr');
      }
      const wallMs = performance.now() - t0;
      return { wallMs, rows, checksum, ...await meter.stop(), io: counts };
    }
    const meter = new PhaseMeter();
    const runsMs: number[] = [];
    let rows = 0;
    for (let i = 0; i < req.runs; i++) {
      const t0 = performance.now();
      const { metadata } = await catalog.loadTable(id);
      rows = 0;
      for await (const batch of scanTable(io(metadata.location), metadata, { limit: req.limit })) rows += batch.numRows;
      runsMs.push(performance.now() - t0);
    }
    return { wallMs: runsMs.reduce((a, b) => a + b, 0), rows, runsMs, ...await meter.stop(), io: counts };
  } finally {
    await catalog.close();
    releaseFileIOs();
  }
}

/** The write phase's rows appended to a fresh table in a local folder: what encoding costs without the store. */
async function encodeOnly(req: Extract<PhaseRequest, { phase: 'encode' }>): Promise<PhaseResult> {
  const loaded = tableFromIPC(await readFile(req.ipc)).batches;
  const catalog = new SqlCatalog({ name: 'local', driver: new SqliteDriver(join(req.dir, 'catalog.db')), warehouse: `file://${req.dir}/warehouse`, io: (l) => fileIOFor(l, {}) });
  const id = parseIdentifier(req.table);
  try {
    await catalog.createNamespace(id.namespace);
    await catalog.createTable(id, { schema: TRAINING_DATA_SCHEMA });
    const meter = new PhaseMeter();
    const t0 = performance.now();
    const result = await writeTable(catalog, id, (l) => fileIOFor(l, {}), loaded, { mode: 'append' });
    const wallMs = performance.now() - t0;
    return { wallMs, rows: Number(result.records), ...await meter.stop(), io: { gets: 0, bytesRead: 0, puts: 0, bytesWritten: 0 }, dataFiles: result.dataFiles, dataBytes: Number(result.bytes), encoder: encoderStatus() };
  } finally {
    await catalog.close();
  }
}

/** Sum of a long column's values (small ones: read as the low 32-bit words, no BigInt per value). */
function sumLongs(batch: RecordBatch, column: string): number {
  const data = batch.getChild(column)?.data ?? [];
  let sum = 0;
  for (const chunk of data) {
    const values = chunk.values as BigInt64Array;
    const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
    for (let i = 0; i < chunk.length; i++) sum += words[2 * i]!;
  }
  return sum;
}

const request = JSON.parse(process.argv[2] ?? '{}') as PhaseRequest;
process.stdout.write(`${JSON.stringify(await run(request))}\n`);
