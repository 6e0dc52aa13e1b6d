/**
 * The same rows in other Arrow forms a caller of writeTable may hand over, all of which Floe's
 * schema check accepts: columns and struct children in another order, strings dictionary-encoded
 * or large, binary large, lists large, and batches that are slices of bigger ones (non-zero
 * offsets at every level). Field ids and the uuid marker stay on every field.
 */
import {
  type Data, DataType, Dictionary, Field, Int32, LargeBinary, LargeList, LargeUtf8, List, makeData, makeVector, Map_,
  RecordBatch, Schema, Struct, Utf8, vectorFromArray,
} from 'apache-arrow';
import type { Rng } from '../../../core/demo/random.ts';
import { shuffled } from './random-tables.ts';

const window = (data: Data) => ({ offset: data.offset, length: data.length, nullCount: data.nullCount, nullBitmap: data.nullBitmap });

/** A column (field and chunk) in another form holding the same values. */
function vary(rng: Rng, field: Field, data: Data): [Field, Data] {
  const type = field.type as DataType;
  const relabel = (t: DataType) => new Field(field.name, t, field.nullable, field.metadata);
  if (type instanceof Struct) {
    const children = shuffled(rng, type.children.map((f, i) => vary(rng, f, data.children[i]!)));
    const struct = new Struct(children.map(([f]) => f));
    return [relabel(struct), makeData({ ...window(data), type: struct, children: children.map(([, d]) => d) })];
  }
  if (DataType.isList(type)) {
    const [element, child] = vary(rng, type.children[0]!, data.children[0]!);
    const large = rng.chance(0.4);
    const list = large ? new LargeList(element) : new List(element);
    const valueOffsets = large ? BigInt64Array.from(data.valueOffsets as Int32Array, (o) => BigInt(o)) : data.valueOffsets;
    return [relabel(list), makeData({ ...window(data), type: list, valueOffsets, child } as never)];
  }
  if (DataType.isMap(type)) {
    const entries = data.children[0]!;
    const entriesField = type.children[0] as Field<Struct>;
    const [key, value] = entriesField.type.children.map((f, i) => vary(rng, f, entries.children[i]!)) as [[Field, Data], [Field, Data]];
    const entriesType = new Struct([key[0], value[0]]);
    const map = new Map_(new Field(entriesField.name, entriesType, false), false);
    const child = makeData({ ...window(entries), type: entriesType, children: [key[1], value[1]] });
    return [relabel(map), makeData({ ...window(data), type: map, valueOffsets: data.valueOffsets, child } as never)];
  }
  if ((DataType.isUtf8(type) || DataType.isBinary(type)) && rng.chance(0.5)) {
    if (DataType.isUtf8(type) && rng.chance(0.5)) {
      const dictionary = new Dictionary(new Utf8(), new Int32());
      const vector = makeVector(data);
      const values = Array.from({ length: data.length }, (_, i) => vector.get(i) as string | null);
      return [relabel(dictionary), vectorFromArray(values, dictionary).data[0]!];
    }
    const large = DataType.isUtf8(type) ? new LargeUtf8() : new LargeBinary();
    const valueOffsets = BigInt64Array.from(data.valueOffsets as Int32Array, (o) => BigInt(o));
    return [relabel(large), makeData({ ...window(data), type: large, valueOffsets, data: data.values } as never)];
  }
  return [field, data];
}

/** The batch with its columns and struct children reordered and re-encoded at random. */
export function variantOf(rng: Rng, batch: RecordBatch): RecordBatch {
  const columns = shuffled(rng, batch.schema.fields.map((f, i) => vary(rng, f, batch.data.children[i]!)));
  const schema = new Schema(columns.map(([f]) => f));
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batch.numRows, nullCount: 0, children: columns.map(([, d]) => d) }));
}
