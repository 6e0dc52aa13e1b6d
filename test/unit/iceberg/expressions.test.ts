import { describe, expect, it } from 'vitest';
import { bind, boundToString, FilterError, referencedIds } from '../../../core/iceberg/expressions/bind.ts';
import {
  and, equal, expressionToString, greaterThan, isIn, isNaN, isNull, lessThan, not, notIn, notNull, or, startsWith,
} from '../../../core/iceberg/expressions/expression.ts';
import { LiteralError, toLiteral } from '../../../core/iceberg/expressions/literals.ts';
import type { Schema } from '../../../core/iceberg/spec/types.ts';

const micros = (iso: string) => BigInt(Date.parse(iso)) * 1000n;
const days = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;

const schema: Schema = {
  type: 'struct', 'schema-id': 0, fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'Category', required: false, type: 'string' },
    { id: 3, name: 'ts', required: false, type: 'timestamptz' },
    { id: 4, name: 'price', required: false, type: 'decimal(9, 2)' },
    { id: 5, name: 'score', required: false, type: 'double' },
    { id: 6, name: 'point', required: false, type: { type: 'struct', fields: [{ id: 7, name: 'x', required: true, type: 'int' }] } },
    { id: 8, name: 'tags', required: false, type: { type: 'list', 'element-id': 9, element: 'string', 'element-required': false } },
  ],
};

describe('filter literals in each column type', () => {
  it('converts the natural JavaScript forms to Iceberg values', () => {
    expect(toLiteral('long', 5)).toBe(5n);
    expect(toLiteral('long', 9007199254740993n)).toBe(9007199254740993n);
    expect(toLiteral('int', 7n)).toBe(7);
    expect(toLiteral('float', 0.1)).toBe(Math.fround(0.1));
    expect(toLiteral('decimal(9, 2)', '12.3')).toBe(1230n);
    expect(toLiteral('decimal(9, 2)', 12.34)).toBe(1234n);
    expect(toLiteral('decimal(9, 2)', 12n)).toBe(1200n);
    expect(toLiteral('decimal(9, 2)', '-0.5')).toBe(-50n);
    expect(toLiteral('decimal(9, 2)', '1.2e1')).toBe(1200n);
    expect(toLiteral('date', '2026-03-10')).toBe(days('2026-03-10'));
    expect(toLiteral('date', '1969-12-31')).toBe(-1);
    expect(toLiteral('date', new Date('2026-03-10T23:59:00Z'))).toBe(days('2026-03-10'));
    expect(toLiteral('time', '12:30:01.000250')).toBe(45_001_000_250n);
    expect(toLiteral('timestamptz', '2026-03-10T12:00:00.123456Z')).toBe(micros('2026-03-10T12:00:00Z') + 123_456n);
    expect(toLiteral('timestamptz', '2026-03-10T14:00:00+02:00')).toBe(micros('2026-03-10T12:00:00Z'));
    expect(toLiteral('timestamptz', '2026-03-10T12:00:00')).toBe(micros('2026-03-10T12:00:00Z'));
    expect(toLiteral('timestamp', '1969-12-31T23:59:59.999999')).toBe(-1n);
    expect(toLiteral('timestamptz', new Date('2026-03-10T12:00:00.5Z'))).toBe(micros('2026-03-10T12:00:00.500Z'));
    expect(toLiteral('timestamptz_ns', '2026-03-10T12:00:00.000000001Z')).toBe(micros('2026-03-10T12:00:00Z') * 1000n + 1n);
    expect(toLiteral('timestamptz', '0001-01-01T00:00:00Z')).toBe(-62_135_596_800_000_000n);
    expect(toLiteral('uuid', 'F79C3E09-677C-4BBD-A479-3F349CB785E7')).toBe('f79c3e09-677c-4bbd-a479-3f349cb785e7');
    expect(toLiteral('fixed[2]', Uint8Array.of(1, 2))).toEqual(Uint8Array.of(1, 2));
  });

  it('refuses what the column cannot hold exactly, saying why', () => {
    const fails = (type: string, v: unknown, why: RegExp) => expect(() => toLiteral(type as never, v as never)).toThrow(why);
    fails('long', 'abc', /"abc" is not a long literal: give a bigint/);
    fails('long', 1.5, /give a bigint/);
    fails('long', 2 ** 60, /below 2\^53/);
    fails('int', 2 ** 31, /32-bit range/);
    fails('decimal(9, 2)', '1.234', /more than 2 decimal place/);
    fails('decimal(4, 2)', '123.4', /more than 4 digits/);
    fails('double', NaN, /isNaN/);
    fails('date', '2026-02-30', /no such day/);
    fails('timestamptz', '2026-03-10 25:00', /ISO text|no such time/);
    fails('timestamptz', '2026-03-10T12:00:00.0000001Z', /finer than a microsecond/);
    fails('uuid', 'not-a-uuid', /not a UUID/);
    fails('fixed[2]', Uint8Array.of(1), /2 bytes, got 1/);
    fails('boolean', 1, /true or false/);
    fails('string', null, /isNull/);
    expect(() => toLiteral('long', 'x')).toThrow(LiteralError);
  });
});

