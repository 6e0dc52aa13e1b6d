/**
 * Parquet encoding through the native codec: batches go in as Arrow IPC, one at a time, and the
 * file's bytes come out as its row groups complete, so memory holds one batch and the row group
 * being encoded. Encoding runs on the libuv pool while the JS thread builds the next batch.
 * `encodeFileNative` writes a whole file of batches that stay put in one call instead (the table
 * writer's files), and returns its footer's statistics with it.
 */
import { DataType, RecordBatchStreamWriter, Table as ArrowTable, tableToIPC, util, type Data, type RecordBatch, type Schema as ArrowSchema } from 'apache-arrow';
import type { NativeFooterInfo, NativeWriterOptions, ParquetAddon } from './parquet-native.ts';
import type { ParquetEncodeOptions } from './parquet.ts';

export function nativeWriterOptions(o: ParquetEncodeOptions): NativeWriterOptions {
  return {
    compression: o.compression,
    compressionLevel: o.compressionLevel,
    maxRowGroupSize: o.rowGroupRows,
    statistics: o.statistics ?? 'chunk',
    dictionary: o.dictionary,
    dictionaryColumns: o.dictionaryColumns,
    keyValueMetadata: o.keyValueMetadata ? [...o.keyValueMetadata].map(([key, value]) => ({ key, value })) : undefined,
    createdBy: 'floe',
    dataPageSize: o.dataPageBytes,
    dataPageRowLimit: o.dataPageRows,
    dictionaryPageSize: o.dictionaryPageBytes,
  };
}

const ignore = () => undefined;

/**
 * Batches as the parts of one IPC stream: their own buffers between small headers. The addon joins
 * them in one copy; apache-arrow's tableToIPC would join them first, at ~10x the cost, on the JS thread.
 */
async function ipcParts(schema: ArrowSchema, batches: RecordBatch[]): Promise<Uint8Array[]> {
  const writer = new RecordBatchStreamWriter();
  writer.write(new ArrowTable(schema, batches));
  writer.finish();
  const parts: Uint8Array[] = [];
  for await (const part of writer) parts.push(part);
  return parts;
}

/** Layouts `columnBuffers` describes (native/parquet/src/columns.rs); others go as IPC. */
function describable(type: DataType): boolean {
  if (DataType.isStruct(type) || DataType.isList(type) || DataType.isMap(type)) return type.children.every((f) => describable(f.type));
  return DataType.isBool(type) || DataType.isInt(type) || DataType.isFloat(type) || DataType.isDecimal(type) || DataType.isDate(type)
    || DataType.isTime(type) || DataType.isTimestamp(type) || DataType.isUtf8(type) || DataType.isLargeUtf8(type)
    || DataType.isBinary(type) || DataType.isLargeBinary(type) || DataType.isFixedSizeBinary(type);
}

const view = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * Batches as their columns' buffers where they lie and a description of them for the addon
 * (native/parquet/src/columns.rs), or null when a column has a layout it does not take
 * (dictionaries, views, unions...): those go as IPC. The addon reads the buffers in place, so
 * nothing is copied on either side; an IPC stream of them would be gathered into one copy there.
 */
export function columnBuffers(schema: ArrowSchema, batches: RecordBatch[]): { description: Float64Array; buffers: Uint8Array[] } | null {
  if (!schema.fields.every((f) => describable(f.type))) return null;
  // The addon reads the buffers as the file's schema lays them out: a batch laid out otherwise goes as IPC, and fails there.
  const laidOut = (b: RecordBatch) => b.schema === schema
    || (b.schema.fields.length === schema.fields.length && b.schema.fields.every((f, i) => util.compareTypes(f.type, schema.fields[i]!.type)));
  if (!batches.every(laidOut)) return null;
  const nonEmpty = batches.filter((b) => b.numRows > 0);
  const numbers: number[] = [nonEmpty.length];
  const buffers: Uint8Array[] = [];
  const visit = (data: Data): void => {
    const type = data.type as DataType;
    const validity = data.nullCount > 0 ? data.nullBitmap : undefined;
    // Arrow JS windows every buffer to the array's first row but validity bitmaps and booleans' values.
    numbers.push(data.length, data.nullCount, validity ? 1 : 0, data.offset, DataType.isBool(type) ? data.offset : 0);
    if (validity) buffers.push(validity);
    if (DataType.isStruct(type)) {
      for (const child of data.children) visit(child);
    } else if (DataType.isList(type) || DataType.isMap(type)) {
      buffers.push(view(data.valueOffsets));
      visit(data.children[0]!);
    } else if (DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isBinary(type) || DataType.isLargeBinary(type)) {
      buffers.push(view(data.valueOffsets), (data.values as Uint8Array | undefined) ?? new Uint8Array(0));
    } else {
      buffers.push(data.values ? view(data.values as ArrayBufferView) : new Uint8Array(0));
    }
  };
  for (const batch of nonEmpty) {
    numbers.push(batch.numRows);
    for (const column of batch.data.children) visit(column);
  }
  return { description: Float64Array.from(numbers), buffers };
}

