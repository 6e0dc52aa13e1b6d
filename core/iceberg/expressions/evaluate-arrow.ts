/**
 * Exact evaluation of a bound filter on Arrow record batches (the residual after pruning): a mask
 * with 1 for each row the filter holds for. Pruning only skips files that cannot match; this is
 * what makes a filtered scan return exactly the matching rows. One pass per predicate over typed
 * buffers, masks combined with and/or: no per-row objects.
 */
import type { Data, Field, Struct } from 'apache-arrow';
import { compareBytes } from '../spec/bounds.ts';
import { FIELD_ID_KEY } from '../spec/arrow-schema.ts';
import { withParentNulls } from '../spec/arrow-scan.ts';
import type { Bound, BoundPredicate, BoundRef } from './bind.ts';
import { accessColumn, accessForm, keyOfValue, type ColumnAccess } from './arrow-access.ts';
import { bytesStartWith, comparisonHolds } from './evaluate-values.ts';

/** The column a reference reads over the batch's rows, or undefined when the data has none (all null). */
export type ColumnLookup = (ref: BoundRef) => Data | undefined;

/** 1 where the filter holds, 0 elsewhere, for `rows` rows. */
export function evaluateBatch(b: Bound, rows: number, column: ColumnLookup, where = 'batch'): Uint8Array {
  switch (b.op) {
    case 'true': return new Uint8Array(rows).fill(1);
    case 'false': return new Uint8Array(rows);
    case 'and': case 'or': {
      const out = evaluateBatch(b.args[0]!, rows, column, where);
      for (const a of b.args.slice(1)) {
        const m = evaluateBatch(a, rows, column, where);
        if (b.op === 'and') for (let i = 0; i < rows; i++) out[i]! &= m[i]!;
        else for (let i = 0; i < rows; i++) out[i]! |= m[i]!;
      }
      return out;
    }
    default: {
      const data = column(b.ref);
      const out = new Uint8Array(rows);
      if (!data) {
        if (b.op === 'isNull') out.fill(1);
        return out;
      }
      evaluatePredicate(b, accessColumn(data, b.ref.type, `${where}, column ${b.ref.name}`), rows, out);
      return out;
    }
  }
}

function evaluatePredicate(p: BoundPredicate, col: ColumnAccess, rows: number, out: Uint8Array): void {
  if (p.op === 'isNull' || p.op === 'notNull') {
    const want = p.op === 'isNull';
    for (let i = 0; i < rows; i++) out[i] = col.isNull(i) === want ? 1 : 0;
    return;
  }
  // Every other predicate is false on null: test values, then clear the null rows.
  const test = rowTest(p, col);
  for (let i = 0; i < rows; i++) out[i] = test(i) ? 1 : 0;
  if (col.hasNulls) for (let i = 0; i < rows; i++) if (col.isNull(i)) out[i] = 0;
}

function rowTest(p: BoundPredicate, col: ColumnAccess): (i: number) => boolean {
  const { access } = col;
  switch (p.op) {
    case 'isNull': case 'notNull':
      throw new Error('unreachable: null tests are evaluated before values are read');
    case 'isNaN': case 'notNaN': {
      if (access.kind !== 'number') throw new Error(`${p.ref.name}: NaN tests need a float column`);
      const want = p.op === 'isNaN';
      return (i) => Number.isNaN(access.get(i)) === want;
    }
    case 'startsWith': case 'notStartsWith': {
      if (access.kind !== 'bytes') throw new Error(`${p.ref.name}: starts-with needs a string column`);
      const prefix = accessForm(p.ref.type, p.value) as Uint8Array;
      const want = p.op === 'startsWith';
      return (i) => bytesStartWith(access.get(i), prefix) === want;
    }
    case 'in': case 'notIn': {
      const want = p.op === 'in';
      const forms = p.values.map((v) => accessForm(p.ref.type, v));
      if (access.kind === 'bytes') {
        const keys = new Set(forms.map((v) => keyOfValue(v)));
        const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
        return (i) => keys.has(latin1(access.get(i))) === want;
      }
      // Set's SameValueZero is IEEE equality here: -0 finds 0, and NaN is never a literal.
      const set = new Set<number | bigint>(forms as (number | bigint)[]);
      return (i) => set.has(access.get(i)) === want;
    }
    default: {
      const op = p.op;
      const literal = accessForm(p.ref.type, p.value);
      if (access.kind === 'bytes') {
        const lit = literal as Uint8Array;
        if (op === 'eq' || op === 'notEq') {
          const want = op === 'eq';
          return (i) => equalBytes(access.get(i), lit) === want;
        }
        return (i) => comparisonHolds(op, compareBytes(access.get(i), lit));
      }
      if (access.kind === 'bigint') {
        const lit = literal as bigint;
        switch (op) {
          case 'eq': return (i) => access.get(i) === lit;
          case 'notEq': return (i) => access.get(i) !== lit;
          case 'lt': return (i) => access.get(i) < lit;
          case 'ltEq': return (i) => access.get(i) <= lit;
          case 'gt': return (i) => access.get(i) > lit;
          case 'gtEq': return (i) => access.get(i) >= lit;
        }
      }
      // Numbers (and booleans as 0/1) compare as IEEE doubles: NaN fails all but !=, -0 equals 0.
      const lit = literal as number;
      const get = access.get as (i: number) => number;
      switch (op) {
        case 'eq': return (i) => get(i) === lit;
        case 'notEq': return (i) => get(i) !== lit;
        case 'lt': return (i) => get(i) < lit;
        case 'ltEq': return (i) => get(i) <= lit;
        case 'gt': return (i) => get(i) > lit;
        case 'gtEq': return (i) => get(i) >= lit;
      }
    }
  }
  throw new Error(`unreachable: unknown predicate ${(p as { op: string }).op}`);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Column lookup over a batch's top-level columns by field id, descending into structs by the
 * field ids on their Arrow children; a struct's nulls are folded into its children (a field of a
 * null struct is null).
 */
export function structLookup(topLevel: Map<number, Data>): ColumnLookup {
  return (ref) => {
    let data = topLevel.get(ref.path[0]!);
    for (const id of ref.path.slice(1)) {
      if (!data) return undefined;
      const children = (data.type as Struct).children as Field[];
      const at = children.findIndex((f) => f.metadata.get(FIELD_ID_KEY) === String(id));
      if (at < 0) return undefined;
      data = withParentNulls(data.children[at]!, data);
    }
    return data;
  };
}
