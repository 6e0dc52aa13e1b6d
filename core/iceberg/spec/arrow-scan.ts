/**
 * Reading Arrow column buffers directly, for statistics over millions of rows: `vector.get(i)`
 * allocates per row (a bigint per long, a string per Utf8 value), the typed arrays do not.
 * Arrow JS slices value and offset buffers to the Data's window, but validity (and boolean value)
 * bitmaps keep whole bytes and are indexed from `data.offset`.
 */
import { BufferType, type Data } from 'apache-arrow';

/** Nulls in a column chunk: Arrow's lazy count is -1 when a chunk has no bitmap at all. */
export function nullCountOf(data: Data): number {
  return Math.max(0, data.nullCount);
}

/**
 * The validity bitmap to consult, or null when every row is valid (the fast loops skip checks).
 * Bit `data.offset + i` is row i.
 */
export function validityOf(data: Data): Uint8Array | null {
  return nullCountOf(data) > 0 && data.nullBitmap && data.nullBitmap.length > 0 ? data.nullBitmap : null;
}

export function bitSet(bitmap: Uint8Array, index: number): boolean {
  return (bitmap[index >> 3]! & (1 << (index & 7))) !== 0;
}

/**
 * A struct child with its parent's nulls folded in. Arrow may keep a child "valid" under a null
 * struct; for Iceberg that value is null (the whole struct is), and statistics must say so.
 */
export function withParentNulls(child: Data, parent: Data): Data {
  const parentBits = validityOf(parent);
  if (!parentBits) return child;
  const childBits = validityOf(child);
  const bitmap = new Uint8Array(((child.offset + child.length) >> 3) + 1);
  let nulls = 0;
  for (let i = 0; i < child.length; i++) {
    const valid = bitSet(parentBits, parent.offset + i) && (!childBits || bitSet(childBits, child.offset + i));
    if (valid) bitmap[(child.offset + i) >> 3]! |= 1 << ((child.offset + i) & 7);
    else nulls++;
  }
  const buffers = { ...child.buffers, [BufferType.VALIDITY]: bitmap };
  return child.clone(child.type, child.offset, child.length, nulls, buffers, child.children);
}
