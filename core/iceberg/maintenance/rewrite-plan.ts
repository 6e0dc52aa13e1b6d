/**
 * Choosing what compaction rewrites: per partition, the small data files packed into groups of
 * about the target size, each group to become one file. Pure, so the choice is testable alone.
 */
import type { DataFile, PartitionValues } from '../spec/types.ts';

export interface RewriteCandidate {
  file: DataFile;
  specId: number;
}

export interface RewriteGroup {
  specId: number;
  partition: PartitionValues;
  files: DataFile[];
  bytes: bigint;
  records: bigint;
}

export interface RewritePlanOptions {
  targetFileBytes: number;
  /** A group of fewer files is left alone: rewriting it would not reduce the file count. */
  minInputFiles: number;
  /** Files at least this big are left alone. Default 75% of the target, as Java's min-file-size-bytes. */
  smallFileBytes?: number;
}

/** Identity of a partition tuple, for grouping: bigints, bytes and floats spelled exactly. */
export function partitionKey(specId: number, partition: PartitionValues): string {
  const values = Object.keys(partition).map(Number).sort((a, b) => a - b).map((id) => {
    const v = partition[id];
    if (typeof v === 'bigint') return `${id}=${v}n`;
    if (v instanceof Uint8Array) return `${id}=0x${Buffer.from(v).toString('hex')}`;
    if (typeof v === 'number') return `${id}=${Object.is(v, -0) ? '-0' : String(v)}`;
    return `${id}=${JSON.stringify(v ?? null)}`;
  });
  return `${specId}|${values.join('|')}`;
}

export function planRewriteGroups(candidates: RewriteCandidate[], o: RewritePlanOptions): RewriteGroup[] {
  if (!(o.targetFileBytes > 0)) throw new Error(`targetFileBytes must be a positive number of bytes, not ${o.targetFileBytes}`);
  const small = o.smallFileBytes ?? Math.floor(o.targetFileBytes * 0.75);
  const minFiles = Math.max(2, o.minInputFiles);
  const byPartition = new Map<string, RewriteCandidate[]>();
  for (const c of candidates) {
    if (Number(c.file.fileSizeInBytes) >= small) continue;
    const key = partitionKey(c.specId, c.file.partition);
    let list = byPartition.get(key);
    if (!list) byPartition.set(key, (list = []));
    list.push(c);
  }
  const groups: RewriteGroup[] = [];
  for (const list of byPartition.values()) {
    if (list.length < minFiles) continue;
    for (const bin of packBins(list.map((c) => c.file), o.targetFileBytes)) {
      if (bin.length < minFiles) continue;
      groups.push({
        specId: list[0]!.specId, partition: list[0]!.file.partition, files: bin,
        bytes: bin.reduce((s, f) => s + f.fileSizeInBytes, 0n), records: bin.reduce((s, f) => s + f.recordCount, 0n),
      });
    }
  }
  return groups;
}

/** First-fit decreasing: few bins, each at most `capacity` bytes of input. */
function packBins(files: DataFile[], capacity: number): DataFile[][] {
  const sorted = [...files].sort((a, b) => Number(b.fileSizeInBytes - a.fileSizeInBytes) || a.filePath.localeCompare(b.filePath));
  const bins: { files: DataFile[]; bytes: number }[] = [];
  for (const f of sorted) {
    const size = Number(f.fileSizeInBytes);
    let bin = bins.find((b) => b.bytes + size <= capacity);
    if (!bin) bins.push((bin = { files: [], bytes: 0 }));
    bin.files.push(f);
    bin.bytes += size;
  }
  return bins.map((b) => b.files);
}
