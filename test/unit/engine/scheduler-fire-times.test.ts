import { describe, expect, it } from 'vitest';
import { compileCron } from '../../../core/engine/scheduler/cron-spec.ts';
import { fireTimesAfter, firesBetween } from '../../../core/engine/scheduler/fire-times.ts';
import {
  DEFAULT_SCHEDULES, ScheduleConfigError, compileSchedule, compileSchedules, previewFireTimes,
} from '../../../core/engine/scheduler/schedule.ts';

/** Fire times as ISO instants, plus the local wall time they read in `zone`, e.g. "2025-03-30T01:00:00Z 03:00". */
function fires(cron: string, zone: string, after: string, count: number): string[] {
  const times = fireTimesAfter(compileCron('test', cron), zone, Date.parse(after), count);
  return times.map((t) => `${new Date(t).toISOString().replace('.000Z', 'Z')} ${local(t, zone)}`);
}

function local(t: number, zone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(t);
}

describe('default schedules', () => {
  it('follow the seed: event_aggregation hourly, etl_moderation daily, verify manual, in UTC', () => {
    expect(DEFAULT_SCHEDULES).toEqual({
      event_aggregation: { cron: '0 * * * *', timeZone: 'UTC' },
      etl_moderation: { cron: '0 0 * * *', timeZone: 'UTC' },
      verify: { cron: null },
    });
    const after = new Date('2026-03-10T12:34:56Z');
    expect(previewFireTimes('event_aggregation', DEFAULT_SCHEDULES.event_aggregation, after, 2).map((d) => d.toISOString()))
      .toEqual(['2026-03-10T13:00:00.000Z', '2026-03-10T14:00:00.000Z']);
    expect(previewFireTimes('etl_moderation', DEFAULT_SCHEDULES.etl_moderation, after, 2).map((d) => d.toISOString()))
      .toEqual(['2026-03-11T00:00:00.000Z', '2026-03-12T00:00:00.000Z']);
    expect(previewFireTimes('verify', DEFAULT_SCHEDULES.verify, after, 3)).toEqual([]);
  });
});

