import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedWorkspace } from '../../../core/demo/embedded-workspace.ts';
import { FloeService } from '../../../core/api/service.ts';
import { Runtime } from '../../../core/engine/runtime.ts';
import type { TableRef } from '../../../core/api/contract.ts';

const training: TableRef = { namespace: ['moderation'], name: 'training_data' };

describe('the catalog through the API: browse, preview, maintenance (embedded workspace)', () => {
  let rt: Runtime;
  let api: FloeService;
  let snapshots: string[] = [];
  beforeAll(async () => {
    const ws = await embeddedWorkspace(join(mkdtempSync(join(tmpdir(), 'floe-api-cat-')), 'ws'), { images: 200, seed: 'api' });
    rt = await Runtime.open({ dir: ws.dir });
    api = new FloeService(rt);
    for (let i = 0; i < 2; i++) {
      const run = await api.call('pipelines.run', { pipeline: 'etl_moderation' });
      expect((await rt.engine.finished(run.id)).state).toBe('success');
    }
    snapshots = (await api.call('catalog.table', { table: training })).snapshots.map((s) => s.snapshotId);
  });
  afterAll(() => rt.close());

  it('lists namespaces and tables and describes a table with its snapshots', async () => {
    expect(await api.call('catalog.namespaces', {})).toEqual([['moderation']]);
    expect(await api.call('catalog.tables', { namespace: ['moderation'] })).toEqual([training]);
    const detail = await api.call('catalog.table', { table: training });
    expect(detail.summary.currentSchema.fields.map((f) => f.name)).toContain('label_needs_moderation_24h');
    expect(snapshots).toHaveLength(2);
    expect(detail.snapshots.map((s) => s.operation)).toEqual(['overwrite', 'overwrite']);
    await expect(api.call('catalog.table', { table: { namespace: ['moderation'], name: 'nope' } })).rejects.toThrow(/Table moderation.nope does not exist/);
  });

  it('pages the files and lists partitions of the current snapshot', async () => {
    const page = await api.call('catalog.files', { table: training, limit: 1 });
    expect(page.files).toHaveLength(1);
    expect(page.files[0]!.content).toBe('data');
    expect(page.total).toBeGreaterThanOrEqual(1);
    const partitions = await api.call('catalog.partitions', { table: training });
    expect(partitions.reduce((n, p) => n + p.recordCount, 0)).toBe((await api.call('catalog.table', { table: training })).summary.currentSnapshot!.totals.totalRecords);
  });

  it('previews chosen columns at an older snapshot, limited, and names an unknown column', async () => {
    const at = await api.call('preview', { table: training, columns: ['image_id', 'label_needs_moderation_24h'], limit: 4, snapshotId: snapshots[0] });
    expect(at.snapshotId).toBe(snapshots[0]);
    expect(at.columns).toEqual([{ name: 'image_id', type: 'string' }, { name: 'label_needs_moderation_24h', type: 'long' }]);
    expect(at.rows).toHaveLength(4);
    expect(at.truncated).toBe(true);
    await expect(api.call('preview', { table: training, columns: ['nope'] })).rejects.toThrow(/has no column "nope"; its columns are image_id, /);
  });

  it('expires the replaced snapshot (dry run first) and finds no orphans', async () => {
    const dry = await api.call('maintenance.run', { table: training, action: 'expire-snapshots', olderThanHours: 1e-6, retainLast: 1, dryRun: true });
    expect(dry.figures.wouldExpire).toEqual([snapshots[0]]);
    expect((await api.call('catalog.table', { table: training })).snapshots).toHaveLength(2);
    const done = await api.call('maintenance.run', { table: training, action: 'expire-snapshots', olderThanHours: 1e-6, retainLast: 1 });
    expect(done.figures.expiredSnapshots).toEqual([snapshots[0]]);
    expect((await api.call('catalog.table', { table: training })).snapshots.map((s) => s.snapshotId)).toEqual([snapshots[1]]);
    const orphans = await api.call('maintenance.run', { table: training, action: 'remove-orphan-files', olderThanHours: 1e-6, dryRun: true });
    expect(orphans.figures.orphans).toEqual([]);
    await expect(api.call('maintenance.run', { table: training, action: 'rewrite-data-files', dryRun: true })).rejects.toThrow(/has no dry run/);
  });
});
