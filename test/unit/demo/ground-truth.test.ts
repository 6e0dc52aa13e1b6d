import { describe, expect, it } from 'vitest';
import { WindowTruth } from '../../../core/demo/ground-truth.ts';
import type { PlatformEvent } from '../../../core/demo/model.ts';

const t = (iso: string) => Date.parse(iso) * 1000;
const ev = (topic: PlatformEvent['topic'], imageId: string | null, iso: string, extraMicros = 0): PlatformEvent =>
  ({ topic, key: imageId ?? 'x', value: '{}', time: t(iso) + extraMicros, imageId });

describe('WindowTruth', () => {
  it('buckets events into clock-aligned 5-minute windows per topic and image', () => {
    const truth = new WindowTruth();
    truth.add(ev('views', 'a', '2026-03-10T12:00:00Z'));          // first instant of [12:00, 12:05)
    truth.add(ev('views', 'a', '2026-03-10T12:04:59Z', 999_999)); // last microsecond of it
    truth.add(ev('views', 'a', '2026-03-10T12:05:00Z'));          // next window
    truth.add(ev('views', 'b', '2026-03-10T12:01:00Z'));
    truth.add(ev('comments', 'a', '2026-03-10T12:02:00Z'));
    expect(truth.windows('views')).toEqual([
      { imageId: 'a', windowStart: t('2026-03-10T12:00:00Z'), windowEnd: t('2026-03-10T12:05:00Z'), count: 2 },
      { imageId: 'a', windowStart: t('2026-03-10T12:05:00Z'), windowEnd: t('2026-03-10T12:10:00Z'), count: 1 },
      { imageId: 'b', windowStart: t('2026-03-10T12:00:00Z'), windowEnd: t('2026-03-10T12:05:00Z'), count: 1 },
    ]);
    expect(truth.windows('comments')).toHaveLength(1);
    expect(truth.windows('flags')).toEqual([]);
  });

  it('counts flags on comments apart: they belong to no window', () => {
    const truth = new WindowTruth();
    truth.add(ev('flags', null, '2026-03-10T12:00:00Z'));
    truth.add(ev('flags', 'a', '2026-03-10T12:00:00Z'));
    expect(truth.flagsOnComments).toBe(1);
    expect(truth.events.flags).toBe(2);
    expect(truth.windows('flags').map((w) => w.count)).toEqual([1]);
  });

  it('honours another window size', () => {
    const truth = new WindowTruth(60);
    truth.add(ev('views', 'a', '2026-03-10T12:59:00Z'));
    truth.add(ev('views', 'a', '2026-03-10T12:01:00Z'));
    expect(truth.windows('views')).toEqual([
      { imageId: 'a', windowStart: t('2026-03-10T12:00:00Z'), windowEnd: t('2026-03-10T13:00:00Z'), count: 2 },
    ]);
  });
});
