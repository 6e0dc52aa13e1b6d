/** CopyBatch contents back as plain JS values, for the COPY parsers' tests. */
import type { CopyBatch, CopyColumn } from '../../../core/sources/copy-batches.ts';

export type Value = string | number | bigint | null;

const dec = new TextDecoder('utf-8', { fatal: true });

/** A column's values, null where the validity bit is 0. */
export function valuesOf(c: CopyColumn, rows: number): Value[] {
  const out: Value[] = [];
  for (let i = 0; i < rows; i++) {
    if (c.valid && (c.valid[i >> 3]! & (1 << (i & 7))) === 0) out.push(null);
    else if (c.kind === 'utf8') out.push(dec.decode(c.bytes.subarray(c.offsets[i]!, c.offsets[i + 1]!)));
    else out.push(c.values[i]!);
  }
  return out;
}

/** All rows of all batches, row by row. */
export function rowsOf(batches: CopyBatch[]): Value[][] {
  const rows: Value[][] = [];
  for (const b of batches) {
    const cols = b.columns.map((c) => valuesOf(c, b.rows));
    for (let i = 0; i < b.rows; i++) rows.push(cols.map((c) => c[i]!));
  }
  return rows;
}
