/**
 * Parquet for Iceberg: encoding Arrow record batches into a Parquet file, and opening a Parquet
 * file for ranged reads through any FileIO (the footer, then only the column chunks asked for: a
 * 100-row preview reads one row group's chunks, not the file). The native codec (arrow-rs as a
 * Node-API addon, parquet-native.ts) does the work where it is built; parquet-wasm, the same
 * library compiled to wasm and about 3x slower, where it is not.
 */
import * as pw from 'parquet-wasm/node';
import { Table as ArrowTable, tableFromIPC, tableToIPC, type RecordBatch, type Schema as ArrowSchema } from 'apache-arrow';
import type { FileIO } from '../io/file-io.ts';
import { nativeParquet, type NativeFooterInfo } from './parquet-native.ts';
import { fileSource, memorySource, NativeParquetFile, type ByteSource } from './parquet-native-read.ts';
import { streamParquetNative } from './parquet-native-write.ts';

export type ParquetCompression = 'zstd' | 'snappy' | 'gzip' | 'uncompressed';

export interface ParquetEncodeOptions {
  compression: ParquetCompression;
  /** Rows per row group. */
  rowGroupRows: number;
  /** File key-value metadata (e.g. iceberg.schema). */
  keyValueMetadata?: Map<string, string>;
  /**
   * Dictionary encoding, on unless turned off here, per column by name in `dictionaryColumns`.
   * It pays on repetitive columns; on unique ones (ids) it costs time and saves nothing.
   */
  dictionary?: boolean;
  dictionaryColumns?: Record<string, boolean>;
  /** Min/max statistics per column chunk (the default: scans prune files and row groups with them), or none. */
  statistics?: 'chunk' | 'none';
  /** zstd or gzip level, as Iceberg's write.parquet.compression-level (native codec only; zstd's default is 1). */
  compressionLevel?: number;
  /** Bytes of a data page before compression, as Iceberg's write.parquet.page-size-bytes (default 1 MiB). */
  dataPageBytes?: number;
  /** Rows of a data page at most, as Iceberg's write.parquet.page-row-limit (default 20,000; native codec only). */
  dataPageRows?: number;
  /** Bytes of a column chunk's dictionary before it falls back to plain encoding, as Iceberg's write.parquet.dict-size-bytes (default 1 MiB). */
  dictionaryPageBytes?: number;
}

/** Which codec this process uses, for logs and benchmarks. */
export function parquetBackend(): 'native' | 'wasm' {
  return nativeParquet() ? 'native' : 'wasm';
}

const COMPRESSION: Record<ParquetCompression, pw.Compression> = {
  zstd: pw.Compression.ZSTD, snappy: pw.Compression.SNAPPY, gzip: pw.Compression.GZIP, uncompressed: pw.Compression.UNCOMPRESSED,
};

/**
 * Encodes batches that share one schema into one Parquet file.
 *
 * The batches go into the encoder one at a time (streamParquet): it holds one batch and the row
 * group being encoded, not the whole file's Arrow data twice (an IPC copy plus the table decoded
 * from it), and no JS copy of the whole file in IPC form exists.
 */
export interface EncodedParquet {
  bytes: Uint8Array;
  /** The file's footer, already checked to hold every row given. */
  footer: ParquetReader;
}

export async function encodeParquet(schema: ArrowSchema, batches: RecordBatch[], o: ParquetEncodeOptions): Promise<EncodedParquet> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of streamParquet(schema, batches, o)) chunks.push(chunk);
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  // The writer ends a file early, without an error, on a batch it cannot take: count the rows.
  const given = batches.reduce((n, b) => n + b.numRows, 0);
  const footer = await ParquetReader.fromBytes(bytes);
  if (footer.numRows !== given) throw new Error(`Parquet encoding lost rows: ${given} given, ${footer.numRows} in the file footer`);
  return { bytes, footer };
}

/**
 * The bytes of one Parquet file, streamed from batches that share `schema`: the encoder holds one
 * batch and the row group being encoded, never the whole file, so a table of any size streams
 * through in bounded memory. The caller must check the written file's row count (the footer):
 * parquet-wasm ends a file early, without an error, on a batch it cannot take.
 */
export function streamParquet(
  schema: ArrowSchema, batches: Iterable<RecordBatch> | AsyncIterable<RecordBatch>, o: ParquetEncodeOptions,
): AsyncGenerator<Uint8Array> {
  const addon = nativeParquet();
  return addon ? streamParquetNative(addon, schema, batches, o) : streamParquetWasm(schema, batches, o);
}

