/**
 * After snapshots expired: which of their files no kept snapshot can read, and deleting those.
 *
 * A manifest list belongs to one snapshot and goes with it. A manifest goes when no kept
 * snapshot's manifest list names it. A data or delete file goes when it appears in a manifest
 * that goes, and is live (ADDED or EXISTING) in no manifest of a kept snapshot.
 *
 * Why a DELETED entry in a kept manifest does not keep its file: a manifest's entries hold for
 * every snapshot that lists the manifest, and DELETED means "not part of this snapshot's data".
 * It records that the snapshot which wrote the manifest removed the file from its parent; only
 * the parent (or an older snapshot) could still read the file, through a manifest where it is
 * live. With every such snapshot expired, nothing can read the file. This is what the spec's
 * "files must not be deleted until the last snapshot in which they are listed is garbage
 * collected" means for `snapshots`, and what Java's ExpireSnapshots does (it subtracts the live
 * paths of the kept manifests, ManifestFiles.readPaths, from the paths of the dropped ones).
 *
 * Nothing here can make the table unreadable: a kept snapshot whose manifests cannot be read
 * means nothing is deleted (the files stay for removeOrphanFiles), and failed reads or deletes
 * of expired snapshots' files are reported as warnings, since the expiry itself has committed.
 */
import type { FileIOFor } from '../catalog/metadata-files.ts';
import { NotFoundError } from '../../io/file-io.ts';
import { FileContent, type ManifestFile, type Snapshot, type TableMetadata } from '../spec/types.ts';
import {
  deletePaths, isLive, locationKey, mapLimit, readManifestEntries, readSnapshotManifestList, statisticsFiles, type ManifestList,
} from './table-files.ts';

export interface ExpiredFileCounts {
  dataFiles: number;
  deleteFiles: number;
  manifests: number;
  manifestLists: number;
  statisticsFiles: number;
  bytes: bigint;
}

interface Doomed {
  path: string;
  kind: keyof Omit<ExpiredFileCounts, 'bytes'>;
  bytes: bigint;
}

const message = (err: unknown) => (err as Error).message;

export async function deleteUnreachableFiles(
  io: FileIOFor, before: TableMetadata, after: TableMetadata, expired: Snapshot[], signal?: AbortSignal,
): Promise<{ deleted: ExpiredFileCounts; warnings: string[] }> {
  const warnings: string[] = [];
  const deleted: ExpiredFileCounts = { dataFiles: 0, deleteFiles: 0, manifests: 0, manifestLists: 0, statisticsFiles: 0, bytes: 0n };

  let keptLists: ManifestList[];
  try {
    keptLists = await mapLimit(after.snapshots, (s) => readSnapshotManifestList(io, s, signal));
  } catch (err) {
    if (signal?.aborted) throw err;
    warnings.push(`kept every file of the expired snapshots: a kept snapshot's manifest list could not be read (${message(err)})`);
    return { deleted, warnings };
  }
  const keptManifests = new Map<string, ManifestFile>();
  for (const list of keptLists) for (const m of list.manifests) keptManifests.set(locationKey(m.manifestPath), m);
  const keptListKeys = new Set(after.snapshots.map((s) => locationKey(s['manifest-list'])));

  const doomed: Doomed[] = [];
  const droppedManifests = new Map<string, ManifestFile>();
  const expiredLists = await mapLimit(expired, async (s) => {
    try {
      return await readSnapshotManifestList(io, s, signal);
    } catch (err) {
      if (signal?.aborted) throw err;
      if (!(err instanceof NotFoundError)) warnings.push(`kept the files of expired snapshot ${s['snapshot-id']}: ${message(err)}`);
      return undefined;
    }
  });
  for (const list of expiredLists) {
    if (!list) continue;
    if (!keptListKeys.has(locationKey(list.path))) doomed.push({ path: list.path, kind: 'manifestLists', bytes: BigInt(list.bytes) });
    for (const m of list.manifests) {
      const key = locationKey(m.manifestPath);
      if (!keptManifests.has(key)) droppedManifests.set(key, m);
    }
  }

  // Content files of the dropped manifests, in any status: candidates until a kept manifest has them live.
  const candidates = new Map<string, Doomed>();
  await mapLimit([...droppedManifests.values()], async (m) => {
    try {
      const { entries } = await readManifestEntries(io, m, signal);
      for (const e of entries) {
        const kind = e.dataFile.content === FileContent.Data ? 'dataFiles' : 'deleteFiles';
        candidates.set(locationKey(e.dataFile.filePath), { path: e.dataFile.filePath, kind, bytes: e.dataFile.fileSizeInBytes });
      }
      doomed.push({ path: m.manifestPath, kind: 'manifests', bytes: m.manifestLength });
    } catch (err) {
      if (signal?.aborted) throw err;
      // Unread, its files cannot be judged; the manifest stays with them, for removeOrphanFiles.
      if (!(err instanceof NotFoundError)) warnings.push(`kept manifest ${m.manifestPath} and its files: ${message(err)}`);
    }
  });
  if (candidates.size > 0) {
    try {
      await mapLimit([...keptManifests.values()], async (m) => {
        const { entries } = await readManifestEntries(io, m, signal);
        for (const e of entries) if (isLive(e)) candidates.delete(locationKey(e.dataFile.filePath));
      });
      doomed.push(...candidates.values());
    } catch (err) {
      if (signal?.aborted) throw err;
      warnings.push(`kept the data and delete files of the expired snapshots: a kept manifest could not be read (${message(err)})`);
    }
  }

  const keptStats = new Set(statisticsFiles(after).map((s) => locationKey(s.path)));
  const expiredIds = new Set(expired.map((s) => s['snapshot-id']));
  for (const s of statisticsFiles(before)) {
    if (expiredIds.has(s.snapshotId) && !keptStats.has(locationKey(s.path))) doomed.push({ path: s.path, kind: 'statisticsFiles', bytes: 0n });
  }

  // By kind, so the counts say what went; a failed batch is reported and the rest continue.
  const order: Doomed['kind'][] = ['dataFiles', 'deleteFiles', 'statisticsFiles', 'manifests', 'manifestLists'];
  for (const kind of order) {
    const batch = doomed.filter((d) => d.kind === kind);
    if (batch.length === 0) continue;
    const result = await deletePaths(io, batch.map((d) => d.path), signal);
    const done = new Set(result.deleted);
    for (const d of batch) {
      if (!done.has(d.path)) continue;
      deleted[kind]++;
      deleted.bytes += d.bytes;
    }
    warnings.push(...result.failed.map((f) => `not deleted: ${f}`));
  }
  return { deleted, warnings };
}
