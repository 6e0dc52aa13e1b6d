/**
 * The bytes of Arrow data a chunk's rows take, for the writer's memory bound. `Data.byteLength`
 * adds up whole buffers, and Arrow JS slices only some of them: a slice of a string column keeps
 * the parent's whole byte buffer (only its offsets are windowed), a list keeps its whole child, a
 * bitmap keeps whole bytes. Summing byteLength over the slices of one batch then counts the
 * parent's strings once per slice, and a writer bounded by that sum flushes a file every few rows
 * when input rows are not grouped by partition. This counts what the rows themselves need, which
 * is what a copy of them would take and, over all slices of a batch, what the batch takes.
 */
import { DataType, type Data } from 'apache-arrow';

/** Bytes that rows [0, data.length) of `data` hold, children included. */
export function heldBytes(data: Data): number {
  return rangeBytes(data, 0, data.length);
}

const bitmapBytes = (rows: number) => Math.ceil(rows / 8);

/** Bytes of rows [from, from + rows) of `data` (row indices relative to the chunk). */
function rangeBytes(data: Data, from: number, rows: number): number {
  if (rows <= 0) return 0;
  const type = data.type as DataType;
  let bytes = data.nullCount > 0 && data.nullBitmap && data.nullBitmap.length > 0 ? bitmapBytes(rows) : 0;
  if (DataType.isNull(type)) return 0;
  if (DataType.isBool(type)) return bytes + bitmapBytes(rows);
  const offsets = data.valueOffsets as Int32Array | BigInt64Array | undefined;
  if (offsets && offsets.length > 0) {
    // Arrow JS windows the offsets to the chunk: entry i is row i's start.
    const start = Number(offsets[from]!);
    const end = Number(offsets[from + rows]!);
    bytes += (rows + 1) * offsets.BYTES_PER_ELEMENT;
    if (DataType.isUtf8(type) || DataType.isBinary(type) || DataType.isLargeUtf8(type) || DataType.isLargeBinary(type)) return bytes + (end - start);
    // Lists and maps: the element rows of this range, in the (unsliced) child.
    return bytes + data.children.reduce((n, child) => n + rangeBytes(child, start, end - start), 0);
  }
  if (DataType.isFixedSizeList(type)) {
    return bytes + data.children.reduce((n, child) => n + rangeBytes(child, from * type.listSize, rows * type.listSize), 0);
  }
  if (data.children.length > 0) {
    // Structs (and unions): children are windowed with the parent.
    bytes += data.children.reduce((n, child) => n + rangeBytes(child, from, rows), 0);
  }
  const values = data.values as ArrayLike<number> & { BYTES_PER_ELEMENT?: number } | undefined;
  // Fixed-width values: `stride` elements per row (decimals and fixed binary take several).
  if (values && values.BYTES_PER_ELEMENT !== undefined) bytes += rows * data.stride * values.BYTES_PER_ELEMENT;
  // A dictionary chunk holds indices; its dictionary is shared by every slice of the batch.
  return bytes;
}
