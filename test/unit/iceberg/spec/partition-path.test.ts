import { describe, expect, it } from 'vitest';
import { escapePathSegment, humanPartitionValue, partitionPath } from '../../../../core/iceberg/spec/partition-path.ts';
import { parseTransform } from '../../../../core/iceberg/spec/transforms.ts';
import type { PartitionSpec, Schema } from '../../../../core/iceberg/spec/types.ts';

const days = (iso: string): number => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
const human = (transform: string, type: Parameters<typeof humanPartitionValue>[1], v: unknown) =>
  humanPartitionValue(parseTransform(transform), type, v);

const schema: Schema = {
  type: 'struct', 'schema-id': 0, fields: [
    { id: 1, name: 'window_start', required: true, type: 'timestamptz' },
    { id: 2, name: 'category', required: false, type: 'string' },
    { id: 3, name: 'image_id', required: true, type: 'long' },
  ],
};

describe('partitionPath', () => {
  it('joins name=value pairs in spec order', () => {
    const spec: PartitionSpec = {
      'spec-id': 1, fields: [
        { 'source-id': 1, 'field-id': 1000, name: 'window_start_day', transform: 'day' },
        { 'source-id': 2, 'field-id': 1001, name: 'category', transform: 'identity' },
        { 'source-id': 3, 'field-id': 1002, name: 'image_id_bucket', transform: 'bucket[8]' },
      ],
    };
    expect(partitionPath(spec, schema, { 1000: days('2026-03-10'), 1001: 'Bread', 1002: 5 }))
      .toBe('window_start_day=2026-03-10/category=Bread/image_id_bucket=5');
    expect(partitionPath(spec, schema, { 1000: null, 1001: null, 1002: 0 }))
      .toBe('window_start_day=null/category=null/image_id_bucket=0');
  });

  it('escapes names and values like quote_plus, so a value cannot add a directory', () => {
    const spec: PartitionSpec = { 'spec-id': 0, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'cat egory', transform: 'identity' }] };
    expect(partitionPath(spec, schema, { 1000: 'Dairy product/Milk & more' }))
      .toBe('cat+egory=Dairy+product%2FMilk+%26+more');
    expect(partitionPath(spec, schema, { 1000: 'Café 😀' })).toBe('cat+egory=Caf%C3%A9+%F0%9F%98%80');
    expect(escapePathSegment("a-b_c.d~e*f!g'h(i)j=k%l")).toBe('a-b_c.d~e%2Af%21g%27h%28i%29j%3Dk%25l');
  });

  it('is empty for an unpartitioned spec, and names a missing source column', () => {
    expect(partitionPath({ 'spec-id': 0, fields: [] }, schema, {})).toBe('');
    const broken: PartitionSpec = { 'spec-id': 0, fields: [{ 'source-id': 9, 'field-id': 1000, name: 'x', transform: 'identity' }] };
    expect(() => partitionPath(broken, schema, {})).toThrow('source column id 9');
  });
});

describe('human partition values', () => {
  it('prints time-unit partitions as dates, months, years and hours, before 1970 too', () => {
    expect(human('year', 'int', 56)).toBe('2026');
    expect(human('month', 'int', 674)).toBe('2026-03');
    expect(human('month', 'int', -1)).toBe('1969-12');
    expect(human('day', 'date', -1)).toBe('1969-12-31');
    expect(human('hour', 'int', -1)).toBe('1969-12-31-23');
    expect(human('hour', 'int', 24 * days('2026-03-10') + 5)).toBe('2026-03-10-05');
  });

  it('prints identity values of every type', () => {
    const ts = BigInt(Date.parse('2026-03-10T12:00:00Z')) * 1000n;
    expect(human('identity', 'timestamp', ts)).toBe('2026-03-10T12:00:00');
    expect(human('identity', 'timestamptz', ts + 1n)).toBe('2026-03-10T12:00:00.000001+00:00');
    expect(human('identity', 'timestamp', -1n)).toBe('1969-12-31T23:59:59.999999');
    expect(human('identity', 'timestamp_ns', ts * 1000n + 1n)).toBe('2026-03-10T12:00:00.000000001');
    expect(human('identity', 'time', 3_723_000_000n)).toBe('01:02:03');
    expect(human('identity', 'date', 0)).toBe('1970-01-01');
    expect(human('identity', 'boolean', true)).toBe('true');
    expect(human('identity', 'long', -5n)).toBe('-5');
    expect(human('identity', 'decimal(9, 2)', 1420n)).toBe('14.20');
    expect(human('identity', 'decimal(9, 2)', -5n)).toBe('-0.05');
    expect(human('identity', 'decimal(18, 9)', 5n)).toBe('5E-9'); // BigDecimal and Python agree
    expect(human('identity', 'decimal(18, 9)', -1234n)).toBe('-0.000001234');
    expect(human('identity', 'decimal(18, 9)', 0n)).toBe('0E-9');
    expect(human('identity', 'binary', Uint8Array.of(0, 1, 2, 3))).toBe('AAECAw==');
    expect(human('identity', 'uuid', 'f79c3e09-677c-4bbd-a479-3f349cb785e7')).toBe('f79c3e09-677c-4bbd-a479-3f349cb785e7');
    expect(human('truncate[3]', 'string', 'ice')).toBe('ice');
  });

  it('prints doubles the way Python does', () => {
    expect(human('identity', 'double', 1)).toBe('1.0');
    expect(human('identity', 'double', -0)).toBe('-0.0');
    expect(human('identity', 'double', 0.1)).toBe('0.1');
    expect(human('identity', 'double', 1e16)).toBe('1e+16');
    expect(human('identity', 'double', 123456789012345.6)).toBe('123456789012345.6');
    expect(human('identity', 'double', 0.0001)).toBe('0.0001');
    expect(human('identity', 'double', 0.00001)).toBe('1e-05');
    expect(human('identity', 'double', 1.5e-7)).toBe('1.5e-07');
    expect(human('identity', 'double', NaN)).toBe('nan');
    expect(human('identity', 'double', -Infinity)).toBe('-inf');
  });
});
