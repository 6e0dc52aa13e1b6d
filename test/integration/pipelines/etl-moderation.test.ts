import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { World } from '../../../core/demo/generator.ts';
import { loadWorldIntoPostgres } from '../../../core/demo/load-postgres.ts';
import { WindowTruth } from '../../../core/demo/ground-truth.ts';
import { defaultEtlModerationConfig, runEtlModeration, type EtlModerationConfig } from '../../../core/pipelines/etl-moderation/pipeline.ts';
import { WINDOW_SCHEMA, WINDOW_SPEC } from '../../../core/pipelines/event-aggregation/window-table.ts';
import { ensureNamespace } from '../../../core/iceberg/catalog/ensure.ts';
import { writeTable } from '../../../core/iceberg/write/commit.ts';
import { fileIOFor } from '../../../core/io/resolve-file-io.ts';
import { postgresSource, type SqlSource } from '../../../core/sources/sql-source.ts';
import { freshDatabase, testBed, uniqueName } from '../../services/testbed.ts';
import { postgresS3Catalog, type CatalogUnderTest } from '../iceberg/catalogs.ts';
import { pyiceberg, type PyTable } from '../iceberg/pyiceberg.ts';
import { batchOf } from '../iceberg/table-batches.ts';
import { naiveTrainingRows } from '../../unit/features/naive-reference.ts';
import { worldInputs } from '../../unit/features/world-inputs.ts';

const world = new World({ images: 120, seed: 'etl' });
const sortRows = (rows: Record<string, unknown>[]) => [...rows].sort((a, b) => JSON.stringify(a, Object.keys(a).sort()).localeCompare(JSON.stringify(b, Object.keys(b).sort())));

describe('etl_moderation end to end: Postgres -> raw Parquet on S3 -> features -> Iceberg', () => {
  let c: CatalogUnderTest;
  let config: EtlModerationConfig;
  let source: SqlSource;
  const now = world.options.start / 1000 + 10 * 86_400_000;
  beforeAll(async () => {
    c = await postgresS3Catalog();
    const db = await freshDatabase('etl');
    await loadWorldIntoPostgres(world, db);
    source = postgresSource(db);
    config = defaultEtlModerationConfig(`s3://${testBed().s3.bucket}/${uniqueName('lake')}`);
  });
  afterAll(() => c.catalog.close());
  const io = (l: string) => fileIOFor(l, c.io);

  it('uses the milestone fallback without window tables, and PyIceberg reads exactly the reference rows', async () => {
    const r = await runEtlModeration(config, { catalog: c.catalog, io, source }, {}, 'run-b', now);
    expect(r.features.source).toBe('milestones');
    expect(r.extracted.map((e) => e.table)).toEqual(['users', 'images', 'comments', 'flags', 'image_milestones']);
    const expected = naiveTrainingRows(worldInputs(world, now * 1000));
    const py = await pyiceberg<PyTable>(c.py, 'describe', { table: 'moderation.training_data' });
    expect(py.rows).toEqual(sortRows(expected));
    expect(py.snapshots.at(-1)!.summary).toMatchObject({ 'floe.run-id': 'run-b', 'floe.window-source': 'milestones' });
  });

  it('uses the window tables when all three exist (source A), and PyIceberg reads exactly the reference rows', async () => {
    const truth = new WindowTruth();
    for (const e of world.events()) truth.add(e);
    for (const kind of ['views', 'comments', 'flags'] as const) {
      const id = config.windowTables[kind];
      await ensureNamespace(c.catalog, id.namespace);
      await c.catalog.createTable(id, { schema: WINDOW_SCHEMA, spec: WINDOW_SPEC });
      const rows = truth.windows(kind).map((w) => ({ image_id: w.imageId, window_start: BigInt(w.windowStart), window_end: BigInt(w.windowEnd), event_count: BigInt(w.count), processed_at: 0n }));
      await writeTable(c.catalog, id, io, [batchOf(WINDOW_SCHEMA, rows)], { mode: 'append' });
    }
    const r = await runEtlModeration(config, { catalog: c.catalog, io, source }, {}, 'run-a', now);
    expect(r.features.source).toBe('windows');
    const cols = (kind: 'views' | 'comments') => {
      const w = truth.windows(kind);
      return { image_id: w.map((x) => x.imageId), window_start: w.map((x) => x.windowStart), window_end: w.map((x) => x.windowEnd), event_count: w.map((x) => x.count) };
    };
    const expected = naiveTrainingRows(worldInputs(world, now * 1000, { views: cols('views'), comments: cols('comments') }));
    const py = await pyiceberg<PyTable>(c.py, 'describe', { table: 'moderation.training_data' });
    expect(py.rows).toEqual(sortRows(expected));
    expect(py.rows.some((row) => (row.views_1hr as number) > 0)).toBe(true);
    expect(py.snapshots.at(-1)!.summary).toMatchObject({ 'floe.run-id': 'run-a', 'floe.window-source': 'windows' });
  });
});
