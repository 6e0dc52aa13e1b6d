import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { RunDetail, RunSummary } from '../../../core/api/contract.ts';
import { floe, workspaceOnTestBed } from './workspace-on-testbed.ts';

const BIN = resolve(import.meta.dirname, '../../../bin/floe.mjs');

describe('a floe process killed with SIGKILL mid-run', () => {
  it('leaves the run marked interrupted with its log, frees the pipeline, and the next run succeeds', async () => {
    const ws = await workspaceOnTestBed({ images: 3000, events: false });
    const child = spawn(process.execPath, [BIN, 'run', 'etl_moderation', '--workspace', ws.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    await new Promise<void>((resolveStarted, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        // Killed once the run is recorded and its first task is under way.
        if (/run [0-9a-f-]{36} started/.test(err)) setTimeout(() => { child.kill('SIGKILL'); resolveStarted(); }, 300);
      });
      child.on('exit', (code) => reject(new Error(`floe run ended (${code}) before it could be killed: ${err}`)));
    });
    await new Promise((r) => child.once('exit', r));
    const runId = /run ([0-9a-f-]{36}) started/.exec(err)![1]!;

    // The next process to open the workspace notices the owner is gone.
    const runs = JSON.parse((await floe(['runs', '--json', '--workspace', ws.dir])).stdout) as { items: RunSummary[] };
    expect(runs.items[0]).toMatchObject({ id: runId, state: 'interrupted' });
    const logs = await floe(['logs', runId, '--workspace', ws.dir]);
    expect(logs.stdout).toMatch(/\[extract\] extract: attempt 1 started/);

    const again = await floe(['run', 'etl_moderation', '--json', '--workspace', ws.dir]);
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as RunDetail).state).toBe('success');
  });
});
