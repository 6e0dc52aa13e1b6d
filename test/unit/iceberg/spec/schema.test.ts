import { describe, expect, it } from 'vitest';
import {
  findField, indexById, indexByName, maxFieldId, requireField, validateSchema,
} from '../../../../core/iceberg/spec/schema.ts';
import type { Schema } from '../../../../core/iceberg/spec/types.ts';
import { nestedSchema } from './fixtures.ts';

describe('schema lookups', () => {
  it('indexes every field, list element and map key/value by id with full dotted names', () => {
    const byId = indexById(nestedSchema);
    expect([...byId.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(byId.get(8)).toMatchObject({ name: 'points.element.x', parentId: 7, inRepeated: true });
    expect(byId.get(11)?.name).toBe('tags.value.element');
    expect(byId.get(5)).toMatchObject({ name: 'location.lat', parentId: 2, inRepeated: false });
    expect(byId.get(7)?.field).toMatchObject({ name: 'element', required: true });
  });

  it('finds fields by id or by name', () => {
    expect(indexByName(nestedSchema).get('tags.key')?.field.id).toBe(9);
    expect(findField(nestedSchema, 'location.long')?.id).toBe(6);
    expect(findField(nestedSchema, 6)?.name).toBe('long');
    expect(findField(nestedSchema, 'location.nope')).toBeUndefined();
    expect(() => requireField(nestedSchema, 'nope')).toThrow('no field "nope" in the schema');
    expect(() => requireField(nestedSchema, 99)).toThrow('no field with id 99');
  });

  it('finds the highest id, nested ones included', () => {
    expect(maxFieldId(nestedSchema)).toBe(11);
    expect(maxFieldId('long')).toBe(0);
  });
});

describe('validateSchema', () => {
  const withFields = (fields: Schema['fields'], ids?: number[]): Schema =>
    ({ type: 'struct', 'schema-id': 0, fields, ...(ids ? { 'identifier-field-ids': ids } : {}) });

  it('accepts a valid nested schema', () => {
    expect(() => validateSchema(nestedSchema)).not.toThrow();
  });

  it('rejects duplicate ids, reserved ids and duplicate names', () => {
    expect(() => validateSchema(withFields([
      { id: 1, name: 'a', required: true, type: 'int' }, { id: 1, name: 'b', required: true, type: 'int' },
    ]))).toThrow('field id 1 is used twice ("a" and "b")');
    expect(() => validateSchema(withFields([{ id: 2147483647, name: '_file', required: true, type: 'string' }])))
      .toThrow(/ids are 1 to 2147483447/);
    expect(() => validateSchema(withFields([
      { id: 1, name: 's', required: true, type: { type: 'struct', fields: [
        { id: 2, name: 'a', required: true, type: 'int' }, { id: 3, name: 'a', required: true, type: 'int' },
      ] } },
    ]))).toThrow('struct "s" has two fields named "a"');
  });

  it('holds identifier fields to the spec rules', () => {
    const inOptionalStruct = withFields([{ id: 1, name: 's', required: false, type: { type: 'struct', fields: [
      { id: 2, name: 'k', required: true, type: 'int' },
    ] } }], [2]);
    expect(() => validateSchema(inOptionalStruct)).toThrow('identifier field "s.k" must be required, and so must its parents');
    expect(() => validateSchema({ ...nestedSchema, 'identifier-field-ids': [8] })).toThrow(/inside a list or map/);
    expect(() => validateSchema({ ...nestedSchema, 'identifier-field-ids': [2] })).toThrow(/must be a primitive/);
    expect(() => validateSchema(withFields([{ id: 1, name: 'd', required: true, type: 'double' }], [1]))).toThrow(/cannot be double/);
    expect(() => validateSchema({ ...nestedSchema, 'identifier-field-ids': [42] })).toThrow('identifier field id 42 is not in the schema');
  });
});
