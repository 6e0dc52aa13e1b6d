import { describe, expect, it } from 'vitest';
import {
  applyTransform, canTransform, parseTransform, transformFunction, transformResultType, transformToString,
} from '../../../../core/iceberg/spec/transforms.ts';

const micros = (iso: string): bigint => BigInt(Date.parse(iso)) * 1000n;
const days = (iso: string): number => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;

describe('parsing transforms', () => {
  it('reads every transform the spec names, and prints it back', () => {
    for (const name of ['identity', 'void', 'year', 'month', 'day', 'hour', 'bucket[16]', 'truncate[10]']) {
      expect(transformToString(parseTransform(name))).toBe(name);
    }
    expect(parseTransform('bucket[16]')).toEqual({ kind: 'bucket', buckets: 16 });
    expect(parseTransform('truncate[3]')).toEqual({ kind: 'truncate', width: 3 });
  });

  it('keeps unknown transforms as unknown (readers ignore them) but refuses to apply them', () => {
    expect(parseTransform('zorder')).toEqual({ kind: 'unknown', name: 'zorder' });
    expect(() => transformFunction(parseTransform('zorder'), 'int')).toThrow(/unknown transform "zorder"/);
    expect(() => parseTransform('bucket[0]')).toThrow(/positive/);
  });
});

describe('transform source and result types', () => {
  it('gives int for bucket, year, month and hour, date for day, the source type otherwise', () => {
    expect(transformResultType(parseTransform('bucket[4]'), 'string')).toBe('int');
    expect(transformResultType(parseTransform('day'), 'timestamptz')).toBe('date');
    expect(transformResultType(parseTransform('month'), 'date')).toBe('int');
    expect(transformResultType(parseTransform('hour'), 'timestamp_ns')).toBe('int');
    expect(transformResultType(parseTransform('truncate[4]'), 'decimal(9, 2)')).toBe('decimal(9, 2)');
    expect(transformResultType(parseTransform('identity'), 'uuid')).toBe('uuid');
    expect(transformResultType(parseTransform('void'), 'double')).toBe('double');
  });

  it('refuses the combinations the spec does not allow', () => {
    expect(canTransform(parseTransform('bucket[2]'), 'double')).toBe(false);
    expect(canTransform(parseTransform('bucket[2]'), 'boolean')).toBe(false);
    expect(canTransform(parseTransform('truncate[2]'), 'uuid')).toBe(false);
    expect(canTransform(parseTransform('hour'), 'date')).toBe(false);
    expect(canTransform(parseTransform('day'), 'long')).toBe(false);
    expect(canTransform(parseTransform('identity'), { type: 'list', 'element-id': 2, element: 'int', 'element-required': true })).toBe(false);
    expect(() => transformResultType(parseTransform('hour'), 'date')).toThrow('transform hour cannot be applied to date');
  });
});

describe('bucket[N]', () => {
  const bucket = (n: number, type: Parameters<typeof applyTransform>[1], v: unknown) =>
    applyTransform(parseTransform(`bucket[${n}]`), type, v as never);

  it('drops the hash sign bit before the modulo', () => {
    expect(bucket(16, 'int', 34)).toBe(2017239379 % 16);
    expect(bucket(100, 'decimal(4, 2)', 1420n)).toBe((-500754589 & 0x7fffffff) % 100);
    expect(bucket(1000, 'uuid', 'f79c3e09-677c-4bbd-a479-3f349cb785e7')).toBe(1488055340 % 1000);
    expect(bucket(7, 'date', days('2017-11-16'))).toBe((-653330422 & 0x7fffffff) % 7);
  });

  it('puts an int and the same long in the same bucket', () => {
    for (const v of [0, 1, -1, 123456, -98765432]) expect(bucket(13, 'int', v)).toBe(bucket(13, 'long', BigInt(v)));
  });
});

