/**
 * Partitioned appends whose rows are not grouped by partition (rows cycling over 20 days, as a
 * pipeline's window rows arrive). The writer once measured each partition's zero-copy slice by
 * its parent batch's whole string buffer, so its memory bound tripped on every slice and it wrote
 * a file every few rows (2M rows made 241,870 files). Now: one file per partition, bounded only
 * by the target file size, and every row read back exactly by Floe and by PyIceberg.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordBatch } from 'apache-arrow';
import { ensureNamespace } from '../../../core/iceberg/catalog/ensure.ts';
import { scanTable } from '../../../core/iceberg/read/scan.ts';
import { writeTable } from '../../../core/iceberg/write/commit.ts';
import { fileIOFor } from '../../../core/io/resolve-file-io.ts';
import { postgresS3Catalog, type CatalogUnderTest } from './catalogs.ts';
import { pyiceberg, type PyTable } from './pyiceberg.ts';
import { batchOf, daySpec, isoMicros, smallSchema } from './table-batches.ts';

const ROWS = 300_000;
const DAYS = 20;
const BATCH_ROWS = 65_536;
const DAY_US = 86_400_000_000n;
const START = BigInt(Date.parse('2026-03-01T00:00:00Z')) * 1000n;

/** Row i: its day cycles (i * 7) mod 20, so consecutive rows are in different partitions. */
function row(i: number): { image_id: string; window_start: bigint; event_count: bigint | null } {
  const day = (i * 7) % DAYS;
  // Strings of varied length, some beyond the BMP: the slices' byte accounting is what is tested.
  const image_id = i % 13 === 0 ? `🍜-${i}-ラーメン` : `img-${i.toString(36)}-${'x'.repeat(i % 17)}`;
  return { image_id, window_start: START + BigInt(day) * DAY_US + BigInt(i % 86_400) * 1_000_000n, event_count: i % 11 === 0 ? null : BigInt(i) };
}

function* unsortedBatches(): Generator<RecordBatch> {
  for (let first = 0; first < ROWS; first += BATCH_ROWS) {
    const rows = Array.from({ length: Math.min(BATCH_ROWS, ROWS - first) }, (_, k) => row(first + k));
    yield batchOf(smallSchema, rows);
  }
}

/** A row as one comparable line, in the form PyIceberg's describe gives (ISO times, numbers). */
const line = (r: Record<string, unknown>) => JSON.stringify([r.image_id, r.window_start, r.event_count]);
const sorted = (lines: string[]) => lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const expected = sorted(Array.from({ length: ROWS }, (_, i) => {
  const r = row(i);
  return line({ ...r, window_start: isoMicros(r.window_start), event_count: r.event_count === null ? null : Number(r.event_count) });
}));

async function floeLines(batches: AsyncIterable<RecordBatch>): Promise<string[]> {
  const out: string[] = [];
  for await (const b of batches) {
    const ids = b.getChild('image_id')!;
    const starts = b.getChild('window_start')!;
    const counts = b.getChild('event_count')!;
    for (let i = 0; i < b.numRows; i++) {
      const start = starts.get(i) === null ? null : (starts.data[0]!.values as BigInt64Array)[i]!;
      const count = counts.get(i) as bigint | null;
      out.push(line({ image_id: ids.get(i), window_start: start === null ? null : isoMicros(start), event_count: count === null ? null : Number(count) }));
    }
  }
  return sorted(out);
}

describe('partitioned appends of rows not grouped by partition (Postgres + S3)', () => {
  let c: CatalogUnderTest;
  const io = (l: string) => fileIOFor(l, c.io);
  beforeAll(async () => {
    c = await postgresS3Catalog();
    await ensureNamespace(c.catalog, ['writer']);
  });
  afterAll(() => c.catalog.close());

  it('writes one file per day partition, and Floe and PyIceberg read back every row exactly', async () => {
    const id = { namespace: ['writer'], name: 'unsorted_days' };
    await c.catalog.createTable(id, { schema: smallSchema, spec: daySpec });
    const t0 = performance.now();
    const result = await writeTable(c.catalog, id, io, unsortedBatches(), { mode: 'append' });
    const seconds = (performance.now() - t0) / 1000;
    expect(result.records, 'rows committed').toBe(BigInt(ROWS));
    expect(result.dataFiles, `data files for ${ROWS} rows over ${DAYS} day partitions (a few MB each, far below the buffer and the target file size)`).toBe(DAYS);

    const md = (await c.catalog.loadTable(id)).metadata;
    expect(await floeLines(scanTable(io(md.location), md)), 'rows Floe reads back').toEqual(expected);

    const py = await pyiceberg<PyTable>(c.py, 'describe', { table: 'writer.unsorted_days' });
    expect(py.row_count, 'rows PyIceberg reads').toBe(ROWS);
    expect(sorted(py.rows.map(line)), 'rows PyIceberg reads back').toEqual(expected);
    expect(py.snapshots.at(-1)!.summary, 'snapshot summary as PyIceberg sees it').toMatchObject({
      'added-data-files': String(DAYS), 'added-records': String(ROWS), 'changed-partition-count': String(DAYS),
    });
    // Generous: the bug took minutes for this; the fix takes seconds even on a loaded machine.
    expect(seconds, 'seconds to write the table').toBeLessThan(60);
  }, 180_000);

  it('splits a partition only by the target file size, in the writer\'s own thread too', async () => {
    const target = 96 * 1024;
    const id = { namespace: ['writer'], name: 'unsorted_days_small_files' };
    await c.catalog.createTable(id, { schema: smallSchema, spec: daySpec, properties: { 'write.target-file-size-bytes': String(target) } });
    const result = await writeTable(c.catalog, id, io, unsortedBatches(), { mode: 'append', encodeWorkers: 0 });
    expect(result.records).toBe(BigInt(ROWS));
    const md = (await c.catalog.loadTable(id)).metadata;
    const files = await pyiceberg<{ files: { file_size_in_bytes: number; record_count: number; partition: Record<string, string> }[] }>(
      c.py, 'inspect', { table: 'writer.unsorted_days_small_files' });
    const perDay = new Map<string, number>();
    for (const f of files.files) perDay.set(JSON.stringify(f.partition), (perDay.get(JSON.stringify(f.partition)) ?? 0) + 1);
    expect(perDay.size, 'partitions with files').toBe(DAYS);
    expect(Math.min(...perDay.values()), `files per partition when each partition's rows take more than the ${target}-byte target`).toBeGreaterThan(1);
    // Sizes are estimated from the compression of the files already written: near the target, not over it by much.
    const oversized = files.files.filter((f) => f.file_size_in_bytes > target * 1.25);
    expect(oversized, `files more than 25% over write.target-file-size-bytes=${target}`).toEqual([]);
    expect(files.files.reduce((n, f) => n + f.record_count, 0), 'rows in the files PyIceberg lists').toBe(ROWS);
    expect(await floeLines(scanTable(io(md.location), md)), 'rows Floe reads back').toEqual(expected);
  }, 180_000);
});
