/**
 * Scan planning: the live data files of a snapshot that a filter can match, each with the delete
 * files that apply to it. Pruning happens at three levels, cheapest first: whole manifests by the
 * manifest list's partition summaries, files by their partition tuple, files by their column
 * metrics. Data manifests are read one at a time, so a scan with a row limit stops reading them as
 * soon as it has its rows; delete manifests are read first, in full, since any of them may apply
 * to the first data file.
 */
import type { FileIO } from '../../io/file-io.ts';
import { inheritFromManifest, readManifest } from '../avro/manifest.ts';
import { readManifestList } from '../avro/manifest-list.ts';
import { bind, TRUE, type Bound } from '../expressions/bind.ts';
import { evaluateValues } from '../expressions/evaluate-values.ts';
import type { Expression } from '../expressions/expression.ts';
import { projectInclusive } from '../expressions/project.ts';
import { fileMightMatch, manifestMightMatch } from '../expressions/stats-eval.ts';
import {
  EntryStatus, FileContent, ManifestContent,
  type DataFile, type ManifestFile, type PartitionSpec, type PrimitiveType, type Schema, type Snapshot, type TableMetadata,
} from '../spec/types.ts';
import { uuidFromBytes, type IcebergValue } from '../spec/values.ts';
import { DeleteIndex, type DeleteFileEntry } from './delete-index.ts';

export interface FileScanTask {
  file: DataFile;
  /** The data file's data sequence number. */
  sequenceNumber: bigint;
  specId?: number;
  /** Delete files that apply to this data file (none when absent). */
  deletes?: DeleteFileEntry[];
}

/** What planning did, for progress displays and for tests that check pruning. */
export interface PlanStats {
  /** Data manifests in the snapshot, and those skipped by their partition summaries. */
  dataManifests: number;
  dataManifestsSkipped: number;
  deleteManifests: number;
  /** Live data files the snapshot's manifest list counts (added + existing). */
  totalDataFiles: number;
  /** Live data files in the skipped manifests (never read, so counted from the manifest list). */
  filesSkippedByManifest: number;
  filesSkippedByPartition: number;
  filesSkippedByMetrics: number;
  filesPlanned: number;
  /** Live delete files read into the plan, and how many (data file, delete file) pairs apply. */
  deleteFiles: number;
  deletesApplied: number;
}

export function emptyPlanStats(): PlanStats {
  return {
    dataManifests: 0, dataManifestsSkipped: 0, deleteManifests: 0, totalDataFiles: 0, filesSkippedByManifest: 0,
    filesSkippedByPartition: 0, filesSkippedByMetrics: 0, filesPlanned: 0, deleteFiles: 0, deletesApplied: 0,
  };
}

export interface PlanOptions {
  /** Only files that may hold rows matching this filter (bound to the snapshot's schema). */
  filter?: Expression;
  caseSensitive?: boolean;
  /** Filled in while planning (counts add up across manifests). */
  stats?: PlanStats;
}

/** The schema a snapshot was written with (time travel reads with it). */
export function schemaOf(md: TableMetadata, snapshot: Snapshot | undefined): Schema {
  const id = snapshot?.['schema-id'] ?? md['current-schema-id'];
  return md.schemas.find((s) => s['schema-id'] === id) ?? md.schemas.find((s) => s['schema-id'] === md['current-schema-id'])!;
}

