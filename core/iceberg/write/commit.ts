/**
 * Committing a snapshot the way iceberg-rust and Java do: build it on the table as it is now,
 * try the catalog's compare-and-swap, and on a conflict refresh, re-validate and re-apply with
 * bounded, jittered backoff. A conflict is never surfaced as a crash; only running out of
 * attempts (or a failed validation) is.
 */
import type { RecordBatch } from 'apache-arrow';
import { formatIdentifier, type Catalog, type LoadedTable, type TableIdentifier } from '../catalog/catalog.ts';
import type { FileIOFor } from '../catalog/metadata-files.ts';
import { CommitConflictError } from '../spec/table-updates.ts';
import { DataFileWriter } from './data-file-writer.ts';
import { currentSchema, defaultSpec, produceAppend, produceReplaceAll, requireFormatV2, type SnapshotChanges } from './snapshot-producer.ts';

export interface RetryOptions {
  maxAttempts?: number;
  signal?: AbortSignal;
  /** Called on each conflict before the retry (for metrics and logs). */
  onConflict?: (attempt: number, err: CommitConflictError) => void;
}

export interface CommitResult {
  table: LoadedTable;
  snapshotId: bigint;
  attempts: number;
  summary: Record<string, string>;
}

/** Retries ran out: nothing was committed. */
export class CommitRetriesExhaustedError extends Error {
  constructor(id: TableIdentifier, attempts: number, cause: CommitConflictError) {
    super(`Gave up committing to ${formatIdentifier(id)} after ${attempts} conflicting attempts: other writers keep changing it. Try again later.`, { cause });
    this.name = 'CommitRetriesExhaustedError';
  }
}

/** The commit was not attempted (validation failed before it): nothing was committed. */
export class CommitAbandonedError extends Error {
  constructor(id: TableIdentifier, cause: Error) {
    super(`Did not commit to ${formatIdentifier(id)}: ${cause.message}`, { cause });
    this.name = 'CommitAbandonedError';
  }
}

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve, reject) => {
  const timer = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(timer); reject(signal.reason as Error); }, { once: true });
});

export async function commitWithRetry(
  catalog: Catalog, id: TableIdentifier, io: FileIOFor,
  build: (table: LoadedTable) => Promise<SnapshotChanges>, o: RetryOptions = {},
): Promise<CommitResult> {
  const maxAttempts = o.maxAttempts ?? 20;
  for (let attempt = 1; ; attempt++) {
    o.signal?.throwIfAborted();
    const table = await catalog.loadTable(id);
    let changes: SnapshotChanges;
    try {
      changes = await build(table);
    } catch (err) {
      throw err instanceof CommitAbandonedError ? err : new CommitAbandonedError(id, err as Error);
    }
    try {
      const committed = await catalog.commitTable(id, changes.requirements, changes.updates);
      return { table: committed, snapshotId: changes.snapshotId, attempts: attempt, summary: changes.summary };
    } catch (err) {
      if (!(err instanceof CommitConflictError)) throw err; // state unknown: keep the files, never delete committed ones
      await Promise.all(changes.written.map((p) => io(p).delete([p]))).catch(() => undefined);
      if (attempt >= maxAttempts) {
        throw new CommitRetriesExhaustedError(id, attempt, err);
      }
      o.onConflict?.(attempt, err);
      await sleep(Math.min(5000, 50 * 2 ** attempt) * (0.5 + Math.random()), o.signal);
    }
  }
}

export interface WriteOptions extends RetryOptions {
  mode: 'append' | 'replace';
  /** Extra snapshot summary properties. */
  summary?: Record<string, string>;
  /**
   * Runs on the fresh table before every commit attempt; throw to abandon the commit (e.g. the
   * Kafka offsets stored by another writer no longer match what this run consumed).
   */
  validate?: (table: LoadedTable) => void;
  bufferBytes?: number;
  /** Files encoded at once in encoder worker threads; 0 encodes in this thread (DataFileWriterOptions). */
  encodeWorkers?: number;
  /** Called once every data file is written, before the first commit attempt. */
  onDataFilesWritten?: (files: number, bytes: bigint) => void;
}

export interface WriteResult extends CommitResult {
  dataFiles: number;
  records: bigint;
  bytes: bigint;
}

/** Writes record batches as data files of a table and commits them in one snapshot. */
export async function writeTable(
  catalog: Catalog, id: TableIdentifier, io: FileIOFor,
  batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>, o: WriteOptions,
): Promise<WriteResult> {
  const start = await catalog.loadTable(id);
  const md = start.metadata;
  requireFormatV2(md, formatIdentifier(id), 'Writing to');
  const schemaId = md['current-schema-id'];
  const specId = md['default-spec-id'];
  const writer = new DataFileWriter({
    io: io(md.location), table: formatIdentifier(id), location: md.location, schema: currentSchema(md), spec: defaultSpec(md),
    properties: md.properties, bufferBytes: o.bufferBytes, encodeWorkers: o.encodeWorkers, signal: o.signal,
  });
  let files;
  try {
    for await (const batch of batches) await writer.write(batch);
    files = await writer.close();
    o.onDataFilesWritten?.(files.length, files.reduce((n, f) => n + f.fileSizeInBytes, 0n));
  } catch (err) {
    await writer.abort().catch(() => undefined);
    throw err;
  }
  const build = async (table: LoadedTable) => {
    const now = table.metadata;
    if (now['current-schema-id'] !== schemaId || now['default-spec-id'] !== specId) {
      throw new Error(`The schema or partitioning of ${formatIdentifier(id)} changed while data was being written; run again to write with the new one.`);
    }
    o.validate?.(table);
    const tableIo = io(now.location);
    return o.mode === 'append'
      ? produceAppend(tableIo, now, files, { summary: o.summary })
      : produceReplaceAll(tableIo, now, files, { summary: o.summary });
  };
  let result: CommitResult;
  try {
    result = await commitWithRetry(catalog, id, io, build, o);
  } catch (err) {
    // Certainly not committed: the data files are referenced by nothing. Any other error leaves the
    // commit's outcome unknown, and deleting files a committed snapshot uses would corrupt the table.
    if (err instanceof CommitAbandonedError || err instanceof CommitRetriesExhaustedError) await writer.abort().catch(() => undefined);
    throw err;
  }
  return {
    ...result, dataFiles: files.length,
    records: files.reduce((s, f) => s + f.recordCount, 0n), bytes: files.reduce((s, f) => s + f.fileSizeInBytes, 0n),
  };
}
