/**
 * Run history (issue 6, section 3): runs, task attempts, metrics, outputs and log locations in a
 * SQLite file that the app and a CLI beside it share. WAL lets readers go on while one process
 * writes; the busy timeout makes a writer wait its turn instead of failing; every read-then-write
 * runs in an IMMEDIATE transaction, which takes the write lock up front (a deferred one that
 * upgrades can fail with SQLITE_BUSY however long the timeout).
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, isAbsolute } from 'node:path';
import { deriveRunState, isOpenTaskState, latestAttempts } from './derive-state.ts';
import { currentProcess, isOwnerAlive } from './process-identity.ts';
import { ProgressBuffer, type ProgressInput } from './progress-buffer.ts';
import {
  attemptFromRow, encodeCursor, listRunsSql, mergeJson, runFromRow, triggerColumns, type AttemptRow, type RunRow,
} from './rows.ts';
import { migrate } from './schema.ts';
import {
  PIPELINE_NAMES, type JsonValue, type ListRunsQuery, type Metrics, type PipelineName, type ProcessOwner,
  type Run, type RunDetail, type RunOutputs, type RunPage, type RunState, type RunTrigger, type TaskAttempt, type TaskState,
} from './types.ts';

export interface RunStoreOptions {
  /** Where per-run logs go; default a `logs` folder beside the database. */
  logsDir?: string;
  /** How long a writer waits for another process's write lock; default 10 s. */
  busyTimeoutMs?: number;
  /** Progress of one attempt is written at most this often; default 250 ms. */
  progressIntervalMs?: number;
  now?: () => number;
  /** Tests stand in for the current process or for the liveness check. */
  owner?: ProcessOwner;
  isAlive?: (owner: ProcessOwner) => boolean;
}

export interface CreateRunInput {
  pipeline: PipelineName;
  trigger?: RunTrigger;
  id?: string;
  /** With another run of the pipeline active: refuse (default) or queue behind it. */
  ifActive?: 'refuse' | 'queue';
}

export interface RunUpdate {
  metrics?: Metrics;
  outputs?: RunOutputs;
}

export interface FinishRunInput extends RunUpdate {
  /** Omitted: the state follows from the tasks. Given: open attempts are closed to match. */
  state?: 'failed' | 'cancelled' | 'interrupted';
  error?: string;
}

export interface TaskUpdate {
  state?: TaskState;
  error?: string | null;
  metrics?: Metrics;
}

/** Another run of the pipeline holds it; `active` names that run. */
export class RunConflictError extends Error {
  constructor(readonly active: Run) {
    super(`${active.pipeline} already has an active run: ${active.id} (${active.state}, started by pid ${active.owner.pid} on ${active.owner.host}, ` +
      `created ${new Date(active.createdAt).toISOString()}). Wait for it to finish or cancel it, then trigger again.`);
    this.name = 'RunConflictError';
  }
}

const OPEN_STATES_SQL = `('queued', 'running', 'up_for_retry')`;
const LIMIT_MAX = 500;
const PAGE_DEFAULT = 50;
const iso = (t: number) => new Date(t).toISOString();

export class RunStore {
  readonly file: string;
  readonly logsDir: string;
  private readonly db: Database.Database;
  private readonly baseDir: string;
  private readonly now: () => number;
  private readonly owner: ProcessOwner;
  private readonly isAlive: (owner: ProcessOwner) => boolean;
  private readonly progress: ProgressBuffer;
  private readonly statements = new Map<string, Database.Statement>();

  static open(file: string, options: RunStoreOptions = {}): RunStore {
    return new RunStore(file, options);
  }

