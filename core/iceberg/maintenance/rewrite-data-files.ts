/**
 * Compaction: many small data files of a partition become a few files of about the target size,
 * committed as one `replace` snapshot (same rows, new files). Readers never see both or neither:
 * the old files stay live until the commit swaps them for the new ones, and stay on storage
 * until expireSnapshots removes the snapshots that still read them.
 *
 * The new files are written once; a commit conflict (a concurrent append, say) rebuilds only the
 * manifests on the fresh table, after checking that every rewritten file is still live there.
 */
import { formatIdentifier, type Catalog, type TableIdentifier } from '../catalog/catalog.ts';
import type { FileIOFor } from '../catalog/metadata-files.ts';
import { scanFiles } from '../read/scan.ts';
import { FileContent, type DataFile, type TableMetadata } from '../spec/types.ts';
import { CommitAbandonedError, CommitRetriesExhaustedError, commitWithRetry, type RetryOptions } from '../write/commit.ts';
import { DataFileWriter } from '../write/data-file-writer.ts';
import { branchSnapshot, currentSchema, defaultSpec, requireFormatV2, snapshotManifests } from '../write/snapshot-producer.ts';
import { partitionKey, planRewriteGroups, type RewriteCandidate, type RewriteGroup } from './rewrite-plan.ts';
import { produceRewrite, RewriteInvalidatedError } from './rewrite-snapshot.ts';
import { isLive, mapLimit, readManifestEntries } from './table-files.ts';

export interface RewriteDataFilesOptions extends Pick<RetryOptions, 'maxAttempts' | 'onConflict'> {
  /** Size the output files aim for (each group's input totals at most this), in bytes. */
  targetFileBytes: number;
  /** Fewest small files of a partition worth rewriting together. Default 2. */
  minInputFiles?: number;
  /** Files at least this big are left alone. Default 75% of targetFileBytes. */
  smallFileBytes?: number;
  /**
   * Arrow bytes a group's writer buffers before it writes a file: the memory bound. A group whose
   * rows take more becomes several files. Default 512 MiB.
   */
  bufferBytes?: number;
  /** Extra snapshot summary properties. */
  summary?: Record<string, string>;
  signal?: AbortSignal;
}

export interface RewriteDataFilesResult {
  /** The replace snapshot, or null when nothing was worth rewriting. */
  snapshotId: bigint | null;
  attempts: number;
  groups: number;
  rewrittenFiles: number;
  addedFiles: number;
  rewrittenBytes: bigint;
  addedBytes: bigint;
  /** Rows moved: the same before and after. */
  records: bigint;
  summary: Record<string, string>;
}

const DEFAULT_BUFFER_BYTES = 512 * 1024 * 1024;

export async function rewriteDataFiles(
  catalog: Catalog, id: TableIdentifier, io: FileIOFor, o: RewriteDataFilesOptions,
): Promise<RewriteDataFilesResult> {
  const table = formatIdentifier(id);
  const md = (await catalog.loadTable(id)).metadata;
  requireFormatV2(md, table, 'Compacting');
  const schema = currentSchema(md);
  const spec = defaultSpec(md);
  const tableIo = io(md.location);
  // Files of older partition specs are left alone: rewriting them would move their rows to other partitions.
  const candidates = (await liveDataFiles(io, md, o.signal)).filter((c) => c.specId === spec['spec-id']);
  const groups = planRewriteGroups(candidates, { targetFileBytes: o.targetFileBytes, minInputFiles: o.minInputFiles ?? 2, smallFileBytes: o.smallFileBytes });
  if (groups.length === 0) {
    return { snapshotId: null, attempts: 0, groups: 0, rewrittenFiles: 0, addedFiles: 0, rewrittenBytes: 0n, addedBytes: 0n, records: 0n, summary: {} };
  }

  const writers: DataFileWriter[] = [];
  const abortAll = () => Promise.all(writers.map((w) => w.abort().catch(() => undefined)));
  const added: DataFile[] = [];
  try {
    for (const group of groups) {
      const writer = new DataFileWriter({
        io: tableIo, table, location: md.location, schema, spec, properties: md.properties,
        bufferBytes: o.bufferBytes ?? DEFAULT_BUFFER_BYTES, signal: o.signal,
      });
      writers.push(writer);
      for await (const batch of scanFiles(tableIo, md, group.files, schema, { signal: o.signal })) await writer.write(batch);
      const files = await writer.close();
      checkGroupOutput(table, group, files);
      added.push(...files);
    }
  } catch (err) {
    await abortAll();
    throw err;
  }

  const rewritten = groups.flatMap((g) => g.files);
  try {
    const result = await commitWithRetry(catalog, id, io, async (fresh) => {
      const now = fresh.metadata;
      if (now['current-schema-id'] !== md['current-schema-id'] || now['default-spec-id'] !== md['default-spec-id']) {
        throw new RewriteInvalidatedError('the schema or partitioning of the table changed while it ran');
      }
      return produceRewrite(io(now.location), now, rewritten, added, o.summary);
    }, { maxAttempts: o.maxAttempts, onConflict: o.onConflict, signal: o.signal });
    return {
      snapshotId: result.snapshotId, attempts: result.attempts, groups: groups.length,
      rewrittenFiles: rewritten.length, addedFiles: added.length,
      rewrittenBytes: sum(rewritten, (f) => f.fileSizeInBytes), addedBytes: sum(added, (f) => f.fileSizeInBytes),
      records: sum(added, (f) => f.recordCount), summary: result.summary,
    };
  } catch (err) {
    // Certainly not committed: the new files are referenced by nothing. Any other error leaves
    // the outcome unknown, and deleting files a committed snapshot uses would corrupt the table.
    if (err instanceof CommitAbandonedError || err instanceof CommitRetriesExhaustedError) await abortAll();
    throw err;
  }
}

/** The live data files of main's snapshot with their partition spec; refuses tables with deletes. */
async function liveDataFiles(io: FileIOFor, md: TableMetadata, signal?: AbortSignal): Promise<RewriteCandidate[]> {
  const manifests = await snapshotManifests(io(md.location), branchSnapshot(md, 'main'));
  const perManifest = await mapLimit(manifests, async (m) => {
    const { entries } = await readManifestEntries(io, m, signal);
    return entries.filter(isLive).map((e) => ({ file: e.dataFile, specId: m.partitionSpecId }));
  });
  const all = perManifest.flat();
  const deletes = all.filter((c) => c.file.content !== FileContent.Data).length;
  if (deletes > 0) {
    throw new Error(`${md.location} has ${deletes} live delete file(s); Floe cannot apply them, so it cannot compact the files they modify`);
  }
  return all;
}

/** Same partition and same rows as the group read, or the rewrite is wrong and must not commit. */
function checkGroupOutput(table: string, group: RewriteGroup, files: DataFile[]): void {
  const want = partitionKey(group.specId, group.partition);
  const stray = files.find((f) => partitionKey(group.specId, f.partition) !== want);
  if (stray) throw new Error(`Compacting ${table}: rows of partition ${want} were written to partition ${partitionKey(group.specId, stray.partition)}`);
  const out = sum(files, (f) => f.recordCount);
  if (out !== group.records) throw new Error(`Compacting ${table}: read ${out} rows from files that hold ${group.records}`);
}

const sum = (files: DataFile[], f: (d: DataFile) => bigint) => files.reduce((s, d) => s + f(d), 0n);
