/**
 * Record batches of any Iceberg schema, nested columns included, built buffer by buffer with
 * makeData (vectorFromArray cannot take bigint timestamps, and guesses types besides). Values are
 * in the forms of core/iceberg/spec/values.ts; a struct is an object by field name, a list an
 * array, a map an array of [key, value] pairs. The Arrow types come from the table schema, so
 * every field, list element, map key and value carries its Iceberg field id.
 */
import { type Data, type DataType, type Field, makeData, type Map_, RecordBatch, Struct } from 'apache-arrow';
import { arrowSchemaFromIceberg } from '../../../core/iceberg/spec/arrow-schema.ts';
import type { IcebergType, Schema } from '../../../core/iceberg/spec/types.ts';
import { arrowColumnOf, bits } from './arrow-columns.ts';

const isNull = (v: unknown) => v === null || v === undefined;

function offsetsOf(lengths: number[]): Int32Array {
  const offsets = new Int32Array(lengths.length + 1);
  lengths.forEach((n, i) => { offsets[i + 1] = offsets[i]! + n; });
  return offsets;
}

/** One Arrow chunk of values of `type`, whose Arrow type (with field ids) is `arrowType`. */
export function nestedColumnOf(type: IcebergType, arrowType: DataType, values: unknown[]): Data {
  if (typeof type === 'string') return arrowColumnOf(type, values);
  const valid = values.map((v) => !isNull(v));
  const common = { type: arrowType, length: values.length, nullCount: valid.filter((v) => !v).length, nullBitmap: bits(valid) };
  // `as never` below: makeData's overloads are per Arrow type, and this one is only known at run time.
  switch (type.type) {
    case 'struct': {
      const arrowFields = arrowType.children as Field[];
      const children = type.fields.map((f, i) =>
        nestedColumnOf(f.type, arrowFields[i]!.type as DataType, values.map((v) => (isNull(v) ? null : (v as Record<string, unknown>)[f.name] ?? null))));
      return makeData({ ...common, children } as never);
    }
    case 'list': {
      const lists = values.map((v) => (isNull(v) ? [] : v as unknown[]));
      const child = nestedColumnOf(type.element, (arrowType.children[0] as Field).type as DataType, lists.flat(1));
      return makeData({ ...common, valueOffsets: offsetsOf(lists.map((l) => l.length)), child } as never);
    }
    case 'map': {
      const maps = values.map((v) => (isNull(v) ? [] : v as [unknown, unknown][]));
      const entries = maps.flat(1);
      const entriesType = (arrowType as Map_).children[0]!.type as Struct;
      const [keyField, valueField] = entriesType.children as [Field, Field];
      const child = makeData({
        type: entriesType, length: entries.length, nullCount: 0,
        children: [
          nestedColumnOf(type.key, keyField.type as DataType, entries.map((e) => e[0])),
          nestedColumnOf(type.value, valueField.type as DataType, entries.map((e) => e[1])),
        ],
      });
      return makeData({ ...common, valueOffsets: offsetsOf(maps.map((m) => m.length)), child } as never);
    }
  }
}

/** A record batch of the table's Arrow schema holding `rows` (objects by column name). */
export function nestedBatchOf(schema: Schema, rows: Record<string, unknown>[]): RecordBatch {
  const arrow = arrowSchemaFromIceberg(schema);
  const children = schema.fields.map((f, i) =>
    nestedColumnOf(f.type, arrow.fields[i]!.type as DataType, rows.map((r) => r[f.name] ?? null)));
  return new RecordBatch(arrow, makeData({ type: new Struct(arrow.fields), length: rows.length, nullCount: 0, children }));
}
