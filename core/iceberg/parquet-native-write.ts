/**
 * Parquet encoding through the native codec: batches go in as Arrow IPC, one at a time, and the
 * file's bytes come out as its row groups complete, so memory holds one batch and the row group
 * being encoded. Encoding runs on the libuv pool while the JS thread builds the next batch.
 */
import { RecordBatchStreamWriter, Table as ArrowTable, tableToIPC, type RecordBatch, type Schema as ArrowSchema } from 'apache-arrow';
import type { NativeWriterOptions, ParquetAddon } from './parquet-native.ts';
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
  };
}

const ignore = () => undefined;

/**
 * A batch as the parts of an IPC stream: its own buffers between small headers. The addon joins
 * them in one copy; apache-arrow's tableToIPC would join them first, at ~10x the cost, on the JS thread.
 */
async function ipcParts(schema: ArrowSchema, batch: RecordBatch): Promise<Uint8Array[]> {
  const writer = new RecordBatchStreamWriter();
  writer.write(new ArrowTable(schema, [batch]));
  writer.finish();
  const parts: Uint8Array[] = [];
  for await (const part of writer) parts.push(part);
  return parts;
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
      encoding = next.done ? undefined : writer.write(await ipcParts(schema, next.value));
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
