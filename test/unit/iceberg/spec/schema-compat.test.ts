import { describe, expect, it } from 'vitest';
import { checkCompatible, schemaMismatches } from '../../../../core/iceberg/spec/schema-compat.ts';
import type { NestedField, PrimitiveType, Schema } from '../../../../core/iceberg/spec/types.ts';
import { nestedSchema } from './fixtures.ts';

const table: Schema = {
  type: 'struct', 'schema-id': 0, fields: [
    { id: 1, name: 'image_id', required: true, type: 'string' },
    { id: 2, name: 'views_5min', required: false, type: 'long' },
    { id: 3, name: 'price', required: false, type: 'decimal(9, 2)' },
  ],
};
const withField = (index: number, change: Partial<NestedField>): Schema =>
  ({ ...table, fields: table.fields.map((f, i) => (i === index ? { ...f, ...change } : f)) });

describe('checkCompatible', () => {
  it('accepts the same schema, any decimal spelling, and required data for an optional column', () => {
    expect(() => checkCompatible(table, table)).not.toThrow();
    expect(() => checkCompatible(table, withField(2, { type: 'decimal(9,2)' as PrimitiveType }))).not.toThrow();
    expect(() => checkCompatible(table, withField(1, { required: true }))).not.toThrow();
    expect(() => checkCompatible(nestedSchema, structuredClone(nestedSchema))).not.toThrow();
  });

  it('names the column and both types when a type differs', () => {
    expect(() => checkCompatible(table, withField(1, { type: 'double' })))
      .toThrow('column "views_5min": table has long, data has double');
  });

  it('refuses missing, extra, nullable-for-required and renumbered columns', () => {
    expect(() => checkCompatible(table, { ...table, fields: table.fields.slice(1) }))
      .toThrow('column "image_id" is missing from the data (every table column must be written)');
    expect(() => checkCompatible(table, { ...table, fields: [...table.fields, { id: 4, name: 'extra', required: false, type: 'int' }] }))
      .toThrow('column "extra" is in the data but not in the table');
    expect(() => checkCompatible(table, withField(0, { required: false })))
      .toThrow('column "image_id": table requires a value, data allows nulls');
    expect(() => checkCompatible(table, withField(1, { id: 7 }))).toThrow('column "views_5min": table has field id 2, data has 7');
    expect(() => checkCompatible(table, withField(1, { id: 7 }), { checkIds: false })).not.toThrow();
  });

  it('looks inside structs, lists and maps, naming the nested column', () => {
    const data = structuredClone(nestedSchema);
    const points = data.fields[2]!.type as { element: { fields: NestedField[] } };
    points.element.fields[0]!.type = 'long';
    const tags = data.fields[3]!.type as { 'value-required': boolean; value: { 'element-id': number } };
    tags.value['element-id'] = 99;
    expect(schemaMismatches(nestedSchema, data)).toEqual([
      'column "points.element.x": table has int, data has long',
      'column "tags.value.element": table has field id 11, data has 99',
    ]);
    expect(() => checkCompatible(nestedSchema, data)).toThrow('column "points.element.x": table has int, data has long (and 1 more mismatch)');
  });

  it('reports a nested type in place of a primitive by its shape', () => {
    const data = withField(1, { type: { type: 'list', 'element-id': 9, element: 'long', 'element-required': true } });
    expect(() => checkCompatible(table, data)).toThrow('column "views_5min": table has long, data has list<long>');
  });
});
