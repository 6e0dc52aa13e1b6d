/**
 * Event times as the producers write them: ISO 8601 with or without a UTC offset. A naive time
 * (`viewed_at`) is UTC by contract. Returns microseconds since the epoch, or null for anything
 * that is not a real instant (bad format, 2026-02-30, hour 24...).
 */
const ISO = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

// Midnight (ms) of each calendar date seen, or NaN for a date that does not exist. Events of a
// run fall on a handful of days: validating each date once takes Date out of the per-event path.
const midnights = new Map<string, number>();

function midnightOf(date: string): number {
  let ms = midnights.get(date);
  if (ms === undefined) {
    const year = Number(date.slice(0, 4)), month = Number(date.slice(5, 7)), day = Number(date.slice(8, 10));
    ms = Date.UTC(year, month - 1, day);
    // Date.UTC rolls 2026-02-30 over to March; a real date survives the round trip.
    const d = new Date(ms);
    if (month < 1 || month > 12 || d.getUTCDate() !== day || d.getUTCFullYear() !== year) ms = NaN;
    if (midnights.size > 10_000) midnights.clear();
    midnights.set(date, ms);
  }
  return ms;
}

export function parseEventTime(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const m = ISO.exec(text);
  if (!m) return null;
  const [, date, h, mi, s, frac, zone] = m;
  const midnight = midnightOf(date!);
  const hour = Number(h), minute = Number(mi), second = Number(s ?? 0);
  if (Number.isNaN(midnight) || hour > 23 || minute > 59 || second > 59) return null;
  const micros = frac ? Number(frac.length === 6 ? frac : frac.padEnd(6, '0').slice(0, 6)) : 0;
  let offsetMinutes = 0;
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.length === 6 ? zone.slice(1, 3) + zone.slice(4) : zone.slice(1);
    const oh = Number(digits.slice(0, 2)), om = Number(digits.slice(2));
    if (oh > 23 || om > 59) return null;
    offsetMinutes = sign * (oh * 60 + om);
  }
  return (midnight + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000) * 1000 + micros;
}
