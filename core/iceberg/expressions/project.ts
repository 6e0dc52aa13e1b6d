/**
 * Inclusive projection (spec "Scan Planning"): a row filter turned into a filter on partition
 * values that holds for every partition holding a matching row. A file whose partition tuple fails
 * it, or a manifest whose partition summaries rule it out, cannot hold a matching row and is never
 * read. Predicates a transform cannot carry become `true` (no pruning), never a guess.
 */
import { transformFunction, transformResultType, parseTransform, type Transform } from '../spec/transforms.ts';
import { parsePrimitive } from '../spec/primitive.ts';
import type { PartitionField, PartitionSpec } from '../spec/types.ts';
import { codePointPrefixEnd, type IcebergValue } from '../spec/values.ts';
import { conjunction, disjunction, valueKey, type Bound, type BoundPredicate, type BoundRef } from './bind.ts';

/** The filter on `spec`'s partition fields (refs by partition field id) that every matching row's partition satisfies. */
export function projectInclusive(filter: Bound, spec: PartitionSpec): Bound {
  const visit = (b: Bound): Bound => {
    switch (b.op) {
      case 'true': case 'false': return b;
      case 'and': return conjunction(b.args.map(visit));
      case 'or': return disjunction(b.args.map(visit));
      default: {
        // Several partition fields may come from one column (e.g. day and bucket): each must hold.
        const projected = spec.fields.filter((f) => f['source-id'] === b.ref.id)
          .map((f) => projectPredicate(b, f))
          .filter((p): p is Bound => p !== undefined);
        return conjunction(projected);
      }
    }
  };
  return visit(filter);
}

function projectPredicate(p: BoundPredicate, field: PartitionField): Bound | undefined {
  const t = parseTransform(field.transform);
  if (t.kind === 'void' || t.kind === 'unknown') return undefined;
  let part: BoundRef;
  try {
    part = { id: field['field-id'], name: field.name, type: transformResultType(t, p.ref.type), path: [field['field-id']], required: false };
  } catch {
    return undefined; // a spec this column's type cannot have: nothing to conclude from it
  }
  if (p.op === 'isNull' || p.op === 'notNull') return { op: p.op, ref: part };
  if (t.kind === 'identity') return { ...p, ref: part } as Bound;
  try {
    return projectTransformed(p, t, part);
  } catch {
    return undefined; // e.g. a literal whose transform leaves the int range: no pruning
  }
}

function projectTransformed(p: BoundPredicate, t: Transform, part: BoundRef): Bound | undefined {
  const fn = transformFunction(t, p.ref.type);
  const apply = (v: IcebergValue): IcebergValue => fn(v) as IcebergValue;
  const setOf = (values: IcebergValue[]): Bound => {
    const out = new Map<string, IcebergValue>();
    for (const v of values) {
      const x = apply(v);
      out.set(valueKey(x), x);
    }
    const list = [...out.values()];
    return list.length === 1 ? { op: 'eq', ref: part, value: list[0]! } : { op: 'in', ref: part, values: list };
  };
  if (t.kind === 'bucket') {
    if (p.op === 'eq') return { op: 'eq', ref: part, value: apply(p.value) };
    if (p.op === 'in') return setOf(p.values);
    return undefined;
  }
  const kind = parsePrimitive(p.ref.type).kind;
  if (t.kind === 'truncate' && (kind === 'string' || kind === 'binary')) return projectTruncatedText(p, t.width, part, apply, setOf, kind);
  // truncate of numbers and year/month/day/hour: monotone, order-preserving maps, so a strict
  // bound moves one step inward before it is transformed (x < 10 is x <= 9).
  const step = (v: IcebergValue, by: -1 | 1): IcebergValue => (typeof v === 'bigint' ? v + BigInt(by) : (v as number) + by);
  switch (p.op) {
    case 'eq': return { op: 'eq', ref: part, value: apply(p.value) };
    case 'in': return setOf(p.values);
    case 'lt': return { op: 'ltEq', ref: part, value: apply(step(p.value, -1)) };
    case 'ltEq': return { op: 'ltEq', ref: part, value: apply(p.value) };
    case 'gt': return { op: 'gtEq', ref: part, value: apply(step(p.value, 1)) };
    case 'gtEq': return { op: 'gtEq', ref: part, value: apply(p.value) };
    default: return undefined;
  }
}

function projectTruncatedText(
  p: BoundPredicate, width: number, part: BoundRef, apply: (v: IcebergValue) => IcebergValue,
  setOf: (values: IcebergValue[]) => Bound, kind: 'string' | 'binary',
): Bound | undefined {
  switch (p.op) {
    case 'eq': return { op: 'eq', ref: part, value: apply(p.value) };
    case 'in': return setOf(p.values);
    default: break;
  }
  if (kind === 'binary') return undefined;
  switch (p.op) {
    case 'lt': case 'ltEq': return { op: 'ltEq', ref: part, value: apply(p.value) };
    case 'gt': case 'gtEq': return { op: 'gtEq', ref: part, value: apply(p.value) };
    case 'startsWith': case 'notStartsWith': {
      const prefix = p.value as string;
      const fits = codePointPrefixEnd(prefix, width) === prefix.length; // at most `width` code points
      if (p.op === 'notStartsWith') return fits ? { op: 'notStartsWith', ref: part, value: prefix } : undefined;
      // A prefix at least as long as the truncation fixes the partition value; a shorter one is a prefix of it.
      return fits && codePointPrefixEnd(prefix, width - 1) === prefix.length
        ? { op: 'startsWith', ref: part, value: prefix }
        : { op: 'eq', ref: part, value: apply(prefix) };
    }
    default: return undefined;
  }
}
