/** Schemas shared by the spec tests. */
import type { Schema } from '../../../../core/iceberg/spec/types.ts';

/** Every kind of nesting, with an identifier field. */
export const nestedSchema: Schema = {
  type: 'struct', 'schema-id': 0, 'identifier-field-ids': [1],
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'location', required: false, type: { type: 'struct', fields: [
      { id: 5, name: 'lat', required: true, type: 'double' },
      { id: 6, name: 'long', required: true, type: 'double' },
    ] } },
    { id: 3, name: 'points', required: false, type: {
      type: 'list', 'element-id': 7, 'element-required': true,
      element: { type: 'struct', fields: [{ id: 8, name: 'x', required: true, type: 'int' }] },
    } },
    { id: 4, name: 'tags', required: false, type: {
      type: 'map', 'key-id': 9, key: 'string', 'value-id': 10, 'value-required': false,
      value: { type: 'list', 'element-id': 11, element: 'string', 'element-required': false },
    } },
  ],
};

/** Every primitive type, and struct/list/map nesting with required and optional parts. */
export const everyType: Schema = {
  type: 'struct', 'schema-id': 0, fields: [
    { id: 1, name: 'b', required: true, type: 'boolean' },
    { id: 2, name: 'i', required: false, type: 'int' },
    { id: 3, name: 'l', required: true, type: 'long' },
    { id: 4, name: 'f', required: false, type: 'float' },
    { id: 5, name: 'd', required: false, type: 'double' },
    { id: 6, name: 'dec', required: false, type: 'decimal(10, 2)' },
    { id: 7, name: 'dec38', required: false, type: 'decimal(38, 9)' },
    { id: 8, name: 'day', required: false, type: 'date' },
    { id: 9, name: 't', required: false, type: 'time' },
    { id: 10, name: 'ts', required: false, type: 'timestamp' },
    { id: 11, name: 'tstz', required: false, type: 'timestamptz' },
    { id: 12, name: 'tsns', required: false, type: 'timestamp_ns' },
    { id: 13, name: 'tstzns', required: false, type: 'timestamptz_ns' },
    { id: 14, name: 's', required: false, type: 'string' },
    { id: 15, name: 'u', required: false, type: 'uuid' },
    { id: 16, name: 'fx', required: false, type: 'fixed[3]' },
    { id: 17, name: 'bin', required: false, type: 'binary' },
    { id: 18, name: 'loc', required: false, type: { type: 'struct', fields: [
      { id: 22, name: 'lat', required: true, type: 'double' },
      { id: 23, name: 'inner', required: false, type: { type: 'struct', fields: [{ id: 24, name: 'z', required: false, type: 'uuid' }] } },
    ] } },
    { id: 19, name: 'tags', required: false, type: { type: 'list', 'element-id': 25, element: 'string', 'element-required': false } },
    { id: 20, name: 'points', required: true, type: { type: 'list', 'element-id': 26, 'element-required': true, element: {
      type: 'struct', fields: [{ id: 27, name: 'x', required: true, type: 'int' }],
    } } },
    { id: 21, name: 'counts', required: false, type: {
      type: 'map', 'key-id': 28, key: 'string', 'value-id': 29, 'value-required': false,
      value: { type: 'map', 'key-id': 30, key: 'int', 'value-id': 31, value: 'long', 'value-required': true },
    } },
  ],
};