describe('binding filters to a schema', () => {
  it('resolves columns to field ids and pushes not down to the predicates', () => {
    const b = bind(schema, not(and(lessThan('id', 5n), or(isNull('Category'), startsWith('Category', 'Ca')))));
    expect(boundToString(b)).toBe('(id gtEq 5n or (Category notNull and Category notStartsWith "Ca"))');
    expect(referencedIds(b)).toEqual(new Set([1, 2]));
    expect(boundToString(bind(schema, not(isIn('id', [1n, 2n]))))).toBe('id notIn (1n, 2n)');
    expect(boundToString(bind(schema, not(isNaN('score'))))).toBe('score notNaN');
  });

  it('folds what the schema decides: null tests of required columns, empty and one-value sets', () => {
    expect(bind(schema, isNull('id'))).toEqual({ op: 'false' });
    expect(bind(schema, notNull('id'))).toEqual({ op: 'true' });
    expect(bind(schema, and(notNull('id'), equal('id', 3)))).toMatchObject({ op: 'eq', value: 3n });
    expect(bind(schema, isIn('id', []))).toEqual({ op: 'false' });
    expect(bind(schema, notIn('id', []))).toEqual({ op: 'true' });
    expect(bind(schema, isIn('id', [4n, 4]))).toMatchObject({ op: 'eq', value: 4n });
    expect(bind(schema, or(isNull('id'), notNull('id')))).toEqual({ op: 'true' });
  });

  it('reaches struct fields by dotted name, and matches case only when asked', () => {
    expect(bind(schema, equal('point.x', 3))).toMatchObject({ ref: { id: 7, path: [6, 7], required: false }, value: 3 });
    expect(() => bind(schema, equal('category', 'a'))).toThrow(/no column "category".*case-sensitive/);
    expect(bind(schema, equal('category', 'a'), { caseSensitive: false })).toMatchObject({ ref: { id: 2 } });
  });

  it('names the filter, the column and the problem when it cannot bind', () => {
    const fails = (f: Parameters<typeof bind>[1], why: RegExp) => {
      expect(() => bind(schema, f)).toThrow(FilterError);
      expect(() => bind(schema, f)).toThrow(why);
    };
    fails(equal('nope', 1), /^Filter nope = 1: no column "nope" in the table \(its columns: id, Category, ts/);
    fails(greaterThan('ts', 'yesterday'), /Filter ts > "yesterday": column ts is timestamptz: "yesterday" is not a timestamptz literal/);
    fails(startsWith('id', '1'), /column id is long; starts-with needs a string column/);
    fails(isNaN('id'), /only float and double columns hold NaN/);
    fails(equal('point', 1), /column point is struct<x: int>; filters compare primitive columns/);
    fails(equal('tags.element', 'a'), /inside a list or map/);
    fails(isIn('price', ['1.00', '1.001']), /more than 2 decimal place/);
  });

  it('prints filters readably for messages', () => {
    expect(expressionToString(and(equal('a', 1n), or(isNull('b'), isIn('c', ['x', 'y']))))).toBe('(a = 1n and (b is null or c in ("x", "y")))');
  });
});
