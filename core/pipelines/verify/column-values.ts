/**
 * Per-row access to a record batch's columns for the verify statistics, straight from the Arrow
 * buffers: `vector.get(i)` allocates a bigint per long, which over millions of rows is most of
 * the scan's cost. Accessors return null for a null value, and the factories return null for a
 * column whose Arrow type is not the kind asked for (the check then says so instead of guessing).
 */
import { DataType, type Data, type RecordBatch, type Vector } from 'apache-arrow';
import { bitSet, validityOf } from '../../iceberg/spec/arrow-scan.ts';

export type ValueAt<T> = (row: number) => T | null;

function validAt(data: Data): (row: number) => boolean {
  const bits = validityOf(data);
  return bits ? (row) => bitSet(bits, data.offset + row) : () => true;
}

/** The batch's single chunk of a column; scans build each batch column as one Data. */
export function columnData(batch: RecordBatch, name: string): Data | undefined {
  const data = batch.getChild(name)?.data;
  if (!data) return undefined;
  if (data.length !== 1) throw new Error(`column "${name}" arrived in ${data.length} chunks in one record batch; expected one`);
  return data[0];
}

/** Integers and floating point as numbers (longs beyond 2^53 lose precision, fine for counting). */
export function numbersOf(data: Data): ValueAt<number> | null {
  if (!DataType.isInt(data.type) && !DataType.isFloat(data.type)) return null;
  const values = data.values as ArrayLike<number | bigint>;
  const valid = validAt(data);
  return (row) => {
    if (!valid(row)) return null;
    const v = values[row]!;
    return typeof v === 'bigint' ? Number(v) : v;
  };
}

export function booleansOf(data: Data): ValueAt<boolean> | null {
  if (!DataType.isBool(data.type)) return null;
  const bits = data.values as Uint8Array;
  const valid = validAt(data);
  return (row) => (valid(row) ? bitSet(bits, data.offset + row) : null);
}

export function stringsOf(vector: Vector): ValueAt<string> | null {
  if (!DataType.isUtf8(vector.type) && !DataType.isLargeUtf8(vector.type) && !DataType.isUtf8View(vector.type)) return null;
  return (row) => (vector.get(row) as string | null) ?? null;
}

/** Whether each row is null, for any type. */
export function nullsOf(data: Data): (row: number) => boolean {
  const valid = validAt(data);
  return (row) => !valid(row);
}
