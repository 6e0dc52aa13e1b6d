/** Between SQLite rows and the run store's types: JSON columns, the trigger's columns, the listRuns query and its cursor. */
import { isAbsolute, join } from 'node:path';
import { RUN_STATES, type JsonObject, type JsonValue, type ListRunsQuery, type PipelineName, type Run, type RunState, type RunTrigger, type TaskAttempt, type TaskState } from './types.ts';

export interface RunRow {
  id: string;
  pipeline: string;
  trigger_kind: string;
  scheduled_for: number | null;
  missed: number | null;
  state: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  error: string | null;
  metrics: string;
  outputs: string;
  host: string;
  pid: number;
  start_token: string | null;
  log_file: string;
  cancel_requested_at: number | null;
}

export interface AttemptRow {
  run_id: string;
  task: string;
  attempt: number;
  seq: number;
  state: string;
  started_at: number | null;
  finished_at: number | null;
  error: string | null;
  metrics: string;
  progress_done: number | null;
  progress_total: number | null;
  progress_unit: string | null;
  progress_at: number | null;
}

export function triggerColumns(trigger: RunTrigger): { trigger_kind: string; scheduled_for: number | null; missed: number | null } {
  switch (trigger.kind) {
    case 'manual': return { trigger_kind: 'manual', scheduled_for: null, missed: null };
    case 'scheduled': return { trigger_kind: 'scheduled', scheduled_for: trigger.scheduledFor, missed: null };
    case 'catch-up': return { trigger_kind: 'catch-up', scheduled_for: trigger.scheduledFor, missed: trigger.missed };
  }
}

function triggerOf(row: RunRow): RunTrigger {
  if (row.trigger_kind === 'scheduled') return { kind: 'scheduled', scheduledFor: row.scheduled_for ?? 0 };
  if (row.trigger_kind === 'catch-up') return { kind: 'catch-up', scheduledFor: row.scheduled_for ?? 0, missed: row.missed ?? 0 };
  return { kind: 'manual' };
}

export function parseObject(text: string): JsonObject {
  const value = JSON.parse(text) as JsonValue;
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

export function runFromRow(row: RunRow, baseDir: string): Run {
  return {
    id: row.id,
    pipeline: row.pipeline as PipelineName,
    trigger: triggerOf(row),
    state: row.state as RunState,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    error: row.error,
    metrics: parseObject(row.metrics),
    outputs: parseObject(row.outputs),
    owner: { host: row.host, pid: row.pid, startToken: row.start_token },
    logFile: isAbsolute(row.log_file) ? row.log_file : join(baseDir, row.log_file),
    cancelRequestedAt: row.cancel_requested_at ?? null,
  };
}

export function attemptFromRow(row: AttemptRow): TaskAttempt {
  return {
    runId: row.run_id,
    task: row.task,
    attempt: row.attempt,
    state: row.state as TaskState,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    error: row.error,
    metrics: parseObject(row.metrics),
    progress: row.progress_at === null ? null : {
      done: row.progress_done ?? 0, total: row.progress_total, unit: row.progress_unit ?? '', updatedAt: row.progress_at,
    },
  };
}

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Merges `patch` into `base`: nested objects merge key by key (so recording one table's snapshot id
 * keeps the others'), anything else replaces, and `undefined` leaves a key alone.
 */
export function mergeJson(base: JsonObject, patch: { [key: string]: JsonValue | undefined }): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const prior = out[key];
    out[key] = isObject(prior) && isObject(value) ? mergeJson(prior, value) : value;
  }
  return out;
}

/** Page cursors are opaque to callers; inside they are the last row's (createdAt, id). */
export function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: number; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string') {
      return { createdAt: value[0] as number, id: value[1] };
    }
  } catch {
    // reported below
  }
  throw new Error(`listRuns: cursor ${JSON.stringify(cursor.slice(0, 40))} is not one this store made; pass the nextCursor of a previous page, or none for the first page.`);
}

/**
 * The page query, newest first. Filters are equalities and a range, so each combination meets an
 * index that ends in (created_at, id) and the cursor is a range on it: no sort, no scan.
 */
export function listRunsSql(query: ListRunsQuery): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.pipeline !== undefined) { where.push('pipeline = ?'); params.push(query.pipeline); }
  const states = query.state === undefined ? [] : Array.isArray(query.state) ? query.state : [query.state];
  for (const s of states) {
    if (!RUN_STATES.includes(s)) throw new Error(`listRuns: unknown state ${JSON.stringify(s)}; expected one of ${RUN_STATES.join(', ')}.`);
  }
  if (states.length === 1) { where.push('state = ?'); params.push(states[0]); }
  else if (states.length > 1) { where.push(`state IN (${states.map(() => '?').join(', ')})`); params.push(...states); }
  if (query.since !== undefined) { where.push('created_at >= ?'); params.push(query.since); }
  if (query.until !== undefined) { where.push('created_at < ?'); params.push(query.until); }
  if (query.cursor !== undefined) {
    const c = decodeCursor(query.cursor);
    where.push('(created_at, id) < (?, ?)');
    params.push(c.createdAt, c.id);
  }
  const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC`;
  return { sql, params };
}
