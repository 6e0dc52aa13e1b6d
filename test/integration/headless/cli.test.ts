import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreviewResult, RunDetail, RunSummary, TableRef, VerifyReportView } from '../../../core/api/contract.ts';
import { postgresRunLock } from '../../../core/engine/locks/run-lock.ts';
import { floe, workspaceOnTestBed, type TestWorkspace } from './workspace-on-testbed.ts';
import { testBed } from '../../services/testbed.ts';

describe('the floe CLI end to end on the test bed', () => {
  let ws: TestWorkspace;
  const run = (...args: string[]) => floe([...args, '--workspace', ws.dir]);
  const json = async <T>(...args: string[]): Promise<T> => {
    const r = await run(...args, '--json');
    expect(r.code, `floe ${args.join(' ')}: ${r.stderr}`).toBe(0);
    return JSON.parse(r.stdout) as T;
  };
  beforeAll(async () => { ws = await workspaceOnTestBed(); });
  afterAll(() => undefined);

  it('tests every connection and names each step', async () => {
    const r = await run('connections', 'test');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const kind of ['postgres', 'kafka', 's3', 'catalog']) expect(r.stdout).toContain(`✓ ${kind}`);
    expect(r.stdout).not.toContain(testBed().s3.secretAccessKey);
  });

  it('runs event_aggregation, etl_moderation and verify, and records them in the history', async () => {
    const ea = await json<RunDetail>('run', 'event_aggregation');
    expect(ea.state).toBe('success');
    const etl = await json<RunDetail>('run', 'etl_moderation');
    expect(etl.state).toBe('success');
    expect(etl.tasks.map((t) => t.name)).toEqual(expect.arrayContaining(['extract', 'transform', 'load']));
    const report = await json<VerifyReportView>('verify');
    expect(report.ok).toBe(true);
    expect(report.checks.find((c) => c.id === 'training.rows-per-image')?.status).toBe('pass');
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);

    const runs = await json<{ items: RunSummary[] }>('runs');
    expect(runs.items.map((r) => [r.pipeline, r.state])).toEqual([['verify', 'success'], ['etl_moderation', 'success'], ['event_aggregation', 'success']]);
    const logs = await run('logs', etl.id);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/\[load\].*succeeded/);
  });

  it('lists the tables and previews rows, at a snapshot too', async () => {
    const tables = await json<TableRef[]>('tables');
    const names = tables.map((t) => [...t.namespace, t.name].join('.'));
    expect(names).toEqual(expect.arrayContaining(['moderation.training_data', 'event_aggregations.view_windows_5min']));
    const preview = await json<PreviewResult>('preview', 'moderation.training_data', '--limit', '5', '--columns', 'image_id,decision_point_minutes');
    expect(preview.columns.map((c) => c.name)).toEqual(['image_id', 'decision_point_minutes']);
    expect(preview.rows).toHaveLength(5);
    expect(preview.truncated).toBe(true);
    const at = await json<PreviewResult>('preview', 'moderation.training_data', '--limit', '1', '--snapshot', preview.snapshotId!);
    expect(at.snapshotId).toBe(preview.snapshotId);
    const bad = await run('preview', 'moderation.training_data', '--snapshot', 'yesterday');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/snapshotId: must be a snapshot id/);
    const text = await run('preview', 'moderation.training_data', '--limit', '3');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/image_id/);
  });

  it('refuses a run while another process holds the pipeline, naming the run, and runs once it is free', async () => {
    const lock = postgresRunLock(ws.catalogDb, `gourmetgram@s3://${testBed().s3.bucket}/${ws.topics.views.split('.')[0]}`);
    const held = await lock.tryAcquire('etl_moderation', 'run-held-by-the-test');
    expect(held.acquired).toBe(true);
    try {
      const refused = await run('run', 'etl_moderation');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/etl_moderation is already running \(run run-held-by-the-test, pid \d+ on /);
    } finally {
      if (held.acquired) await held.lock.release();
      await lock.close();
    }
    expect((await json<RunDetail>('run', 'etl_moderation')).state).toBe('success');
  });

  it('exits 2 with the usage on a wrong command, and 1 with a message on a missing workspace', async () => {
    const wrong = await run('frobnicate');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/unknown command "frobnicate"/);
    const none = await floe(['runs', '--workspace', '/nonexistent/floe-ws']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/There is no Floe workspace in \/nonexistent\/floe-ws .*floe init/);
  });
});
