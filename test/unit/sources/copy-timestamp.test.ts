import { describe, expect, it } from 'vitest';
import { parseTimestamptz } from '../../../core/sources/copy-timestamp.ts';
import { CopyTextParser } from '../../../core/sources/copy-columns.ts';

const enc = new TextEncoder();

/** The parsed microseconds of one timestamp text, or null when it is refused. */
function micros(text: string): bigint | null {
  const buf = enc.encode(`${text}\t`);
  const out = new Int32Array(2);
  const end = parseTimestamptz(buf, 0, out, 0);
  if (end < 0) return null;
  expect(end, `${text}: stops at the tab`).toBe(buf.length - 1);
  return new BigInt64Array(out.buffer)[0]!;
}

/** The reference: JS Date (proleptic Gregorian, astronomical years), whole milliseconds, plus the rest. */
function reference(year: number, month: number, day: number, h: number, m: number, s: number, microsOfSecond: number, offsetSeconds = 0): bigint {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(h, m, s, 0);
  return BigInt(d.getTime()) * 1000n + BigInt(microsOfSecond) - BigInt(offsetSeconds) * 1_000_000n;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

describe('timestamptz ISO text to microseconds', () => {
  it('reads the forms Postgres writes: fractions of 0 to 6 digits, offsets with minutes and seconds, BC, years past 9999', () => {
    expect(micros('1970-01-01 00:00:00+00')).toBe(0n);
    expect(micros('2026-03-02 09:30:27.390348+00')).toBe(1772443827390348n);
    expect(micros('2026-03-02 09:30:27.39+00')).toBe(1772443827390000n);
    expect(micros('2026-03-02 09:30:27.000001+00')).toBe(1772443827000001n);
    expect(micros('1969-12-31 23:59:59.999999+00')).toBe(-1n);
    expect(micros('2026-03-02 15:00:27+05:30')).toBe(reference(2026, 3, 2, 9, 30, 27, 0));
    expect(micros('2026-03-02 06:00:27-03:30')).toBe(reference(2026, 3, 2, 9, 30, 27, 0));
    expect(micros('1900-01-01 00:19:32+00:19:32')).toBe(reference(1900, 1, 1, 0, 0, 0, 0));
    expect(micros('2000-02-29 12:00:00+00')).toBe(reference(2000, 2, 29, 12, 0, 0, 0));
    expect(micros('0001-01-01 00:00:00+00')).toBe(reference(1, 1, 1, 0, 0, 0, 0));
    expect(micros('0044-03-15 12:00:00+00 BC')).toBe(reference(-43, 3, 15, 12, 0, 0, 0));
    expect(micros('4713-11-24 00:00:00+00 BC')).toBe(reference(-4712, 11, 24, 0, 0, 0, 0));
    // Past 2^53 microseconds (year 2255): exact all the same, up to Postgres's last year.
    expect(micros('2300-01-01 00:00:00.000001+00')).toBe(reference(2300, 1, 1, 0, 0, 0, 1));
    // Beyond JS Date's range: the Gregorian calendar repeats every 400 years (146,097 days).
    const cycles = 100n * 146_097n * 86_400_000_000n;
    expect(micros('294247-01-10 04:00:54.775807+00')).toBe(reference(294247 - 40_000, 1, 10, 4, 0, 54, 775807) + cycles);
    expect(micros('294247-01-10 04:00:54.775807+00')).toBe(2n ** 63n - 1n);
    // Postgres's last timestamp is past int64 microseconds since 1970: refused, not wrapped around.
    expect(micros('294276-12-31 23:59:59.999999+00')).toBeNull();
    expect(micros('10000-01-01 00:00:00+00')).toBe(reference(10000, 1, 1, 0, 0, 0, 0));
  });

  it('agrees with a reference on 20,000 times spread over years 1 to 9999, with and without fractions and offsets', () => {
    let seed = 7;
    const rnd = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n; };
    for (let i = 0; i < 20_000; i++) {
      const y = 1 + rnd(9999), mo = 1 + rnd(12), d = 1 + rnd(28), h = rnd(24), mi = rnd(60), s = rnd(60);
      const digits = rnd(7);
      const frac = digits === 0 ? 0 : rnd(10 ** digits);
      const offMin = rnd(3) === 0 ? rnd(15 * 60) * (rnd(2) ? 1 : -1) : 0;
      const offText = `${offMin < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offMin) / 60))}${Math.abs(offMin) % 60 ? `:${pad(Math.abs(offMin) % 60)}` : ''}`;
      const text = `${pad(y, 4)}-${pad(mo)}-${pad(d)} ${pad(h)}:${pad(mi)}:${pad(s)}${digits ? `.${pad(frac, digits)}` : ''}${offText}`;
      const want = reference(y, mo, d, h, mi, s, digits ? frac * 10 ** (6 - digits) : 0, offMin * 60);
      if (micros(text) !== want) expect(micros(text), text).toBe(want);
    }
  });

  it('refuses what is not such a timestamp, infinity included, with the row and column named by the parser', () => {
    for (const bad of ['infinity', '-infinity', '2026-03-02 09:30:27', '2026-03-02T09:30:27+00', '2026-03-02 09:30:27.1234567+00', '26-03-02 09:30:27+00',
      '2026-13-02 09:30:27+00', '2026-03-02 09:30:27.+00', '2026-03-02 09:30:27+0', '2026-03-02 09:30:27+00 AD', '']) {
      expect(micros(bad), bad).toBeNull();
    }
    const p = new CopyTextParser([{ name: 'id', kind: 'utf8' }, { name: 'created_at', kind: 'timestamptz' }], 10, 'comments');
    expect(() => p.push(enc.encode('a\t2026-03-02 09:30:27+00\nb\tinfinity\n'))).toThrow('COPY of comments: row 2, column created_at holds "infinity", not a timestamp with time zone in ISO style');
  });
});
