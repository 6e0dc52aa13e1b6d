import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { RunDetail, RunSummary } from '../../../core/api/contract.ts';
import pg from 'pg';
import { floe, workspaceOnTestBed } from './workspace-on-testbed.ts';

/** A session holding an exclusive lock on the source's comments table, which extract reads third. */
async function lockComments(source: string): Promise<pg.Client> {
  const holder = new pg.Client({ connectionString: source });
  await holder.connect();
  await holder.query('BEGIN; LOCK TABLE comments IN ACCESS EXCLUSIVE MODE');
  return holder;
}

/** Until another session waits for the lock `holder` holds. */
async function waitForLockWait(holder: pg.Client, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  const waiting = async () => (await holder.query<{ n: string }>(
    "SELECT count(*) AS n FROM pg_locks WHERE relation = 'comments'::regclass AND NOT granted",
  )).rows[0]!.n !== '0';
  while (!(await waiting())) {
    if (Date.now() > until) throw new Error('timed out waiting for the run to reach the locked table');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const BIN = resolve(import.meta.dirname, '../../../bin/floe.mjs');

describe('runs stopped from outside', () => {
  it('a process killed with SIGKILL mid-run leaves the run marked interrupted with its log, frees the pipeline, and the next run succeeds', async () => {
    const ws = await workspaceOnTestBed({ images: 3000, events: false });
    // Killed while its COPY of comments waits on a lock held here: surely mid-run.
    const holder = await lockComments(ws.source);
    const child = spawn(process.execPath, [BIN, 'run', 'etl_moderation', '--workspace', ws.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const exited = new Promise((r) => child.once('exit', r));
    await waitForLockWait(holder);
    child.kill('SIGKILL');
    await exited;
    await holder.end();
    const runId = /run ([0-9a-f-]{36}) started/.exec(err)![1]!;

    // The next process to open the workspace notices the owner is gone.
    const runs = JSON.parse((await floe(['runs', '--json', '--workspace', ws.dir])).stdout) as { items: RunSummary[] };
    expect(runs.items[0]).toMatchObject({ id: runId, state: 'interrupted' });
    const logs = await floe(['logs', runId, '--workspace', ws.dir]);
    expect(logs.stdout).toMatch(/\[extract\] extract: attempt 1 started/);

    const again = await floe(['run', 'etl_moderation', '--json', '--workspace', ws.dir]);
    expect(again.code, again.stderr + again.stdout).toBe(0);
    expect((JSON.parse(again.stdout) as RunDetail).state).toBe('success');
  });

  it('a run is cancelled from another process with floe cancel, and the running process ends it as cancelled', async () => {
    const ws = await workspaceOnTestBed({ images: 3000, events: false });
    // The run waits on a lock held here, inside its COPY of comments, until it is cancelled: it is
    // surely still going when the second process comes, however fast extract is.
    const holder = await lockComments(ws.source);
    try {
      const child = spawn(process.execPath, [BIN, 'run', 'etl_moderation', '--workspace', ws.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = new Promise<number>((r) => child.once('exit', (c) => r(c ?? -1)));
      let err = '';
      const runId = await new Promise<string>((resolveStarted, reject) => {
        child.stderr.on('data', (d: Buffer) => {
          err += d.toString();
          const m = /run ([0-9a-f-]{36}) started/.exec(err);
          if (m) resolveStarted(m[1]!);
        });
        child.on('exit', (code) => reject(new Error(`floe run ended (${code}) before it could be cancelled: ${err}`)));
      });
      await waitForLockWait(holder);
      const cancel = await floe(['cancel', runId, '--workspace', ws.dir]);
      expect(cancel.code, cancel.stdout + cancel.stderr).toBe(0);
      expect(cancel.stdout).toMatch(/etl_moderation cancelled/);
      expect(await exited).toBe(1);
      expect(err).not.toMatch(/floe run: /);
    } finally {
      await holder.end();
    }
  });
});
