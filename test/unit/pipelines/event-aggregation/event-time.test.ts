import { describe, expect, it } from 'vitest';
import { parseEventTime } from '../../../../core/pipelines/event-aggregation/event-time.ts';

const us = (iso: string) => Date.parse(iso) * 1000;

describe('parseEventTime', () => {
  it('reads a naive time as UTC, with microseconds', () => {
    expect(parseEventTime('2026-03-10T12:00:01.123456')).toBe(us('2026-03-10T12:00:01Z') + 123456);
    expect(parseEventTime('2026-03-10T12:00:01')).toBe(us('2026-03-10T12:00:01Z'));
  });

  it('honours offsets and Z, normalizing to UTC', () => {
    expect(parseEventTime('2026-03-10T12:00:01+00:00')).toBe(us('2026-03-10T12:00:01Z'));
    expect(parseEventTime('2026-03-10T14:30:00+02:30')).toBe(us('2026-03-10T12:00:00Z'));
    expect(parseEventTime('2026-03-10T07:00:00-0500')).toBe(us('2026-03-10T12:00:00Z'));
    expect(parseEventTime('2026-03-10T12:00:00Z')).toBe(us('2026-03-10T12:00:00Z'));
    expect(parseEventTime('2026-03-11T00:30:00+01:00')).toBe(us('2026-03-10T23:30:00Z')); // crosses the day back
  });

  it('keeps microseconds of shorter and longer fractions exactly (no float rounding)', () => {
    expect(parseEventTime('2026-03-10T12:00:00.5')).toBe(us('2026-03-10T12:00:00Z') + 500000);
    expect(parseEventTime('2026-03-10T12:00:00.123456789')).toBe(us('2026-03-10T12:00:00Z') + 123456);
  });

  it('refuses what is not a real instant', () => {
    for (const bad of ['yesterday', '2026-13-40T99:00:00', '2026-02-30T00:00:00', '2026-03-10T24:00:00', '2026-03-10', 1773144001, null, '', '2026-03-10T12:00:00+25:00']) {
      expect(parseEventTime(bad), String(bad)).toBeNull();
    }
  });
});