async function* streamParquetWasm(
  schema: ArrowSchema, batches: Iterable<RecordBatch> | AsyncIterable<RecordBatch>, o: ParquetEncodeOptions,
): AsyncGenerator<Uint8Array> {
  let props = new pw.WriterPropertiesBuilder()
    .setCompression(COMPRESSION[o.compression])
    .setMaxRowGroupSize(o.rowGroupRows)
    .setStatisticsEnabled(o.statistics === 'none' ? pw.EnabledStatistics.None : pw.EnabledStatistics.Chunk)
    .setCreatedBy('floe');
  if (o.dataPageBytes !== undefined) props = props.setDataPageSizeLimit(o.dataPageBytes);
  if (o.dictionaryPageBytes !== undefined) props = props.setDictionaryPageSizeLimit(o.dictionaryPageBytes);
  if (o.keyValueMetadata) props = props.setKeyValueMetadata(o.keyValueMetadata);
  if (o.dictionary !== undefined) props = props.setDictionaryEnabled(o.dictionary);
  for (const [column, on] of Object.entries(o.dictionaryColumns ?? {})) props = props.setColumnDictionaryEnabled(column, on);
  const it = Symbol.asyncIterator in batches ? batches[Symbol.asyncIterator]() : batches[Symbol.iterator]();
  const first = await it.next();
  // The streaming writer takes its schema from the first batch, so it cannot write a file of none.
  if (first.done) {
    yield pw.writeParquet(pw.Table.fromIPCStream(tableToIPC(new ArrowTable(schema, []), 'stream')), props.build());
    return;
  }
  let pending: IteratorResult<RecordBatch> | undefined = first;
  let failure: unknown;
  let stopping = false;
  const input = new ReadableStream<pw.RecordBatch>({
    async pull(controller) {
      try {
        if (stopping) { controller.close(); return; }
        const next = pending ?? await it.next();
        pending = undefined;
        if (next.done) { controller.close(); return; }
        const wasmTable = pw.Table.fromIPCStream(tableToIPC(new ArrowTable(schema, [next.value]), 'stream'));
        try {
          controller.enqueue(wasmTable.recordBatch(0)!); // the writer takes ownership of the batch
        } finally {
          wasmTable.free(); // else the wrapper holds the batch's wasm memory until a finalizer runs
        }
      } catch (err) {
        // An error raised in here would be swallowed by the writer, which just ends the file early.
        failure = err;
        controller.close();
      }
    },
  });
  const reader = (await pw.transformParquetStream(input, props.build()) as ReadableStream<Uint8Array>).getReader();
  let finished = false;
  try {
    for (let r = await reader.read(); !r.done; r = await reader.read()) yield r.value;
    finished = true;
  } finally {
    if (!finished) {
      // The consumer stopped early (a cancelled run, a failed upload). Cancelling the wasm writer
      // mid-file makes it panic and take the process down, so end its input and let it finish.
      stopping = true;
      await it.return?.();
      while (!(await reader.read()).done);
    }
  }
  if (failure !== undefined) throw failure;
}

/**
 * Read errors behind parquet-wasm calls. A rejected read reaches parquet-wasm as a Rust panic
 * that kills the process, whatever bytes are returned instead, so a failed read is never answered:
 * it is recorded here, and the caller's race against `failed` raises it. The wasm call left waiting
 * is dropped with its reader (rare, and far better than a crash).
 */
class ReadFailures {
  private readonly listeners = new Set<(err: unknown) => void>();
  first: unknown;
  failed = false;

  record(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.first = err;
    for (const l of this.listeners) l(err);
  }

  /** `work`, or the first read error behind it, whichever comes first. */
  race<T>(work: Promise<T>, path: string): Promise<T> {
    if (this.failed) return Promise.reject(readError(this.first, path));
    let listener: ((err: unknown) => void) | undefined;
    const failure = new Promise<never>((_, reject) => {
      listener = (err) => reject(readError(err, path));
      this.listeners.add(listener);
    });
    return Promise.race([work, failure]).finally(() => this.listeners.delete(listener!));
  }
}

const readErrors = new WeakSet<object>();

