/**
 * Reading a Parquet file through the native codec. The bytes are fetched here, through the FileIO,
 * with ranged reads: the footer from the tail, then per row group only the projected column
 * chunks, coalesced into few reads. The addon decodes them on the libuv pool, a batch per call,
 * while the JS thread consumes the previous batch and the next row group is fetched. Batches come
 * back as the decoder's own buffers (arrow-from-native.ts), not copied into an IPC stream.
 */
import { tableFromIPC, type RecordBatch, type Schema as ArrowSchema } from 'apache-arrow';
import { batchesFromNative, type NativeColumns } from './arrow-from-native.ts';
import type { FileIO } from '../io/file-io.ts';
import type { FetchedRange, NativeFooter, NativeFooterInfo, ParquetAddon } from './parquet-native.ts';
import type { ParquetReadOptions } from './parquet.ts';

/** Tail bytes read to find the footer: one read for all but files of very many row groups or columns. */
const TAIL_BYTES = 64 * 1024;
/** Column chunks closer than this are fetched in one read: a gap costs less than a request. */
const MERGE_GAP = 1024 * 1024;
/**
 * Batches decoded per call into the addon. More per call saved nothing measurable (the next call
 * is already in flight while a batch is consumed) and holds more decoded memory at once.
 */
const BATCHES_PER_CALL = 1;
/** `FLOE_PARQUET_BATCHES=ipc` has decoded batches copied into IPC streams, as before buffers crossed in place (to compare). */
const VIA_IPC = process.env.FLOE_PARQUET_BATCHES === 'ipc';

export interface ByteSource {
  read(offset: number, length: number): Promise<Uint8Array>;
}

export function fileSource(io: FileIO, path: string, signal: AbortSignal | undefined, onError: (err: unknown) => Error): ByteSource {
  return {
    read: async (offset, length) => {
      try {
        return await io.readRange(path, offset, length, signal);
      } catch (err) {
        throw onError(err);
      }
    },
  };
}

export function memorySource(bytes: Uint8Array): ByteSource {
  return { read: (offset, length) => Promise.resolve(bytes.subarray(offset, offset + length)) };
}

export class NativeParquetFile {
  private schema: ArrowSchema | undefined;
  private withStatistics: NativeFooterInfo | undefined;
  /** The last schema a decoder sent, and its bytes: a file's decoders share one Schema object. */
  private decoded: { ipc: Buffer; schema: ArrowSchema } | undefined;

  private constructor(
    private readonly addon: ParquetAddon,
    private readonly source: ByteSource,
    private readonly footer: NativeFooter,
    readonly info: NativeFooterInfo,
    /** The file's last bytes, read for the footer: a small file's column chunks are in them too. */
    private readonly tail: FetchedRange,
  ) {}

  /** The file's footer, or null when this build cannot decode the file (the caller uses wasm). */
  static async open(addon: ParquetAddon, source: ByteSource, size: number): Promise<NativeParquetFile | null> {
    const first = Math.min(size, TAIL_BYTES);
    let tail = { offset: size - first, bytes: await source.read(size - first, first) };
    let parsed = addon.parseFooter(tail.bytes, size);
    if (typeof parsed === 'number') {
      const needed = parsed;
      tail = { offset: size - needed, bytes: await source.read(size - needed, needed) };
      parsed = addon.parseFooter(tail.bytes, size);
      if (typeof parsed === 'number') throw new Error(`the footer needs ${parsed} tail bytes after ${needed} were read`);
    }
    const info = parsed.info();
    return info.unsupported ? null : new NativeParquetFile(addon, source, parsed, info, tail);
  }

  get numRows(): number {
    return this.info.numRows;
  }

  /** The footer with each column chunk's min/max statistics (read once, on first use). */
  statistics(): NativeFooterInfo {
    this.withStatistics ??= this.footer.info(true);
    return this.withStatistics;
  }

  arrowSchema(): ArrowSchema {
    this.schema ??= tableFromIPC(this.footer.arrowSchema()).schema;
    return this.schema;
  }

  columnSizes(): Map<string, number> {
    const sizes = new Map<string, number>();
    for (const rg of this.info.rowGroups) {
      rg.columns.forEach((chunk, leaf) => {
        const name = this.info.leaves[leaf]![0]!;
        sizes.set(name, (sizes.get(name) ?? 0) + chunk.compressedSize);
      });
    }
    return sizes;
  }

