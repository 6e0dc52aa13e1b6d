/**
 * Event times as the producers write them: ISO 8601 with or without a UTC offset. A naive time
 * (`viewed_at`) is UTC by contract. Returns microseconds since the epoch, or null for anything
 * that is not a real instant (bad format, 2026-02-30, hour 24...).
 */
const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

export function parseEventTime(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const m = ISO.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y), month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s ?? 0);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 2026-02-30 over to March; a real date survives the round trip.
  if (new Date(ms).getUTCDate() !== day) return null;
  const micros = frac ? Number(frac.padEnd(6, '0').slice(0, 6)) : 0;
  let offsetMinutes = 0;
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2)), om = Number(digits.slice(2));
    if (oh > 23 || om > 59) return null;
    offsetMinutes = sign * (oh * 60 + om);
  }
  return (ms - offsetMinutes * 60_000) * 1000 + micros;
}
