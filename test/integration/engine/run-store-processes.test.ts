import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RunStore } from '../../../core/engine/run-store/run-store.ts';
import { readLog } from '../../../core/engine/run-store/log-reader.ts';

const worker = resolve(import.meta.dirname, 'run-store-worker.ts');
const dir = mkdtempSync(join(tmpdir(), 'floe-run-store-procs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Finished { output: string; code: number | null; signal: NodeJS.Signals | null; pid: number }

/** Runs the worker; kills it with SIGKILL once its output matches `killOn`. */
function runWorker(arg: object, killOn?: RegExp): Promise<Finished> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', worker, JSON.stringify(arg)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (killOn && !killed && killOn.test(output)) { killed = true; child.kill('SIGKILL'); }
    });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolvePromise({ output, code, signal, pid: child.pid! }));
  });
}

describe('run store across processes', () => {
  it('keeps every flushed log line of a run killed with SIGKILL, and the next start marks it interrupted', async () => {
    const db = join(dir, 'crash.sqlite');
    const result = await runWorker({ db, mode: 'crash' }, /logged 300\n/);
    expect(result.signal, result.output).toBe('SIGKILL');
    const runId = /run (\S+)/.exec(result.output)![1]!;
    const lastAcknowledged = Math.max(...[...result.output.matchAll(/logged (\d+)/g)].map((m) => Number(m[1])));
    expect(lastAcknowledged).toBeGreaterThanOrEqual(300);

    const store = RunStore.open(db);
    try {
      expect(store.getRun(runId)!.state).toBe('running'); // nothing has looked at it yet
      const interrupted = store.markInterrupted();
      expect(interrupted.map((r) => r.id)).toEqual([runId]);
      const run = store.getRun(runId)!;
      expect(run).toMatchObject({ state: 'interrupted', owner: { pid: result.pid }, metrics: { rejectedByReason: { bad_json: 2 } } });
      expect(run.error).toContain(`the process running it (pid ${result.pid} on `);
      expect(run.error).toContain(`Its log is kept at ${run.logFile}`);
      expect(run.finishedAt).not.toBeNull();
      expect(run.attempts).toHaveLength(1);
      expect(run.attempts[0]).toMatchObject({ task: 'consume', state: 'interrupted' });
      expect(run.attempts[0]!.progress!.done).toBeGreaterThan(200); // progress written a few times a second survived too

      // Every line the child acknowledged is there, whole, in order; none is cut or unreadable.
      expect(existsSync(run.logFile)).toBe(true);
      const page = await readLog(run.logFile, { limit: 100_000, writerDone: true });
      expect(page.lines.length).toBeGreaterThanOrEqual(lastAcknowledged + 1);
      expect(page.lines.map((l) => l.message)).toEqual(page.lines.map((_, i) => `line ${i}`));
      expect(page.lines[300]).toMatchObject({ level: 'info', task: 'consume', attempt: 1, fields: { offset: '300000', url: 'kafka://user:[secret]@broker' } });
      expect(readFileSync(run.logFile, 'utf8')).not.toContain('s3cr3t');
      expect(store.markInterrupted()).toEqual([]);
    } finally {
      store.close();
    }
  }, 60_000);

  it('lets two processes write at once with no SQLITE_BUSY, and never both hold one pipeline', async () => {
    const db = join(dir, 'shared.sqlite');
    RunStore.open(db).close(); // the schema exists before the race, as it would after the app's first start
    const reader = RunStore.open(db);
    let reads = 0;
    // The parent reads all along, as the app's UI would while the CLI and a tray schedule write.
    const polling = setInterval(() => { reader.listRuns({ limit: 50 }); reader.activeRun('verify'); reads++; }, 5);
    const started = performance.now();
    const [a, b] = await Promise.all([
      runWorker({ db, mode: 'write', name: 'a', pipeline: 'event_aggregation', runs: 300, verifyTries: 150 }),
      runWorker({ db, mode: 'write', name: 'b', pipeline: 'event_aggregation', runs: 300, verifyTries: 150 }),
    ]);
    clearInterval(polling);
    const ms = Math.round(performance.now() - started);
    for (const r of [a, b]) expect(r.code, r.output).toBe(0);
    expect(`${a.output}${b.output}`).not.toMatch(/SQLITE_BUSY|database is locked/);

    try {
      const runs = [];
      for (let cursor: string | undefined, first = true; first || cursor; first = false) {
        const page = reader.listRuns({ pipeline: 'event_aggregation', limit: 500, ...(cursor ? { cursor } : {}) });
        runs.push(...page.runs);
        cursor = page.nextCursor;
      }
      expect(runs).toHaveLength(600);
      expect(runs.every((r) => r.state === 'success')).toBe(true);
      for (const name of ['a', 'b']) {
        const mine = runs.filter((r) => r.metrics.writer === name).map((r) => r.metrics.index).sort((x, y) => Number(x) - Number(y));
        expect(mine).toEqual(Array.from({ length: 300 }, (_, i) => i));
      }
      const detail = reader.getRun(runs[0]!.id)!;
      expect(detail.attempts.map((x) => [x.task, x.state, x.progress?.done])).toEqual([['consume', 'success', 5], ['write', 'success', 5]]);
      expect(reader.getSchedulerState('event_aggregation')).toEqual({ a: 299, b: 299 });

      // Holding `verify` went through one IMMEDIATE transaction per try: held runs never overlap.
      const verify = reader.listRuns({ pipeline: 'verify', limit: 500 }).runs.sort((x, y) => x.createdAt - y.createdAt);
      const held = [a, b].map((r) => Number(/held=(\d+)/.exec(r.output)![1]));
      const refused = [a, b].map((r) => Number(/refused=(\d+)/.exec(r.output)![1]));
      expect(verify).toHaveLength(held[0]! + held[1]!);
      expect(held[0]! + held[1]! + refused[0]! + refused[1]!).toBe(300);
      for (let i = 1; i < verify.length; i++) expect(verify[i]!.createdAt).toBeGreaterThanOrEqual(verify[i - 1]!.finishedAt!);
      console.log(`run store: 2 processes wrote 600 runs (2 tasks, 10 progress updates each) and raced 300 times for one pipeline ` +
        `in ${ms} ms while this process read ${reads} pages; held ${held.join('+')}, refused ${refused.join('+')}, no SQLITE_BUSY`);
    } finally {
      reader.close();
    }
  }, 120_000);
});
