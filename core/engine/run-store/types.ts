/**
 * The run history's vocabulary, shared by the store, the runner and the API. Times are ms since
 * the epoch; 64-bit numbers (snapshot ids, Kafka offsets) are decimal strings so JSON keeps them exact.
 */

// The API contract is the one vocabulary: the store's names are its names.
import { PIPELINE_NAMES, type JsonValue, type PipelineName, type RunState, type RunTrigger, type TaskState } from '../../api/contract.ts';

export { PIPELINE_NAMES };
export type { JsonValue, PipelineName, RunState, RunTrigger, TaskState };

export const RUN_STATES: readonly RunState[] = ['queued', 'running', 'success', 'failed', 'cancelled', 'interrupted'];
export const TASK_STATES: readonly TaskState[] =
  ['queued', 'running', 'success', 'failed', 'up_for_retry', 'skipped', 'cancelled', 'interrupted'];
/** States a run leaves only by finishing; a run in one of these is "active". */
export const ACTIVE_RUN_STATES: readonly RunState[] = ['queued', 'running'];
/** Task states that still expect something to happen to the attempt. */
export const OPEN_TASK_STATES: readonly TaskState[] = ['queued', 'running', 'up_for_retry'];

export type JsonObject = { [key: string]: JsonValue };

/**
 * Free-form counters a run or an attempt reports, e.g. `rows`, `bytes`,
 * `rejectedByReason: { bad_json: 3 }`, `commitConflictsRetried`.
 */
export type Metrics = JsonObject;

/**
 * What a run produced. The two well-known keys are typed; pipelines may add others.
 * `snapshots`: table identifier -> Iceberg snapshot id. `kafkaOffsets`: topic -> partition -> next offset.
 */
export interface RunOutputs {
  snapshots?: Record<string, string>;
  kafkaOffsets?: Record<string, Record<string, string>>;
  [key: string]: JsonValue | undefined;
}


/** The process that created or ran a run, recorded so a later process can tell whether it died. */
export interface ProcessOwner {
  host: string;
  pid: number;
  /** Identifies this particular process start (a pid can be reused); null where the OS cannot tell. */
  startToken: string | null;
}

export interface Run {
  id: string;
  pipeline: PipelineName;
  trigger: RunTrigger;
  state: RunState;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  error: string | null;
  metrics: Metrics;
  outputs: RunOutputs;
  owner: ProcessOwner;
  /** Absolute path of the run's JSON-lines log (it may not exist yet if nothing was logged). */
  logFile: string;
  /** When a cancel was asked for from another process; the process running the run acts on it. */
  cancelRequestedAt: number | null;
}

export interface Progress {
  done: number;
  /** Null while the total is not known yet. */
  total: number | null;
  unit: string;
  updatedAt: number;
}

export interface TaskAttempt {
  runId: string;
  task: string;
  /** 1 for the first try, counting up with each retry. */
  attempt: number;
  state: TaskState;
  startedAt: number | null;
  finishedAt: number | null;
  error: string | null;
  metrics: Metrics;
  progress: Progress | null;
}

export interface RunDetail extends Run {
  /** Every attempt of every task, in task creation order then attempt number. */
  attempts: TaskAttempt[];
}

export interface ListRunsQuery {
  pipeline?: PipelineName;
  state?: RunState | RunState[];
  /** Runs created at or after this time. */
  since?: number;
  /** Runs created before this time. */
  until?: number;
  /** Page size, 1 to 500; default 50. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface RunPage {
  /** Newest first (createdAt, then id, descending). */
  runs: Run[];
  /** Present when there may be more runs; pass it back as `cursor`. */
  nextCursor?: string;
}
