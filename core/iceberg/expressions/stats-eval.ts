/**
 * Pruning by statistics: whether a manifest (by its partition summaries in the manifest list) or
 * a data file (by its column metrics: value, null and NaN counts, lower and upper bounds) can hold
 * a row the filter matches. "Cannot" must be certain, since a wrong skip loses rows silently; every
 * missing, unreadable or untrusted statistic answers "might".
 */
import { fromBytes, compareBytes } from '../spec/bounds.ts';
import { parsePrimitive } from '../spec/primitive.ts';
import type { DataFile, PartitionFieldSummary, PartitionSpec, PrimitiveType } from '../spec/types.ts';
import { utf8Bytes, type IcebergValue } from '../spec/values.ts';
import type { Bound, BoundPredicate, BoundRef } from './bind.ts';
import { comparisonHolds, evaluationComparator } from './evaluate-values.ts';

/** What statistics say about one column in a file or a manifest; undefined = not known. */
export interface ColumnStats {
  /** Every non-null, non-NaN value is >= lower and <= upper. */
  lower?: IcebergValue;
  upper?: IcebergValue;
  hasNulls?: boolean;
  hasNaN?: boolean;
  /** No value is non-null. */
  onlyNulls?: boolean;
  /** No value is non-null and non-NaN. */
  onlyNullsOrNaN?: boolean;
}

/** Java and PyIceberg stop pruning `in` on bounds beyond this many values; so does Floe. */
const IN_PRUNE_LIMIT = 200;

/** Whether some row with these statistics may satisfy the filter. */
export function mightMatch(b: Bound, stats: (ref: BoundRef) => ColumnStats): boolean {
  switch (b.op) {
    case 'true': return true;
    case 'false': return false;
    case 'and': return b.args.every((a) => mightMatch(a, stats));
    case 'or': return b.args.some((a) => mightMatch(a, stats));
    default: return predicateMightMatch(b, stats(b.ref));
  }
}

function predicateMightMatch(p: BoundPredicate, s: ColumnStats): boolean {
  switch (p.op) {
    case 'isNull': return s.hasNulls !== false;
    case 'notNull': return s.onlyNulls !== true;
    case 'isNaN': return s.hasNaN !== false && s.onlyNulls !== true;
    case 'notNaN': return s.onlyNullsOrNaN !== true;
    default: break;
  }
  // A null or NaN value satisfies no comparison but != (NaN != 1), so all-null-or-NaN rules the rest out.
  if (p.op === 'notEq' || p.op === 'notIn') {
    if (s.onlyNulls === true) return false;
  } else if (s.onlyNullsOrNaN === true) return false;
  const cmp = evaluationComparator(p.ref.type);
  const { lower, upper } = s;
  switch (p.op) {
    case 'lt': case 'ltEq': case 'eq':
      if (lower !== undefined && !comparisonHolds(p.op === 'eq' ? 'ltEq' : p.op, cmp(lower, p.value))) return false;
      if (p.op === 'eq' && upper !== undefined && !comparisonHolds('gtEq', cmp(upper, p.value))) return false;
      return true;
    case 'gt': case 'gtEq':
      return upper === undefined || comparisonHolds(p.op, cmp(upper, p.value));
    case 'notEq':
      // Every non-null value equals the literal (and none is NaN): no row differs from it.
      return !(lower !== undefined && upper !== undefined && cmp(lower, p.value) === 0 && cmp(upper, p.value) === 0 && s.hasNaN === false);
    case 'in':
      if (p.values.length > IN_PRUNE_LIMIT || lower === undefined || upper === undefined) return true;
      return p.values.some((v) => cmp(lower, v) <= 0 && cmp(upper, v) >= 0);
    case 'notIn':
      return true;
    case 'startsWith': case 'notStartsWith': {
      if (typeof lower !== 'string' || typeof upper !== 'string') return true;
      const prefix = utf8Bytes(p.value as string);
      const head = (v: string) => utf8Bytes(v).subarray(0, prefix.length);
      // Strings that start with a prefix form one interval of the order: compare the bounds' heads.
      if (p.op === 'startsWith') return compareBytes(head(lower), prefix) <= 0 && compareBytes(head(upper), prefix) >= 0;
      return !(compareBytes(head(lower), prefix) === 0 && compareBytes(head(upper), prefix) === 0);
    }
  }
}

/** A bound read from its binary form, or undefined when it cannot be trusted for pruning. */
function bound(type: PrimitiveType, bytes: Uint8Array | null | undefined): IcebergValue | undefined {
  if (!bytes) return undefined;
  const kind = parsePrimitive(type).kind;
  // Java wrote UUID bounds in signed order before apache/iceberg#14500: they may not bound the values.
  if (kind === 'uuid') return undefined;
  try {
    const v = fromBytes(type, bytes);
    return typeof v === 'number' && Number.isNaN(v) ? undefined : v;
  } catch {
    return undefined;
  }
}

const isFloating = (type: PrimitiveType) => {
  const kind = parsePrimitive(type).kind;
  return kind === 'float' || kind === 'double';
};

/**
 * A manifest's partition summaries (in spec field order) against a filter projected onto that
 * spec (project.ts). Absent bounds mean every value is null or NaN (spec "Manifest Lists").
 */
export function manifestMightMatch(projected: Bound, spec: PartitionSpec, summaries: PartitionFieldSummary[] | null | undefined): boolean {
  if (!summaries || projected.op === 'true') return projected.op !== 'false';
  const position = new Map(spec.fields.map((f, i) => [f['field-id'], i]));
  return mightMatch(projected, (ref) => {
    const s = summaries[position.get(ref.id) ?? -1];
    if (!s) return {};
    const lower = bound(ref.type, s.lowerBound);
    const upper = bound(ref.type, s.upperBound);
    const noBounds = !s.lowerBound && !s.upperBound;
    const hasNaN = s.containsNaN ?? (isFloating(ref.type) ? undefined : false);
    return {
      lower, upper, hasNulls: s.containsNull, hasNaN,
      onlyNullsOrNaN: noBounds, onlyNulls: noBounds && hasNaN === false && s.containsNull,
    };
  });
}

/** A data file's column metrics against a filter on the table's columns. */
export function fileMightMatch(filter: Bound, file: DataFile): boolean {
  if (file.recordCount === 0n) return false;
  if (filter.op === 'true' || filter.op === 'false') return filter.op === 'true';
  return mightMatch(filter, (ref) => {
    const values = file.valueCounts?.get(ref.id);
    const nulls = file.nullValueCounts?.get(ref.id);
    const nans = file.nanValueCounts?.get(ref.id) ?? (isFloating(ref.type) ? undefined : 0n);
    return {
      lower: bound(ref.type, file.lowerBounds?.get(ref.id)),
      upper: bound(ref.type, file.upperBounds?.get(ref.id)),
      hasNulls: nulls === undefined ? undefined : nulls > 0n,
      hasNaN: nans === undefined ? undefined : nans > 0n,
      onlyNulls: values !== undefined && nulls !== undefined && values === nulls,
      onlyNullsOrNaN: values !== undefined && nulls !== undefined && nans !== undefined && values === nulls + nans,
    };
  });
}
