import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeTrainingFeatures, type TrainingRows } from '../../../core/features/training-features.ts';
import { worldInputs } from '../../unit/features/world-inputs.ts';
import { loadTrainingData, TRAINING_SCHEMA } from '../../../core/pipelines/etl-moderation/training-table.ts';
import { currentSchema } from '../../../core/iceberg/write/snapshot-producer.ts';
import { fileIOFor } from '../../../core/io/resolve-file-io.ts';
import { World } from '../../../core/demo/generator.ts';
import { catalogSetups, type CatalogUnderTest } from '../iceberg/catalogs.ts';
import { pyiceberg, type PyTable } from '../iceberg/pyiceberg.ts';

function featuresOf(world: World): TrainingRows {
  return computeTrainingFeatures(worldInputs(world, world.options.start + 8 * 86_400_000_000)).rows;
}

/** Rows as PyIceberg's describe prints them, sorted the same way. */
function expectedRows(rows: TrainingRows, columns: string[]): Record<string, unknown>[] {
  return rows.image_id.map((_, i) => Object.fromEntries(columns.map((c) => [c, (rows as unknown as Record<string, unknown[]>)[c]![i]])))
    .sort((a, b) => JSON.stringify(a, Object.keys(a).sort()).localeCompare(JSON.stringify(b, Object.keys(b).sort())));
}

describe.each(catalogSetups)('loading moderation.training_data (%s)', (_name, setup) => {
  let c: CatalogUnderTest;
  const rows = featuresOf(new World({ images: 120, seed: 'load' }));
  const io = (l: string) => fileIOFor(l, c.io);
  beforeAll(async () => { c = await setup(); });
  afterAll(() => c.catalog.close());

  it('creates the table and PyIceberg reads exactly the feature rows, three per image', async () => {
    const r = await loadTrainingData(c.catalog, io, rows, { 'floe.run-id': 'run-a' });
    expect(r.createdTable).toBe(true);
    const py = await pyiceberg<PyTable>(c.py, 'describe', { table: 'moderation.training_data' });
    expect(py.schema.fields.map((f) => [f.id, f.name, f.type])).toEqual(TRAINING_SCHEMA.fields.map((f) => [f.id, f.name, f.type]));
    expect(py.rows).toEqual(expectedRows(rows, TRAINING_SCHEMA.fields.map((f) => f.name)));
    expect(py.snapshots.at(-1)!.summary).toMatchObject({ 'floe.run-id': 'run-a', 'total-records': String(rows.image_id.length) });
  });

  it('gives the same rows in a second snapshot when run again, never duplicates', async () => {
    await loadTrainingData(c.catalog, io, rows, { 'floe.run-id': 'run-b' });
    const py = await pyiceberg<PyTable>(c.py, 'describe', { table: 'moderation.training_data' });
    expect(py.snapshots).toHaveLength(2);
    expect(py.row_count).toBe(rows.image_id.length);
    expect(py.snapshots.at(-1)!.summary).toMatchObject({ operation: 'overwrite', 'total-records': String(rows.image_id.length) });
  });

  it('keeps the field ids of a table the seed made and adds label_window_complete by evolution', async () => {
    const seedColumns = TRAINING_SCHEMA.fields.filter((f) => f.name !== 'label_window_complete').map((f) => [f.name, f.type]);
    // The seed's column order differs from ours: its ids must survive, not be re-numbered.
    const shuffled = [...seedColumns.slice(5), ...seedColumns.slice(0, 5)];
    await pyiceberg<PyTable>(c.py, 'create_from_columns', {
      table: 'moderation.seed_training', columns: shuffled,
      rows: [{ image_id: 'old', decision_point_minutes: 0, category: 'Bread', view_velocity_per_min: 0.5 }],
    });
    const id = { namespace: ['moderation'], name: 'seed_training' };
    const before = currentSchema((await c.catalog.loadTable(id)).metadata).fields.map((f) => [f.id, f.name]);
    const r = await loadTrainingData(c.catalog, io, rows, {}, id);
    expect(r.addedColumns).toEqual(['label_window_complete']);
    const after = currentSchema((await c.catalog.loadTable(id)).metadata).fields.map((f) => [f.id, f.name]);
    expect(after).toEqual([...before, [before.length + 1, 'label_window_complete']]);
    const py = await pyiceberg<PyTable>(c.py, 'describe', { table: 'moderation.seed_training' });
    expect(py.rows).toEqual(expectedRows(rows, after.map((f) => f[1] as string)));
  });
});
