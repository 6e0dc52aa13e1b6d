import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/demo/random.ts';

describe('Rng', () => {
  it('gives the same sequence for the same seeds and a different one for other seeds', () => {
    const seq = (...s: (number | string)[]) => { const r = new Rng(...s); return Array.from({ length: 5 }, () => r.next()); };
    expect(seq(1, 'a')).toEqual(seq(1, 'a'));
    expect(seq(1, 'a')).not.toEqual(seq(1, 'b'));
    expect(seq(1, 'image', 12)).not.toEqual(seq(1, 'image', 1, 2));
  });

  it('stays in [0, 1) and covers the range evenly', () => {
    const r = new Rng('uniform');
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const x = r.next();
      expect(x >= 0 && x < 1).toBe(true);
      buckets[Math.floor(x * 10)]++;
    }
    for (const b of buckets) expect(Math.abs(b - 10_000)).toBeLessThan(500);
  });

  it('makes version-4 UUIDs in lower-case canonical form', () => {
    const r = new Rng(7);
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const u = r.uuid();
      expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      seen.add(u);
    }
    expect(seen.size).toBe(1000);
  });

  it('draws counts with the requested mean and never a negative one', () => {
    const r = new Rng('counts');
    let sum = 0;
    for (let i = 0; i < 50_000; i++) {
      const c = r.count(40);
      expect(c).toBeGreaterThanOrEqual(0);
      sum += c;
    }
    expect(sum / 50_000).toBeGreaterThan(38);
    expect(sum / 50_000).toBeLessThan(42);
    expect(r.count(0)).toBe(0);
  });
});
