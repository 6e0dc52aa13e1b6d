/**
 * Cron expressions of pipeline schedules. node-cron 4 checks and expands them (its syntax: 5
 * fields, or 6 with seconds first; names, ranges, steps, lists, L, L-n, nW, LW, n#k, nL, and
 * day of month AND day of week, as node-cron documents). This module words its errors so that
 * they name the pipeline and the field, and matches calendar days and times of day.
 *
 * Everything here works on "wall times": a local date and time written as epoch ms as if the
 * zone were UTC. Turning wall times into instants is fire-times.ts's job.
 */
import { parse, validateDetailed } from 'node-cron';

export interface CronSpec {
  /** The expression as written (trimmed). */
  readonly source: string;
  /** Sorted, distinct. */
  readonly seconds: readonly number[];
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly months: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  /** L, L-n, nW, LW. */
  readonly dayOfMonthTokens: readonly string[];
  /** 0 is Sunday (node-cron maps 7 to 0). */
  readonly daysOfWeek: ReadonlySet<number>;
  /** n#k (k-th weekday n of the month), nL (last weekday n of the month). */
  readonly dayOfWeekTokens: readonly string[];
}

export class CronSyntaxError extends Error {
  // Retrying a run cannot fix a schedule; the runner's permanentReason() reads this flag.
  readonly permanent = true;
  constructor(message: string) {
    super(message);
    this.name = 'CronSyntaxError';
  }
}

const FIELDS: Record<string, { label: string; plural: string; allowed: string }> = {
  second: { label: 'second', plural: 'seconds', allowed: '0-59' },
  minute: { label: 'minute', plural: 'minutes', allowed: '0-59' },
  hour: { label: 'hour', plural: 'hours', allowed: '0-23' },
  dayOfMonth: { label: 'day of month', plural: 'days of month', allowed: '1-31, L, L-n, nW or LW' },
  month: { label: 'month', plural: 'months', allowed: '1-12 or jan-dec' },
  dayOfWeek: { label: 'day of week', plural: 'days of week', allowed: '0-7 (0 and 7 are Sunday), sun-sat, n#k or nL' },
};

const SYNTAX_HINT = 'numbers, ranges like 1-5, steps like */15 and lists like 0,30 are understood';
const DAY_MS = 86_400_000;
// The Gregorian calendar repeats every 400 years: a day rule with no match in that span never matches.
const CALENDAR_CYCLE_DAYS = 146_097;

/**
 * Checks and expands `cron` for `pipeline`; the error message says what is wrong and how to write it.
 * A valid expression that can never fire (30 February) is an error too.
 */
export function compileCron(pipeline: string, cron: string): CronSpec {
  const source = cron.trim();
  if (source === '') {
    throw new CronSyntaxError(
      `${pipeline}: the cron expression is empty; write 5 fields such as '0 * * * *' (hourly), or set no schedule for a manual-only pipeline`,
    );
  }
  const { valid, errors } = validateDetailed(source);
  if (!valid) throw new CronSyntaxError(describeError(pipeline, source, errors[0]));
  const fields = parse(source);
  const spec: CronSpec = {
    source,
    seconds: sortedNumbers(fields.second),
    minutes: sortedNumbers(fields.minute),
    hours: sortedNumbers(fields.hour),
    months: new Set(fields.month),
    daysOfMonth: new Set(fields.dayOfMonth.filter((v): v is number => typeof v === 'number')),
    dayOfMonthTokens: tokens(pipeline, source, 'day of month', fields.dayOfMonth, DOM_TOKEN),
    daysOfWeek: new Set(fields.dayOfWeek.filter((v): v is number => typeof v === 'number').map((d) => d % 7)),
    dayOfWeekTokens: tokens(pipeline, source, 'day of week', fields.dayOfWeek, DOW_TOKEN),
  };
  if (nextMatchingWall(spec, Date.UTC(2000, 0, 1)) === null) {
    throw new CronSyntaxError(
      `${pipeline}: cron '${source}' never fires: no date matches its day of month, month and day of week together (node-cron requires both day fields to match)`,
    );
  }
  return spec;
}

