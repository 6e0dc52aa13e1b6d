/**
 * The native Parquet codec (native/parquet: arrow-rs's parquet crate as a Node-API addon), when it
 * is built. It encodes and decodes about 3x faster than the same code compiled to wasm, off the JS
 * thread, and several files at once; parquet-wasm stays the fallback where it is not built
 * (`native/parquet/build.sh` needs a Rust toolchain) or when `FLOE_PARQUET=wasm` asks for it.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { NativeColumns } from './arrow-from-native.ts';

export interface NativeWriterOptions {
  compression: 'zstd' | 'snappy' | 'gzip' | 'uncompressed';
  /** zstd 1-22 (default 1), gzip 0-10 (default 6). */
  compressionLevel?: number;
  maxRowGroupSize: number;
  statistics?: 'chunk' | 'page' | 'none';
  dictionary?: boolean;
  /** By top-level column name (all its leaves) or dotted leaf path. */
  dictionaryColumns?: Record<string, boolean>;
  keyValueMetadata?: { key: string; value: string }[];
  createdBy?: string;
  dataPageSize?: number;
  dataPageRowLimit?: number;
  writeBatchSize?: number;
  dictionaryPageSize?: number;
  /** Bytes kept of a string or binary min/max statistic (default 64); longer ones are truncated and marked inexact. */
  statisticsTruncateLength?: number;
  /** Top-level FixedSizeBinary(16) columns holding uuids, for `uuidOrdersAgree`. */
  uuidColumns?: string[];
}

/** One file being written; calls are awaited one at a time. */
export interface NativeParquetWriter {
  /**
   * Encodes the batches of an Arrow IPC stream, whole or as its parts in order; the file bytes
   * completed since the last call (often none). The input is copied before this returns.
   */
  write(ipc: Uint8Array | Uint8Array[]): Promise<Buffer>;
  /**
   * Encodes the batches of an Arrow IPC stream given as its parts in order, read on the pool
   * thread where they are (nothing is copied on the JS thread): they must not change until the
   * promise settles. With `finish`, the footer too. The file bytes completed by this call.
   */
  writeShared(parts: Uint8Array[], finish: boolean): Promise<Buffer>;
  /**
   * As `writeShared`, for batches given as their column buffers in place and a description of
   * them (parquet-native-write.ts `columnBuffers`, native/parquet/src/columns.rs).
   */
  writeColumns(description: Float64Array, buffers: Uint8Array[], finish: boolean): Promise<Buffer>;
  /** The rest of the file, footer included. */
  finish(): Promise<Buffer>;
  /** Drops an unfinished file. */
  abort(): void;
  /**
   * Per `uuidColumns` entry: whether java.util.UUID's order (signed halves) picks the same min
   * and max as the byte order of the footer's statistics, over the rows written so far.
   */
  uuidOrdersAgree(): Record<string, boolean>;
}

export interface NativeColumnChunk {
  /** Byte range in the file, dictionary page included. */
  start: number;
  length: number;
  compressedSize: number;
  uncompressedSize: number;
  nullCount?: number | null;
  /** With `info(true)`: min and max statistics as Parquet stores them (PLAIN-encoded bytes). */
  min?: Buffer | null;
  max?: Buffer | null;
  /** False when the statistic is a truncated bound (a min's prefix, a max's incremented prefix) rather than the value. */
  minExact?: boolean | null;
  maxExact?: boolean | null;
  /** NaNs among the values of a float or double chunk (no bound counts them). */
  nanCount?: number | null;
}

/** A leaf's Parquet physical type. */
export type ParquetPhysicalType = 'BOOLEAN' | 'INT32' | 'INT64' | 'INT96' | 'FLOAT' | 'DOUBLE' | 'BYTE_ARRAY' | 'FIXED_LEN_BYTE_ARRAY';

export interface NativeFooterInfo {
  numRows: number;
  createdBy?: string | null;
  keyValueMetadata: { key: string; value: string }[];
  /** Leaf column paths, by leaf index. */
  leaves: string[][];
  /** Physical type of each leaf. */
  leafTypes: ParquetPhysicalType[];
  /** `columns[i]` is the chunk of leaf `i`. */
  rowGroups: { numRows: number; columns: NativeColumnChunk[] }[];
  /** Set when this build cannot decode the file (say, a brotli codec). */
  unsupported?: string | null;
}

export interface NativeFooter {
  /** With `statistics`, each chunk's min/max statistics too. */
  info(statistics?: boolean): NativeFooterInfo;
  /** Arrow IPC stream of the file's schema (fields carry `PARQUET:field_id`). */
  arrowSchema(): Buffer;
}

export interface NativeRowGroupDecoder {
  /**
   * The next `batches` batches (default 1; fewer at the end) as their buffers in place
   * (arrow-from-native.ts), or as an Arrow IPC stream where a column's layout needs it (dictionaries,
   * views...), where `ipc` asks for it, or from an addon built before buffers; null after the last.
   */
  next(batches?: number, ipc?: boolean): Promise<Buffer | NativeColumns | null>;
  close(): void;
}

export interface FetchedRange { offset: number; bytes: Uint8Array }

/** The addon's exports (native/parquet/src). */
export interface ParquetAddon {
  ParquetWriter: new (schemaIpc: Uint8Array, options: NativeWriterOptions) => NativeParquetWriter;
  /** The footer, or how many tail bytes it needs when `tail` is too short. */
  parseFooter(tail: Uint8Array, fileSize: number): NativeFooter | number;
  RowGroupDecoder: new (
    footer: NativeFooter, rowGroup: number, leaves: number[] | null, ranges: FetchedRange[], batchRows: number, limit: number | null,
  ) => NativeRowGroupDecoder;
  /** Detaches ArrayBuffers the decoder handed out (lent-batches.ts); throws on any other value. */
  detachArrayBuffers(buffers: ArrayBuffer[]): void;
}

export const ADDON_PATH = fileURLToPath(new URL('../../native/parquet/floe_parquet.node', import.meta.url));

let loaded: { addon: ParquetAddon | null; reason: string } | undefined;

function load(): { addon: ParquetAddon | null; reason: string } {
  if (process.env.FLOE_PARQUET === 'wasm') return { addon: null, reason: 'FLOE_PARQUET=wasm' };
  let exports: Partial<ParquetAddon>;
  try {
    exports = createRequire(import.meta.url)(ADDON_PATH) as Partial<ParquetAddon>;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'MODULE_NOT_FOUND' ? `${ADDON_PATH} is not built (native/parquet/build.sh)` : `${ADDON_PATH} failed to load: ${(err as Error).message}`;
    return { addon: null, reason };
  }
  // An addon from an older build may lack what this code calls: better wasm than a TypeError mid-write.
  if (typeof exports.ParquetWriter !== 'function' || typeof exports.parseFooter !== 'function' || typeof exports.RowGroupDecoder !== 'function'
    || typeof exports.detachArrayBuffers !== 'function'
    || typeof (exports.ParquetWriter.prototype as Partial<NativeParquetWriter>).writeColumns !== 'function') {
    return { addon: null, reason: `${ADDON_PATH} is out of date (rebuild with native/parquet/build.sh)` };
  }
  return { addon: exports as ParquetAddon, reason: `native (${ADDON_PATH})` };
}

/** The addon, or null when it is not built, fails to load, or `FLOE_PARQUET=wasm`. Loaded once. */
export function nativeParquet(): ParquetAddon | null {
  loaded ??= load();
  return loaded.addon;
}

/** Why the native codec is or is not used, for a debug log. */
export function nativeParquetStatus(): string {
  loaded ??= load();
  return loaded.reason;
}
