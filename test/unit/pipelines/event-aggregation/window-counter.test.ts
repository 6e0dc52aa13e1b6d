import { describe, expect, it } from 'vitest';
import { WindowCounter } from '../../../../core/pipelines/event-aggregation/window-counter.ts';

const us = (iso: string) => Date.parse(iso) * 1000;
const A = 'aaaaaaaa-0000-4000-8000-000000000001';
const B = 'BBBBBBBB-0000-4000-8000-000000000002';

describe('WindowCounter', () => {
  it('counts per image and clock-aligned window, rows ordered by window then image', () => {
    const c = new WindowCounter(5 * 60_000_000);
    c.add(B, us('2026-03-10T12:04:59.999Z') + 999);
    c.add(A, us('2026-03-10T12:05:00Z'));
    c.add(B.toLowerCase(), us('2026-03-10T12:00:00Z')); // one image, whatever the letter case
    c.add(A, us('2026-03-10T12:09:00Z'));
    expect([...c.rows()]).toEqual([
      { imageId: B.toLowerCase(), windowStart: us('2026-03-10T12:00:00Z'), count: 2 },
      { imageId: A, windowStart: us('2026-03-10T12:05:00Z'), count: 2 },
    ]);
    expect(c.keys).toBe(2);
  });

  it('buckets times before 1970 by floor, not toward zero', () => {
    const c = new WindowCounter(5 * 60_000_000);
    c.add(A, -1);
    expect([...c.rows()][0]!.windowStart).toBe(-300_000_000);
  });

  it('refuses a window size that is not a positive whole number', () => {
    expect(() => new WindowCounter(0)).toThrow(/positive/);
  });

  it('orders windows that lie far apart, and rows whose counts do not fit the packed sort key', () => {
    const c = new WindowCounter(1);
    c.add(A, 2 ** 31 - 1);
    c.add(B, -(2 ** 31));
    c.add(A, 0);
    c.add(A, 0);
    const expected = [[-(2 ** 31), 'b', 1], [0, 'a', 2], [2 ** 31 - 1, 'a', 1]];
    const rows = (limit?: number) => [...c.rows(limit)].map((r) => [r.windowStart, r.imageId.slice(0, 1), r.count]);
    expect(rows()).toEqual(expected);
    expect(rows(16), 'counts looked up instead of packed').toEqual(expected);
  });

  it('gives each row its count, large counts included', () => {
    const c = new WindowCounter(300_000_000);
    for (let i = 0; i < 100_000; i++) c.add(A, 0);
    c.add(B, 0);
    expect([...c.rows()].map((r) => r.count)).toEqual([100_000, 1]);
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
    expect([...c.rows(16)], 'counts looked up instead of packed').toEqual(rows);
  });
});
