/**
 * A pipeline's schedule as configured (cron, time zone, catch-up look-back), its defaults, and
 * its validation into the compiled form the scheduler runs.
 */
import type { PipelineName } from '../../api/contract.ts';
import { compileCron, CronSyntaxError, type CronSpec } from './cron-spec.ts';
import { fireTimesAfter } from './fire-times.ts';
import { timeZoneProblem } from './zone.ts';

export interface PipelineSchedule {
  /** node-cron syntax: 5 fields, or 6 with seconds first. Null: runs only when started by hand. */
  cron: string | null;
  /** IANA time zone the expression is read in. Default 'UTC'. */
  timeZone?: string;
  /**
   * When given (the workspace configuration keeps it), it wins over the paused flag saved in the
   * state store on start; when absent, the saved flag stands.
   */
  paused?: boolean;
  /** Overrides the scheduler's catch-up look-back for this pipeline; 0 turns catch-up off. */
  catchUpLookbackMs?: number;
}

/**
 * The seed's Airflow schedules: `@hourly` and `@daily`, which Airflow reads in UTC unless told
 * otherwise; verify_pipeline was run by hand.
 */
export const DEFAULT_SCHEDULES: Readonly<Record<PipelineName, Readonly<PipelineSchedule>>> = {
  event_aggregation: { cron: '0 * * * *', timeZone: 'UTC' },
  etl_moderation: { cron: '0 0 * * *', timeZone: 'UTC' },
  verify: { cron: null },
};

export const DEFAULT_TIME_ZONE = 'UTC';

export interface CompiledSchedule {
  cron: string;
  timeZone: string;
  spec: CronSpec;
  /** Undefined: the scheduler's default applies. */
  catchUpLookbackMs: number | undefined;
}

/** One or more schedules are invalid; `problems` has one message per problem, each naming its pipeline. */
export class ScheduleConfigError extends Error {
  // Retrying cannot fix configuration; the runner's permanentReason() reads this flag.
  readonly permanent = true;
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ScheduleConfigError';
  }
}

/** Checks one pipeline's schedule; null for a manual-only pipeline. Throws ScheduleConfigError. */
export function compileSchedule(pipeline: string, schedule: PipelineSchedule): CompiledSchedule | null {
  const problems: string[] = [];
  const timeZone = schedule.timeZone ?? DEFAULT_TIME_ZONE;
  const zoneProblem = timeZoneProblem(pipeline, timeZone);
  if (zoneProblem) problems.push(zoneProblem);
  const lookback = schedule.catchUpLookbackMs;
  if (lookback !== undefined && !(Number.isFinite(lookback) && lookback >= 0)) {
    problems.push(`${pipeline}: catch-up look-back ${String(lookback)} is not a duration; give milliseconds >= 0 (0 turns catch-up off)`);
  }
  let spec: CronSpec | null = null;
  if (schedule.cron !== null) {
    try {
      spec = compileCron(pipeline, schedule.cron);
    } catch (err) {
      if (!(err instanceof CronSyntaxError)) throw err;
      problems.push(err.message);
    }
  }
  if (problems.length > 0) throw new ScheduleConfigError(problems);
  return spec && { cron: spec.source, timeZone, spec, catchUpLookbackMs: lookback };
}

/** Checks every schedule and reports all problems at once. */
export function compileSchedules<P extends string>(schedules: Record<P, PipelineSchedule>): Map<P, CompiledSchedule | null> {
  const compiled = new Map<P, CompiledSchedule | null>();
  const problems: string[] = [];
  for (const pipeline of Object.keys(schedules) as P[]) {
    try {
      compiled.set(pipeline, compileSchedule(pipeline, schedules[pipeline]));
    } catch (err) {
      if (!(err instanceof ScheduleConfigError)) throw err;
      problems.push(...err.problems);
    }
  }
  if (problems.length > 0) throw new ScheduleConfigError(problems);
  return compiled;
}

/**
 * The next `count` fire times of a schedule after `after`, without a scheduler: for showing a
 * schedule before saving it. Throws ScheduleConfigError for an invalid one; [] for manual-only.
 */
export function previewFireTimes(pipeline: string, schedule: PipelineSchedule, after: Date | number, count: number): Date[] {
  const compiled = compileSchedule(pipeline, schedule);
  if (!compiled) return [];
  return fireTimesAfter(compiled.spec, compiled.timeZone, +after, count).map((t) => new Date(t));
}
