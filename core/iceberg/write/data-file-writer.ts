/**
 * Turns a stream of record batches into Parquet data files of a table: split by partition,
 * buffered per partition up to a memory bound, encoded with zstd (several files at once, off this
 * thread), written through FileIO, and described as DataFile entries with complete column metrics
 * for the manifest.
 *
 * Two encoders. The native codec (parquet-native.ts) encodes each file on the libuv pool from the
 * partition's batches where they lie, and the file's footer gives its column metrics
 * (encode-native.ts, footer-metrics.ts): this thread only splits, buffers and uploads. Without it,
 * parquet-wasm encodes in worker threads (encode-pool.ts) and the metrics are gathered here, from
 * the rows as they arrive (ColumnStats).
 *
 * Memory: at most `bufferBytes` of Arrow data waits in partitions, and about as much more is
 * being encoded, in files of bufferBytes / encodeWorkers (so that that many encode at once) but at
 * least 32 MiB: about twice `bufferBytes` of rows in all, plus the Parquet bytes waiting for the
 * store (at most 2 x encodeWorkers files). Native: a file's rows stay where they are until it is
 * encoded, and the encoder reads them there (a layout it cannot read in place, such as a
 * dictionary column, as a copy of one batch at a time); it adds the compressed row group it is
 * building. wasm: the rows are copied to a worker, which adds its wasm heap; encoding in this thread (files
 * under 4 MiB, or encodeWorkers 0), a file takes the whole `bufferBytes` and nothing waits while
 * it is encoded.
 */
import { randomUUID } from 'node:crypto';
import type { RecordBatch } from 'apache-arrow';
import type { FileIO } from '../../io/file-io.ts';
import { partitionPath } from '../spec/partition-path.ts';
import { ColumnStats, metricMaps } from '../spec/column-stats.ts';
import { FileContent, type DataFile, type PartitionSpec, type PartitionValues, type PrimitiveType, type Schema } from '../spec/types.ts';
import type { ParquetCompression, ParquetEncodeOptions } from '../parquet.ts';
import { nativeParquet, type ParquetAddon } from '../parquet-native.ts';
import { Partitioner } from './partitioner.ts';
import { BatchConformer } from './conform.ts';
import { encodeDataFile, type EncodedDataFile } from './encode-file.ts';
import { encodeDataFileNative } from './encode-native.ts';
import { defaultEncodeWorkers, encodePool, type EncodePool } from './encode-pool.ts';
import { heldBytes } from './held-bytes.ts';

export interface DataFileWriterOptions {
  io: FileIO;
  /** Table name for messages. */
  table: string;
  location: string;
  schema: Schema;
  spec: PartitionSpec;
  properties: Record<string, string>;
  /**
   * Arrow bytes buffered (all partitions together) before a file is written, and again at most
   * as many being encoded: the writer's memory bound (see above). Default 128 MiB.
   */
  bufferBytes?: number;
  /**
   * Files encoded at once (default: one per core, at most 3): on the libuv pool with the native
   * codec, else in the process's encoder worker threads. 0: one file at a time, and without the
   * native codec in this thread.
   */
  encodeWorkers?: number;
  signal?: AbortSignal;
}

interface Pending {
  values: PartitionValues;
  batches: RecordBatch[];
  bytes: number;
  rows: number;
  /** Metrics of the top-level primitive columns (by field id), gathered as the rows arrive; empty with the native codec. */
  stats: Map<number, ColumnStats>;
}

const DEFAULT_BUFFER_BYTES = 128 * 1024 * 1024;
const DEFAULT_ROW_GROUP_ROWS = 1_000_000;
/**
 * Smaller files are encoded in the writer's thread: in a worker they would cost more in copying
 * and (for the first) in starting the worker, a few hundred ms, than encoding them takes.
 */
const MIN_WORKER_FILE_BYTES = 4 * 1024 * 1024;
/**
 * Files are cut at bufferBytes / encodeWorkers so that every worker has one, but not below this:
 * a small buffer (a pipeline writing a day's rows in one file) keeps its whole-buffer files.
 */
const MIN_SPLIT_FILE_BYTES = 32 * 1024 * 1024;
/** Iceberg's default write.target-file-size-bytes. */
const DEFAULT_TARGET_FILE_BYTES = 512 * 1024 * 1024;

export class DataFileWriter {
  private readonly conformer: BatchConformer;
  private readonly partitioner: Partitioner;
  private readonly pending = new Map<string, Pending>();
  /** Data files in the order their rows were flushed (a slot stays empty until its upload is done). */
  private readonly files: (DataFile | undefined)[] = [];
  private readonly writerId = randomUUID();
  private bufferedBytes = 0;
  /** Files being encoded or uploaded (settles when the file is written, or has failed). */
  private readonly inFlight = new Set<Promise<void>>();
  /** Files being encoded in workers (settles when the encode is done). */
  private readonly encoding = new Set<Promise<void>>();
  private failure: { error: unknown } | null = null;
  private readonly bufferBytes: number;
  private readonly targetFileBytes: number;
  private readonly encodeOptions: ParquetEncodeOptions;
  private readonly dataDir: string;
  /** The native codec, which encodes on the libuv pool; null: parquet-wasm. */
  private readonly native: ParquetAddon | null;
  /** Encoder worker threads (parquet-wasm), or undefined to encode in this thread. */
  private readonly pool: EncodePool | undefined;
  private readonly maxInFlight: number;
  /** Rows per file when several encode at once: a partition holding this much is written out. */
  private readonly fileBytes: number;
  /** Parquet bytes per Arrow byte in the files written so far: sizes files by target-file-size-bytes. */
  private encodedArrowBytes = 0;
  private encodedParquetBytes = 0;

