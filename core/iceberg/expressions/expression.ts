/**
 * Row filters, as a caller writes them: plain objects naming columns and giving literals in
 * JavaScript forms (see literals.ts). They mean nothing until bound to a schema (bind.ts), which
 * resolves each column to its field id and converts each literal to the column's type.
 *
 * Semantics are SQL's, as Spark, Trino and PyIceberg's scans have them: a comparison with a null
 * value is unknown and the row is not returned, `not` included (`not(x = 1)` does not return rows
 * where x is null); NaN equals nothing and orders with nothing (`x != 1` returns NaN rows).
 */

/** A literal a caller may give; which forms a column accepts depends on its type (literals.ts). */
export type LiteralInput = boolean | number | bigint | string | Uint8Array | Date;

export type UnaryOp = 'isNull' | 'notNull' | 'isNaN' | 'notNaN';
export type ComparisonOp = 'eq' | 'notEq' | 'lt' | 'ltEq' | 'gt' | 'gtEq' | 'startsWith' | 'notStartsWith';
export type SetOp = 'in' | 'notIn';

export type Expression =
  | { op: 'true' }
  | { op: 'false' }
  | { op: 'and' | 'or'; args: Expression[] }
  | { op: 'not'; arg: Expression }
  | { op: UnaryOp; column: string }
  | { op: ComparisonOp; column: string; value: LiteralInput }
  | { op: SetOp; column: string; values: LiteralInput[] };

export const alwaysTrue = (): Expression => ({ op: 'true' });
export const alwaysFalse = (): Expression => ({ op: 'false' });
export const and = (...args: Expression[]): Expression => ({ op: 'and', args });
export const or = (...args: Expression[]): Expression => ({ op: 'or', args });
export const not = (arg: Expression): Expression => ({ op: 'not', arg });

export const isNull = (column: string): Expression => ({ op: 'isNull', column });
export const notNull = (column: string): Expression => ({ op: 'notNull', column });
export const isNaN = (column: string): Expression => ({ op: 'isNaN', column });
export const notNaN = (column: string): Expression => ({ op: 'notNaN', column });

export const equal = (column: string, value: LiteralInput): Expression => ({ op: 'eq', column, value });
export const notEqual = (column: string, value: LiteralInput): Expression => ({ op: 'notEq', column, value });
export const lessThan = (column: string, value: LiteralInput): Expression => ({ op: 'lt', column, value });
export const lessThanOrEqual = (column: string, value: LiteralInput): Expression => ({ op: 'ltEq', column, value });
export const greaterThan = (column: string, value: LiteralInput): Expression => ({ op: 'gt', column, value });
export const greaterThanOrEqual = (column: string, value: LiteralInput): Expression => ({ op: 'gtEq', column, value });
export const startsWith = (column: string, value: string): Expression => ({ op: 'startsWith', column, value });
export const notStartsWith = (column: string, value: string): Expression => ({ op: 'notStartsWith', column, value });
export const isIn = (column: string, values: LiteralInput[]): Expression => ({ op: 'in', column, values });
export const notIn = (column: string, values: LiteralInput[]): Expression => ({ op: 'notIn', column, values });

const SYMBOL: Record<ComparisonOp, string> = {
  eq: '=', notEq: '!=', lt: '<', ltEq: '<=', gt: '>', gtEq: '>=', startsWith: 'starts with', notStartsWith: 'not starts with',
};

export function literalToString(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString('hex')}`;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

/** A readable form for messages and logs: `(a = 1 and b is null)`. */
export function expressionToString(e: Expression): string {
  switch (e.op) {
    case 'true': return 'true';
    case 'false': return 'false';
    case 'and': case 'or':
      return e.args.length === 0 ? (e.op === 'and' ? 'true' : 'false') : `(${e.args.map(expressionToString).join(` ${e.op} `)})`;
    case 'not': return `not ${expressionToString(e.arg)}`;
    case 'isNull': return `${e.column} is null`;
    case 'notNull': return `${e.column} is not null`;
    case 'isNaN': return `${e.column} is NaN`;
    case 'notNaN': return `${e.column} is not NaN`;
    case 'in': case 'notIn':
      return `${e.column} ${e.op === 'in' ? 'in' : 'not in'} (${e.values.map(literalToString).join(', ')})`;
    default: return `${e.column} ${SYMBOL[e.op]} ${literalToString(e.value)}`;
  }
}
