/**
 * scanTable's `lendBatches`: each batch's decoded memory goes back to the native decoder when the
 * next batch is asked for. A lent scan reads exactly the rows a normal scan reads, through every
 * path a batch takes (projection, filter, limit, columns a file predates), gives back the batch
 * before once the reader moves on, and never touches a normal scan's batches.
 */
import type { RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureNamespace } from '../../../core/iceberg/catalog/ensure.ts';
import { and, greaterThan, lessThan } from '../../../core/iceberg/expressions/expression.ts';
import { nativeParquet } from '../../../core/iceberg/parquet-native.ts';
import { scanTable, type ScanOptions } from '../../../core/iceberg/read/scan.ts';
import type { Schema, TableMetadata } from '../../../core/iceberg/spec/types.ts';
import { addMissingColumns } from '../../../core/iceberg/write/evolve-schema.ts';
import { writeTable } from '../../../core/iceberg/write/commit.ts';
import { currentSchema } from '../../../core/iceberg/write/snapshot-producer.ts';
import { fileIOFor } from '../../../core/io/resolve-file-io.ts';
import { canonicalBatchRows, type CanonicalRow } from './canonical-values.ts';
import { sqliteLocalCatalog, type CatalogUnderTest } from './catalogs.ts';
import { batchOf } from './table-batches.ts';

const schema: Schema = {
  type: 'struct', 'schema-id': 0, fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'caption', required: false, type: 'string' },
    { id: 3, name: 'score', required: false, type: 'double' },
  ],
};
const rowsFrom = (first: number, n: number) => Array.from({ length: n }, (_, i) => {
  const id = first + i;
  return { id: BigInt(id), caption: id % 11 === 0 ? null : `caption ${id} ${'é'.repeat(id % 5)}`, score: id % 13 === 0 ? null : id / 7 };
});

/** A column's first buffer: empty once its batch has been given back. */
const idValues = (batch: RecordBatch) => batch.getChildAt(0)!.data[0]!.values as BigInt64Array;

describe('lent scans (SQLite catalog + local warehouse)', () => {
  let c: CatalogUnderTest;
  let md: TableMetadata;
  let evolved: Schema;
  const id = { namespace: ['lend'], name: 'captions' };
  const io = (l: string) => fileIOFor(l, c.io);

  /** Rows read inside the loop, as a lent batch must be read. */
  async function rowsOf(o: ScanOptions): Promise<CanonicalRow[]> {
    const out: CanonicalRow[] = [];
    for await (const batch of scanTable(io(md.location), md, o)) {
      out.push(...canonicalBatchRows({ ...evolved, fields: evolved.fields.filter((f) => batch.schema.fields.some((x) => x.name === f.name)) }, [batch]));
    }
    return out;
  }

  beforeAll(async () => {
    c = await sqliteLocalCatalog();
    await ensureNamespace(c.catalog, ['lend']);
    await c.catalog.createTable(id, { schema });
    for (const first of [0, 3000, 6000]) {
      await writeTable(c.catalog, id, io, [batchOf(schema, rowsFrom(first, 3000))], { mode: 'append' });
    }
    // A column the first three files predate: they read it as nulls, made in JS beside decoded columns.
    const { table } = await addMissingColumns(c.catalog, id, [{ name: 'flagged', required: false, type: 'boolean' }]);
    evolved = currentSchema(table.metadata);
    const later = rowsFrom(9000, 1000).map((r) => ({ ...r, flagged: r.id % 2n === 0n }));
    await writeTable(c.catalog, id, io, [batchOf(evolved, later)], { mode: 'append' });
    md = (await c.catalog.loadTable(id)).metadata;
  });
  afterAll(() => c?.catalog.close());

  it('runs on the native codec (the only one whose buffers it gives back)', () => {
    expect(nativeParquet(), 'native/parquet/floe_parquet.node must be built (native/parquet/build.sh)').not.toBeNull();
  });

  it.each<[string, ScanOptions]>([
    ['every row and column, in many batches', { batchSize: 700 }],
    ['a projection', { columns: ['score', 'id'], batchSize: 1000 }],
    ['a filter keeping whole runs (slices of decoded batches)', { filter: and(greaterThan('id', 1500n), lessThan('id', 7000n)), batchSize: 512 }],
    ['a filter keeping scattered rows (copies)', { filter: lessThan('score', 1200), batchSize: 512 }],
    ['a limit ending mid-batch', { limit: 2345, batchSize: 1000 }],
    ['no column at all (row counts)', { columns: [] }],
  ])('reads the rows a normal scan reads: %s', async (_what, o) => {
    const owned = await rowsOf(o);
    const lent = await rowsOf({ ...o, lendBatches: true });
    expect(lent.length).toBeGreaterThan(0);
    expect(lent).toEqual(owned);
  });

  it('gives a batch back once the next is asked for, and the last when the reader stops early', async () => {
    const seen: RecordBatch[] = [];
    let sum = 0n;
    for await (const batch of scanTable(io(md.location), md, { lendBatches: true, batchSize: 1000 })) {
      const ids = idValues(batch);
      expect(ids.length).toBe(batch.numRows); // readable while lent
      for (const v of ids) sum += v;
      seen.push(batch);
      if (seen.length > 1) expect(idValues(seen[seen.length - 2]!).length).toBe(0);
      if (seen.length === 5) break;
    }
    expect(seen).toHaveLength(5);
    expect(sum).toBeGreaterThan(0n);
    expect(idValues(seen[4]!).length).toBe(0);
  });

  it('leaves a normal scan\'s batches whole after the scan', async () => {
    const kept: RecordBatch[] = [];
    for await (const batch of scanTable(io(md.location), md, { batchSize: 1000 })) kept.push(batch);
    expect(kept.reduce((n, b) => n + b.numRows, 0)).toBe(10_000);
    for (const b of kept) expect(idValues(b).length).toBe(b.numRows);
  });
});
