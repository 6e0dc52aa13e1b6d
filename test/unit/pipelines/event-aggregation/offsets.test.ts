import { describe, expect, it } from 'vitest';
import { encodeOffsets, OFFSETS_KEY, sameOffsets, storedOffsets } from '../../../../core/pipelines/event-aggregation/offsets.ts';
import { planRanges } from '../../../../core/pipelines/event-aggregation/aggregate-topic.ts';
import { applyUpdates, emptyMetadata } from '../../../../core/iceberg/spec/table-updates.ts';
import type { Snapshot, TableMetadata } from '../../../../core/iceberg/spec/types.ts';

function tableWith(summaries: Record<string, string>[]): TableMetadata {
  let md = emptyMetadata('s3://b/t');
  summaries.forEach((extra, i) => {
    const id = BigInt(i + 1);
    const s: Snapshot = { 'snapshot-id': id, ...(i > 0 ? { 'parent-snapshot-id': id - 1n } : {}), 'sequence-number': id, 'timestamp-ms': i, 'manifest-list': 'x', summary: { operation: 'append', ...extra } };
    md = applyUpdates(md, [{ action: 'add-snapshot', snapshot: s }, { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': id }]);
  });
  return md;
}

describe('offsets in snapshot summaries', () => {
  const offsets = new Map([[0, 10n], [1, 9007199254740993n]]);

  it('round-trips exactly, beyond 2^53', () => {
    const md = tableWith([{ [OFFSETS_KEY]: encodeOffsets('t.views', offsets) }]);
    expect(storedOffsets(md, 't.views')).toEqual({ offsets, snapshotId: 1n });
  });

  it('finds them on the nearest ancestor when later snapshots (compaction, other writers) carry none', () => {
    const md = tableWith([{ [OFFSETS_KEY]: encodeOffsets('t.views', offsets) }, {}, {}]);
    expect(storedOffsets(md, 't.views')!.snapshotId).toBe(1n);
  });

  it('ignores offsets of another topic and reports none for a fresh table', () => {
    expect(storedOffsets(tableWith([{ [OFFSETS_KEY]: encodeOffsets('other', offsets) }]), 't.views')).toBeNull();
    expect(storedOffsets(tableWith([]), 't.views')).toBeNull();
  });

  it('compares offset maps by value', () => {
    expect(sameOffsets(new Map([[0, 1n]]), new Map([[0, 1n]]))).toBe(true);
    expect(sameOffsets(new Map([[0, 1n]]), new Map([[0, 2n]]))).toBe(false);
    expect(sameOffsets(null, null)).toBe(true);
    expect(sameOffsets(null, new Map())).toBe(false);
  });
});

describe('planRanges', () => {
  const marks = [{ partition: 0, low: 0n, high: 100n }, { partition: 1, low: 50n, high: 80n }];

  it('starts a first run at the log start and ends at the high watermarks', () => {
    expect(planRanges('t', null, marks)).toEqual({ ranges: [{ partition: 0, from: 0n, to: 100n }, { partition: 1, from: 50n, to: 80n }], warnings: [] });
  });

  it('resumes from stored offsets; a new partition starts at its beginning', () => {
    expect(planRanges('t', new Map([[0, 60n]]), marks).ranges).toEqual([{ partition: 0, from: 60n, to: 100n }, { partition: 1, from: 50n, to: 80n }]);
  });

  it('warns with numbers when retention deleted unread messages', () => {
    const { ranges, warnings } = planRanges('t', new Map([[0, 0n], [1, 20n]]), marks);
    expect(ranges[1]).toEqual({ partition: 1, from: 50n, to: 80n });
    expect(warnings).toEqual([expect.stringMatching(/partition 1: 30 messages \(offsets 20 to 49\) were deleted by Kafka retention/)]);
  });

  it('refuses stored offsets past the log end (topic recreated) or for a partition that is gone', () => {
    expect(() => planRanges('t', new Map([[0, 101n]]), marks)).toThrow(/Stored offset 101 for t partition 0 is beyond the log end \(100\)/);
    expect(() => planRanges('t', new Map([[7, 1n]]), marks)).toThrow(/no partition 7/);
  });
});