/** A failed read of the file's bytes, as the caller sees it: aborts as themselves, others with the path. */
function readError(err: unknown, path: string): Error {
  const out = err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError')
    ? err
    : new Error(`Reading Parquet file ${path} failed: ${errorText(err)}`, { cause: err });
  readErrors.add(out);
  return out;
}

function isReadError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && readErrors.has(err);
}

/**
 * A Blob whose bytes are fetched from a FileIO only when parquet-wasm slices and reads them.
 * parquet-wasm reads files through Blob.slice().arrayBuffer(), so this turns its reads into
 * ranged GETs without downloading the file.
 */
class RangedBlob extends Blob {
  constructor(
    private readonly io: FileIO,
    private readonly path: string,
    private readonly start: number,
    private readonly end: number,
    private readonly signal: AbortSignal | undefined,
    readonly failures: ReadFailures,
  ) {
    super([]);
  }

  // @ts-expect-error Blob's size is an accessor at run time; the type declarations call it a property.
  override get size(): number {
    return this.end - this.start;
  }

  override slice(start = 0, end = this.size): Blob {
    const s = Math.min(Math.max(0, start < 0 ? this.size + start : start), this.size);
    const e = Math.min(Math.max(s, end < 0 ? this.size + end : end), this.size);
    return new RangedBlob(this.io, this.path, this.start + s, this.start + e, this.signal, this.failures);
  }

  override async arrayBuffer(): Promise<ArrayBuffer> {
    try {
      const bytes = await this.io.readRange(this.path, this.start, this.end - this.start, this.signal);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    } catch (err) {
      this.failures.record(err);
      return new Promise<never>(() => undefined); // see ReadFailures
    }
  }
}

export interface ParquetReadOptions {
  columns?: string[];
  limit?: number;
  batchSize?: number;
  rowGroups?: number[];
}

/** One Parquet file opened for reading, by either codec. */
interface OpenFile {
  readonly numRows: number;
  arrowSchema(): ArrowSchema;
  /** Row groups with their column chunks' statistics, where the codec reads them (native only). */
  statistics?(): NativeFooterInfo;
  columnSizes(): Map<string, number>;
  batches(o: ParquetReadOptions): AsyncGenerator<RecordBatch>;
}

export class ParquetReader {
  private constructor(readonly path: string, private readonly file: OpenFile) {}

  /** Opens a file of known size (from the manifest) and reads its footer. */
  static async open(io: FileIO, path: string, size: number, signal?: AbortSignal): Promise<ParquetReader> {
    const native = await openNative(fileSource(io, path, signal, (err) => readError(err, path)), size, path);
    return new ParquetReader(path, native ?? await WasmFile.open(io, path, size, signal));
  }

  /** A file already in memory (just encoded): its footer, without another read. */
  static async fromBytes(bytes: Uint8Array, path = '(in memory)'): Promise<ParquetReader> {
    const native = await openNative(memorySource(bytes), bytes.length, path);
    return new ParquetReader(path, native ?? new WasmFile(path, await pw.ParquetFile.fromFile(new Blob([bytes]))));
  }

  get numRows(): number {
    return this.file.numRows;
  }

  /** Top-level Parquet columns by the Iceberg field id they carry (empty for files written without ids). */
  async fieldIds(): Promise<Map<number, string>> {
    const ids = new Map<number, string>();
    for (const field of this.file.arrowSchema().fields) {
      const raw = field.metadata.get('PARQUET:field_id');
      if (raw !== undefined) ids.set(Number(raw), field.name);
    }
    return ids;
  }

  /** Compressed bytes per top-level column name, summed over row groups. */
  columnSizes(): Map<string, number> {
    return this.file.columnSizes();
  }

  /** Arrow record batches, streamed in bounded memory; `columns` are top-level names (batches may hold more). */
  /** The file's Arrow schema (field ids in its metadata). */
  arrowSchema(): ArrowSchema {
    return this.file.arrowSchema();
  }

  /**
   * Row groups and their column chunks' statistics (min/max as Parquet stores them, null and NaN
   * counts), or null where the codec does not read them (parquet-wasm).
   */
  statistics(): NativeFooterInfo | null {
    return this.file.statistics?.() ?? null;
  }

  batches(o: ParquetReadOptions = {}): AsyncGenerator<RecordBatch> {
    return this.file.batches(o);
  }
}

