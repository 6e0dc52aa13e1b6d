/**
 * IANA time zone arithmetic on top of Intl (the ICU time zone data Node ships): a zone's UTC
 * offset at an instant, and where that offset changes.
 */

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23',
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Null when `zone` is a time zone Intl knows, else a message saying what to write instead. */
export function timeZoneProblem(pipeline: string, zone: string): string | null {
  try {
    formatter(zone);
    return null;
  } catch {
    return `${pipeline}: time zone '${zone}' is not an IANA time zone name; write one like 'UTC', 'Europe/Berlin' or 'America/New_York'`;
  }
}

/** The local date and time at `instant` in `zone`, as epoch ms read as if the zone were UTC. */
export function wallTime(zone: string, instant: number): number {
  const second = Math.floor(instant / 1000) * 1000;
  const p: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(second)) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  const hour = p.hour === 24 ? 0 : p.hour!;
  return Date.UTC(p.year!, p.month! - 1, p.day!, hour, p.minute!, p.second!) + (instant - second);
}

/** Local time minus UTC at `instant`, in ms (+3_600_000 for CET). */
export function offsetAt(zone: string, instant: number): number {
  const table = yearTable(zone, new Date(instant).getUTCFullYear());
  let offset = table.startOffset;
  for (const change of table.changes) {
    if (change.at > instant) break;
    offset = change.offset;
  }
  return offset;
}

/** The first instant in (from, to] at which `zone`'s offset changes, or null. */
export function firstOffsetChange(zone: string, from: number, to: number): number | null {
  const last = new Date(to).getUTCFullYear();
  for (let year = new Date(from).getUTCFullYear(); year <= last; year++) {
    for (const change of yearTable(zone, year).changes) {
      if (change.at > to) return null;
      if (change.at > from) return change.at;
    }
  }
  return null;
}

interface YearTable {
  /** The offset at 1 January 00:00 UTC. */
  startOffset: number;
  /** Offset changes in the year, in order: from `at` on, the offset is `offset`. */
  changes: { at: number; offset: number }[];
}

// A schedule asks for offsets at every fire time; Intl answers in microseconds, so each zone's
// changes are found once per year (about 400 Intl calls) and looked up after that.
const tables = new Map<string, YearTable>();

/**
 * Zones change offset at whole seconds and at most a few times a year: probing once a day finds
 * every change but one that reverts within a day, which no zone does.
 */
function yearTable(zone: string, year: number): YearTable {
  const key = `${zone}|${year}`;
  let table = tables.get(key);
  if (table) return table;
  const start = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  table = { startOffset: intlOffset(zone, start), changes: [] };
  let before = start;
  let offset = table.startOffset;
  while (before < end) {
    const probe = Math.min(end, before + DAY_MS);
    const probed = intlOffset(zone, probe);
    if (probed !== offset) {
      const at = bisect(zone, before, probe, offset);
      table.changes.push({ at, offset: intlOffset(zone, at) });
      // Start again from the change: a second change may follow within the same day's probe span.
      offset = intlOffset(zone, at);
      before = at;
      continue;
    }
    before = probe;
  }
  tables.set(key, table);
  return table;
}

function intlOffset(zone: string, instant: number): number {
  return wallTime(zone, instant) - instant;
}

/** Offset is `offset` at lo and differs at hi: the first whole second where it differs. */
function bisect(zone: string, lo: number, hi: number, offset: number): number {
  let a = lo;
  let b = hi;
  while (b - a > 1000) {
    const mid = a + Math.floor((b - a) / 2000) * 1000;
    if (intlOffset(zone, mid) === offset) a = mid;
    else b = mid;
  }
  return b;
}
