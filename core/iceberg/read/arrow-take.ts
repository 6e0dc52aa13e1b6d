/**
 * Selecting rows of Arrow data by index, for every layout a table batch has (apache-arrow has no
 * compute kernels): fixed-width values, bitmaps, offsets and bytes, lists, maps and structs. A
 * filtered scan keeps its batches whole-sized instead of emitting a slice per run of rows.
 */
import { DataType, makeData, RecordBatch, Struct, type Data } from 'apache-arrow';
import { bitSet } from '../spec/arrow-scan.ts';

/** The rows of `batch` at `indices` (ascending or not), as one batch; the same batch when all rows are kept in order. */
export function takeBatch(batch: RecordBatch, indices: Int32Array): RecordBatch {
  if (indices.length === batch.numRows && indices.every((v, i) => v === i)) return batch;
  // One contiguous run is a zero-copy slice.
  const first = indices[0] ?? 0;
  if (indices.length > 0 && indices[indices.length - 1] === first + indices.length - 1 && indices.every((v, i) => v === first + i)) {
    return batch.slice(first, first + indices.length);
  }
  const children = batch.data.children.map((c) => takeData(c, indices));
  return new RecordBatch(batch.schema, makeData({ type: new Struct(batch.schema.fields), length: indices.length, nullCount: 0, children }));
}

/** Indices of the set entries of a 0/1 mask. */
export function maskIndices(mask: Uint8Array): Int32Array {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i]!;
  const out = new Int32Array(n);
  for (let i = 0, j = 0; i < mask.length; i++) if (mask[i]) out[j++] = i;
  return out;
}

export function takeData(data: Data, indices: Int32Array): Data {
  const type = data.type as DataType;
  const length = indices.length;
  const { nullBitmap, nullCount } = takeValidity(data, indices);
  const common = { type, length, nullCount, nullBitmap };
  // `as never`: makeData's overloads are per Arrow type; here the type is only known at run time.
  if (DataType.isBool(type)) {
    return makeData({ ...common, data: takeBits(data.values as Uint8Array, data.offset, indices) } as never);
  }
  if (DataType.isUtf8(type) || DataType.isBinary(type)) {
    const offsets = data.valueOffsets as Int32Array;
    const bytes = data.values as Uint8Array;
    const outOffsets = new Int32Array(length + 1);
    for (let j = 0; j < length; j++) outOffsets[j + 1] = outOffsets[j]! + offsets[indices[j]! + 1]! - offsets[indices[j]!]!;
    const out = new Uint8Array(outOffsets[length]!);
    for (let j = 0; j < length; j++) out.set(bytes.subarray(offsets[indices[j]!]!, offsets[indices[j]! + 1]!), outOffsets[j]!);
    return makeData({ ...common, valueOffsets: outOffsets, data: out } as never);
  }
  if (DataType.isList(type) || DataType.isMap(type)) {
    const offsets = data.valueOffsets as Int32Array;
    const outOffsets = new Int32Array(length + 1);
    for (let j = 0; j < length; j++) outOffsets[j + 1] = outOffsets[j]! + offsets[indices[j]! + 1]! - offsets[indices[j]!]!;
    const childIndices = new Int32Array(outOffsets[length]!);
    for (let j = 0, k = 0; j < length; j++) for (let c = offsets[indices[j]!]!; c < offsets[indices[j]! + 1]!; c++) childIndices[k++] = c;
    const child = takeData(data.children[0]!, childIndices);
    return makeData({ ...common, valueOffsets: outOffsets, child } as never);
  }
  if (DataType.isStruct(type)) {
    return makeData({ ...common, children: data.children.map((c) => takeData(c, indices)) } as never);
  }
  if (DataType.isFixedSizeList(type)) {
    const size = type.listSize;
    const childIndices = new Int32Array(length * size);
    for (let j = 0; j < length; j++) for (let c = 0; c < size; c++) childIndices[j * size + c] = indices[j]! * size + c;
    return makeData({ ...common, child: takeData(data.children[0]!, childIndices) } as never);
  }
  if (DataType.isInt(type) || DataType.isFloat(type) || DataType.isDate(type) || DataType.isTime(type) || DataType.isTimestamp(type)
    || DataType.isDecimal(type) || DataType.isFixedSizeBinary(type) || DataType.isInterval(type) || DataType.isDuration(type)) {
    // Arrow JS windows fixed-width values to the chunk: value i occupies [i * stride, (i + 1) * stride).
    const values = data.values as Int32Array;
    const stride = data.stride;
    const ArrayType = values.constructor as new (n: number) => Int32Array;
    const out = new ArrayType(length * stride);
    if (stride === 1 && values.BYTES_PER_ELEMENT === 8) {
      // 64-bit values as pairs of 32-bit words: until V8 optimizes the loop, reading a BigInt64Array
      // element makes a bigint (the first takes of 100k rows ran 10x slower), and a Float64Array round
      // trip through a JS number need not keep a NaN's payload bits.
      const from = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
      const to = new Int32Array(out.buffer, out.byteOffset, length * 2);
      for (let j = 0; j < length; j++) {
        const i = 2 * indices[j]!;
        to[2 * j] = from[i]!;
        to[2 * j + 1] = from[i + 1]!;
      }
    } else if (stride === 1) {
      for (let j = 0; j < length; j++) out[j] = values[indices[j]!]!;
    } else {
      for (let j = 0; j < length; j++) out.set(values.subarray(indices[j]! * stride, (indices[j]! + 1) * stride), j * stride);
    }
    return makeData({ ...common, data: out } as never);
  }
  throw new Error(`Selecting rows of an Arrow ${String(type)} column is not supported`);
}

function takeValidity(data: Data, indices: Int32Array): { nullBitmap: Uint8Array | undefined; nullCount: number } {
  const bitmap = data.nullBitmap;
  if (data.nullCount <= 0 || !bitmap || bitmap.length === 0) return { nullBitmap: undefined, nullCount: 0 };
  const out = takeBits(bitmap, data.offset, indices);
  let valid = 0;
  for (let j = 0; j < indices.length; j++) if (bitSet(out, j)) valid++;
  return { nullBitmap: out, nullCount: indices.length - valid };
}

function takeBits(bits: Uint8Array, offset: number, indices: Int32Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(indices.length / 8));
  for (let j = 0; j < indices.length; j++) if (bitSet(bits, offset + indices[j]!)) out[j >> 3]! |= 1 << (j & 7);
  return out;
}
