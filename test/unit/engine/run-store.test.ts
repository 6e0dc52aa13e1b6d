import { afterEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { RunConflictError, RunStore, type RunStoreOptions } from '../../../core/engine/run-store/run-store.ts';
import { currentProcess, isOwnerAlive, processStartToken } from '../../../core/engine/run-store/process-identity.ts';
import { SCHEMA_VERSION } from '../../../core/engine/run-store/schema.ts';
import type { ProcessOwner } from '../../../core/engine/run-store/types.ts';

const dirs: string[] = [];
const stores: RunStore[] = [];
let t = Date.UTC(2026, 2, 10, 12, 0, 0);
const now = () => t;

function open(options: RunStoreOptions = {}, dir = mkdtempSync(join(tmpdir(), 'floe-run-store-'))): { store: RunStore; dir: string } {
  if (!dirs.includes(dir)) dirs.push(dir);
  const store = RunStore.open(join(dir, 'runs.sqlite'), { now, ...options });
  stores.push(store);
  return { store, dir };
}

afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('a run from creation to success', () => {
  it('records states, timings, attempts with retries, progress, metrics and outputs', () => {
    const { store, dir } = open();
    t = Date.UTC(2026, 2, 10, 12, 0, 0);
    const created = store.createRun({ pipeline: 'etl_moderation', trigger: { kind: 'catch-up', scheduledFor: t - 3_600_000, missed: 3 } });
    expect(created).toMatchObject({ state: 'queued', createdAt: t, startedAt: null, finishedAt: null, owner: currentProcess() });
    expect(created.trigger).toEqual({ kind: 'catch-up', scheduledFor: t - 3_600_000, missed: 3 });
    expect(created.logFile).toBe(join(dir, 'logs', '2026-03-10', `etl_moderation-${created.id}.jsonl`));

    t += 10;
    expect(store.startRun(created.id)).toMatchObject({ state: 'running', startedAt: t });
    const extract1 = store.recordAttempt(created.id, 'extract');
    expect(extract1).toMatchObject({ attempt: 1, state: 'running', startedAt: t, finishedAt: null, progress: null });
    t += 100;
    store.updateProgress(created.id, 'extract', 1, { done: 10, total: 100, unit: 'rows' });
    t += 100;
    store.updateTask(created.id, 'extract', 1, { state: 'up_for_retry', error: 'connection reset' });
    t += 1000;
    const extract2 = store.recordAttempt(created.id, 'extract');
    expect(extract2.attempt).toBe(2);
    store.updateProgress(created.id, 'extract', 2, { done: 100, total: 100, unit: 'rows' });
    store.updateTask(created.id, 'extract', 2, { state: 'success', metrics: { rows: 100 } });
    store.updateTask(created.id, 'extract', 2, { metrics: { bytes: 4096 } });
    store.recordAttempt(created.id, 'load');
    store.updateRun(created.id, { outputs: { snapshots: { 'moderation.training_data': '7255219416421934000' } }, metrics: { rows: 100 } });
    store.updateRun(created.id, { outputs: { snapshots: { 'raw.images': '1' }, kafkaOffsets: { 'gourmetgram.views': { '0': '42' } } } });
    t += 500;
    store.updateTask(created.id, 'load', 1, { state: 'success' });
    const finished = store.finishRun(created.id, { metrics: { commitConflictsRetried: 1 } });

    expect(finished).toMatchObject({ state: 'success', finishedAt: t, error: null });
    expect(finished.metrics).toEqual({ rows: 100, commitConflictsRetried: 1 });
    expect(finished.outputs).toEqual({
      snapshots: { 'moderation.training_data': '7255219416421934000', 'raw.images': '1' },
      kafkaOffsets: { 'gourmetgram.views': { '0': '42' } },
    });
    const detail = store.getRun(created.id)!;
    expect(detail.attempts.map((a) => [a.task, a.attempt, a.state, a.error])).toEqual([
      ['extract', 1, 'failed', 'connection reset'], // the retry made its wait a failure in history
      ['extract', 2, 'success', null],
      ['load', 1, 'success', null],
    ]);
    expect(detail.attempts[0]!.finishedAt).toBe(extract1.startedAt! + 200);
    expect(detail.attempts[0]!.progress).toMatchObject({ done: 10, total: 100, unit: 'rows' });
    expect(detail.attempts[1]!.metrics).toEqual({ rows: 100, bytes: 4096 });
    expect(detail.attempts[1]!.progress).toMatchObject({ done: 100, total: 100 });
  });

  it('will not finish a run whose tasks are still open unless told how it ended, then closes them', () => {
    const { store } = open();
    const run = store.startRun(store.createRun({ pipeline: 'event_aggregation' }).id);
    store.recordAttempt(run.id, 'consume');
    store.updateTask(run.id, 'consume', 1, { state: 'success' });
    store.recordAttempt(run.id, 'views');
    store.recordAttempt(run.id, 'comments', { state: 'queued' });
    expect(() => store.finishRun(run.id)).toThrow(`finishRun: run ${run.id} still has unfinished tasks: views (running), comments (queued)`);
    const cancelled = store.finishRun(run.id, { state: 'cancelled', error: 'cancelled by the user' });
    expect(cancelled).toMatchObject({ state: 'cancelled', error: 'cancelled by the user' });
    expect(store.getRun(run.id)!.attempts.map((a) => a.state)).toEqual(['success', 'cancelled', 'cancelled']);
    expect(() => store.finishRun(run.id)).toThrow(`already finished as cancelled`);
    expect(() => store.recordAttempt(run.id, 'flags')).toThrow(/is cancelled; attempts can only be added to a running run/);
    expect(() => store.updateTask(run.id, 'views', 1, { state: 'running' })).toThrow(/already ended as cancelled; it cannot become running/);
  });

  it('sums up failed tasks as the run error when none is given', () => {
    const { store } = open();
    const run = store.startRun(store.createRun({ pipeline: 'event_aggregation' }).id);
    store.recordAttempt(run.id, 'consume');
    store.updateTask(run.id, 'consume', 1, { state: 'failed', error: 'broker unreachable' });
    expect(store.finishRun(run.id)).toMatchObject({ state: 'failed', error: 'consume failed (attempt 1): broker unreachable' });
    const early = store.createRun({ pipeline: 'verify' });
    expect(store.finishRun(early.id, { state: 'failed', error: 'table moderation.training_data does not exist' }))
      .toMatchObject({ state: 'failed', startedAt: null, error: 'table moderation.training_data does not exist' });
  });

  it('names what is missing in its errors', () => {
    const { store } = open();
    expect(() => store.startRun('nope')).toThrow(/startRun: no run nope in .*runs\.sqlite/);
    const run = store.createRun({ pipeline: 'verify' });
    expect(() => store.recordAttempt(run.id, 'check')).toThrow(/is queued; .*call startRun first/);
    store.startRun(run.id);
    expect(() => store.updateTask(run.id, 'check', 1, { state: 'success' })).toThrow(/No attempt 1 of task check in run .*recordAttempt creates attempts/);
    expect(() => store.createRun({ pipeline: 'verify', id: run.id, ifActive: 'queue' })).toThrow(`createRun: a run with id ${run.id} already exists`);
    expect(() => store.createRun({ pipeline: 'nightly' as 'verify' })).toThrow(/unknown pipeline "nightly"; expected one of event_aggregation, etl_moderation, verify/);
    expect(() => store.updateProgress(run.id, 'check', 1, { done: Number.NaN, unit: 'rows' })).toThrow(/done=NaN/);
  });
});

describe('one active run per pipeline', () => {
  it('refuses a second run naming the one that holds the pipeline, or queues it behind', () => {
    const { store, dir } = open();
    const first = store.startRun(store.createRun({ pipeline: 'etl_moderation' }).id);
    const err = (() => { try { store.createRun({ pipeline: 'etl_moderation' }); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(RunConflictError);
    expect((err as RunConflictError).active.id).toBe(first.id);
    expect((err as Error).message).toContain(`etl_moderation already has an active run: ${first.id} (running, started by pid ${process.pid}`);
    expect(store.createRun({ pipeline: 'verify' }).state).toBe('queued'); // other pipelines are free
    const queued = store.createRun({ pipeline: 'etl_moderation', ifActive: 'queue' });
    expect(store.activeRun('etl_moderation')!.id).toBe(first.id);
    store.recordAttempt(first.id, 'extract');
    store.updateTask(first.id, 'extract', 1, { state: 'success' });
    store.finishRun(first.id);
    expect(store.activeRun('etl_moderation')!.id).toBe(queued.id);
    // the refusal holds across processes sharing the file: a second store stands in for the CLI
    const cli = open({}, dir).store;
    expect(() => cli.createRun({ pipeline: 'etl_moderation' })).toThrow(RunConflictError);
  });

  it('does not let a dead process hold the pipeline: its run is interrupted and the new one goes ahead', () => {
    const dead: ProcessOwner = { host: 'crashed-host', pid: 4_000_000, startToken: 'gone' };
    const { store: crashed, dir } = open({ owner: dead });
    const stale = crashed.startRun(crashed.createRun({ pipeline: 'event_aggregation' }).id);
    const { store } = open({ isAlive: (o) => o.pid !== dead.pid }, dir);
    const fresh = store.createRun({ pipeline: 'event_aggregation' });
    expect(store.activeRun('event_aggregation')!.id).toBe(fresh.id);
    expect(store.getRun(stale.id)!.state).toBe('interrupted');
  });
});

describe('markInterrupted', () => {
  it('interrupts runs and open attempts of dead processes, keeping live ones, their progress and logs', () => {
    const dead: ProcessOwner = { host: 'h', pid: 4_000_001, startToken: 'a' };
    const live: ProcessOwner = { host: 'h', pid: 4_000_002, startToken: 'b' };
    const { store: gone, dir } = open({ owner: dead });
    t = Date.UTC(2026, 2, 11, 3, 0, 0);
    const run = gone.startRun(gone.createRun({ pipeline: 'etl_moderation' }).id);
    gone.recordAttempt(run.id, 'extract');
    gone.updateTask(run.id, 'extract', 1, { state: 'success' });
    gone.recordAttempt(run.id, 'transform');
    gone.updateProgress(run.id, 'transform', 1, { done: 5, total: 9, unit: 'rows' });
    const queuedBehind = gone.createRun({ pipeline: 'etl_moderation', ifActive: 'queue' });
    mkdirSync(dirname(run.logFile), { recursive: true });
    writeFileSync(run.logFile, '{"ts":1,"level":"info","message":"x"}\n');
    const lastLog = Date.UTC(2026, 2, 11, 3, 5, 0);
    utimesSync(run.logFile, lastLog / 1000, lastLog / 1000);
    const other = open({ owner: live }, dir).store;
    const running = other.startRun(other.createRun({ pipeline: 'verify' }).id);

    t = Date.UTC(2026, 2, 11, 9, 0, 0);
    const { store } = open({ isAlive: (o) => o.pid === live.pid }, dir);
    const marked = store.markInterrupted();
    expect(marked.map((r) => r.id).sort()).toEqual([run.id, queuedBehind.id].sort());
    const detail = store.getRun(run.id)!;
    expect(detail.state).toBe('interrupted');
    // finished at the last sign of life (the log's last write), not six hours later when noticed
    expect(detail.finishedAt).toBe(lastLog);
    expect(detail.error).toMatch(/^Interrupted: the process running it \(pid 4000001 on h\) ended without finishing it .*last activity 2026-03-11T03:05:00.000Z/);
    expect(detail.error).toContain(`Its log is kept at ${run.logFile}`);
    expect(detail.attempts.map((a) => [a.task, a.state])).toEqual([['extract', 'success'], ['transform', 'interrupted']]);
    expect(detail.attempts[1]!.progress).toMatchObject({ done: 5, total: 9 });
    expect(existsSync(run.logFile)).toBe(true);
    expect(store.getRun(running.id)!.state).toBe('running');
    expect(store.markInterrupted()).toEqual([]);
  });
});

describe('process identity', () => {
  it('knows this process, a live child, a dead child, and a reused pid', async () => {
    const self = currentProcess();
    expect(self.pid).toBe(process.pid);
    if (process.platform !== 'win32') expect(self.startToken).toBeTruthy();
    expect(isOwnerAlive(self)).toBe(true);

    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    const childOwner = { host: self.host, pid: child.pid!, startToken: processStartToken(child.pid!) };
    expect(isOwnerAlive(childOwner)).toBe(true);
    // the same pid with another start token is a different process that reused the number
    if (process.platform !== 'win32') expect(isOwnerAlive({ ...childOwner, startToken: 'an-earlier-process' })).toBe(false);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(isOwnerAlive(childOwner)).toBe(false);

    const exited = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    expect(isOwnerAlive({ host: self.host, pid: Number(exited.stdout), startToken: 'x' })).toBe(false);
  });
});

describe('progress', () => {
  it('writes at most once per interval, keeps the latest, and shows it to readers in the process at once', async () => {
    const { store, dir } = open({ now: Date.now, progressIntervalMs: 150 });
    const reader = open({ now: Date.now }, dir).store; // another connection sees only what was written
    const run = store.startRun(store.createRun({ pipeline: 'verify' }).id);
    store.recordAttempt(run.id, 'check');
    for (let i = 1; i <= 200; i++) store.updateProgress(run.id, 'check', 1, { done: i, total: 200, unit: 'rows' });
    expect(reader.getRun(run.id)!.attempts[0]!.progress?.done).toBe(1);
    expect(store.getRun(run.id)!.attempts[0]!.progress?.done).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(reader.getRun(run.id)!.attempts[0]!.progress?.done).toBe(200);
    store.updateProgress(run.id, 'check', 1, { done: 201, total: 201, unit: 'rows' });
    store.updateProgress(run.id, 'check', 1, { done: 202, total: 202, unit: 'rows' });
    store.updateTask(run.id, 'check', 1, { state: 'success' }); // a state change writes what is pending first
    expect(reader.getRun(run.id)!.attempts[0]!.progress).toMatchObject({ done: 202, total: 202 });
  });
});

describe('scheduler state', () => {
  it('keeps per-pipeline keys across reopen, merges sets, and deletes on null', () => {
    const { store, dir } = open();
    store.setSchedulerState('event_aggregation', { lastFire: 1000, paused: false });
    store.setSchedulerState('etl_moderation', { lastFire: 5 });
    store.setSchedulerState('event_aggregation', { lastFire: 2000, timeZone: 'Europe/Paris' });
    expect(store.getSchedulerState('event_aggregation')).toEqual({ lastFire: 2000, paused: false, timeZone: 'Europe/Paris' });
    store.setSchedulerState('event_aggregation', { paused: null });
    store.close();
    const reopened = open({}, dir).store;
    expect(reopened.getSchedulerState('event_aggregation')).toEqual({ lastFire: 2000, timeZone: 'Europe/Paris' });
    expect(reopened.getSchedulerState('etl_moderation')).toEqual({ lastFire: 5 });
    expect(reopened.getSchedulerState('verify')).toEqual({});
  });
});

describe('the database file', () => {
  it('is in WAL mode with the current schema version, and a newer schema is refused with advice', () => {
    const { store, dir } = open();
    store.close();
    const file = join(dir, 'runs.sqlite');
    const db = new Database(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => RunStore.open(file)).toThrow(`has schema version ${SCHEMA_VERSION + 1}, newer than this Floe understands (${SCHEMA_VERSION}). A newer Floe wrote it: update this Floe`);
  });
});
