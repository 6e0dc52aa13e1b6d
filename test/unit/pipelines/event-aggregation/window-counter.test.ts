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

describe('WindowCounter at scale', () => {
  it('equals a plain Map-based count over 200k random events (table growth, collisions, order)', async () => {
    const { Rng } = await import('../../../../core/demo/random.ts');
    const rng = new Rng('window-counter');
    const images = Array.from({ length: 3000 }, () => rng.uuid());
    const c = new WindowCounter(5 * 60_000_000);
    const reference = new Map<string, number>();
    const base = Date.UTC(2026, 2, 10) * 1000;
    for (let i = 0; i < 200_000; i++) {
      const id = images[rng.int(images.length)]!;
      const t = base + rng.int(3 * 86_400_000) * 1000 - 86_400_000_000; // a day before 2026-03-10 to two after
      c.add(id, t);
      const start = Math.floor(t / 300_000_000) * 300_000_000;
      reference.set(`${start}|${id}`, (reference.get(`${start}|${id}`) ?? 0) + 1);
    }
    const rows = [...c.rows()];
    expect(c.keys).toBe(reference.size);
    expect(rows.map((r) => `${r.windowStart}|${r.imageId}`)).toEqual([...reference.keys()].sort((a, b) => {
      const [sa, ia] = a.split('|') as [string, string];
      const [sb, ib] = b.split('|') as [string, string];
      return Number(sa) - Number(sb) || (ia < ib ? -1 : ia > ib ? 1 : 0);
    }));
    for (const r of rows) expect(r.count).toBe(reference.get(`${r.windowStart}|${r.imageId}`));
  });
});
