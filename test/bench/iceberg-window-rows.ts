/**
 * Synthetic rows of an `event_aggregations.*_windows_5min` table for the partitioned-append
 * benchmark, built straight into Arrow buffers. Consecutive rows fall on different days (row i on
 * day i mod `days`): the worst order for a day-partitioned writer, the one that once made it
 * write a file every few rows.
 */
import { makeData, RecordBatch, Struct, type Data, type DataType } from 'apache-arrow';
import { arrowSchemaFromIceberg } from '../../core/iceberg/spec/arrow-schema.ts';
import { WINDOW_SCHEMA } from '../../core/pipelines/event-aggregation/window-table.ts';

const HEX = new TextEncoder().encode('0123456789abcdef');
const ID_BYTES = 36;
const DAY_US = 86_400_000_000;
const WINDOW_US = 300_000_000;
const START_US = Date.parse('2026-03-01T00:00:00Z') * 1000;

function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Rows [first, first + count) over `days` day partitions, as one record batch. */
export function windowRowsBatch(first: number, count: number, days: number): RecordBatch {
  const offsets = new Int32Array(count + 1);
  const ids = new Uint8Array(count * ID_BYTES);
  // Microsecond timestamps stay below 2^53 here: plain numbers, converted once per value.
  const starts = new BigInt64Array(count);
  const ends = new BigInt64Array(count);
  const counts = new BigInt64Array(count);
  const processed = new BigInt64Array(count).fill(BigInt(START_US + 40 * DAY_US));
  for (let i = 0; i < count; i++) {
    const row = first + i;
    const h = mix(row ^ 0x5bd1e995);
    for (let k = 0, pos = i * ID_BYTES, word = 0; k < 32; k++) {
      if (k === 8 || k === 12 || k === 16 || k === 20) ids[pos++] = 0x2d;
      if (k % 8 === 0) word = mix(h + k);
      ids[pos++] = HEX[(word >>> ((k & 7) * 4)) & 15]!;
    }
    offsets[i + 1] = (i + 1) * ID_BYTES;
    const start = START_US + (row % days) * DAY_US + (Math.floor(row / days) % 288) * WINDOW_US;
    starts[i] = BigInt(start);
    ends[i] = BigInt(start + WINDOW_US);
    counts[i] = BigInt(1 + (h % 100));
  }
  const arrow = arrowSchemaFromIceberg(WINDOW_SCHEMA);
  const buffers: Record<string, object> = {
    image_id: { valueOffsets: offsets, data: ids }, window_start: { data: starts }, window_end: { data: ends },
    event_count: { data: counts }, processed_at: { data: processed },
  };
  // `as never`: makeData's overloads are per Arrow type; here the type is only known by column name.
  const children: Data[] = arrow.fields.map((f) => makeData({ type: f.type as DataType, length: count, nullCount: 0, ...buffers[f.name] } as never) as Data);
  return new RecordBatch(arrow, makeData({ type: new Struct(arrow.fields), length: count, nullCount: 0, children }));
}
