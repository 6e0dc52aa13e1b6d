import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { RunDetail, RunSummary } from '../../../core/api/contract.ts';
import { floe, workspaceOnTestBed } from './workspace-on-testbed.ts';

const BIN = resolve(import.meta.dirname, '../../../bin/floe.mjs');

describe('runs stopped from outside', () => {
  it('a process killed with SIGKILL mid-run leaves the run marked interrupted with its log, frees the pipeline, and the next run succeeds', async () => {
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

  it('a run is cancelled from another process with floe cancel, and the running process ends it as cancelled', async () => {
    // Big enough that the run is still going when a second process has started up to cancel it.
    const ws = await workspaceOnTestBed({ images: 30_000, events: false });
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
    const cancel = await floe(['cancel', runId, '--workspace', ws.dir]);
    expect(cancel.code, cancel.stdout + cancel.stderr).toBe(0);
    expect(cancel.stdout).toMatch(/etl_moderation cancelled/);
    expect(await exited).toBe(1);
    expect(err).not.toMatch(/floe run: /);
  });
});
