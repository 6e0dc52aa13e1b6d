/**
 * Binding a row filter to a schema: each column name becomes a field id with its type, each
 * literal a value of that type, and every `not` is pushed down to the predicates (De Morgan, and
 * each predicate's negation), so evaluators never see one. With nots gone and SQL's null rules, a
 * predicate on a null value is simply false, at every level: see expression.ts.
 */
import { isPrimitive, parsePrimitive, typeToString } from '../spec/primitive.ts';
import { walkFields } from '../spec/schema.ts';
import type { PrimitiveType, StructType } from '../spec/types.ts';
import type { IcebergValue } from '../spec/values.ts';
import { expressionToString, literalToString, type ComparisonOp, type Expression, type SetOp, type UnaryOp } from './expression.ts';
import { LiteralError, toLiteral } from './literals.ts';

export interface BoundRef {
  /** Field id (of a table column, or of a partition field after projection). */
  id: number;
  /** Full dotted name, for messages. */
  name: string;
  type: PrimitiveType;
  /** Ids from the top-level field down to this one, through structs. */
  path: number[];
  /** Never null: required, and so is every struct it sits in. */
  required: boolean;
}

export type BoundPredicate =
  | { op: UnaryOp; ref: BoundRef }
  | { op: ComparisonOp; ref: BoundRef; value: IcebergValue }
  | { op: SetOp; ref: BoundRef; values: IcebergValue[] };

export type Bound =
  | { op: 'true' }
  | { op: 'false' }
  | { op: 'and' | 'or'; args: Bound[] }
  | BoundPredicate;

export class FilterError extends Error {
  constructor(filter: Expression, why: string) {
    super(`Filter ${expressionToString(filter)}: ${why}`);
    this.name = 'FilterError';
  }
}

export interface BindOptions {
  /** Match column names ignoring case (default false: exact names). */
  caseSensitive?: boolean;
}

const NEGATE: Record<UnaryOp | ComparisonOp | SetOp, UnaryOp | ComparisonOp | SetOp> = {
  isNull: 'notNull', notNull: 'isNull', isNaN: 'notNaN', notNaN: 'isNaN',
  eq: 'notEq', notEq: 'eq', lt: 'gtEq', gtEq: 'lt', ltEq: 'gt', gt: 'ltEq',
  startsWith: 'notStartsWith', notStartsWith: 'startsWith', in: 'notIn', notIn: 'in',
};

export const TRUE: Bound = { op: 'true' };
export const FALSE: Bound = { op: 'false' };

/** The filter bound to `schema`; throws FilterError naming the column and what is wrong. */
export function bind(schema: StructType, filter: Expression, o: BindOptions = {}): Bound {
  const columns = columnIndex(schema, o.caseSensitive ?? true);
  const visit = (e: Expression, negated: boolean): Bound => {
    switch (e.op) {
      case 'true': case 'false':
        return (e.op === 'true') !== negated ? TRUE : FALSE;
      case 'not':
        return visit(e.arg, !negated);
      case 'and': case 'or': {
        const args = e.args.map((a) => visit(a, negated));
        return (e.op === 'and') !== negated ? conjunction(args) : disjunction(args);
      }
      default: {
        const ref = columns.resolve(e.column, filter);
        const op = negated ? NEGATE[e.op] : e.op;
        return predicate(filter, ref, { ...e, op } as Expression & { column: string });
      }
    }
  };
  return visit(filter, false);
}

export function conjunction(args: Bound[]): Bound {
  const flat: Bound[] = [];
  for (const a of args) {
    if (a.op === 'false') return FALSE;
    if (a.op === 'true') continue;
    if (a.op === 'and') flat.push(...a.args);
    else flat.push(a);
  }
  return flat.length === 0 ? TRUE : flat.length === 1 ? flat[0]! : { op: 'and', args: flat };
}

export function disjunction(args: Bound[]): Bound {
  const flat: Bound[] = [];
  for (const a of args) {
    if (a.op === 'true') return TRUE;
    if (a.op === 'false') continue;
    if (a.op === 'or') flat.push(...a.args);
    else flat.push(a);
  }
  return flat.length === 0 ? FALSE : flat.length === 1 ? flat[0]! : { op: 'or', args: flat };
}

