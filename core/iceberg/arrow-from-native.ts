/**
 * Batches decoded by the native codec, rebuilt as apache-arrow RecordBatches over the decoder's
 * own buffers: no IPC stream on either side, no copy. The addon hands each allocation its arrays
 * lie in as an external ArrayBuffer (V8 frees the Rust memory behind it when it collects the
 * ArrayBuffer, as it frees any other, or sooner when a lent batch gives it back: lent-batches.ts)
 * and a flat description of the layout, documented in native/parquet/src/export.rs: per batch its
 * row count, then per array node, depth first, its length, null count and buffers as
 * (ArrayBuffer index, byte offset, byte length) triples.
 *
 * The `Data` built here is what tableFromIPC builds from the same batch (its VectorLoader makes
 * the same makeData calls over Uint8Array views of the message body), over other memory.
 */
import { DataType, makeData, RecordBatch, Struct, type Data, type Schema } from 'apache-arrow';
import { markDecoded } from './lent-batches.ts';

/** A decoder's batches as their buffers (RowGroupDecoder.next() in native/parquet/src/reader.rs). */
export interface NativeColumns {
  /** The batches' schema as an IPC stream: in a decoder's first result only. */
  schema: Buffer | null;
  layout: Float64Array;
  buffers: ArrayBuffer[];
}

class LayoutReader {
  private at = 0;

  constructor(private readonly layout: Float64Array, private readonly buffers: ArrayBuffer[]) {}

  number(): number {
    if (this.at >= this.layout.length) throw new Error('the layout of decoded batches ends early');
    return this.layout[this.at++]!;
  }

  /**
   * The next buffer's bytes. A typed view needs its offset to be a multiple of its element size:
   * the addon hands ArrayBuffers from the start of Rust's aligned allocations, so it always is,
   * and a buffer that were not would be copied rather than fail.
   */
  bytes(elementSize = 1): Uint8Array {
    const index = this.number();
    const offset = this.number();
    const length = this.number();
    if (index < 0) return new Uint8Array(0);
    const buffer = this.buffers[index];
    if (!buffer || offset + length > buffer.byteLength) {
      throw new Error(`the layout of decoded batches points past its buffers (${index}: ${offset}+${length})`);
    }
    const view = new Uint8Array(buffer, offset, length);
    return offset % elementSize === 0 ? view : view.slice();
  }

  get ended(): boolean {
    return this.at === this.layout.length;
  }
}

/** One array node and its children, as the VectorLoader of apache-arrow's IPC reader builds it. */
function node(r: LayoutReader, type: DataType): Data {
  const length = r.number();
  const nullCount = r.number();
  const validity = r.bytes();
  // As the IPC reader: no bitmap unless some value is null.
  const nullBitmap = nullCount > 0 ? validity : new Uint8Array(0);
  if (DataType.isNull(type)) return makeData({ type, length });
  if (DataType.isBool(type)) return makeData({ type, length, nullCount, nullBitmap, data: r.bytes() });
  if (DataType.isUtf8(type) || DataType.isBinary(type)) {
    return makeData({ type, length, nullCount, nullBitmap, valueOffsets: r.bytes(4), data: r.bytes() } as never);
  }
  if (DataType.isLargeUtf8(type) || DataType.isLargeBinary(type)) {
    return makeData({ type, length, nullCount, nullBitmap, valueOffsets: r.bytes(8), data: r.bytes() } as never);
  }
  if (DataType.isList(type)) return makeData({ type, length, nullCount, nullBitmap, valueOffsets: r.bytes(4), child: node(r, type.children[0]!.type) });
  if (DataType.isLargeList(type)) return makeData({ type, length, nullCount, nullBitmap, valueOffsets: r.bytes(8), child: node(r, type.children[0]!.type) });
  if (DataType.isMap(type)) return makeData({ type, length, nullCount, nullBitmap, valueOffsets: r.bytes(4), child: node(r, type.children[0]!.type) });
  if (DataType.isFixedSizeList(type)) return makeData({ type, length, nullCount, nullBitmap, child: node(r, type.children[0]!.type) });
  if (DataType.isStruct(type)) return makeData({ type, length, nullCount, nullBitmap, children: type.children.map((f) => node(r, f.type)) });
  if (DataType.isInt(type) || DataType.isFloat(type) || DataType.isDecimal(type) || DataType.isDate(type) || DataType.isTime(type)
    || DataType.isTimestamp(type) || DataType.isDuration(type) || DataType.isFixedSizeBinary(type)) {
    const ArrayType = (type as DataType).ArrayType as { BYTES_PER_ELEMENT: number };
    return makeData({ type, length, nullCount, nullBitmap, data: r.bytes(ArrayType.BYTES_PER_ELEMENT) } as never);
  }
  throw new Error(`the native decoder sent a ${String(type)} column as buffers`);
}

/** The batches of one `next()` result, over its buffers, with `schema` (the decoder's, as tableFromIPC read it). */
export function batchesFromNative(schema: Schema, columns: NativeColumns): RecordBatch[] {
  markDecoded(columns.buffers);
  const r = new LayoutReader(columns.layout, columns.buffers);
  const count = r.number();
  const batches: RecordBatch[] = [];
  for (let b = 0; b < count; b++) {
    const rows = r.number();
    const children = schema.fields.map((f) => node(r, f.type));
    batches.push(new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children })));
  }
  if (!r.ended) throw new Error('the layout of decoded batches has more than its batches');
  return batches;
}