/** The file through the native codec, or null where it is not built or cannot decode this file. */
async function openNative(source: ByteSource, size: number, path: string): Promise<OpenFile | null> {
  const addon = nativeParquet();
  if (!addon) return null;
  let file: NativeParquetFile | null;
  try {
    file = await NativeParquetFile.open(addon, source, size);
  } catch (err) {
    if (isReadError(err)) throw err;
    throw new Error(`Cannot open Parquet file ${path}: ${errorText(err)}`, { cause: err });
  }
  if (!file) return null;
  const f = file;
  return {
    numRows: f.numRows,
    arrowSchema: () => f.arrowSchema(),
    statistics: () => f.statistics(),
    columnSizes: () => f.columnSizes(),
    batches: (o) => f.batches(o, (err) => (isReadError(err) ? err as Error : new Error(`Cannot read Parquet file ${path}: ${errorText(err)}`, { cause: err }))),
  };
}

class WasmFile implements OpenFile {
  constructor(readonly path: string, private readonly file: pw.ParquetFile, private readonly failures = new ReadFailures()) {}

  static async open(io: FileIO, path: string, size: number, signal?: AbortSignal): Promise<WasmFile> {
    const failures = new ReadFailures();
    let file: pw.ParquetFile;
    try {
      file = await failures.race(pw.ParquetFile.fromFile(new RangedBlob(io, path, 0, size, signal, failures)), path);
    } catch (err) {
      if (failures.failed) throw err;
      throw new Error(`Cannot open Parquet file ${path}: ${errorText(err)}`, { cause: err });
    }
    return new WasmFile(path, file, failures);
  }

  get numRows(): number {
    return this.file.metadata().fileMetadata().numRows();
  }

  arrowSchema(): ArrowSchema {
    return tableFromIPC(this.file.schema().intoIPCStream()).schema;
  }

  columnSizes(): Map<string, number> {
    const sizes = new Map<string, number>();
    for (const rg of this.file.metadata().rowGroups()) {
      for (const col of rg.columns()) {
        const name = col.columnPath()[0]!;
        sizes.set(name, (sizes.get(name) ?? 0) + col.compressedSize());
      }
    }
    return sizes;
  }

  /**
   * The `columns` to hand parquet-wasm for a projection of top-level columns, or undefined to read
   * them all. parquet-wasm 0.8 matches a name against leaf paths ("col.list.element") by indexing
   * characters with a byte length, so a nested column whose name is not ASCII panics the wasm
   * module (an uncaught crash) or drops leaves. Such a column is asked for by its exact leaf paths
   * instead, which that code never reaches unless one leaf path is a prefix of another: then the
   * file is read whole and the caller picks its columns from the batches, as it does anyway.
   */
  private projection(columns: string[] | undefined): string[] | undefined {
    const isAscii = (name: string) => [...name].every((c) => c.charCodeAt(0) < 0x80);
    if (!columns || columns.every(isAscii)) return columns;
    const leaves = this.file.metadata().rowGroups()[0]?.columns().map((c) => c.columnPath()) ?? [];
    const paths = leaves.map((parts) => parts.join('.'));
    const out: string[] = [];
    for (const name of columns) {
      if (isAscii(name)) { out.push(name); continue; }
      const own = leaves.filter((parts) => parts[0] === name).map((parts) => parts.join('.'));
      if (own.length === 0 || own.some((leaf) => paths.some((p) => p !== leaf && p.startsWith(leaf)))) return undefined;
      out.push(...own);
    }
    return out;
  }

  async *batches(o: ParquetReadOptions): AsyncGenerator<RecordBatch> {
    let stream: ReadableStream<pw.RecordBatch>;
    try {
      const columns = this.projection(o.columns);
      stream = await this.failures.race(this.file.stream({ columns, limit: o.limit, batchSize: o.batchSize ?? 65536, rowGroups: o.rowGroups }), this.path);
    } catch (err) {
      if (this.failures.failed) throw err;
      throw new Error(`Cannot read Parquet file ${this.path}: ${errorText(err)}`, { cause: err });
    }
    const reader = stream.getReader();
    for (;;) {
      const next = await this.failures.race(reader.read(), this.path);
      if (next.done) return;
      yield* tableFromIPC(next.value.intoIPCStream()).batches;
    }
  }
}

/** Reads a whole small Parquet file held in memory (tests, previews of local bytes). */
export function decodeParquet(bytes: Uint8Array): ArrowTable {
  return tableFromIPC(pw.readParquet(bytes).intoIPCStream());
}

// parquet-wasm throws strings and JS errors alike.
function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
