/**
 * Property-style round trips: for each seed, a random schema (every primitive type, structs,
 * lists and maps, required and optional) and random edge-heavy rows are written by Floe, then
 * read back by Floe and by PyIceberg, and all three must agree value for value (canonical forms
 * in canonical-values.ts) and PyIceberg must see the schema with the same field ids. Each seed
 * writes the rows unpartitioned, writes an empty table, and, when the schema has a top-level
 * string, int or timestamp column, writes the rows partitioned too.
 *
 * A failure names its seed; rerun just that one with FLOE_ROUND_TRIP_SEED=<seed>.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordBatch } from 'apache-arrow';
import { Rng } from '../../../core/demo/random.ts';
import { ensureNamespace } from '../../../core/iceberg/catalog/ensure.ts';
import { scanTable } from '../../../core/iceberg/read/scan.ts';
import type { PartitionSpec, Schema } from '../../../core/iceberg/spec/types.ts';
import { writeTable } from '../../../core/iceberg/write/commit.ts';
import { fileIOFor } from '../../../core/io/resolve-file-io.ts';
import { canonicalBatchRows, canonicalRows, type CanonicalRow, schemaShape, sortedRows } from './canonical-values.ts';
import { catalogSetups, type CatalogUnderTest } from './catalogs.ts';
import { nestedBatchOf } from './nested-batches.ts';
import { pyiceberg } from './pyiceberg.ts';
import { randomBatching, randomPartitionSpec, randomRows, randomSchema, type Row } from './random-tables.ts';

const SEEDS = process.env.FLOE_ROUND_TRIP_SEED ? [Number(process.env.FLOE_ROUND_TRIP_SEED)] : [1, 2, 3, 4, 5, 6];
const NAMESPACE = ['round_trip'];

interface PyTyped {
  schema: unknown;
  spec: { fields: { 'source-id': number; 'field-id': number; transform: string; name: string }[] };
  rows: CanonicalRow[];
}

interface Case {
  name: string;
  schema: Schema;
  spec?: PartitionSpec;
  batches: Row[][];
  expected: CanonicalRow[];
}

/** The tables one seed writes: the rows unpartitioned, no rows at all, and the rows partitioned if it can. */
function casesFor(seed: number): Case[] {
  const rng = new Rng('round-trip', seed);
  const schema = randomSchema(rng);
  const spec = randomPartitionSpec(rng, schema);
  const rows = randomRows(rng, schema, 1 + rng.int(120), spec?.fields.map((f) => f['source-id']));
  const expected = sortedRows(canonicalRows(schema, rows));
  const cases: Case[] = [
    { name: `seed_${seed}`, schema, batches: randomBatching(rng, rows), expected },
    { name: `seed_${seed}_empty`, schema, batches: rng.chance(0.5) ? [] : [[], []], expected: [] },
  ];
  if (spec) cases.push({ name: `seed_${seed}_partitioned`, schema, spec, batches: randomBatching(rng, rows), expected });
  return cases;
}

async function collect(gen: AsyncIterable<RecordBatch>): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of gen) out.push(b);
  return out;
}

describe.each(catalogSetups)('random tables round-trip through Floe and PyIceberg (%s)', (setupName, setup) => {
  let c: CatalogUnderTest;
  const io = (location: string) => fileIOFor(location, c.io);
  beforeAll(async () => {
    c = await setup();
    await ensureNamespace(c.catalog, NAMESPACE);
  });
  afterAll(() => c.catalog.close());

  it.each(SEEDS)('seed %i: Floe writes; Floe and PyIceberg read the same values and schema', async (seed) => {
    const context = `seed ${seed} on ${setupName} (rerun with FLOE_ROUND_TRIP_SEED=${seed})`;
    const cases = casesFor(seed);
    const floeRows = new Map<string, CanonicalRow[]>();
    for (const k of cases) {
      const id = { namespace: NAMESPACE, name: k.name };
      try {
        await c.catalog.createTable(id, { schema: k.schema, spec: k.spec });
        const mode = seed % 2 === 0 ? 'replace' : 'append';
        await writeTable(c.catalog, id, io, k.batches.map((rows) => nestedBatchOf(k.schema, rows)), { mode });
        const md = (await c.catalog.loadTable(id)).metadata;
        floeRows.set(k.name, canonicalBatchRows(k.schema, await collect(scanTable(io(md.location), md))));
      } catch (err) {
        throw new Error(`${context}, table ${k.name}: ${(err as Error).message}\nschema: ${JSON.stringify(k.schema)}`, { cause: err });
      }
    }
    const tables = cases.map((k) => `${NAMESPACE.join('.')}.${k.name}`);
    const py = await pyiceberg<Record<string, PyTyped>>(c.py, 'typed', { tables });
    cases.forEach((k, i) => {
      const where = `${context}, table ${k.name}`;
      expect(sortedRows(floeRows.get(k.name)!), `${where}: Floe's scan`).toEqual(k.expected);
      const answer = py[tables[i]!]!;
      expect(schemaShape(answer.schema), `${where}: PyIceberg's schema`).toEqual(schemaShape(k.schema));
      expect(answer.spec.fields.map((f) => [f['source-id'], f['field-id'], f.transform]), `${where}: PyIceberg's spec`)
        .toEqual((k.spec?.fields ?? []).map((f) => [f['source-id'], f['field-id'], f.transform]));
      expect(sortedRows(answer.rows), `${where}: PyIceberg's scan`).toEqual(k.expected);
    });
  });
});