function describeError(pipeline: string, cron: string, error: { field: string; value?: string; message: string } | undefined): string {
  const prefix = `${pipeline}: cron '${cron}'`;
  if (!error) return `${prefix} is not a valid cron expression`;
  const count = /expected 5 or 6 fields but got (\d+)/.exec(error.message);
  if (count) {
    return `${prefix} has ${count[1]} fields; write 5 (minute hour day-of-month month day-of-week, e.g. '0 2 * * *') or 6 with seconds first`;
  }
  if (/illegal characters/.test(error.message)) {
    return `${prefix} contains characters cron does not use; ${SYNTAX_HINT}, e.g. '0 2 * * *'`;
  }
  const field = FIELDS[error.field];
  if (!field) return `${prefix} is not valid: ${error.message}`;
  if (/impossible day of month/.test(error.message)) {
    const parts = cron.split(/\s+/);
    const month = parts[parts.length - 2] ?? '?';
    return `${prefix} never fires: day of month ${error.value ?? '?'} does not occur in month ${month}; use a day that exists or L for the last day`;
  }
  const value = error.value ?? '';
  const shown = /^\d+$/.test(value) ? value : `'${value}'`;
  const hint = /^\d+$/.test(value) ? '' : ` (${SYNTAX_HINT})`;
  return `${prefix} has ${field.label} ${shown}; ${field.plural} are ${field.allowed}${hint}`;
}

const DOM_TOKEN = /^(L|L-\d{1,2}|\d{1,2}W|LW)$/;
const DOW_TOKEN = /^([0-7]#[1-5]|[0-7]L)$/;

function tokens(pipeline: string, cron: string, field: string, values: (number | string)[], allowed: RegExp): string[] {
  const found = values.filter((v): v is string => typeof v === 'string').map((v) => v.toUpperCase());
  const unknown = found.find((t) => !allowed.test(t));
  // node-cron accepted it, so only a newer node-cron could get here: say so rather than ignore it.
  if (unknown !== undefined) {
    throw new CronSyntaxError(`${pipeline}: cron '${cron}' uses '${unknown}' in ${field}, which Floe's scheduler does not support`);
  }
  return found;
}

function sortedNumbers(values: number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

function lastDayOfMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function weekday(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

/** The weekday closest to `target` in the same month (Saturday -> Friday, Sunday -> Monday, never leaving the month). */
function nearestWeekday(year: number, month: number, target: number, last: number): number {
  const wd = weekday(year, month, target);
  if (wd === 6) return target === 1 ? 3 : target - 1;
  if (wd === 0) return target === last ? target - 2 : target + 1;
  return target;
}

function dayOfMonthMatches(spec: CronSpec, year: number, month: number, day: number): boolean {
  if (spec.daysOfMonth.has(day)) return true;
  if (spec.dayOfMonthTokens.length === 0) return false;
  const last = lastDayOfMonth(year, month);
  return spec.dayOfMonthTokens.some((t) => {
    if (t === 'L') return day === last;
    if (t === 'LW') return day === nearestWeekday(year, month, last, last);
    if (t.startsWith('L-')) return day === last - Number(t.slice(2));
    const target = Number(t.slice(0, -1));
    return target <= last && day === nearestWeekday(year, month, target, last);
  });
}

function dayOfWeekMatches(spec: CronSpec, year: number, month: number, day: number): boolean {
  const wd = weekday(year, month, day);
  if (spec.daysOfWeek.has(wd)) return true;
  return spec.dayOfWeekTokens.some((t) => {
    if (Number(t[0]) % 7 !== wd) return false;
    if (t.endsWith('L')) return day + 7 > lastDayOfMonth(year, month);
    return Math.ceil(day / 7) === Number(t.slice(2));
  });
}

export function dayMatches(spec: CronSpec, year: number, month: number, day: number): boolean {
  return spec.months.has(month) && dayOfMonthMatches(spec, year, month, day) && dayOfWeekMatches(spec, year, month, day);
}

/** The first time of day (seconds since midnight) at or after `fromSecond` that the spec allows, or null. */
function firstTimeOfDay(spec: CronSpec, fromSecond: number): number | null {
  for (const h of spec.hours) {
    if (h * 3600 + 3599 < fromSecond) continue;
    for (const m of spec.minutes) {
      if (h * 3600 + m * 60 + 59 < fromSecond) continue;
      for (const s of spec.seconds) {
        const t = h * 3600 + m * 60 + s;
        if (t >= fromSecond) return t;
      }
    }
  }
  return null;
}

/** The earliest wall time at or after `fromWall` (rounded up to a whole second) that matches, or null if none ever does. */
export function nextMatchingWall(spec: CronSpec, fromWall: number): number | null {
  const from = Math.ceil(fromWall / 1000) * 1000;
  let dayStart = Math.floor(from / DAY_MS) * DAY_MS;
  let fromSecond = (from - dayStart) / 1000;
  for (let i = 0; i <= CALENDAR_CYCLE_DAYS; i++) {
    const d = new Date(dayStart);
    if (dayMatches(spec, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate())) {
      const t = firstTimeOfDay(spec, fromSecond);
      if (t !== null) return dayStart + t * 1000;
    }
    dayStart += DAY_MS;
    fromSecond = 0;
  }
  return null;
}
