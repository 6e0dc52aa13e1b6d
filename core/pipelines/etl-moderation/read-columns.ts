/**
 * Arrow record batches to the plain column arrays the feature computation takes: strings as
 * strings, timestamps as microsecond numbers, integers as numbers, nulls as null.
 */
import type { RecordBatch } from 'apache-arrow';

export type ColumnKind = 'string' | 'micros' | 'number';

export async function readColumns<K extends string>(batches: AsyncIterable<RecordBatch>, columns: Record<K, ColumnKind>): Promise<Record<K, unknown[]>> {
  const names = Object.keys(columns) as K[];
  const out = Object.fromEntries(names.map((n) => [n, [] as unknown[]])) as Record<K, unknown[]>;
  for await (const b of batches) {
    for (const name of names) {
      const column = b.getChild(name);
      if (!column) throw new Error(`column "${name}" is missing from the data`);
      const target = out[name];
      if (columns[name] === 'micros') {
        for (const data of column.data) {
          const values = data.values as BigInt64Array;
          for (let i = 0; i < data.length; i++) target.push(data.getValid(i) ? Number(values[i]!) : null);
        }
      } else {
        for (let i = 0; i < column.length; i++) {
          const v = column.get(i) as unknown;
          target.push(v === null || v === undefined ? null : columns[name] === 'number' ? Number(v) : v);
        }
      }
    }
  }
  return out;
}
