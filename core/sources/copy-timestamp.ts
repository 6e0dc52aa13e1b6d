/**
 * Postgres's ISO text of a timestamptz (DateStyle ISO: `2026-03-02 09:30:27.390348+00`, a year
 * of four digits or more, an offset of hours with optional minutes and seconds, ` BC` before year
 * 1) read from bytes into microseconds since 1970-01-01 UTC.
 *
 * Why parse text here rather than have Postgres compute epoch microseconds: that takes numeric
 * arithmetic per value (`extract(epoch ...)` is numeric), which costs the server more than the
 * rest of a COPY of comments; rendering the timestamp is the server's cheap path.
 */

const ZERO = 48;
const MICROS_PER_DAY = 86_400_000_000;

/** Days from 1970-01-01 to a proleptic Gregorian date (the well-known era / day-of-era method). */
function daysFromCivil(y: number, m: number, d: number): number {
  if (m <= 2) y -= 1;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

const isDigit = (x: number | undefined) => x !== undefined && x >= ZERO && x <= 57;
/** Two ASCII digits at buf[p], or -1. */
const two = (buf: Uint8Array, p: number) => (isDigit(buf[p]) && isDigit(buf[p + 1]) ? (buf[p]! - ZERO) * 10 + buf[p + 1]! - ZERO : -1);

/**
 * Parses the timestamp at buf[p...], up to a tab or newline, into out[at] (low 32 bits) and
 * out[at + 1] (high 32 bits) of the microseconds; the index of the tab or newline after it, or -1
 * when the bytes are not such a timestamp (infinity included: it has no microseconds) or one
 * beyond what int64 microseconds since 1970 hold (the last ~30,000 years Postgres takes).
 */
export function parseTimestamptz(buf: Uint8Array, p: number, out: Int32Array, at: number): number {
  let year = 0;
  const yearStart = p;
  while (isDigit(buf[p])) year = year * 10 + buf[p++]! - ZERO;
  if (p - yearStart < 4 || buf[p] !== 45) return -1; // '-'
  const month = two(buf, p + 1), day = two(buf, p + 4), hour = two(buf, p + 7), minute = two(buf, p + 10), second = two(buf, p + 13);
  if (buf[p + 3] !== 45 || buf[p + 6] !== 32 || buf[p + 9] !== 58 || buf[p + 12] !== 58) return -1; // '-', ' ', ':', ':'
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 24 || minute < 0 || minute > 59 || second < 0 || second > 60) return -1;
  p += 15;
  let micros = 0;
  if (buf[p] === 46) { // '.'
    let scale = 100_000;
    p++;
    if (!isDigit(buf[p])) return -1;
    for (; isDigit(buf[p]); p++) {
      if (scale < 1) return -1; // more than microseconds
      micros += (buf[p]! - ZERO) * scale;
      scale /= 10;
    }
  }
  const sign = buf[p] === 43 ? 1 : buf[p] === 45 ? -1 : 0; // '+' or '-'
  if (sign === 0) return -1;
  let offset = two(buf, p + 1) * 3600;
  if (offset < 0) return -1;
  p += 3;
  for (let part = 60; part >= 1 && buf[p] === 58; part /= 60) { // ':MM', then ':SS'
    const v = two(buf, p + 1);
    if (v < 0) return -1;
    offset += v * part;
    p += 3;
  }
  if (buf[p] === 32 && buf[p + 1] === 66 && buf[p + 2] === 67) { // ' BC': year 1 BC is year 0
    year = 1 - year;
    p += 3;
  }
  if (buf[p] !== 9 && buf[p] !== 10) return -1;
  const seconds = hour * 3600 + minute * 60 + second - sign * offset;
  const days = daysFromCivil(year, month, day);
  const value = days * MICROS_PER_DAY + seconds * 1_000_000 + micros;
  if (Number.isSafeInteger(value)) {
    // Two's complement words: low = value mod 2^32, high = floor(value / 2^32).
    out[at] = value >>> 0;
    out[at + 1] = Math.floor(value / 4294967296);
  } else {
    // Beyond 2^53 microseconds (after the year 2255 or long before 1970): exact with a BigInt.
    const big = BigInt(days) * BigInt(MICROS_PER_DAY) + BigInt(seconds) * 1_000_000n + BigInt(micros);
    if (BigInt.asIntN(64, big) !== big) return -1; // Postgres's last years: the old extract refused them too (bigint out of range)
    out[at] = Number(BigInt.asIntN(32, big));
    out[at + 1] = Number(BigInt.asIntN(32, big >> 32n));
  }
  return p;
}
