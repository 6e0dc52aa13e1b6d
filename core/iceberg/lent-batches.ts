/**
 * Batches lent instead of given. A full scan decodes gigabytes into buffers the native decoder
 * allocates; left to V8, each is freed only when its collector runs, and V8 runs a full collection
 * for every 64 MB of such memory (a third of a 10M-row scan's time went there). A reader that is
 * done with each batch before it asks for the next (scanTable's `lendBatches`) lets the scan
 * give the buffers back at once instead: detached, they stop counting against V8's budget and
 * Node frees the memory behind them on its next turn.
 *
 * Only buffers the native decoder made are given back (arrow-from-native.ts marks them); batches
 * of the wasm codec, or copies made on the way (filters, deletes, promotions), are left to the
 * collector as before.
 */
import type { Data, RecordBatch } from 'apache-arrow';
import { nativeParquet } from './parquet-native.ts';

const decoded = new WeakSet<ArrayBuffer>();

/** Marks buffers as the native decoder's, so that a lent batch over them can give them back. */
export function markDecoded(buffers: readonly ArrayBuffer[]): void {
  for (const b of buffers) if (b.byteLength > 0) decoded.add(b);
}

/**
 * The native decoder's buffers that `batch`'s arrays lie in, to give back once its reader is done
 * with it. Throws if one was given back already: a batch made from another that was lent would
 * read as empty, and that must fail loudly, never read as missing values.
 */
export function decodedBuffers(batch: RecordBatch): ArrayBuffer[] {
  const found = new Set<ArrayBuffer>();
  const visit = (data: Data): void => {
    for (const view of [data.values, data.valueOffsets, data.nullBitmap, data.typeIds] as (ArrayBufferView | undefined)[]) {
      const buffer = view?.buffer;
      if (buffer instanceof ArrayBuffer && decoded.has(buffer)) {
        if (buffer.byteLength === 0) throw new Error('internal error: a scan gave back the memory of a batch that was still to be read (lendBatches)');
        found.add(buffer);
      }
    }
    for (const child of data.children) visit(child);
    if (data.dictionary) for (const d of data.dictionary.data) visit(d);
  };
  visit(batch.data);
  return [...found];
}

/** Gives decoded buffers back to the decoder: every view of them reads as empty from now on. */
export function giveBack(buffers: ArrayBuffer[]): void {
  if (buffers.length > 0) nativeParquet()?.detachArrayBuffers(buffers);
}
