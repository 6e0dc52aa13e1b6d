/**
 * The tables and filters of the filtered-scan tests, and PyIceberg (scan_filter.py) as the other
 * side: it creates and fills the tables, and scans them with the same filters.
 */
import { Rng } from '../../../core/demo/random.ts';
import type { Expression, LiteralInput } from '../../../core/iceberg/expressions/expression.ts';
import type { PartitionSpec, Schema } from '../../../core/iceberg/spec/types.ts';
import type { CanonicalRow } from './canonical-values.ts';
import { python } from './pyiceberg.ts';

export { python };

export const filterSchema: Schema = {
  type: 'struct', 'schema-id': 0, fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'category', required: false, type: 'string' },
    { id: 3, name: 'ts', required: false, type: 'timestamptz' },
    { id: 4, name: 'd', required: false, type: 'date' },
    { id: 5, name: 'price', required: false, type: 'decimal(9, 2)' },
    { id: 6, name: 'score', required: false, type: 'double' },
    { id: 7, name: 'ok', required: false, type: 'boolean' },
  ],
};

export const specs: Record<'day' | 'category' | 'none', PartitionSpec> = {
  day: { 'spec-id': 0, fields: [{ 'source-id': 3, 'field-id': 1000, name: 'ts_day', transform: 'day' }] },
  category: { 'spec-id': 0, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'category', transform: 'identity' }] },
  none: { 'spec-id': 0, fields: [] },
};

const CATEGORIES = ['Bread', 'Dessert', 'Noodles', '🍜 ramen', 'Rice', 'Café', null];
const DAY = 86_400_000_000n;
export const MARCH_1 = BigInt(Date.UTC(2026, 2, 1)) * 1000n;

/**
 * Batch k (one append each): ids k*1000.., mostly on day k of March 2026 with a few on day k+1,
 * categories from a pair per batch, a price, a score with NaN and -0.0 now and then, nulls in
 * every optional column. Values in core/iceberg/spec/values.ts forms.
 */
export function filterBatch(k: number, rows = 40): Record<string, unknown>[] {
  const rng = new Rng('scan-filter', k);
  const pair = [CATEGORIES[k % CATEGORIES.length]!, CATEGORIES[(k + 3) % CATEGORIES.length]!];
  return Array.from({ length: rows }, (_, j) => {
    const day = BigInt(k - 1 + (j >= rows - 5 ? 1 : 0));
    const ts = MARCH_1 + day * DAY + BigInt(rng.int(86_400)) * 1_000_000n + BigInt(rng.int(1_000_000));
    const score = rng.chance(0.05) ? NaN : rng.chance(0.05) ? -0 : Math.round(rng.next() * 2000 - 1000) / 1000;
    return {
      id: BigInt(k * 1000 + j),
      category: rng.chance(0.1) ? null : pair[j % 2],
      ts: rng.chance(0.05) ? null : ts,
      d: rng.chance(0.05) ? null : Number((MARCH_1 / DAY) + day),
      price: rng.chance(0.1) ? null : BigInt(rng.int(10_000)),
      score: rng.chance(0.05) ? null : score,
      ok: rng.chance(0.1) ? null : rng.chance(0.5),
    };
  });
}

/** A named filter; `py` overrides what PyIceberg gets when its semantics differ (see the test). */
export interface FilterCase { name: string; filter: Expression; py?: Expression }

/**
 * The filter as scan_filter.py reads it: bigints as {"long": text}, everything else as is, but
 * for a time ending in Z, which PyIceberg 0.12 does not parse: it gets +00:00.
 */
export function pyFilter(e: Expression): unknown {
  const zulu = (s: string) => (/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(s) ? `${s.slice(0, -1)}+00:00` : s);
  const lit = (v: LiteralInput): unknown =>
    (typeof v === 'bigint' ? { long: String(v) } : v instanceof Date ? zulu(v.toISOString()) : typeof v === 'string' ? zulu(v) : v);
  switch (e.op) {
    case 'and': case 'or': return { op: e.op, args: e.args.map(pyFilter) };
    case 'not': return { op: 'not', arg: pyFilter(e.arg) };
    case 'true': case 'false': throw new Error('constant filters are not sent to PyIceberg');
    default:
      if ('values' in e) return { op: e.op, column: e.column, values: e.values.map(lit) };
      if ('value' in e) return { op: e.op, column: e.column, value: lit(e.value) };
      return { op: e.op, column: e.column };
  }
}

export interface PyScan { total_files: number; results: { rows: CanonicalRow[]; files: number }[] }