  constructor(private readonly o: DataFileWriterOptions) {
    this.conformer = new BatchConformer(o.table, o.schema);
    this.partitioner = new Partitioner(o.spec, o.schema);
    this.bufferBytes = o.bufferBytes ?? DEFAULT_BUFFER_BYTES;
    this.targetFileBytes = positiveProperty(o.properties, 'write.target-file-size-bytes', DEFAULT_TARGET_FILE_BYTES);
    // The Parquet properties PyIceberg honours too; unset ones keep the encoder's defaults.
    const optional = (name: string) => (o.properties[name] === undefined ? undefined : positiveProperty(o.properties, name, 0));
    this.encodeOptions = {
      compression: parquetCompression(o.properties['write.parquet.compression-codec'] ?? 'zstd'),
      compressionLevel: optional('write.parquet.compression-level'),
      rowGroupRows: positiveProperty(o.properties, 'write.parquet.row-group-limit', DEFAULT_ROW_GROUP_ROWS),
      dataPageBytes: optional('write.parquet.page-size-bytes'),
      dataPageRows: optional('write.parquet.page-row-limit'),
      dictionaryPageBytes: optional('write.parquet.dict-size-bytes'),
      keyValueMetadata: new Map([['iceberg.schema', JSON.stringify(o.schema)]]),
    };
    this.dataDir = (o.properties['write.data.path'] ?? `${o.location}/data`).replace(/\/+$/, '');
    const workers = o.encodeWorkers ?? defaultEncodeWorkers();
    this.native = nativeParquet();
    this.pool = workers > 0 && !this.native ? encodePool(workers) : undefined;
    this.maxInFlight = Math.max(1, workers);
    this.fileBytes = Math.max(this.bufferBytes / this.maxInFlight, Math.min(this.bufferBytes, MIN_SPLIT_FILE_BYTES));
  }

  async write(batch: RecordBatch): Promise<void> {
    this.throwIfFailed();
    if (batch.numRows === 0) return;
    const conformed = this.conformer.conform(batch);
    for (const slice of this.partitioner.split(conformed)) {
      let p = this.pending.get(slice.key);
      if (!p) {
        p = { values: slice.values, batches: [], bytes: 0, rows: 0, stats: this.newStats() };
        this.pending.set(slice.key, p);
      }
      if (p.stats.size > 0) for (const [i, field] of this.o.schema.fields.entries()) p.stats.get(field.id)?.add(slice.rows.data.children[i]!);
      // What the slice's rows take, not the buffers it shares with the batch it was cut from.
      const bytes = heldBytes(slice.rows.data);
      p.batches.push(slice.rows);
      p.bytes += bytes;
      p.rows += slice.rows.numRows;
      this.bufferedBytes += bytes;
      // Workers start once a file big enough for them is on its way, while its rows still arrive: a few hundred ms, hidden.
      if (this.pool && p.bytes >= MIN_WORKER_FILE_BYTES) this.pool.warm(this.maxInFlight);
      if (p.bytes * this.parquetPerArrowByte() >= this.targetFileBytes || p.bytes >= this.fileBytes) await this.flush(slice.key);
      // The bound is on everything buffered, across partitions: write the biggest partition out
      // (a day of sorted input is complete by the time the next day fills the buffer).
      else if (this.bufferedBytes >= this.bufferBytes) await this.flush(this.largestPending());
    }
  }

  private newStats(): Map<number, ColumnStats> {
    const stats = new Map<number, ColumnStats>();
    if (this.native) return stats; // the file's footer gives them
    // Metrics for top-level primitive columns.
    for (const f of this.o.schema.fields) if (typeof f.type === 'string') stats.set(f.id, new ColumnStats(f.type as PrimitiveType, {}, f.name));
    return stats;
  }

  /** Observed compression of this writer's files; 1 (a file's rows take at least its size) until one is written. */
  private parquetPerArrowByte(): number {
    return this.encodedArrowBytes > 0 ? this.encodedParquetBytes / this.encodedArrowBytes : 1;
  }

  private largestPending(): string {
    let key = '';
    let max = -1;
    for (const [k, p] of this.pending) if (p.bytes > max) { max = p.bytes; key = k; }
    return key;
  }

  /** Writes what is buffered and returns every data file written. */
  async close(): Promise<DataFile[]> {
    for (const key of [...this.pending.keys()]) await this.flush(key);
    await Promise.all(this.inFlight);
    this.throwIfFailed();
    return this.files.filter((f): f is DataFile => f !== undefined);
  }

