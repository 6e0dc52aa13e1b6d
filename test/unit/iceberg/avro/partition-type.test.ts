import { describe, expect, it } from 'vitest';
import { avroName, avroTypeOf, partitionRecordSchema, partitionResultType } from '../../../../core/iceberg/avro/partition-type.ts';
import type { PartitionField, Schema } from '../../../../core/iceberg/spec/types.ts';

const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'uuid' },
    { id: 2, name: 'ts', required: false, type: 'timestamp' },
    { id: 3, name: 'price', required: false, type: 'decimal(38, 10)' },
    { id: 4, name: 'nested', required: false, type: { type: 'struct', fields: [{ id: 5, name: 'day', required: false, type: 'date' }] } },
    { id: 6, name: 'tags', required: false, type: { type: 'list', 'element-id': 7, element: 'string', 'element-required': true } },
  ],
};

const field = (sourceId: number, transform: string, fieldId = 1000): PartitionField =>
  ({ 'source-id': sourceId, 'field-id': fieldId, name: `p${fieldId}`, transform });

describe('partition record types', () => {
  it('gives each transform its result type', () => {
    expect(partitionResultType(field(2, 'identity'), schema)).toBe('timestamp');
    expect(partitionResultType(field(2, 'year'), schema)).toBe('int');
    expect(partitionResultType(field(2, 'month'), schema)).toBe('int');
    expect(partitionResultType(field(2, 'day'), schema)).toBe('date');
    expect(partitionResultType(field(2, 'hour'), schema)).toBe('int');
    expect(partitionResultType(field(1, 'bucket[16]'), schema)).toBe('int');
    expect(partitionResultType(field(3, 'truncate[100]'), schema)).toBe('decimal(38, 10)');
    expect(partitionResultType(field(5, 'identity'), schema)).toBe('date'); // source inside a struct
    expect(partitionResultType(field(2, 'void'), schema)).toBe('timestamp');
  });

  it('refuses unknown transforms, missing and non-primitive sources', () => {
    expect(() => partitionResultType(field(2, 'zorder'), schema)).toThrow(/transform "zorder"/);
    expect(() => partitionResultType(field(99, 'identity'), schema)).toThrow(/source column 99/);
    expect(() => partitionResultType(field(6, 'identity'), schema)).toThrow(/cannot be applied to list/);
    expect(() => partitionResultType(field(7, 'identity'), schema)).toThrow(/inside a list or map/);
    expect(() => partitionResultType(field(1, 'day'), schema)).toThrow(/cannot be applied to uuid/);
  });

  it('maps Iceberg primitives to the Avro types of spec Appendix A', () => {
    const named = new Set<string>();
    expect(avroTypeOf('timestamptz', named)).toEqual({ type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': true });
    expect(avroTypeOf('timestamp', named)).toEqual({ type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': false });
    expect(avroTypeOf('timestamptz_ns', named)).toEqual({ type: 'long', logicalType: 'timestamp-nanos', 'adjust-to-utc': true });
    expect(avroTypeOf('time', named)).toEqual({ type: 'long', logicalType: 'time-micros' });
    expect(avroTypeOf('binary', named)).toBe('bytes');
    expect(avroTypeOf('decimal(9, 2)', named)).toMatchObject({ type: 'fixed', size: 4, precision: 9, scale: 2 });
    expect(avroTypeOf('decimal(10, 2)', named)).toMatchObject({ size: 5 });
    expect(avroTypeOf('decimal(38, 10)', named)).toMatchObject({ size: 16 });
    expect(avroTypeOf('fixed[3]', named)).toEqual({ type: 'fixed', name: 'fixed_3', size: 3 });
    expect(avroTypeOf('uuid', named)).toEqual({ type: 'fixed', name: 'uuid_fixed', size: 16, logicalType: 'uuid' });
    // A named type is defined once; later uses refer to it by name.
    expect(avroTypeOf('uuid', named)).toBe('uuid_fixed');
    expect(avroTypeOf('decimal(9, 2)', named)).toBe('decimal_9_2');
  });

  it('builds an r102 record of optional fields with partition field ids and legal Avro names', () => {
    const record = partitionRecordSchema({ 'spec-id': 0, fields: [
      { 'source-id': 1, 'field-id': 1000, name: 'id_bucket', transform: 'bucket[4]' },
      { 'source-id': 1, 'field-id': 1001, name: 'id', transform: 'identity' },
      { 'source-id': 1, 'field-id': 1002, name: 'id-again', transform: 'identity' },
    ] }, schema);
    expect(record).toEqual({
      type: 'record', name: 'r102', fields: [
        { name: 'id_bucket', type: ['null', 'int'], default: null, 'field-id': 1000 },
        { name: 'id', type: ['null', { type: 'fixed', name: 'uuid_fixed', size: 16, logicalType: 'uuid' }], default: null, 'field-id': 1001 },
        { name: 'id_x2Dagain', type: ['null', 'uuid_fixed'], default: null, 'field-id': 1002 },
      ],
    });
  });

  it('makes legal Avro names', () => {
    expect(avroName('window_start_day')).toBe('window_start_day');
    expect(avroName('1st')).toBe('_1st');
    expect(avroName('a.b')).toBe('a_x2Eb');
    expect(avroName('año')).toBe('a_xF1o');
  });
});