function predicate(filter: Expression, ref: BoundRef, e: Expression & { column: string }): Bound {
  const kind = parsePrimitive(ref.type).kind;
  const literal = (v: unknown): IcebergValue => {
    try {
      return toLiteral(ref.type, v as never);
    } catch (err) {
      if (err instanceof LiteralError) throw new FilterError(filter, `column ${ref.name} is ${ref.type}: ${err.message}`);
      throw err;
    }
  };
  switch (e.op) {
    case 'isNull': case 'notNull':
      if (ref.required) return (e.op === 'notNull') ? TRUE : FALSE;
      return { op: e.op, ref };
    case 'isNaN': case 'notNaN':
      if (kind !== 'float' && kind !== 'double') throw new FilterError(filter, `column ${ref.name} is ${ref.type}; only float and double columns hold NaN`);
      return { op: e.op, ref };
    case 'startsWith': case 'notStartsWith':
      if (kind !== 'string') throw new FilterError(filter, `column ${ref.name} is ${ref.type}; starts-with needs a string column`);
      if (typeof e.value !== 'string') throw new FilterError(filter, `starts-with needs a string prefix, got ${literalToString(e.value)}`);
      return { op: e.op, ref, value: e.value };
    case 'in': case 'notIn': {
      if (!Array.isArray(e.values)) throw new FilterError(filter, `${e.op} needs an array of values`);
      const seen = new Map<string, IcebergValue>();
      for (const v of e.values) {
        const value = literal(v);
        seen.set(valueKey(value), value);
      }
      const values = [...seen.values()];
      // x in () holds for no row; x not in () for every row, as Java and PyIceberg bind them.
      if (values.length === 0) return e.op === 'in' ? FALSE : TRUE;
      if (values.length === 1) return { op: e.op === 'in' ? 'eq' : 'notEq', ref, value: values[0]! };
      return { op: e.op, ref, values };
    }
    case 'eq': case 'notEq': case 'lt': case 'ltEq': case 'gt': case 'gtEq':
      return { op: e.op, ref, value: literal(e.value) };
    default:
      throw new FilterError(filter, `unknown operation "${(e as { op: string }).op}"`);
  }
}

/** A key that tells literal values apart (bytes by content, -0 from 0). */
export function valueKey(v: IcebergValue): string {
  if (v instanceof Uint8Array) return `b:${Buffer.from(v).toString('hex')}`;
  if (typeof v === 'number' && Object.is(v, -0)) return 'n:-0';
  return `${typeof v}:${String(v)}`;
}

interface ColumnIndex {
  resolve(name: string, filter: Expression): BoundRef;
}

/** Columns a filter may name: primitives at the top level or inside structs, not inside lists or maps. */
function columnIndex(schema: StructType, caseSensitive: boolean): ColumnIndex {
  const byName = new Map<string, { ref?: BoundRef; why?: string }[]>();
  const requiredPath = new Map<number, boolean>();
  const paths = new Map<number, number[]>();
  walkFields(schema, ({ field, name, parentId, inRepeated }) => {
    const parentRequired = parentId === null ? true : requiredPath.get(parentId) ?? false;
    requiredPath.set(field.id, parentRequired && field.required);
    paths.set(field.id, parentId === null ? [field.id] : [...(paths.get(parentId) ?? []), field.id]);
    const key = caseSensitive ? name : name.toLowerCase();
    let entry: { ref?: BoundRef; why?: string };
    if (inRepeated) entry = { why: `column ${name} is inside a list or map; filters take top-level and struct columns` };
    else if (!isPrimitive(field.type)) entry = { why: `column ${name} is ${typeToString(field.type)}; filters compare primitive columns` };
    else entry = { ref: { id: field.id, name, type: field.type, path: paths.get(field.id)!, required: requiredPath.get(field.id)! } };
    byName.set(key, [...(byName.get(key) ?? []), entry]);
  });
  return {
    resolve(name, filter) {
      const found = byName.get(caseSensitive ? name : name.toLowerCase());
      if (!found) {
        const names = schema.fields.map((f) => f.name).join(', ');
        throw new FilterError(filter, `no column "${name}" in the table (its columns: ${names})${caseSensitive ? '; names are case-sensitive' : ''}`);
      }
      if (found.length > 1) throw new FilterError(filter, `"${name}" matches ${found.length} columns when case is ignored; use the exact name`);
      const entry = found[0]!;
      if (!entry.ref) throw new FilterError(filter, entry.why!);
      return entry.ref;
    },
  };
}

/** Every field id a bound filter reads. */
export function referencedIds(b: Bound, into = new Set<number>()): Set<number> {
  if (b.op === 'and' || b.op === 'or') for (const a of b.args) referencedIds(a, into);
  else if ('ref' in b) into.add(b.ref.id);
  return into;
}

/** The top-level fields a bound filter reads (a struct column for a predicate on one of its fields). */
export function referencedTopLevelIds(b: Bound, into = new Set<number>()): Set<number> {
  if (b.op === 'and' || b.op === 'or') for (const a of b.args) referencedTopLevelIds(a, into);
  else if ('ref' in b) into.add(b.ref.path[0]!);
  return into;
}

export function boundToString(b: Bound): string {
  switch (b.op) {
    case 'true': case 'false': return b.op;
    case 'and': case 'or': return `(${b.args.map(boundToString).join(` ${b.op} `)})`;
    default:
      if ('values' in b) return `${b.ref.name} ${b.op} (${b.values.map(literalToString).join(', ')})`;
      if ('value' in b) return `${b.ref.name} ${b.op} ${literalToString(b.value)}`;
      return `${b.ref.name} ${b.op}`;
  }
}
