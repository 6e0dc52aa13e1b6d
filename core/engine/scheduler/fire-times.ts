/**
 * When a cron schedule fires, as instants, in an IANA time zone, from any starting instant.
 *
 * Why not node-cron's own next-run computation: node-cron 4 computes next runs only from the real
 * `new Date()` (ScheduledTask.getNextRun/getNextRuns take no start time, and its matcher is not
 * exported), so it cannot follow an injected clock or tell what fired while the app was closed;
 * it also runs a repeated fall-back hour once even for hourly schedules. node-cron checks and
 * expands the expression (cron-spec.ts); this module turns its wall times into instants with
 * the zone offsets Intl reports.
 *
 * Daylight saving time, following classic cron (Vixie cron):
 * - A schedule that fires in every hour of the day (hour field `*`) follows real time: each real
 *   hour fires once. In the hour skipped at spring-forward nothing extra fires (the next real hour
 *   follows one hour later anyway); in the hour repeated at fall-back both passes fire, at distinct
 *   instants an hour apart.
 * - A schedule at chosen hours follows the wall clock: a time skipped at spring-forward (02:30 in
 *   Europe/Berlin on the last Sunday of March) fires once, at the first instant after the jump
 *   (03:00 local); a time repeated at fall-back fires once, on its first pass. Several skipped
 *   times (02:00 and 02:30) fire once together.
 */
import { nextMatchingWall, type CronSpec } from './cron-spec.ts';
import { firstOffsetChange, offsetAt } from './zone.ts';

const DAY_MS = 86_400_000;
// Each pass of the loop crosses one offset change; a schedule that fires once in 28 years crosses
// about 60. Beyond this something is wrong with the zone data, and saying so beats spinning.
const MAX_OFFSET_CHANGES = 2_000;

/** The first instant strictly after `after` at which the schedule fires, or null if it never does. */
export function nextFireAfter(spec: CronSpec, zone: string, after: number): number | null {
  const everyHour = spec.hours.length === 24;
  let offset = offsetAt(zone, after);
  let segmentStart = after;
  // Fire instants are whole seconds; the first wall time whose instant is > after.
  let fromWall = Math.floor((after + offset) / 1000) * 1000 + 1000;
  if (!everyHour) fromWall = Math.max(fromWall, endOfFirstPass(zone, after, offset));

  for (let i = 0; i < MAX_OFFSET_CHANGES; i++) {
    const wall = nextMatchingWall(spec, fromWall);
    if (wall === null) return null;
    const candidate = wall - offset;
    const change = firstOffsetChange(zone, segmentStart, candidate);
    if (change === null) return candidate;

    // The zone changes offset before the candidate: the wall clock jumps at `change`.
    const next = offsetAt(zone, change);
    const wallBefore = change + offset; // where the old offset's wall clock stops
    const wallAfter = change + next; // where the new one resumes
    if (next > offset) {
      // Spring forward: wall times [wallBefore, wallAfter) never happen.
      if (!everyHour) {
        const skipped = nextMatchingWall(spec, wallBefore);
        if (skipped !== null && skipped < wallAfter) return change;
      }
      fromWall = wallAfter;
    } else {
      // Fall back: wall times [wallAfter, wallBefore) happen a second time.
      fromWall = everyHour ? wallAfter : wallBefore;
    }
    offset = next;
    segmentStart = change;
  }
  throw new Error(
    `cron '${spec.source}' in ${zone}: no fire time found after ${new Date(after).toISOString()} across ${MAX_OFFSET_CHANGES} offset changes; check the time zone data`,
  );
}

/**
 * When `after` falls in the second pass of a fall-back hour, the wall time where the first pass
 * ended (wall times before it already had their turn); otherwise -Infinity.
 */
function endOfFirstPass(zone: string, after: number, offset: number): number {
  const earlier = offsetAt(zone, after - DAY_MS);
  if (earlier <= offset) return -Infinity;
  const change = firstOffsetChange(zone, after - DAY_MS, after);
  return change === null ? -Infinity : change + earlier;
}

/** The next `count` fire instants strictly after `after` (fewer if the schedule stops). */
export function fireTimesAfter(spec: CronSpec, zone: string, after: number, count: number): number[] {
  const times: number[] = [];
  let t: number | null = after;
  while (times.length < count) {
    t = nextFireAfter(spec, zone, t);
    if (t === null) break;
    times.push(t);
  }
  return times;
}

/**
 * How many fire instants lie in (from, to], the first and the latest. Used for catch-up, where
 * the caller bounds the span (the look-back), which bounds the work.
 */
export function firesBetween(
  spec: CronSpec, zone: string, from: number, to: number,
): { count: number; first: number | null; latest: number | null } {
  let count = 0;
  let first: number | null = null;
  let latest: number | null = null;
  for (let t = nextFireAfter(spec, zone, from); t !== null && t <= to; t = nextFireAfter(spec, zone, t)) {
    count++;
    first ??= t;
    latest = t;
  }
  return { count, first, latest };
}
