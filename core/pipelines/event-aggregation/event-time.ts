/**
 * Event times as the producers write them: ISO 8601 with or without a UTC offset. A naive time
 * (`viewed_at`) is UTC by contract. Returns microseconds since the epoch, or null for anything
 * that is not a real instant (bad format, 2026-02-30, hour 24...).
 */
const ISO = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

// Midnight (ms) of each calendar date seen (keyed yyyymmdd), or NaN for a date that does not
// exist. Events of a run fall on a handful of days: validating each date once takes Date out of
// the per-event path.
const midnights = new Map<number, number>();
let lastDate = -1;
let lastMidnight = NaN;

function midnightOf(year: number, month: number, day: number): number {
  const key = year * 10000 + month * 100 + day;
  if (key === lastDate) return lastMidnight;
  let ms = midnights.get(key);
  if (ms === undefined) {
    ms = Date.UTC(year, month - 1, day);
    // Date.UTC rolls 2026-02-30 over to March; a real date survives the round trip.
    const d = new Date(ms);
    if (month < 1 || month > 12 || d.getUTCDate() !== day || d.getUTCFullYear() !== year) ms = NaN;
    if (midnights.size > 10_000) midnights.clear();
    midnights.set(key, ms);
  }
  lastDate = key;
  lastMidnight = ms;
  return ms;
}

export function parseEventTime(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const m = ISO.exec(text);
  if (!m) return null;
  const [, date, h, mi, s, frac, zone] = m;
  const midnight = midnightOf(Number(date!.slice(0, 4)), Number(date!.slice(5, 7)), Number(date!.slice(8, 10)));
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

const ZERO = 48;
const digit = (d: Uint8Array, i: number) => d[i]! - ZERO;
const isDigit = (d: Uint8Array, i: number) => d[i]! >= ZERO && d[i]! <= ZERO + 9;
const two = (d: Uint8Array, i: number) => (isDigit(d, i) && isDigit(d, i + 1) ? digit(d, i) * 10 + digit(d, i + 1) : -1);

/**
 * parseEventTime over the UTF-8 bytes [start, end), without making a string: the same grammar
 * and the same answers (a unit test holds them equal), NaN where parseEventTime says null.
 */
export function parseEventTimeBytes(d: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n < 16) return NaN;
  const s = start;
  if (d[s + 4] !== 45 || d[s + 7] !== 45 || (d[s + 10] !== 84 && d[s + 10] !== 32) || d[s + 13] !== 58) return NaN;
  const y1 = two(d, s), y2 = two(d, s + 2), month = two(d, s + 5), day = two(d, s + 8);
  const hour = two(d, s + 11), minute = two(d, s + 14);
  if (y1 < 0 || y2 < 0 || month < 0 || day < 0 || hour < 0 || minute < 0) return NaN;
  let i = s + 16;
  let second = 0, micros = 0;
  if (i < end && d[i] === 58) {
    second = two(d, i + 1);
    if (second < 0 || i + 3 > end) return NaN;
    i += 3;
    if (i < end && d[i] === 46) {
      let digits = 0;
      i++;
      while (i < end && isDigit(d, i)) {
        if (digits < 6) micros = micros * 10 + digit(d, i);
        digits++;
        i++;
      }
      if (digits === 0 || digits > 9) return NaN;
      for (let k = digits; k < 6; k++) micros *= 10;
    }
  }
  let offsetMinutes = 0;
  if (i < end) {
    const z = d[i]!;
    if (z === 90) {
      i++;
    } else if (z === 43 || z === 45) {
      const oh = two(d, i + 1);
      let j = i + 3;
      if (j < end && d[j] === 58) j++;
      const om = two(d, j);
      if (oh < 0 || om < 0 || j + 2 > end) return NaN;
      if (oh > 23 || om > 59) return NaN;
      offsetMinutes = (z === 45 ? -1 : 1) * (oh * 60 + om);
      i = j + 2;
    } else {
      return NaN;
    }
  }
  if (i !== end) return NaN;
  const midnight = midnightOf(y1 * 100 + y2, month, day);
  if (Number.isNaN(midnight) || hour > 23 || minute > 59 || second > 59) return NaN;
  return (midnight + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000) * 1000 + micros;
}
