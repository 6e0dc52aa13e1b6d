import { describe, expect, it } from 'vitest';
import { planRetention } from '../../../../core/iceberg/maintenance/retention.ts';
import { emptyMetadata } from '../../../../core/iceberg/spec/table-updates.ts';
import type { Snapshot, SnapshotRef, TableMetadata } from '../../../../core/iceberg/spec/types.ts';

const snap = (id: number, ts: number, parent?: number): Snapshot => ({
  'snapshot-id': BigInt(id), ...(parent ? { 'parent-snapshot-id': BigInt(parent) } : {}), 'sequence-number': BigInt(id),
  'timestamp-ms': ts, 'manifest-list': `s3://b/t/metadata/snap-${id}.avro`, summary: { operation: 'append' },
});
/** s1 <- s2 <- s3 <- s4 <- s5 on main, one second apart. */
const linear = [snap(1, 1000), snap(2, 2000, 1), snap(3, 3000, 2), snap(4, 4000, 3), snap(5, 5000, 4)];

function table(snapshots: Snapshot[], refs: Record<string, SnapshotRef>, properties: Record<string, string> = {}): TableMetadata {
  return { ...emptyMetadata('s3://b/t'), snapshots, refs, properties, 'current-snapshot-id': refs.main?.['snapshot-id'] ?? null };
}
const main = (id: number, extra: Partial<SnapshotRef> = {}): SnapshotRef => ({ 'snapshot-id': BigInt(id), type: 'branch', ...extra });
const ids = (snapshots: Snapshot[]) => snapshots.map((s) => Number(s['snapshot-id']));

describe('planRetention (spec: Snapshot Retention Policy)', () => {
  it('keeps main\'s history back to the age cutoff, and always its head', () => {
    const md = table(linear, { main: main(5) });
    expect(ids(planRetention(md, { nowMs: 10_000, olderThanMs: 7000 }).expired)).toEqual([1, 2]);
    expect(ids(planRetention(md, { nowMs: 10_000, olderThanMs: 0 }).expired)).toEqual([1, 2, 3, 4]);
  });

  it('keeps the newest retainLast snapshots whatever their age; a branch\'s own setting wins', () => {
    expect(ids(planRetention(table(linear, { main: main(5) }), { nowMs: 10_000, olderThanMs: 0, retainLast: 4 }).expired)).toEqual([1]);
    const md = table(linear, { main: main(5, { 'min-snapshots-to-keep': 2 }) });
    expect(ids(planRetention(md, { nowMs: 10_000, olderThanMs: 0, retainLast: 4 }).expired)).toEqual([1, 2, 3]);
  });

  it('takes defaults from table properties, then Java\'s (5 days, keep 1)', () => {
    const props = { 'history.expire.max-snapshot-age-ms': '7000', 'history.expire.min-snapshots-to-keep': '4' };
    expect(ids(planRetention(table(linear, { main: main(5) }, props), { nowMs: 10_000 }).expired)).toEqual([1]);
    const day = 24 * 60 * 60 * 1000;
    expect(ids(planRetention(table(linear, { main: main(5) }), { nowMs: 5 * day + 2500 }).expired)).toEqual([1, 2]);
  });

  it('keeps a tagged snapshot but not its ancestors, and another branch\'s history by its own policy', () => {
    const dev = [snap(6, 6000, 2), snap(7, 7000, 6)];
    const md = table([...linear, ...dev], {
      main: main(5), audit: { 'snapshot-id': 3n, type: 'tag' }, dev: main(7, { 'min-snapshots-to-keep': 3 }),
    });
    const plan = planRetention(md, { nowMs: 10_000, olderThanMs: 0 });
    expect(ids(plan.expired)).toEqual([1, 4]);
    expect([...plan.retained].map(Number).sort()).toEqual([2, 3, 5, 6, 7]);
  });

  it('expires snapshots on no ref\'s history only once they are older than the default age', () => {
    const detached = [snap(8, 2500, 1), snap(9, 9500, 8)];
    const md = table([...linear, ...detached], { main: main(5) });
    expect(ids(planRetention(md, { nowMs: 10_000, olderThanMs: 1000 }).expired)).toEqual([1, 2, 3, 4, 8]);
  });

  it('drops refs older than their max-ref-age-ms (never main) and lets their snapshots expire', () => {
    const md = table(linear, {
      main: main(5, { 'max-ref-age-ms': 1 }), old: { 'snapshot-id': 1n, type: 'tag', 'max-ref-age-ms': 5000 },
      fresh: { 'snapshot-id': 4n, type: 'tag', 'max-ref-age-ms': 8000 },
    });
    const plan = planRetention(md, { nowMs: 10_000, olderThanMs: 0 });
    expect(plan.expiredRefs).toEqual(['old']);
    expect(ids(plan.expired)).toEqual([1, 2, 3]);
    const byProperty = table(linear, { main: main(5), old: { 'snapshot-id': 1n, type: 'tag' } }, { 'history.expire.max-ref-age-ms': '5000' });
    expect(planRetention(byProperty, { nowMs: 10_000, olderThanMs: 0 }).expiredRefs).toEqual(['old']);
  });

  it('treats metadata without refs as main at the current snapshot', () => {
    const md = { ...table(linear, {}), 'current-snapshot-id': 5n };
    expect(ids(planRetention(md, { nowMs: 10_000, olderThanMs: 0 }).expired)).toEqual([1, 2, 3, 4]);
  });

  it('refuses settings that would keep nothing', () => {
    const md = table(linear, { main: main(5) });
    expect(() => planRetention(md, { nowMs: 10_000, retainLast: 0 })).toThrow(/retainLast/);
    expect(() => planRetention(md, { nowMs: 10_000, olderThanMs: -1 })).toThrow(/olderThanMs/);
  });
});
