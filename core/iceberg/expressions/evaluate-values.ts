/**
 * A bound filter evaluated on single values: a partition tuple (is this file's partition one the
 * filter can match?), or one row in tests. Values are in spec/values.ts forms.
 */
import { comparatorFor, compareBytes, compareUtf8 } from '../spec/bounds.ts';
import { parsePrimitive } from '../spec/primitive.ts';
import type { PrimitiveType } from '../spec/types.ts';
import type { IcebergValue } from '../spec/values.ts';
import type { Bound, BoundRef } from './bind.ts';
import type { ComparisonOp } from './expression.ts';

/**
 * How two values of a type compare, for evaluation: NaN for "unordered". Floats compare as IEEE
 * numbers (NaN with nothing, -0 equal to 0), as SQL engines and PyIceberg's scans do; Iceberg's
 * total order (spec/bounds.ts) is for sorting and bounds, where -0 sorts first.
 */
export function evaluationComparator(type: PrimitiveType): (a: IcebergValue, b: IcebergValue) => number {
  const kind = parsePrimitive(type).kind;
  if (kind === 'float' || kind === 'double') {
    return (a, b) => ((a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : a === b ? 0 : NaN);
  }
  if (kind === 'string') return (a, b) => compareUtf8(a as string, b as string);
  if (kind === 'binary' || kind === 'fixed') return (a, b) => compareBytes(a as Uint8Array, b as Uint8Array);
  return comparatorFor(type);
}

/** Whether a comparison result satisfies the operation (NaN, unordered, satisfies only !=). */
export function comparisonHolds(op: Exclude<ComparisonOp, 'startsWith' | 'notStartsWith'>, c: number): boolean {
  switch (op) {
    case 'eq': return c === 0;
    case 'notEq': return c !== 0;
    case 'lt': return c < 0;
    case 'ltEq': return c <= 0;
    case 'gt': return c > 0;
    case 'gtEq': return c >= 0;
  }
}

export function startsWithValue(value: string, prefix: string): boolean {
  // Code unit prefixes are code point prefixes for well-formed text.
  return value.startsWith(prefix);
}

/** Whether a bytes value starts with the UTF-8 bytes of a prefix. */
export function bytesStartWith(value: Uint8Array, prefix: Uint8Array): boolean {
  if (value.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (value[i] !== prefix[i]) return false;
  return true;
}

/** The filter on one tuple of values, looked up by reference; null or undefined is a null value. */
export function evaluateValues(b: Bound, get: (ref: BoundRef) => IcebergValue | null | undefined): boolean {
  switch (b.op) {
    case 'true': return true;
    case 'false': return false;
    case 'and': return b.args.every((a) => evaluateValues(a, get));
    case 'or': return b.args.some((a) => evaluateValues(a, get));
    default: break;
  }
  const v = get(b.ref);
  if (v === null || v === undefined) return b.op === 'isNull';
  switch (b.op) {
    case 'isNull': return false;
    case 'notNull': return true;
    case 'isNaN': return Number.isNaN(v);
    case 'notNaN': return !Number.isNaN(v);
    case 'startsWith': return startsWithValue(v as string, b.value as string);
    case 'notStartsWith': return !startsWithValue(v as string, b.value as string);
    case 'in': case 'notIn': {
      const cmp = evaluationComparator(b.ref.type);
      const found = b.values.some((x) => cmp(v, x) === 0);
      return b.op === 'in' ? found : !found;
    }
    default:
      return comparisonHolds(b.op, evaluationComparator(b.ref.type)(v, b.value));
  }
}