describe('next fire times', () => {
  it('reads the expression in the pipeline time zone', () => {
    const after = '2026-01-15T12:00:00Z';
    expect(fires('0 2 * * *', 'UTC', after, 2)).toEqual(['2026-01-16T02:00:00Z 02:00', '2026-01-17T02:00:00Z 02:00']);
    expect(fires('0 2 * * *', 'Europe/Berlin', after, 2)).toEqual(['2026-01-16T01:00:00Z 02:00', '2026-01-17T01:00:00Z 02:00']);
    expect(fires('0 2 * * *', 'America/New_York', after, 2)).toEqual(['2026-01-16T07:00:00Z 02:00', '2026-01-17T07:00:00Z 02:00']);
    // Half-hour and quarter-hour offsets
    expect(fires('0 2 * * *', 'Asia/Kolkata', after, 1)).toEqual(['2026-01-15T20:30:00Z 02:00']);
    expect(fires('0 2 * * *', 'Asia/Kathmandu', after, 1)).toEqual(['2026-01-15T20:15:00Z 02:00']);
    // East of UTC the next local 02:00 can be the same UTC day
    expect(fires('0 2 * * *', 'Pacific/Auckland', after, 1)).toEqual(['2026-01-15T13:00:00Z 02:00']);
  });

  it('is strictly after the given instant, also when it is a fire time itself', () => {
    expect(fires('0 * * * *', 'UTC', '2026-01-15T12:00:00Z', 2)).toEqual(['2026-01-15T13:00:00Z 13:00', '2026-01-15T14:00:00Z 14:00']);
    expect(fires('0 * * * *', 'UTC', '2026-01-15T11:59:59.999Z', 1)).toEqual(['2026-01-15T12:00:00Z 12:00']);
  });

  it('handles weekdays, steps, month ends and the nth weekday', () => {
    // Mondays to Fridays at 06:15 Berlin, from Friday 2026-01-16 noon
    expect(fires('15 6 * * 1-5', 'Europe/Berlin', '2026-01-16T12:00:00Z', 2))
      .toEqual(['2026-01-19T05:15:00Z 06:15', '2026-01-20T05:15:00Z 06:15']);
    expect(fires('*/20 9 * * *', 'UTC', '2026-01-16T08:59:00Z', 4))
      .toEqual(['2026-01-16T09:00:00Z 09:00', '2026-01-16T09:20:00Z 09:20', '2026-01-16T09:40:00Z 09:40', '2026-01-17T09:00:00Z 09:00']);
    // last day of the month, in a leap year's February
    expect(fires('0 0 L * *', 'Asia/Tokyo', '2028-02-01T00:00:00Z', 2).map((s) => s.slice(0, 10)))
      .toEqual(['2028-02-28', '2028-03-30']); // 29 Feb and 31 Mar 00:00 in Tokyo are the previous UTC day
    // second Monday of the month
    expect(fires('0 9 * * 1#2', 'UTC', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-12T09:00:00Z 09:00', '2026-02-09T09:00:00Z 09:00']);
    // nearest weekday to the 15th: Sunday 15 Feb 2026 -> Monday 16th
    expect(fires('0 9 15W * *', 'UTC', '2026-02-01T00:00:00Z', 1)).toEqual(['2026-02-16T09:00:00Z 09:00']);
    // node-cron's 6-field form with seconds
    expect(fires('30 0 12 * * *', 'UTC', '2026-01-16T00:00:00Z', 1)).toEqual(['2026-01-16T12:00:30Z 12:00']);
  });

  it('counts the fire times in a span for catch-up, with the first and latest', () => {
    const spec = compileCron('test', '0 * * * *');
    const r = firesBetween(spec, 'UTC', Date.parse('2026-01-15T09:30:00Z'), Date.parse('2026-01-15T14:00:00Z'));
    expect(r).toEqual({ count: 5, first: Date.parse('2026-01-15T10:00:00Z'), latest: Date.parse('2026-01-15T14:00:00Z') });
    expect(firesBetween(spec, 'UTC', Date.parse('2026-01-15T09:00:00Z'), Date.parse('2026-01-15T09:59:59Z')).count).toBe(0);
  });
});

describe('daylight saving time', () => {
  // Europe/Berlin: 2025-03-30 02:00 CET -> 03:00 CEST (01:00Z); 2025-10-26 03:00 CEST -> 02:00 CET (01:00Z).
  // America/New_York: 2025-03-09 02:00 EST -> 03:00 EDT (07:00Z); 2025-11-02 02:00 EDT -> 01:00 EST (06:00Z).

  it('fires a daily 02:30 once on the spring-forward day, at the first instant after the jump (03:00)', () => {
    expect(fires('30 2 * * *', 'Europe/Berlin', '2025-03-28T12:00:00Z', 3))
      .toEqual(['2025-03-29T01:30:00Z 02:30', '2025-03-30T01:00:00Z 03:00', '2025-03-31T00:30:00Z 02:30']);
    expect(fires('30 2 * * *', 'America/New_York', '2025-03-07T12:00:00Z', 3))
      .toEqual(['2025-03-08T07:30:00Z 02:30', '2025-03-09T07:00:00Z 03:00', '2025-03-10T06:30:00Z 02:30']);
  });

  it('fires a daily job in the repeated hour once on the fall-back day, on its first pass', () => {
    expect(fires('30 2 * * *', 'Europe/Berlin', '2025-10-24T12:00:00Z', 3))
      .toEqual(['2025-10-25T00:30:00Z 02:30', '2025-10-26T00:30:00Z 02:30', '2025-10-27T01:30:00Z 02:30']);
    expect(fires('30 1 * * *', 'America/New_York', '2025-10-31T12:00:00Z', 3))
      .toEqual(['2025-11-01T05:30:00Z 01:30', '2025-11-02T05:30:00Z 01:30', '2025-11-03T06:30:00Z 01:30']);
  });

  it('does not fire the repeated wall time again when asked from inside the second pass', () => {
    // 01:10Z is 02:10 CET, the second pass; 02:30 already had its turn at 00:30Z (02:30 CEST).
    expect(fires('30 2 * * *', 'Europe/Berlin', '2025-10-26T01:10:00Z', 1)).toEqual(['2025-10-27T01:30:00Z 02:30']);
  });

  it('fires an hourly job every real hour across spring-forward and fall-back, without duplicates', () => {
    expect(fires('0 * * * *', 'Europe/Berlin', '2025-03-29T23:30:00Z', 4))
      .toEqual(['2025-03-30T00:00:00Z 01:00', '2025-03-30T01:00:00Z 03:00', '2025-03-30T02:00:00Z 04:00', '2025-03-30T03:00:00Z 05:00']);
    expect(fires('0 * * * *', 'Europe/Berlin', '2025-10-25T23:30:00Z', 4))
      .toEqual(['2025-10-26T00:00:00Z 02:00', '2025-10-26T01:00:00Z 02:00', '2025-10-26T02:00:00Z 03:00', '2025-10-26T03:00:00Z 04:00']);
    expect(fires('0 * * * *', 'America/New_York', '2025-03-09T05:30:00Z', 4))
      .toEqual(['2025-03-09T06:00:00Z 01:00', '2025-03-09T07:00:00Z 03:00', '2025-03-09T08:00:00Z 04:00', '2025-03-09T09:00:00Z 05:00']);
    expect(fires('0 * * * *', 'America/New_York', '2025-11-02T04:30:00Z', 4))
      .toEqual(['2025-11-02T05:00:00Z 01:00', '2025-11-02T06:00:00Z 01:00', '2025-11-02T07:00:00Z 02:00', '2025-11-02T08:00:00Z 03:00']);
  });

  it('has 23 hourly fires on the spring-forward day and 25 on the fall-back day', () => {
    const hourly = compileCron('test', '0 * * * *');
    const day = (from: string, to: string) => firesBetween(hourly, 'America/New_York', Date.parse(from) - 1, Date.parse(to) - 1).count;
    expect(day('2025-03-09T05:00:00Z', '2025-03-10T04:00:00Z')).toBe(23);
    expect(day('2025-11-02T04:00:00Z', '2025-11-03T05:00:00Z')).toBe(25);
    const times = fireTimesAfter(hourly, 'Europe/Berlin', Date.parse('2025-10-25T00:00:00Z'), 72);
    expect(new Set(times).size).toBe(72);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(3_600_000);
  });

  it('keeps half-hourly jobs on real time when the clock jumps by 30 minutes (Lord Howe Island)', () => {
    // 2025-10-05 02:00 +10:30 -> 02:30 +11:00
    expect(fires('*/30 * * * *', 'Australia/Lord_Howe', '2025-10-04T14:45:00Z', 3))
      .toEqual(['2025-10-04T15:00:00Z 01:30', '2025-10-04T15:30:00Z 02:30', '2025-10-04T16:00:00Z 03:00']);
  });
});

describe('validation', () => {
  it('names the pipeline, the field and the allowed values', () => {
    const message = (cron: string) => {
      try {
        compileSchedule('etl_moderation', { cron, timeZone: 'UTC' });
      } catch (err) {
        expect(err).toBeInstanceOf(ScheduleConfigError);
        return (err as Error).message;
      }
      throw new Error(`'${cron}' was accepted`);
    };
    expect(message('61 * * * *')).toBe("etl_moderation: cron '61 * * * *' has minute 61; minutes are 0-59");
    expect(message('0 24 * * *')).toBe("etl_moderation: cron '0 24 * * *' has hour 24; hours are 0-23");
    expect(message('0 0 * 13 *')).toBe("etl_moderation: cron '0 0 * 13 *' has month 13; months are 1-12 or jan-dec");
    expect(message('0 0 * * 8')).toMatch(/^etl_moderation: cron '0 0 \* \* 8' has day of week 8; days of week are 0-7/);
    expect(message('abc * * * *')).toMatch(/has minute 'abc'; minutes are 0-59 \(numbers, ranges like 1-5/);
    expect(message('* * * *')).toMatch(/^etl_moderation: cron '\* \* \* \*' has 4 fields; write 5 \(minute hour/);
    expect(message('0 0 30 2 *')).toMatch(/never fires: day of month 30 does not occur in month 2/);
    expect(message('0 0 L-30 2 *')).toMatch(/^etl_moderation: cron '0 0 L-30 2 \*' never fires/);
    expect(message('  ')).toMatch(/^etl_moderation: the cron expression is empty; .*manual-only/);
  });

  it('rejects unknown time zones and bad look-backs, and reports every problem at once', () => {
    try {
      compileSchedules({
        event_aggregation: { cron: '0 * * * *', timeZone: 'Europe/Berln' },
        etl_moderation: { cron: '0 2 * * *', catchUpLookbackMs: -5 },
        verify: { cron: '0 0 32 * *' },
      });
      expect.unreachable('invalid schedules were accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(ScheduleConfigError);
      expect((err as ScheduleConfigError).problems).toEqual([
        "event_aggregation: time zone 'Europe/Berln' is not an IANA time zone name; write one like 'UTC', 'Europe/Berlin' or 'America/New_York'",
        'etl_moderation: catch-up look-back -5 is not a duration; give milliseconds >= 0 (0 turns catch-up off)',
        "verify: cron '0 0 32 * *' has day of month 32; days of month are 1-31, L, L-n, nW or LW",
      ]);
    }
  });

  it('accepts names, nicknames and manual-only schedules', () => {
    expect(compileSchedule('p', { cron: '0 6 * jan mon' })).toMatchObject({ timeZone: 'UTC', cron: '0 6 * jan mon' });
    expect(previewFireTimes('p', { cron: '@daily', timeZone: 'Europe/Berlin' }, Date.parse('2026-01-15T12:00:00Z'), 1))
      .toEqual([new Date('2026-01-15T23:00:00Z')]);
    expect(compileSchedule('verify', { cron: null, timeZone: 'UTC' })).toBeNull();
  });
});
