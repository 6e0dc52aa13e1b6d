/**
 * Arrow data laid out exactly as the table's Arrow schema says, before it is encoded. The batch
 * reaches parquet-wasm as an IPC stream whose schema message is the table's, while the buffers
 * are the data's own: a chunk in any other layout is refused there ("Dyn casting error"), and a
 * struct whose children come in another order has each child's values filed under whichever
 * table field sits at its position.
 *
 * The schema check (conform.ts) matched struct children by name and accepted a few Arrow layouts
 * per Iceberg type; this puts children in the table's order, at any depth, and converts those
 * layouts: dictionary-encoded values, large and view strings and binary, narrower integers, large
 * and fixed-size lists. Differences of label only (a timestamp's zone name, a list element's or a
 * map entry's field name) are relabelled without copying.
 */
import { DataType, makeData, makeVector, type Data, type Field, type Struct, vectorFromArray } from 'apache-arrow';

/** The chunk in `target`'s layout; throws naming the column when it cannot be converted. */
export function alignToTable(data: Data, target: DataType, path: string): Data {
  const type = data.type as DataType;
  if (DataType.isDictionary(type)) return alignToTable(decodeDictionary(data, path), target, path);
  if (DataType.isStruct(target)) {
    const names = (type as Struct).children.map((f) => f.name);
    const children = target.children.map((f: Field) => {
      const at = names.indexOf(f.name);
      if (at < 0) throw new Error(`column "${path}.${f.name}" is missing from the data`);
      return alignToTable(data.children[at]!, f.type as DataType, `${path}.${f.name}`);
    });
    return makeData({ ...windowOf(data), type: target, children });
  }
  if (DataType.isMap(target)) {
    // Entries are (key, value) by position, whatever the writer named them.
    const entries = data.children[0]!;
    const entriesType = (target.children[0] as Field<Struct>).type;
    const [key, value] = entriesType.children as [Field, Field];
    const child = makeData({
      ...windowOf(entries), type: entriesType, children: [
        alignToTable(entries.children[0]!, key.type as DataType, `${path}.key`),
        alignToTable(entries.children[1]!, value.type as DataType, `${path}.value`),
      ],
    });
    return makeData({ ...windowOf(data), type: target, valueOffsets: data.valueOffsets, child });
  }
  if (DataType.isList(target)) {
    const element = alignToTable(data.children[0]!, (target.children[0] as Field).type as DataType, `${path}.element`);
    return makeData({ ...windowOf(data), type: target, valueOffsets: int32Offsets(data, path), child: element });
  }
  return alignPrimitive(data, target, path);
}

/** A chunk's window and validity, to make another chunk over the same rows. */
function windowOf(data: Data): { offset: number; length: number; nullCount: number; nullBitmap: Uint8Array } {
  return { offset: data.offset, length: data.length, nullCount: data.nullCount, nullBitmap: data.nullBitmap };
}

function cannot(path: string, data: Data, target: DataType, why = ''): never {
  throw new Error(`column "${path}": Arrow ${String(data.type)} data cannot be written as ${String(target)}${why}`);
}

/** A list chunk's offsets as a List has them (32-bit, windowed to the chunk), from a List, LargeList or FixedSizeList. */
function int32Offsets(data: Data, path: string): Int32Array {
  const type = data.type as DataType;
  if (DataType.isList(type)) return data.valueOffsets;
  if (DataType.isLargeList(type)) {
    const large = data.valueOffsets as unknown as BigInt64Array;
    if (large[large.length - 1]! > 2147483647n) cannot(path, data, type, ': over 2^31 elements in one batch');
    return Int32Array.from(large, (o) => Number(o));
  }
  // A fixed-size list's child is sliced with it: row i starts at element i * size of the child.
  if (DataType.isFixedSizeList(type)) return Int32Array.from({ length: data.length + 1 }, (_, i) => i * type.listSize);
  return cannot(path, data, type, ': not a list');
}

/** Same physical layout: the values can be relabelled with the target type as they are. */
function sameLayout(a: DataType, b: DataType): boolean {
  if (a.typeId !== b.typeId) return false;
  if (DataType.isInt(a) && DataType.isInt(b)) return a.bitWidth === b.bitWidth && a.isSigned === b.isSigned;
  if (DataType.isFloat(a) && DataType.isFloat(b)) return a.precision === b.precision;
  if (DataType.isDecimal(a) && DataType.isDecimal(b)) return a.bitWidth === b.bitWidth;
  if (DataType.isFixedSizeBinary(a) && DataType.isFixedSizeBinary(b)) return a.byteWidth === b.byteWidth;
  if ((DataType.isTimestamp(a) && DataType.isTimestamp(b)) || (DataType.isTime(a) && DataType.isTime(b))
    || (DataType.isDate(a) && DataType.isDate(b))) return a.unit === b.unit;
  return true;
}

function alignPrimitive(data: Data, target: DataType, path: string): Data {
  const type = data.type as DataType;
  if (sameLayout(type, target)) return data.clone(target);
  if (DataType.isInt(type) && DataType.isInt(target) && type.bitWidth < target.bitWidth) {
    // Int8/16 and UInt8/16 into an int, UInt32 into a long: the values are windowed to the chunk.
    const values = data.values as ArrayLike<number>;
    const widened = target.bitWidth === 64 ? BigInt64Array.from(values, (v) => BigInt(v)) : Int32Array.from(values);
    return makeData({ ...windowOf(data), type: target, data: widened } as never);
  }
  const convertible = (DataType.isUtf8(target) && (DataType.isLargeUtf8(type) || DataType.isUtf8View(type)))
    || (DataType.isBinary(target) && (DataType.isLargeBinary(type) || DataType.isBinaryView(type)));
  if (!convertible) cannot(path, data, target);
  return vectorFromArray(valuesOf(data), target).data[0]!;
}

/** Row values through Arrow's getters (strings, byte arrays, numbers), nulls as null. */
function valuesOf(data: Data): unknown[] {
  const vector = makeVector(data);
  return Array.from({ length: data.length }, (_, i) => vector.get(i));
}

/** A dictionary-encoded chunk as plain values of its dictionary's type. */
function decodeDictionary(data: Data, path: string): Data {
  const valueType = (data.type as DataType & { dictionary: DataType }).dictionary;
  // Arrow's getters return these exactly; a timestamp or decimal one would come back converted.
  const exact = DataType.isUtf8(valueType) || DataType.isLargeUtf8(valueType) || DataType.isBinary(valueType)
    || DataType.isLargeBinary(valueType) || DataType.isBool(valueType) || DataType.isInt(valueType) || DataType.isFloat(valueType);
  if (!exact) cannot(path, data, valueType, ': decode the dictionary before writing');
  return vectorFromArray(valuesOf(data), valueType).data[0]!;
}
