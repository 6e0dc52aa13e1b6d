import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { ApiEvent } from '../../../core/api/contract.ts';
import { Runtime, configPath } from '../../../core/engine/runtime.ts';
import { loadWorkspaceConfig, saveWorkspaceConfig } from '../../../core/engine/workspace/config-file.ts';
import { workspaceOnTestBed } from '../headless/workspace-on-testbed.ts';
import { testBed } from '../../services/testbed.ts';

async function withRuntime<T>(dir: string, use: (rt: Runtime) => Promise<T>): Promise<T> {
  const rt = await Runtime.open({ dir });
  try {
    return await use(rt);
  } finally {
    await rt.close();
  }
}

async function edit(dir: string, change: (c: Record<string, any>) => void): Promise<void> { // eslint-disable-line @typescript-eslint/no-explicit-any -- a test edits the JSON as a user would
  const config = JSON.parse(JSON.stringify(await loadWorkspaceConfig(configPath(dir)))) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  change(config);
  await saveWorkspaceConfig(configPath(dir), config as never);
}

describe('runs against the real services: cancellation and retries', () => {
  it('cancels etl_moderation mid-extract through the signal: the run ends cancelled and nothing is loaded', async () => {
    const ws = await workspaceOnTestBed({ images: 3000, events: false });
    await withRuntime(ws.dir, async (rt) => {
      let runId = '';
      const cancelled = new Promise<void>((resolve) => {
        rt.engine.subscribe((e: ApiEvent) => {
          if (e.type === 'progress' && e.task === 'extract' && e.runId === runId && e.progress.done > 0) {
            rt.engine.cancel(runId);
            resolve();
          }
        });
      });
      runId = (await rt.engine.trigger('etl_moderation')).id;
      await cancelled;
      const run = await rt.engine.finished(runId);
      expect(run.state).toBe('cancelled');
      const detail = rt.store.getRun(runId)!;
      expect(detail.attempts.map((a) => [a.task, a.state])).toEqual([['extract', 'cancelled'], ['transform', 'cancelled'], ['load', 'cancelled']]);
      expect(await rt.browse().then((w) => w.catalog.tableExists({ namespace: ['moderation'], name: 'training_data' }))).toBe(false);
    });
  });

  it('retries a transient failure (S3 refusing connections) with the configured policy, and not a missing database', async () => {
    const ws = await workspaceOnTestBed({ events: false });
    await edit(ws.dir, (c) => {
      c.pipelines.etl_moderation.retry = { retries: 2, delaySeconds: 0.05, backoff: 2 };
      c.connections.s3.endpoint = 'http://127.0.0.1:1';
    });
    await withRuntime(ws.dir, async (rt) => {
      const run = await rt.engine.finished((await rt.engine.trigger('etl_moderation')).id);
      expect(run.state).toBe('failed');
      const attempts = rt.store.getRun(run.id)!.attempts;
      expect(attempts.filter((a) => a.task === 'extract').map((a) => a.state)).toEqual(['failed', 'failed', 'failed']);
      expect(attempts.find((a) => a.task === 'transform')!.state).toBe('skipped');
      expect(run.error).toMatch(/^extract: Extracting users to s3:\/\/.* failed/);
    });

    await edit(ws.dir, (c) => {
      c.connections.s3.endpoint = testBed().s3.endpoint;
      c.connections.postgres.url = (c.connections.postgres.url as string).replace(/\/[^/]+$/, '/no_such_database');
    });
    await withRuntime(ws.dir, async (rt) => {
      const run = await rt.engine.finished((await rt.engine.trigger('etl_moderation')).id);
      const attempts = rt.store.getRun(run.id)!.attempts.filter((a) => a.task === 'extract');
      expect(attempts).toHaveLength(1);
      expect(attempts[0]!.error).toMatch(/database "no_such_database" does not exist/);
      const log = await import('node:fs/promises').then((fs) => fs.readFile(join(rt.store.getRun(run.id)!.logFile), 'utf8'));
      expect(log).toContain('not retried');
    });
  });
});