describe('truncate[W]', () => {
  const truncate = (w: number, type: Parameters<typeof applyTransform>[1], v: unknown) =>
    applyTransform(parseTransform(`truncate[${w}]`), type, v as never);

  it('rounds integers down to a multiple of W, negatives too', () => {
    expect(truncate(10, 'int', 1)).toBe(0);
    expect(truncate(10, 'int', -1)).toBe(-10);
    expect(truncate(10, 'int', -10)).toBe(-10);
    expect(truncate(10, 'long', -11n)).toBe(-20n);
    expect(truncate(10, 'long', 9223372036854775807n)).toBe(9223372036854775800n);
  });

  it('truncates decimals at the column scale (W=50, s=2: 10.65 -> 10.50)', () => {
    expect(truncate(50, 'decimal(9, 2)', 1065n)).toBe(1050n);
    expect(truncate(50, 'decimal(9, 2)', -1065n)).toBe(-1100n);
  });

  it('cuts strings by code points and binary by bytes', () => {
    expect(truncate(3, 'string', 'iceberg')).toBe('ice');
    expect(truncate(2, 'string', '😀😀😀')).toBe('😀😀');
    expect(truncate(5, 'string', 'ab')).toBe('ab');
    expect(truncate(3, 'binary', Uint8Array.of(1, 2, 3, 4, 5))).toEqual(Uint8Array.of(1, 2, 3));
  });
});

describe('year, month, day, hour', () => {
  const at = (name: string, type: Parameters<typeof applyTransform>[1], v: unknown) =>
    applyTransform(parseTransform(name), type, v as never);

  it('counts from 1970 for timestamps and dates', () => {
    const ts = micros('2026-03-10T05:30:00Z');
    expect(at('day', 'timestamptz', ts)).toBe(days('2026-03-10'));
    expect(at('hour', 'timestamp', ts)).toBe(Math.floor(Date.parse('2026-03-10T05:30:00Z') / 3_600_000));
    expect(at('month', 'timestamp', ts)).toBe((2026 - 1970) * 12 + 2);
    expect(at('year', 'timestamptz', ts)).toBe(56);
    expect(at('month', 'date', days('2026-03-10'))).toBe(674);
    expect(at('year', 'date', days('2000-02-29'))).toBe(30);
    expect(at('day', 'date', 12345)).toBe(12345);
  });

  it('floors before 1970: one microsecond before the epoch is day, hour, month and year -1', () => {
    expect(at('day', 'timestamp', -1n)).toBe(-1);
    expect(at('hour', 'timestamp', -1n)).toBe(-1);
    expect(at('month', 'timestamptz', -1n)).toBe(-1);
    expect(at('year', 'timestamptz', -1n)).toBe(-1);
    expect(at('day', 'timestamp', -86_400_000_000n)).toBe(-1);
    expect(at('day', 'timestamp', -86_400_000_001n)).toBe(-2);
    expect(at('day', 'timestamp_ns', -1n)).toBe(-1);
    expect(at('hour', 'timestamptz_ns', 3_600_000_000_000n)).toBe(1);
    expect(at('month', 'date', -1)).toBe(-1);
    expect(at('month', 'date', days('1969-01-01'))).toBe(-12);
    expect(at('year', 'date', days('1900-03-01'))).toBe(-70);
    expect(at('month', 'timestamp', micros('1900-03-01T00:00:00Z'))).toBe(-70 * 12 + 2);
  });

  it('handles month lengths and leap days at the edges', () => {
    expect(at('month', 'date', days('1970-01-31'))).toBe(0);
    expect(at('month', 'date', days('1970-02-01'))).toBe(1);
    expect(at('month', 'date', days('2024-02-29'))).toBe(54 * 12 + 1);
    expect(at('month', 'date', days('2024-03-01'))).toBe(54 * 12 + 2);
    expect(at('year', 'timestamp', micros('1999-12-31T23:59:59.999Z') + 999n)).toBe(29);
  });
});

describe('identity and void', () => {
  it('passes values through, gives null for null, and void gives null always', () => {
    expect(applyTransform(parseTransform('identity'), 'string', 'Bread')).toBe('Bread');
    expect(applyTransform(parseTransform('identity'), 'string', null)).toBeNull();
    expect(applyTransform(parseTransform('void'), 'long', 5n)).toBeNull();
    expect(applyTransform(parseTransform('bucket[4]'), 'long', null)).toBeNull();
    expect(transformFunction(parseTransform('day'), 'timestamp')(undefined)).toBeNull();
  });
});