  /** A decoder's result as batches; `schema` is that decoder's, once it has sent it. */
  private toBatches(out: Buffer | NativeColumns, schema: ArrowSchema | undefined): { batches: RecordBatch[]; schema: ArrowSchema | undefined } {
    if (out instanceof Uint8Array) return { batches: tableFromIPC(out).batches, schema };
    if (out.schema) {
      if (!this.decoded?.ipc.equals(out.schema)) this.decoded = { ipc: out.schema, schema: tableFromIPC(out.schema).schema };
      schema = this.decoded.schema;
    }
    if (!schema) throw new Error('the native decoder sent batches before their schema');
    return { batches: batchesFromNative(schema, out), schema };
  }

  /** Leaf indices of the top-level `columns`, or null for all. */
  private leaves(columns: string[] | undefined): number[] | null {
    if (!columns) return null;
    const wanted = new Set(columns);
    return this.info.leaves.flatMap((path, i) => (wanted.has(path[0]!) ? [i] : []));
  }

  /** The bytes of `leaves`' chunks in a row group, chunks close together fetched in one read. */
  private async fetch(rowGroup: number, leaves: number[] | null): Promise<FetchedRange[]> {
    const chunks = this.info.rowGroups[rowGroup]!.columns;
    const spans = (leaves ?? chunks.map((_, i) => i))
      .map((i) => chunks[i]!)
      .filter((c) => c.length > 0)
      .map((c) => [c.start, c.start + c.length] as [number, number])
      .sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const [start, end] of spans) {
      const last = merged[merged.length - 1];
      if (last && start - last[1] <= MERGE_GAP) last[1] = Math.max(last[1], end);
      else merged.push([start, end]);
    }
    const { offset: tailStart, bytes: tail } = this.tail;
    return Promise.all(merged.map(async ([start, end]) => ({
      offset: start,
      bytes: start >= tailStart && end <= tailStart + tail.length
        ? tail.subarray(start - tailStart, end - tailStart)
        : await this.source.read(start, end - start),
    })));
  }

  async *batches(o: ParquetReadOptions, onError: (err: unknown) => Error): AsyncGenerator<RecordBatch> {
    const limited = o.limit !== undefined;
    let remaining = o.limit ?? Infinity;
    const leaves = this.leaves(o.columns);
    const count = this.info.rowGroups.length;
    const bad = o.rowGroups?.find((i) => !Number.isInteger(i) || i < 0 || i >= count);
    if (bad !== undefined) throw onError(new Error(`row group ${bad} does not exist: the file has ${count}`));
    const groups = (o.rowGroups ?? this.info.rowGroups.map((_, i) => i)).filter((i) => this.info.rowGroups[i]!.numRows > 0);
    const fetchGroup = (k: number) => {
      const p = this.fetch(groups[k]!, leaves);
      p.catch(() => undefined); // awaited when its turn comes; never an unhandled rejection if the reader stops first
      return p;
    };
    let fetching = groups.length > 0 && remaining > 0 ? fetchGroup(0) : undefined;
    for (let k = 0; k < groups.length && remaining > 0; k++) {
      const ranges = await (fetching ?? fetchGroup(k));
      // A limited read (a preview) stops early: it fetches a row group only when it needs its rows.
      fetching = !limited && k + 1 < groups.length ? fetchGroup(k + 1) : undefined;
      const decoder = new this.addon.RowGroupDecoder(this.footer, groups[k]!, leaves, ranges, o.batchSize ?? 65536, limited ? remaining : null);
      let decoding: Promise<Buffer | NativeColumns | null> | undefined;
      let schema: ArrowSchema | undefined;
      try {
        decoding = decoder.next(BATCHES_PER_CALL, VIA_IPC);
        for (;;) {
          let out: Buffer | NativeColumns | null;
          try {
            out = await decoding;
          } catch (err) {
            throw onError(err);
          }
          if (!out) break;
          // The addon decodes the next batches while these are consumed.
          decoding = decoder.next(BATCHES_PER_CALL, VIA_IPC);
          decoding.catch(() => undefined);
          let batches: RecordBatch[];
          ({ batches, schema } = this.toBatches(out, schema));
          for (const batch of batches) {
            remaining -= batch.numRows;
            yield batch;
          }
        }
        decoding = undefined;
      } finally {
        await decoding?.catch(() => undefined);
        decoder.close();
      }
    }
  }
}
