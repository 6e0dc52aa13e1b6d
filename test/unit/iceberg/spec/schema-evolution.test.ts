import { describe, expect, it } from 'vitest';
import { addColumn, assignFreshIds, type DraftSchema } from '../../../../core/iceberg/spec/schema-evolution.ts';
import { indexByName } from '../../../../core/iceberg/spec/schema.ts';
import { nestedSchema } from './fixtures.ts';

const idsByName = (s: Parameters<typeof indexByName>[0]) =>
  Object.fromEntries([...indexByName(s)].map(([name, f]) => [name, f.field.id]));

describe('assignFreshIds', () => {
  it('numbers top-level columns 1..n, then the insides of each, as Java and PyIceberg do', () => {
    const draft: DraftSchema = {
      fields: [
        { name: 'a', required: false, type: { type: 'struct', fields: [
          { name: 'x', required: false, type: 'long' },
          { name: 'y', required: false, type: { type: 'list', element: 'string', 'element-required': false } },
        ] } },
        { name: 'b', required: false, type: { type: 'map', key: 'string', value: { type: 'struct', fields: [
          { name: 'z', required: false, type: 'int' },
        ] }, 'value-required': false } },
        { name: 'c', required: true, type: 'int' },
      ],
    };
    const { schema, lastColumnId } = assignFreshIds(draft);
    // The same schema through PyIceberg 0.12's assign_fresh_schema_ids gives these ids.
    expect(idsByName(schema)).toEqual({
      a: 1, b: 2, c: 3, 'a.x': 4, 'a.y': 5, 'a.y.element': 6, 'b.key': 7, 'b.value': 8, 'b.value.z': 9,
    });
    expect(lastColumnId).toBe(9);
    expect(schema['schema-id']).toBe(0);
  });

  it('replaces existing ids and remaps identifier fields to the new ones', () => {
    const { schema } = assignFreshIds({ ...nestedSchema, fields: nestedSchema.fields.map((f) => ({ ...f, id: f.id + 100 })), 'identifier-field-ids': [101] });
    expect(schema.fields.map((f) => f.id)).toEqual([1, 2, 3, 4]);
    expect(schema['identifier-field-ids']).toEqual([1]);
  });

  it('refuses identifier ids that placeholder ids make ambiguous, or that name nothing', () => {
    const draft: DraftSchema = {
      fields: [{ id: 0, name: 'a', required: true, type: 'int' }, { id: 0, name: 'b', required: true, type: 'int' }],
      'identifier-field-ids': [0],
    };
    expect(() => assignFreshIds(draft)).toThrow('identifier field id 0 is used by more than one field of the draft schema');
    expect(() => assignFreshIds({ fields: [{ id: 7, name: 'a', required: true, type: 'int' }], 'identifier-field-ids': [8] }))
      .toThrow('identifier field id 8 is not a field of the draft schema');
  });
});

describe('addColumn', () => {
  it('gives a new top-level column the next id after last-column-id, not after the max id', () => {
    // Column 12 was dropped earlier: its id is never reused.
    const { schema, lastColumnId } = addColumn(nestedSchema, null, { name: 'views_5min', required: false, type: 'long' }, { lastColumnId: 12 });
    expect(schema.fields.at(-1)).toEqual({ id: 13, name: 'views_5min', required: false, type: 'long' });
    expect(lastColumnId).toBe(13);
    expect(schema['schema-id']).toBe(1);
    expect(nestedSchema.fields).toHaveLength(4); // the input is not changed
  });

  it('numbers the insides of a nested new column after it', () => {
    const { schema, lastColumnId } = addColumn(nestedSchema, null, {
      name: 'history', required: false,
      type: { type: 'list', 'element-required': true, element: { type: 'struct', fields: [
        { name: 'at', required: true, type: 'timestamptz' }, { name: 'by', required: false, type: 'string' },
      ] } },
    }, { lastColumnId: 11, schemaId: 5 });
    expect(idsByName(schema)).toMatchObject({ history: 12, 'history.element': 13, 'history.element.at': 14, 'history.element.by': 15 });
    expect(lastColumnId).toBe(15);
    expect(schema['schema-id']).toBe(5);
  });

  it('adds inside structs, list element structs and map value structs', () => {
    const inStruct = addColumn(nestedSchema, 'location', { name: 'alt', required: false, type: 'float' }, { lastColumnId: 11 });
    expect(idsByName(inStruct.schema)['location.alt']).toBe(12);
    const inList = addColumn(nestedSchema, 'points.element', { name: 'y', required: false, type: 'int' }, { lastColumnId: 11 });
    expect(idsByName(inList.schema)['points.element.y']).toBe(12);
    expect(() => addColumn(nestedSchema, 'points', { name: 'y', required: false, type: 'int' }, { lastColumnId: 11 }))
      .toThrow('"points" is a list: add to its struct as "points.element"');
    expect(() => addColumn(nestedSchema, 'id', { name: 'y', required: false, type: 'int' }, { lastColumnId: 11 }))
      .toThrow('"id" is a long, not a struct');
    expect(() => addColumn(nestedSchema, 'nope', { name: 'y', required: false, type: 'int' }, { lastColumnId: 11 }))
      .toThrow('no column named "nope"');
  });

  it('adds a required column only with an initial default, which also becomes the write default', () => {
    expect(() => addColumn(nestedSchema, null, { name: 'n', required: true, type: 'int' }, { lastColumnId: 11 }))
      .toThrow(/cannot add required column "n" to the schema without an initial-default/);
    const { schema } = addColumn(nestedSchema, null, { name: 'n', required: true, type: 'int', 'initial-default': 0 }, { lastColumnId: 11 });
    expect(schema.fields.at(-1)).toEqual({ id: 12, name: 'n', required: true, type: 'int', 'initial-default': 0, 'write-default': 0 });
  });

  it('refuses duplicate names and field defaults on a struct column', () => {
    expect(() => addColumn(nestedSchema, null, { name: 'id', required: false, type: 'int' }, { lastColumnId: 11 }))
      .toThrow('the schema already has a column named "id"');
    expect(() => addColumn(nestedSchema, 'location', { name: 'lat', required: false, type: 'int' }, { lastColumnId: 11 }))
      .toThrow('"location" already has a column named "lat"');
    expect(() => addColumn(nestedSchema, null, {
      name: 'p', required: false, type: { type: 'struct', fields: [{ name: 'x', required: false, type: 'int' }] }, 'initial-default': { x: 1 },
    }, { lastColumnId: 11 })).toThrow(/a default may only be null or \{\}/);
  });
});
