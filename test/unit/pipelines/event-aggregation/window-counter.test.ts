import { describe, expect, it } from 'vitest';
import { WindowCounter } from '../../../../core/pipelines/event-aggregation/window-counter.ts';

const us = (iso: string) => Date.parse(iso) * 1000;

describe('WindowCounter', () => {
  it('counts per image and clock-aligned window, rows ordered by window then image', () => {
    const c = new WindowCounter(5 * 60_000_000);
    c.add('b', us('2026-03-10T12:04:59.999Z') + 999);
    c.add('a', us('2026-03-10T12:05:00Z'));
    c.add('b', us('2026-03-10T12:00:00Z'));
    c.add('a', us('2026-03-10T12:09:00Z'));
    expect([...c.rows()]).toEqual([
      { imageId: 'b', windowStart: us('2026-03-10T12:00:00Z'), count: 2 },
      { imageId: 'a', windowStart: us('2026-03-10T12:05:00Z'), count: 2 },
    ]);
    expect(c.keys).toBe(2);
  });

  it('buckets times before 1970 by floor, not toward zero', () => {
    const c = new WindowCounter(5 * 60_000_000);
    c.add('x', -1);
    expect([...c.rows()][0]!.windowStart).toBe(-300_000_000);
  });

  it('refuses a window size that is not a positive whole number', () => {
    expect(() => new WindowCounter(0)).toThrow(/positive/);
  });
});