  /** Removes the files written so far (the commit will not happen). */
  async abort(): Promise<void> {
    this.pending.clear();
    await Promise.all(this.inFlight);
    const written = this.files.filter((f): f is DataFile => f !== undefined);
    if (written.length > 0) await this.o.io.delete(written.map((f) => f.filePath));
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  private async flush(key: string): Promise<void> {
    const p = this.pending.get(key);
    if (!p) return;
    this.pending.delete(key);
    this.bufferedBytes -= p.bytes;
    this.o.signal?.throwIfAborted();
    const slot = this.files.length;
    this.files.push(undefined);
    const { batches, ...rows } = p;
    const pool = p.bytes >= MIN_WORKER_FILE_BYTES ? this.pool : undefined;
    if (this.native) {
      await this.freeSlot();
      // The batches stay in memory, unchanged, until the file is encoded: the encoder reads them where they are.
      this.track(encodeDataFileNative(this.native, this.o.schema, this.conformer.target, batches, this.encodeOptions), slot, rows);
    } else if (!pool) {
      // The encode blocks this thread; only the upload overlaps the next file's rows.
      const encoded = await encodeDataFile(this.o.schema, this.conformer.target, batches, this.encodeOptions);
      await this.freeSlot();
      this.launch(this.upload(slot, rows, encoded));
    } else {
      await this.freeSlot();
      // The encoder copies the rows when it starts: from then on they are no longer held here.
      this.track(pool.encode(this.o.schema, this.conformer.target, batches, this.encodeOptions), slot, rows);
    }
  }

  /** Counts a file as being encoded until it is, then uploads it. */
  private track(encoding: Promise<EncodedDataFile>, slot: number, rows: Omit<Pending, 'batches'>): void {
    const encoded = encoding.then(() => undefined, () => undefined);
    this.encoding.add(encoded);
    void encoded.then(() => this.encoding.delete(encoded));
    this.launch(encoding.then((file) => this.upload(slot, rows, file)));
  }

  /**
   * Waits until another file may be started: an encoder free (files of about bufferBytes /
   * maxInFlight, so the rows being encoded take about bufferBytes), and fewer than 2 x maxInFlight
   * encoded files waiting for the store (they wait in memory for a slow store, so they are bounded
   * too; counted apart from the files being encoded, so that a store slower than the encoders
   * never leaves an encoder idle while it could take a file).
   */
  private async freeSlot(): Promise<void> {
    // Files being encoded are in flight too (launch): the rest are waiting for the store.
    while (this.encoding.size >= this.maxInFlight || this.inFlight.size - this.encoding.size >= 2 * this.maxInFlight) {
      await Promise.race([...this.encoding, ...this.inFlight]);
    }
    this.throwIfFailed();
  }

  /** Runs while the caller goes on with the next rows; a failure surfaces at the next write or close. */
  private launch(work: Promise<void>): void {
    const task = work.catch((error: unknown) => { this.failure ??= { error }; });
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  private async upload(slot: number, p: Omit<Pending, 'batches'>, encoded: EncodedDataFile): Promise<void> {
    if (encoded.rows !== p.rows) throw new Error(`Writing ${this.o.table}: ${p.rows} rows given, ${encoded.rows} in the encoded file`);
    this.encodedArrowBytes += p.bytes;
    this.encodedParquetBytes += encoded.bytes.length;
    const file = this.describe(slot, encoded, p);
    this.o.signal?.throwIfAborted();
    await this.o.io.write(file.filePath, encoded.bytes, { signal: this.o.signal });
    this.files[slot] = file;
  }

  private describe(slot: number, encoded: EncodedDataFile, p: Omit<Pending, 'batches'>): DataFile {
    const dir = partitionPath(this.o.spec, this.o.schema, p.values);
    const name = `${String(slot).padStart(5, '0')}-${this.writerId}.parquet`;
    const file: DataFile = {
      content: FileContent.Data, filePath: dir ? `${this.dataDir}/${dir}/${name}` : `${this.dataDir}/${name}`,
      fileFormat: 'PARQUET', partition: p.values, recordCount: BigInt(encoded.rows), fileSizeInBytes: BigInt(encoded.bytes.length),
      columnSizes: new Map([...encoded.columnSizes].map(([id, size]) => [id, BigInt(size)])),
      ...metricMaps(encoded.metrics ?? [...p.stats].map(([id, stats]) => [id, stats.metrics()])),
      sortOrderId: 0,
    };
    return file;
  }
}

function positiveProperty(properties: Record<string, string>, name: string, fallback: number): number {
  const text = properties[name];
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`table property ${name} must be a positive whole number, not "${text}"`);
  return n;
}

function parquetCompression(codec: string): ParquetCompression {
  const c = codec.toLowerCase();
  if (c === 'zstd' || c === 'snappy' || c === 'gzip' || c === 'uncompressed') return c;
  throw new Error(`write.parquet.compression-codec "${codec}" is not supported: use zstd, snappy, gzip or uncompressed`);
}
