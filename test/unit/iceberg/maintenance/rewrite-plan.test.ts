import { describe, expect, it } from 'vitest';
import { partitionKey, planRewriteGroups, type RewriteCandidate } from '../../../../core/iceberg/maintenance/rewrite-plan.ts';
import { FileContent, type PartitionValues } from '../../../../core/iceberg/spec/types.ts';

const file = (name: string, bytes: number, partition: PartitionValues = { 1000: 20_000 }, specId = 0): RewriteCandidate => ({
  specId,
  file: { content: FileContent.Data, filePath: `s3://b/t/data/${name}.parquet`, fileFormat: 'PARQUET', partition, recordCount: BigInt(bytes / 10), fileSizeInBytes: BigInt(bytes) },
});
const names = (groups: ReturnType<typeof planRewriteGroups>) => groups.map((g) => g.files.map((f) => f.filePath.split('/').pop()!.replace('.parquet', '')));

describe('planRewriteGroups', () => {
  it('groups the small files of each partition, never across partitions or specs', () => {
    const groups = planRewriteGroups([
      file('a1', 100), file('b1', 100, { 1000: 20_001 }), file('a2', 200), file('b2', 100, { 1000: 20_001 }), file('c1', 100, { 1000: 20_000 }, 1),
    ], { targetFileBytes: 1000, minInputFiles: 2 });
    expect(names(groups)).toEqual([['a2', 'a1'], ['b1', 'b2']]);
    expect(groups[0]).toMatchObject({ specId: 0, partition: { 1000: 20_000 }, bytes: 300n, records: 30n });
  });

  it('leaves big files and too-small groups alone', () => {
    expect(planRewriteGroups([file('big', 800), file('small', 100)], { targetFileBytes: 1000, minInputFiles: 2 })).toEqual([]);
    expect(planRewriteGroups([file('x', 100), file('y', 100)], { targetFileBytes: 1000, minInputFiles: 3 })).toEqual([]);
    expect(names(planRewriteGroups([file('big', 800), file('small', 100), file('s2', 100)], { targetFileBytes: 1000, minInputFiles: 2, smallFileBytes: 900 })))
      .toEqual([['big', 's2', 'small']]); // biggest first, ties by path
  });

  it('packs groups of at most the target size, dropping a leftover single file', () => {
    const files = ['a', 'b', 'c', 'd', 'e'].map((n) => file(n, 400));
    expect(names(planRewriteGroups(files, { targetFileBytes: 1000, minInputFiles: 2 }))).toEqual([['a', 'b'], ['c', 'd']]);
  });

  it('tells partition values apart exactly', () => {
    expect(partitionKey(0, { 1000: 1n })).not.toBe(partitionKey(0, { 1000: 1 }));
    expect(partitionKey(0, { 1000: null })).not.toBe(partitionKey(0, { 1000: 'null' }));
    expect(partitionKey(0, { 1000: new Uint8Array([1, 2]) })).toBe(partitionKey(0, { 1000: new Uint8Array([1, 2]) }));
    expect(partitionKey(0, { 1001: 'x', 1000: 'y' })).toBe(partitionKey(0, { 1000: 'y', 1001: 'x' }));
  });
});
