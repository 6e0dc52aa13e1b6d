import { describe, expect, it } from 'vitest';
import { DataType, Field, Int32, List, Map_, Schema as ArrowSchema, Struct, Utf8 } from 'apache-arrow';
import { FIELD_ID_KEY, arrowSchemaFromIceberg, icebergSchemaFromArrow } from '../../../../core/iceberg/spec/arrow-schema.ts';
import { nameMappingFromSchema, parseNameMapping } from '../../../../core/iceberg/spec/name-mapping.ts';
import { everyType } from './fixtures.ts';

/** The Arrow schema of a file written without field ids (uuid markers kept: they are types, not ids). */
function withoutIds(schema: ArrowSchema): ArrowSchema {
  const strip = (f: Field): Field => {
    const metadata = new Map([...f.metadata].filter(([k]) => k !== FIELD_ID_KEY));
    const type = f.type as DataType;
    let stripped: DataType = type;
    if (DataType.isStruct(type)) stripped = new Struct(type.children.map(strip));
    else if (DataType.isList(type)) stripped = new List(strip(type.children[0]!));
    else if (DataType.isMap(type)) stripped = new Map_(strip(type.children[0]!), type.keysSorted);
    return new Field(f.name, stripped, f.nullable, metadata);
  };
  return new ArrowSchema(schema.fields.map(strip));
}

const spec = `[ { "field-id": 1, "names": ["id", "record_id"] },
  { "field-id": 2, "names": ["data"] },
  { "field-id": 3, "names": ["location"], "fields": [
      { "field-id": 4, "names": ["latitude", "lat"] },
      { "field-id": 5, "names": ["longitude", "long"] } ] } ]`;

describe('parseNameMapping', () => {
  it('reads the spec example', () => {
    const mapping = parseNameMapping(spec);
    expect(mapping).toHaveLength(3);
    expect(mapping[2]).toEqual({ names: ['location'], 'field-id': 3, fields: [
      { names: ['latitude', 'lat'], 'field-id': 4 }, { names: ['longitude', 'long'], 'field-id': 5 },
    ] });
  });

  it('accepts entries without ids and with empty names, refuses malformed and ambiguous ones', () => {
    expect(parseNameMapping('[{"names": []}, {"names": ["x"], "field-id": null}]')).toEqual([{ names: [] }, { names: ['x'] }]);
    expect(() => parseNameMapping('{')).toThrow(/not valid JSON/);
    expect(() => parseNameMapping('{"names": ["a"]}')).toThrow(/must be a JSON list/);
    expect(() => parseNameMapping('[{"field-id": 1}]')).toThrow(/the mapping\[0\] needs "names"/);
    expect(() => parseNameMapping('[{"names": ["a"], "field-id": "1"}]')).toThrow(/not an integer/);
    expect(() => parseNameMapping('[{"names": ["a"], "field-id": 1}, {"names": ["b", "a"], "field-id": 2}]'))
      .toThrow('name mapping: "a" is mapped twice in the top level');
  });
});

describe('reading a file without field ids through a name mapping', () => {
  it('recovers every id of a nested schema from the mapping made from it', () => {
    const arrow = withoutIds(arrowSchemaFromIceberg(everyType));
    expect(() => icebergSchemaFromArrow(arrow)).toThrow(/has no field id/);
    expect(icebergSchemaFromArrow(arrow, { nameMapping: nameMappingFromSchema(everyType) })).toEqual(everyType);
    expect(icebergSchemaFromArrow(arrow, { nameMapping: JSON.stringify(nameMappingFromSchema(everyType)) })).toEqual(everyType);
  });

  it('maps aliases and nested names, and leaves out columns the mapping does not name', () => {
    const arrow = new ArrowSchema([
      new Field('record_id', new Int32(), false),
      new Field('location', new Struct([new Field('lat', new Int32(), true), new Field('alt', new Int32(), true)]), true),
      new Field('imported_only', new Utf8(), true),
    ]);
    expect(icebergSchemaFromArrow(arrow, { nameMapping: spec }).fields).toEqual([
      { id: 1, name: 'record_id', required: true, type: 'int' },
      { id: 3, name: 'location', required: false, type: { type: 'struct', fields: [{ id: 4, name: 'lat', required: false, type: 'int' }] } },
    ]);
  });

  it('prefers ids in the file to the mapping', () => {
    const arrow = new ArrowSchema([new Field('data', new Utf8(), true, new Map([[FIELD_ID_KEY, '7']]))]);
    expect(icebergSchemaFromArrow(arrow, { nameMapping: spec }).fields[0]!.id).toBe(7);
  });

  it('names a list whose element the mapping leaves out', () => {
    const arrow = new ArrowSchema([new Field('data', new List(new Field('item', new Utf8(), true)), true)]);
    expect(() => icebergSchemaFromArrow(arrow, { nameMapping: spec }))
      .toThrow('column "data.element" has no field id and the name mapping does not name it');
  });
});