/** The live data files of a snapshot that may match the filter, one manifest at a time. */
export async function* planFileStream(
  io: FileIO, md: TableMetadata, snapshot: Snapshot | undefined, signal?: AbortSignal, o: PlanOptions = {},
): AsyncGenerator<FileScanTask> {
  if (!snapshot) return;
  const stats = o.stats ?? emptyPlanStats();
  const filter: Bound = o.filter ? bind(schemaOf(md, snapshot), o.filter, { caseSensitive: o.caseSensitive }) : TRUE;
  if (filter.op === 'false') return;
  const partitions = new PartitionPruner(md, filter);
  const manifests = readManifestList(await io.read(snapshot['manifest-list'], signal));
  const live = (m: ManifestFile) => m.addedFilesCount > 0 || m.existingFilesCount > 0 || md['format-version'] < 2;
  const dataManifests = manifests.filter((m) => m.content === ManifestContent.Data);
  stats.dataManifests += dataManifests.length;
  stats.totalDataFiles += dataManifests.reduce((n, m) => n + m.addedFilesCount + m.existingFilesCount, 0);

  const deletes = new DeleteIndex(md);
  for (const m of manifests) {
    // v2 lists count live files; a manifest with no added or existing files holds nothing to read.
    if (m.content !== ManifestContent.Deletes || !live(m)) continue;
    stats.deleteManifests++;
    if (!partitions.manifestMayMatch(m)) continue;
    for (const { entry, specId } of await liveEntries(io, m, signal)) {
      if (!partitions.fileMayMatch(entry.dataFile, specId)) continue;
      deletes.add({ file: entry.dataFile, specId, sequenceNumber: entry.sequenceNumber ?? 0n });
    }
  }
  stats.deleteFiles += deletes.size;

  for (const m of dataManifests) {
    if (!live(m)) continue;
    if (!partitions.manifestMayMatch(m)) {
      stats.dataManifestsSkipped++;
      stats.filesSkippedByManifest += m.addedFilesCount + m.existingFilesCount;
      continue;
    }
    for (const { entry, specId } of await liveEntries(io, m, signal)) {
      const file = entry.dataFile;
      if (file.content !== FileContent.Data) throw new Error(`${m.manifestPath}: a data manifest lists ${file.filePath} with delete content ${file.content}`);
      if (!partitions.fileMayMatch(file, specId)) {
        stats.filesSkippedByPartition++;
        continue;
      }
      if (!fileMightMatch(filter, file)) {
        stats.filesSkippedByMetrics++;
        continue;
      }
      const sequenceNumber = entry.sequenceNumber ?? 0n;
      const applicable = deletes.forDataFile(file, specId, sequenceNumber);
      stats.filesPlanned++;
      stats.deletesApplied += applicable.length;
      yield applicable.length > 0 ? { file, sequenceNumber, specId, deletes: applicable } : { file, sequenceNumber, specId };
    }
  }
}

/** Every live data file of a snapshot that may match the filter. */
export async function planFiles(io: FileIO, md: TableMetadata, snapshot: Snapshot | undefined, signal?: AbortSignal, o: PlanOptions = {}): Promise<FileScanTask[]> {
  const tasks: FileScanTask[] = [];
  for await (const t of planFileStream(io, md, snapshot, signal, o)) tasks.push(t);
  return tasks;
}

async function liveEntries(io: FileIO, m: ManifestFile, signal?: AbortSignal) {
  const { entries } = readManifest(await io.read(m.manifestPath, signal));
  return entries.map((raw) => inheritFromManifest(raw, m))
    .filter((e) => e.status !== EntryStatus.Deleted)
    .map((entry) => ({ entry, specId: m.partitionSpecId }));
}

/** A partition value in spec/values.ts form: manifests whose Avro lacks the uuid logical type give bytes. */
function partitionValue(v: unknown, type: PrimitiveType): IcebergValue | null {
  if (v === null || v === undefined) return null;
  if (type === 'uuid' && v instanceof Uint8Array && v.length === 16) return uuidFromBytes(v);
  return v as IcebergValue;
}

/** The filter projected onto each partition spec, once per spec. */
class PartitionPruner {
  private readonly projected = new Map<number, { spec: PartitionSpec; filter: Bound } | null>();

  constructor(private readonly md: TableMetadata, private readonly filter: Bound) {}

  manifestMayMatch(m: ManifestFile): boolean {
    const p = this.forSpec(m.partitionSpecId);
    return !p || manifestMightMatch(p.filter, p.spec, m.partitions);
  }

  fileMayMatch(file: DataFile, specId: number): boolean {
    const p = this.forSpec(specId);
    return !p || p.filter.op === 'true' || evaluateValues(p.filter, (ref) => partitionValue(file.partition[ref.id], ref.type));
  }

  private forSpec(specId: number): { spec: PartitionSpec; filter: Bound } | null {
    if (this.filter.op === 'true') return null;
    let p = this.projected.get(specId);
    if (p === undefined) {
      const spec = this.md['partition-specs'].find((s) => s['spec-id'] === specId);
      // A spec the metadata lacks cannot be projected onto: read its files (the row filter still applies).
      p = spec ? { spec, filter: projectInclusive(this.filter, spec) } : null;
      this.projected.set(specId, p);
    }
    return p;
  }
}