  private constructor(file: string, options: RunStoreOptions) {
    this.file = resolve(file);
    this.baseDir = dirname(this.file);
    this.logsDir = resolve(this.baseDir, options.logsDir ?? 'logs');
    this.now = options.now ?? Date.now;
    this.owner = options.owner ?? currentProcess();
    this.isAlive = options.isAlive ?? ((o) => isOwnerAlive(o, this.owner));
    mkdirSync(this.baseDir, { recursive: true });
    this.db = new Database(this.file, { timeout: options.busyTimeoutMs ?? 10_000 });
    try {
      const mode = this.db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') {
        throw new Error(`Run store ${this.file}: SQLite would not switch to WAL mode (got ${String(mode)}). ` +
          'The file must be on a local disk (not a network share) for the app and the CLI to share it.');
      }
      // NORMAL in WAL mode: a killed process loses nothing it committed; a power cut may lose the
      // last commits but never corrupts the file, and markInterrupted() tidies up after either.
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      migrate(this.db, this.file);
    } catch (err) {
      this.db.close();
      throw err;
    }
    this.progress = new ProgressBuffer(options.progressIntervalMs ?? 250, this.now, (key, p) => {
      this.stmt(`UPDATE task_attempts SET progress_done = ?, progress_total = ?, progress_unit = ?, progress_at = ?
        WHERE run_id = ? AND task = ? AND attempt = ?`).run(p.done, p.total, p.unit, p.updatedAt, key.runId, key.task, key.attempt);
    });
  }

  createRun(input: CreateRunInput): Run {
    if (!PIPELINE_NAMES.includes(input.pipeline)) {
      throw new Error(`createRun: unknown pipeline ${JSON.stringify(input.pipeline)}; expected one of ${PIPELINE_NAMES.join(', ')}.`);
    }
    const id = input.id ?? randomUUID();
    const trigger = triggerColumns(input.trigger ?? { kind: 'manual' });
    return this.immediate(() => {
      // Read under the write lock: a time taken before waiting for it could precede the end of
      // the run this one follows, and the history would show them overlapping.
      const createdAt = this.now();
      // One folder per day keeps any single folder small after years of hourly runs.
      const logFile = join(this.logsDir, iso(createdAt).slice(0, 10), `${input.pipeline}-${id}.jsonl`);
      const stored = relative(this.baseDir, logFile);
      if ((input.ifActive ?? 'refuse') === 'refuse') {
        for (const row of this.activeRows(input.pipeline)) {
          if (this.isAlive(ownerOf(row))) throw new RunConflictError(this.toRun(row));
          this.interrupt(row);
        }
      }
      if (this.stmt(`SELECT 1 FROM runs WHERE id = ?`).get(id)) throw new Error(`createRun: a run with id ${id} already exists in ${this.file}; leave the id out to get a new one.`);
      this.stmt(`INSERT INTO runs (id, pipeline, trigger_kind, scheduled_for, missed, state, created_at, host, pid, start_token, log_file)
        VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?)`).run(
        id, input.pipeline, trigger.trigger_kind, trigger.scheduled_for, trigger.missed, createdAt,
        this.owner.host, this.owner.pid, this.owner.startToken, stored.startsWith('..') || isAbsolute(stored) ? logFile : stored);
      return this.requireRun(id, 'createRun');
    });
  }

  /** Moves a queued run to running and records this process as the one running it. */
  startRun(id: string): Run {
    return this.immediate(() => {
      const run = this.requireRun(id, 'startRun');
      if (run.state !== 'queued') throw new Error(`startRun: run ${id} is ${run.state}; only a queued run can start.`);
      this.stmt(`UPDATE runs SET state = 'running', started_at = ?, host = ?, pid = ?, start_token = ? WHERE id = ?`)
        .run(this.now(), this.owner.host, this.owner.pid, this.owner.startToken, id);
      return this.requireRun(id, 'startRun');
    });
  }

  /**
   * Starts the next attempt of `task` (1 for the first). An earlier attempt left up_for_retry
   * becomes failed: the retry is what is waiting now, and the history should say the try failed.
   */
  recordAttempt(runId: string, task: string, options: { state?: 'queued' | 'running' } = {}): TaskAttempt {
    return this.immediate(() => {
      const run = this.requireRun(runId, 'recordAttempt');
      if (run.state !== 'running') {
        throw new Error(`recordAttempt: run ${runId} is ${run.state}; attempts can only be added to a running run (call startRun first).`);
      }
      const prior = this.stmt(`SELECT MAX(attempt) AS attempt, MAX(seq) AS seq FROM task_attempts WHERE run_id = ? AND task = ?`)
        .get(runId, task) as { attempt: number | null; seq: number | null };
      const seq = prior.seq ?? (this.stmt(`SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM task_attempts WHERE run_id = ?`).get(runId) as { next: number }).next;
      const attempt = (prior.attempt ?? 0) + 1;
      const now = this.now();
      this.stmt(`UPDATE task_attempts SET state = 'failed' WHERE run_id = ? AND task = ? AND state = 'up_for_retry'`).run(runId, task);
      const state = options.state ?? 'running';
      this.stmt(`INSERT INTO task_attempts (run_id, task, attempt, seq, state, started_at) VALUES (?, ?, ?, ?, ?, ?)`)
        .run(runId, task, attempt, seq, state, state === 'running' ? now : null);
      return this.requireAttempt(runId, task, attempt);
    });
  }

  /**
   * Moves an attempt on: its state (running stamps startedAt, any other state past running stamps
   * finishedAt), its error, and metrics merged into those it has. A finished attempt stays finished.
   */
  updateTask(runId: string, task: string, attempt: number, update: TaskUpdate): TaskAttempt {
    return this.immediate(() => {
      const current = this.requireAttempt(runId, task, attempt);
      const where = `run ${runId} task ${task} attempt ${attempt}`;
      if (update.state && update.state !== current.state && !isOpenTaskState(current.state)) {
        throw new Error(`updateTask: ${where} already ended as ${current.state}; it cannot become ${update.state}. Record a new attempt to retry.`);
      }
      this.progress.flush({ runId, task, attempt });
      const now = this.now();
      const state = update.state ?? current.state;
      const startedAt = current.startedAt ?? (state === 'queued' ? null : now);
      const finishedAt = current.finishedAt ?? (state === 'queued' || state === 'running' ? null : now);
      const error = update.error === undefined ? current.error : update.error;
      const metrics = update.metrics ? mergeJson(current.metrics, update.metrics) : current.metrics;
      this.stmt(`UPDATE task_attempts SET state = ?, started_at = ?, finished_at = ?, error = ?, metrics = ?
        WHERE run_id = ? AND task = ? AND attempt = ?`).run(state, startedAt, finishedAt, error, JSON.stringify(metrics), runId, task, attempt);
      return this.requireAttempt(runId, task, attempt);
    });
  }

  /**
   * Records an attempt's progress. Calls may come for every batch; writes are spaced by the
   * progress interval and the latest value always lands (on the next slot, a state change, or close).
   */
  updateProgress(runId: string, task: string, attempt: number, progress: ProgressInput): void {
    this.progress.set({ runId, task, attempt }, progress);
  }

  /** Merges metrics and outputs into a run while it goes, so a crash keeps what was already committed. */
  updateRun(id: string, update: RunUpdate): Run {
    return this.immediate(() => {
      this.applyRunUpdate(this.requireRun(id, 'updateRun'), update);
      return this.requireRun(id, 'updateRun');
    });
  }

  finishRun(id: string, input: FinishRunInput = {}): Run {
    return this.immediate(() => {
      const run = this.requireRun(id, 'finishRun');
      if (run.state !== 'queued' && run.state !== 'running') throw new Error(`finishRun: run ${id} already finished as ${run.state}.`);
      this.progress.flushRun(id);
      const attempts = this.attempts(id);
      const now = this.now();
      let state: RunState;
      if (input.state) {
        state = input.state;
        for (const a of attempts.filter((x) => isOpenTaskState(x.state))) {
          const closed: TaskState = state !== 'failed' ? state : a.state === 'queued' ? 'skipped' : 'failed';
          this.stmt(`UPDATE task_attempts SET state = ?, finished_at = ? WHERE run_id = ? AND task = ? AND attempt = ?`)
            .run(closed, a.state === 'queued' ? null : now, id, a.task, a.attempt);
        }
      } else {
        state = deriveRunState(attempts);
        if (state === 'queued' || state === 'running') {
          const open = latestAttempts(attempts).filter((a) => isOpenTaskState(a.state)).map((a) => `${a.task} (${a.state})`);
          throw new Error(`finishRun: run ${id} still has unfinished tasks: ${open.join(', ') || 'none recorded yet'}. ` +
            'End them first, or pass state failed, cancelled or interrupted to close them.');
        }
      }
      const error = input.error ?? (state === 'failed' ? failureSummary(attempts) : null);
      this.applyRunUpdate(run, input);
      this.stmt(`UPDATE runs SET state = ?, finished_at = ?, error = ? WHERE id = ?`).run(state, now, error, id);
      return this.requireRun(id, 'finishRun');
    });
  }

  /** Asks the process running `id` to cancel it (it polls cancelRequested). Only for a queued or running run. */
  requestCancel(id: string): Run {
    return this.immediate(() => {
      const run = this.requireRun(id, 'requestCancel');
      if (run.state !== 'queued' && run.state !== 'running') throw new Error(`requestCancel: run ${id} already finished as ${run.state}.`);
      this.stmt(`UPDATE runs SET cancel_requested_at = COALESCE(cancel_requested_at, ?) WHERE id = ?`).run(this.now(), id);
      return this.requireRun(id, 'requestCancel');
    });
  }

  cancelRequested(id: string): boolean {
    const row = this.stmt(`SELECT cancel_requested_at FROM runs WHERE id = ?`).get(id) as { cancel_requested_at: number | null } | undefined;
    return row?.cancel_requested_at !== null && row?.cancel_requested_at !== undefined;
  }

  getRun(id: string): RunDetail | undefined {
    const row = this.stmt(`SELECT * FROM runs WHERE id = ?`).get(id) as RunRow | undefined;
    if (!row) return undefined;
    const attempts = this.attempts(id).map((a) => ({ ...a, progress: this.progress.pending(a) ?? a.progress }));
    return { ...this.toRun(row), attempts };
  }

  /** Runs newest first, filtered, one page at a time by a keyset cursor (stable while runs are added). */
  listRuns(query: ListRunsQuery = {}): RunPage {
    const limit = query.limit ?? PAGE_DEFAULT;
    if (!Number.isInteger(limit) || limit < 1 || limit > LIMIT_MAX) {
      throw new Error(`listRuns: limit must be a whole number from 1 to ${LIMIT_MAX}; got ${limit}.`);
    }
    const { sql, params } = listRunsSql(query);
    const rows = this.stmt(`${sql} LIMIT ?`).all(...params, limit + 1) as RunRow[];
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      runs: page.map((r) => this.toRun(r)),
      ...(rows.length > limit && last ? { nextCursor: encodeCursor(last.created_at, last.id) } : {}),
    };
  }

  /** The query plan SQLite would use for a listRuns page: tests and diagnostics check it uses an index. */
  explainListRuns(query: ListRunsQuery = {}): string[] {
    const { sql, params } = listRunsSql(query);
    return (this.db.prepare(`EXPLAIN QUERY PLAN ${sql} LIMIT ?`).all(...params, 1) as { detail: string }[]).map((r) => r.detail);
  }

  /**
   * The run holding the pipeline: the one running, else the oldest queued. It may belong to a
   * process that died since: markInterrupted() first, or rely on createRun's refusal, which checks.
   */
  activeRun(pipeline: PipelineName): Run | undefined {
    const row = this.activeRows(pipeline)[0];
    return row && this.toRun(row);
  }

  /**
   * Marks as interrupted every queued or running run (and its open attempts) whose process is gone.
   * Call on start; it is safe while other processes run, since live owners are left alone.
   */
  markInterrupted(): Run[] {
    const candidates = this.stmt(`SELECT * FROM runs WHERE state IN ('queued', 'running')`).all() as RunRow[];
    const alive = new Map<string, boolean>();
    const dead = candidates.filter((row) => {
      const key = `${row.host}|${row.pid}|${row.start_token}`;
      if (!alive.has(key)) alive.set(key, this.isAlive(ownerOf(row)));
      return !alive.get(key);
    });
    if (dead.length === 0) return [];
    return this.immediate(() => dead.filter((row) => this.interrupt(row)).map((row) => this.requireRun(row.id, 'markInterrupted')));
  }

  getSchedulerState(pipeline: PipelineName): Record<string, JsonValue> {
    const rows = this.stmt(`SELECT key, value FROM scheduler_state WHERE pipeline = ?`).all(pipeline) as { key: string; value: string }[];
    return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value) as JsonValue]));
  }

  /** Sets the given keys in one transaction; a null value removes its key. */
  setSchedulerState(pipeline: PipelineName, values: Record<string, JsonValue>): void {
    this.immediate(() => {
      const now = this.now();
      for (const [key, value] of Object.entries(values)) {
        if (value === null) this.stmt(`DELETE FROM scheduler_state WHERE pipeline = ? AND key = ?`).run(pipeline, key);
        else this.stmt(`INSERT INTO scheduler_state (pipeline, key, value, updated_at) VALUES (?, ?, ?, ?)
          ON CONFLICT (pipeline, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`).run(pipeline, key, JSON.stringify(value), now);
      }
    });
  }

  /** Writes pending progress and closes the file. */
  close(): void {
    if (!this.db.open) return;
    try {
      this.progress.close();
      // Keeps the planner's statistics current as history grows, at a cost only when needed.
      // Optional: if another process holds the lock past the timeout, closing matters more.
      try { this.db.pragma('optimize'); } catch { /* statistics wait for the next close */ }
    } finally {
      this.db.close();
    }
  }

  private interrupt(row: RunRow): boolean {
    const attempts = this.attempts(row.id);
    const logFile = this.toRun(row).logFile;
    let logTouched = 0;
    try { logTouched = statSync(logFile).mtimeMs; } catch { /* nothing was logged */ }
    // The last sign of life, not the time we noticed: a run that died at night and was found in
    // the morning should not show a twelve-hour duration.
    const lastSeen = Math.floor(Math.max(row.created_at, row.started_at ?? 0, logTouched,
      ...attempts.flatMap((a) => [a.startedAt ?? 0, a.finishedAt ?? 0, a.progress?.updatedAt ?? 0])));
    const message = `Interrupted: the process running it (pid ${row.pid} on ${row.host}) ended without finishing it ` +
      `(crash, kill or power loss); last activity ${iso(lastSeen)}, found by pid ${this.owner.pid} at ${iso(this.now())}. ` +
      `Its log is kept at ${logFile}. Trigger the pipeline again to redo the unfinished work.`;
    const changed = this.stmt(`UPDATE runs SET state = 'interrupted', finished_at = ?, error = ? WHERE id = ? AND state IN ('queued', 'running')`)
      .run(lastSeen, message, row.id).changes;
    if (changed === 0) return false; // another process got there first
    this.stmt(`UPDATE task_attempts SET state = 'interrupted', finished_at = CASE WHEN started_at IS NULL THEN NULL ELSE ? END,
      error = COALESCE(error, ?) WHERE run_id = ? AND state IN ${OPEN_STATES_SQL}`).run(lastSeen, 'Interrupted: its process ended (see the run).', row.id);
    return true;
  }

  private applyRunUpdate(run: Run, update: RunUpdate): void {
    if (!update.metrics && !update.outputs) return;
    const metrics = update.metrics ? mergeJson(run.metrics, update.metrics) : run.metrics;
    const outputs = update.outputs ? mergeJson(run.outputs as Record<string, JsonValue>, update.outputs) : run.outputs;
    this.stmt(`UPDATE runs SET metrics = ?, outputs = ? WHERE id = ?`).run(JSON.stringify(metrics), JSON.stringify(outputs), run.id);
  }

  private activeRows(pipeline: PipelineName): RunRow[] {
    return this.stmt(`SELECT * FROM runs WHERE pipeline = ? AND state IN ('queued', 'running')
      ORDER BY state = 'running' DESC, created_at, id`).all(pipeline) as RunRow[];
  }

  private attempts(runId: string): TaskAttempt[] {
    return (this.stmt(`SELECT * FROM task_attempts WHERE run_id = ? ORDER BY seq, attempt`).all(runId) as AttemptRow[]).map(attemptFromRow);
  }

  private requireRun(id: string, caller: string): Run {
    const row = this.stmt(`SELECT * FROM runs WHERE id = ?`).get(id) as RunRow | undefined;
    if (!row) throw new Error(`${caller}: no run ${id} in ${this.file}.`);
    return this.toRun(row);
  }

  private requireAttempt(runId: string, task: string, attempt: number): TaskAttempt {
    const row = this.stmt(`SELECT * FROM task_attempts WHERE run_id = ? AND task = ? AND attempt = ?`).get(runId, task, attempt) as AttemptRow | undefined;
    if (!row) throw new Error(`No attempt ${attempt} of task ${task} in run ${runId} (${this.file}); recordAttempt creates attempts.`);
    return attemptFromRow(row);
  }

  private toRun(row: RunRow): Run {
    return runFromRow(row, this.baseDir);
  }

  private immediate<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) { s = this.db.prepare(sql); this.statements.set(sql, s); }
    return s;
  }
}

const ownerOf = (row: RunRow): ProcessOwner => ({ host: row.host, pid: row.pid, startToken: row.start_token });

function failureSummary(attempts: TaskAttempt[]): string | null {
  const failed = latestAttempts(attempts).filter((a) => a.state === 'failed');
  if (failed.length === 0) return null;
  return failed.map((a) => `${a.task} failed (attempt ${a.attempt}): ${a.error ?? 'no error message recorded'}`).join('; ');
}