/** The IPC stream of a schema, once per schema: every file of a table writer starts with it. */
const schemaStreams = new WeakMap<ArrowSchema, Uint8Array>();
function schemaIpc(schema: ArrowSchema): Uint8Array {
  let ipc = schemaStreams.get(schema);
  if (!ipc) schemaStreams.set(schema, ipc = tableToIPC(new ArrowTable(schema, []), 'stream'));
  return ipc;
}

/** Footer bytes read first: the footer of a file of a few dozen columns and row groups fits. */
const FOOTER_TAIL = 64 * 1024;

export interface NativeEncodedFile {
  bytes: Uint8Array;
  /** The file's footer, with each column chunk's statistics. */
  info: NativeFooterInfo;
  /** Per `uuidColumns` entry, whether signed and byte order agree on its extremes (parquet-native.ts). */
  uuidOrdersAgree: Record<string, boolean>;
}

/**
 * One whole Parquet file of `batches`, encoded in one call on the libuv pool: the JS thread only
 * describes the batches (their column buffers, or else the parts of an IPC stream: no copy), and
 * the addon reads each batch from them as it encodes it. The batches must not change until the
 * promise settles (a table writer's batches do not). The row count is checked against the footer.
 */
export async function encodeFileNative(
  addon: ParquetAddon, schema: ArrowSchema, batches: RecordBatch[], o: ParquetEncodeOptions,
  extra: { statisticsTruncateLength: number; uuidColumns: string[] },
): Promise<NativeEncodedFile> {
  const writer = new addon.ParquetWriter(schemaIpc(schema), { ...nativeWriterOptions(o), ...extra });
  let bytes: Buffer;
  try {
    const columns = columnBuffers(schema, batches);
    bytes = columns
      ? await writer.writeColumns(columns.description, columns.buffers, true)
      : await writer.writeShared(await ipcParts(schema, batches), true);
  } catch (err) {
    writer.abort();
    throw err;
  }
  let footer = addon.parseFooter(bytes.subarray(Math.max(0, bytes.length - FOOTER_TAIL)), bytes.length);
  if (typeof footer === 'number') footer = addon.parseFooter(bytes.subarray(Math.max(0, bytes.length - footer)), bytes.length);
  if (typeof footer === 'number') throw new Error(`the footer of the Parquet file just written needs ${footer} tail bytes of ${bytes.length}`);
  const info = footer.info(true);
  const given = batches.reduce((n, b) => n + b.numRows, 0);
  if (info.numRows !== given) throw new Error(`Parquet encoding lost rows: ${given} given, ${info.numRows} in the file footer`);
  return { bytes, info, uuidOrdersAgree: writer.uuidOrdersAgree() };
}

export async function* streamParquetNative(
  addon: ParquetAddon, schema: ArrowSchema, batches: Iterable<RecordBatch> | AsyncIterable<RecordBatch>, o: ParquetEncodeOptions,
): AsyncGenerator<Uint8Array> {
  const writer = new addon.ParquetWriter(tableToIPC(new ArrowTable(schema, []), 'stream'), nativeWriterOptions(o));
  const it = Symbol.asyncIterator in batches ? batches[Symbol.asyncIterator]() : batches[Symbol.iterator]();
  let encoding: Promise<Buffer> | undefined;
  let finished = false;
  try {
    for (;;) {
      // The previous batch encodes while the source produces this one.
      const next = await it.next();
      const out = encoding ? await encoding : undefined;
      // write() copies the batch before it returns: a source may refill its buffers once asked for the next.
      encoding = next.done ? undefined : writer.write(await ipcParts(schema, [next.value]));
      encoding?.catch(ignore); // awaited on the next turn, or in `finally` if the consumer stops at the yield
      if (out && out.length > 0) yield out;
      if (next.done) break;
    }
    const rest = await writer.finish();
    finished = true;
    yield rest;
  } finally {
    if (!finished) {
      // The consumer stopped early or the source failed: drop the file once no write is in flight.
      await encoding?.catch(ignore);
      writer.abort();
      await it.return?.();
    }
  }
}
