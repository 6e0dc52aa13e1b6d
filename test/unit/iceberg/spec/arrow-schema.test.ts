import { describe, expect, it } from 'vitest';
import {
  Field, FixedSizeBinary, Int32, List, RecordBatch, Schema as ArrowSchema, Struct, Table, TimestampMillisecond,
  Uint64, Utf8, makeBuilder, makeData, tableFromIPC, tableToIPC,
} from 'apache-arrow';
import { Table as WasmTable, readParquet, writeParquet } from 'parquet-wasm/node';
import {
  FIELD_ID_KEY, arrowFieldFromIceberg, arrowSchemaFromIceberg, icebergPrimitiveOf, icebergSchemaFromArrow,
} from '../../../../core/iceberg/spec/arrow-schema.ts';
import { everyType } from './fixtures.ts';

function emptyBatch(schema: ArrowSchema): RecordBatch {
  const children = schema.fields.map((f) => makeBuilder({ type: f.type, nullValues: [null] }).finish().flush());
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 0, children }));
}

describe('Iceberg schema -> Arrow schema', () => {
  it('puts the field id on every field, list element, map key and value, and maps required to non-nullable', () => {
    const arrow = arrowSchemaFromIceberg(everyType);
    const ids: string[] = [];
    const walk = (f: Field): void => {
      ids.push(`${f.name}:${f.metadata.get(FIELD_ID_KEY) ?? '-'}:${f.nullable ? 'opt' : 'req'}`);
      for (const c of f.type.children ?? []) walk(c);
    };
    for (const f of arrow.fields) walk(f);
    expect(ids).toContain('element:26:req');
    expect(ids).toContain('entries:-:req'); // the map entries struct is Arrow structure, not an Iceberg field
    expect(ids).toContain('key:30:req');
    expect(ids).toContain('value:29:opt');
    expect(ids).toContain('z:24:opt');
    expect(arrow.fields.map((f) => String(f.type)).slice(0, 17)).toEqual([
      'Bool', 'Int32', 'Int64', 'Float32', 'Float64', 'Decimal[10e+2]', 'Decimal[38e+9]', 'Date32<DAY>',
      'Time64<MICROSECOND>', 'Timestamp<MICROSECOND>', 'Timestamp<MICROSECOND, UTC>', 'Timestamp<NANOSECOND>',
      'Timestamp<NANOSECOND, UTC>', 'Utf8', 'FixedSizeBinary[16]', 'FixedSizeBinary[3]', 'Binary',
    ]);
    expect(arrow.fields[14]!.metadata.get('ARROW:extension:name')).toBe('arrow.uuid');
  });

  it('names a column of an Iceberg v3 type it does not read, and the way around it', () => {
    for (const type of ['variant', 'unknown', 'geometry(srid:4326)', 'geography']) {
      expect(() => arrowFieldFromIceberg({ id: 7, name: 'seen_at', required: false, type: type as never }))
        .toThrow(`column "seen_at" (id 7) is of the Iceberg v3 type ${type}, which Floe does not read yet; read the table's other columns`);
    }
  });

  it('comes back as the same Iceberg schema', () => {
    expect(icebergSchemaFromArrow(arrowSchemaFromIceberg(everyType))).toEqual(everyType);
  });

  it('survives a Parquet file written and read by parquet-wasm, ids and types intact', () => {
    const table = new Table([emptyBatch(arrowSchemaFromIceberg(everyType))]);
    const parquet = writeParquet(WasmTable.fromIPCStream(tableToIPC(table, 'stream')));
    const back = tableFromIPC(readParquet(parquet).intoIPCStream());
    expect(icebergSchemaFromArrow(back.schema)).toEqual(everyType);
  });
});

describe('Arrow schema -> Iceberg schema', () => {
  const field = (name: string, type: ConstructorParameters<typeof Field>[1], id?: number) =>
    new Field(name, type, true, id === undefined ? null : new Map([[FIELD_ID_KEY, String(id)]]));

  it('names a column without an id when there is no name mapping', () => {
    const arrow = new ArrowSchema([field('a', new Int32(), 1), field('b', new Utf8())]);
    expect(() => icebergSchemaFromArrow(arrow)).toThrow(/column "b" has no field id \(PARQUET:field_id\) and the table has no name mapping/);
    const nested = new ArrowSchema([field('l', new List(new Field('item', new Int32(), true)), 1)]);
    expect(() => icebergSchemaFromArrow(nested)).toThrow(/column "l.element" has no field id/);
  });

  it('names the column and the reason for an Arrow type Iceberg cannot hold', () => {
    const arrow = new ArrowSchema([field('ms', new TimestampMillisecond(), 1)]);
    expect(() => icebergSchemaFromArrow(arrow)).toThrow(
      'column "ms": Arrow type Timestamp<MILLISECOND> has no Iceberg type (Iceberg timestamps are microseconds or nanoseconds)',
    );
    expect(() => icebergPrimitiveOf(new Uint64(), new Map(), 'u')).toThrow(/no unsigned 64-bit/);
  });

  it('reads a FixedSizeBinary(16) without the uuid marker as fixed[16]', () => {
    expect(icebergPrimitiveOf(new FixedSizeBinary(16), new Map(), 'x')).toBe('fixed[16]');
  });
});
