import { describe, expect, it } from 'vitest';
import type { RecordBatch } from 'apache-arrow';
import { Partitioner } from '../../../../core/iceberg/write/partitioner.ts';
import { heldBytes } from '../../../../core/iceberg/write/held-bytes.ts';
import { applyTransform, parseTransform } from '../../../../core/iceberg/spec/transforms.ts';
import { batchOf, daySpec, smallSchema } from '../../../integration/iceberg/table-batches.ts';

const DAY_US = 86_400_000_000n;
const rowsOf = (b: RecordBatch) => Array.from({ length: b.numRows }, (_, i) => String(b.getChild('image_id')!.get(i)));

function batch(dayOfRow: (i: number) => number, n: number): RecordBatch {
  return batchOf(smallSchema, Array.from({ length: n }, (_, i) => ({
    image_id: `row-${i}`, window_start: BigInt(dayOfRow(i)) * DAY_US + BigInt(i), event_count: BigInt(i),
  })));
}

describe('Partitioner.split', () => {
  const partitioner = new Partitioner(daySpec, smallSchema);

  it('gathers rows that are not grouped by partition into one batch per partition, rows in order', () => {
    const input = batch((i) => i % 5, 10_000);
    const slices = [...partitioner.split(input)];
    expect(slices.map((s) => s.values[1000])).toEqual([0, 1, 2, 3, 4]);
    for (const s of slices) {
      const day = s.values[1000] as number;
      expect(rowsOf(s.rows)).toEqual(Array.from({ length: 2000 }, (_, k) => `row-${k * 5 + day}`));
    }
    // The gathered batches are copies: together they hold what the input holds, not five times it.
    const held = slices.reduce((n, s) => n + heldBytes(s.rows.data), 0);
    expect(held).toBeLessThanOrEqual(heldBytes(input.data) + 5 * 64);
  });

  it('keeps long runs of one partition as zero-copy slices', () => {
    const input = batch((i) => (i < 6000 ? 0 : i < 12_000 ? 1 : 0), 18_000);
    const slices = [...partitioner.split(input)];
    expect(slices.map((s) => [s.values[1000], s.rows.numRows])).toEqual([[0, 6000], [0, 6000], [1, 6000]]);
    const ids = input.getChild('image_id')!.data[0]!;
    for (const s of slices) expect(s.rows.getChild('image_id')!.data[0]!.values.buffer).toBe(ids.values.buffer);
  });

  it('yields the whole batch when the table is not partitioned', () => {
    const input = batch((i) => i % 3, 100);
    const slices = [...new Partitioner({ 'spec-id': 0, fields: [] }, smallSchema).split(input)];
    expect(slices).toHaveLength(1);
    expect(slices[0]!.rows).toBe(input);
  });

  it('puts each timestamp in the partition its transform gives, at hour, day, month and year edges and beyond 2^53', () => {
    const HOUR = 3_600_000_000n;
    const edges = [0n, HOUR, 24n * HOUR, BigInt(Date.parse('2024-03-01T00:00:00Z')) * 1000n, BigInt(Date.parse('2025-01-01T00:00:00Z')) * 1000n,
      -24n * HOUR, 2n ** 53n, -(2n ** 53n), 253_402_300_799_999_999n, -62_135_596_800_000_000n];
    const values: (bigint | null)[] = [null];
    for (const e of edges) values.push(e - 1n, e, e + 1n, e + HOUR - 1n);
    // Interleaved, so that every row starts a new run and each partition is gathered.
    const shuffled = values.map((v, i) => ({ v, k: (i * 7919) % values.length })).sort((a, b) => a.k - b.k).map((x) => x.v);
    const rows = shuffled.map((v, i) => ({ image_id: `row-${i}`, window_start: v, event_count: null }));
    for (const transform of ['hour', 'day', 'month', 'year']) {
      const spec = { 'spec-id': 0, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'p', transform }] };
      const seen = new Map<string, unknown>();
      for (const s of new Partitioner(spec, smallSchema).split(batchOf(smallSchema, rows))) {
        for (const id of rowsOf(s.rows)) {
          const v = shuffled[Number(id.slice(4))]!;
          seen.set(id, s.values[1000]);
          expect(s.values[1000], `${transform} of ${v}`).toEqual(applyTransform(parseTransform(transform), 'timestamptz', v));
        }
      }
      expect(seen.size, `rows placed by ${transform}`).toBe(rows.length);
    }
  });
});
