/**
 * Removing orphan files: files under the table's location that no metadata references, left by
 * writers that crashed or were killed between writing files and committing them, or by cleanups
 * that could not finish. Only files older than a threshold go (default 3 days): a young
 * unreferenced file may belong to a writer that is about to commit it.
 *
 * The listing comes before the metadata is loaded, so a file committed while the listing runs
 * is seen as referenced. Any metadata that cannot be read stops the run before anything is
 * deleted: an unreadable manifest would make live files look orphaned.
 */
import type { Catalog, TableIdentifier } from '../catalog/catalog.ts';
import type { FileIOFor } from '../catalog/metadata-files.ts';
import type { TableMetadata } from '../spec/types.ts';
import { deletePaths, locationKey, mapLimit, readManifestEntries, readSnapshotManifestList, statisticsFiles } from './table-files.ts';

export const DEFAULT_ORPHAN_AGE_MS = 3 * 24 * 60 * 60 * 1000;

export interface RemoveOrphanFilesOptions {
  /** Only files last modified more than this many ms ago are removed. Default 3 days. */
  olderThanMs?: number;
  /** Report the orphans without deleting them. */
  dryRun?: boolean;
  signal?: AbortSignal;
}

export interface OrphanFile {
  path: string;
  size: number;
  lastModified: Date;
}

export interface RemoveOrphanFilesResult {
  /** Orphans older than the threshold: deleted, or only found on a dry run. */
  orphans: OrphanFile[];
  /** Orphans left alone for being younger than the threshold. */
  youngOrphans: OrphanFile[];
  /** Orphans that could not be deleted, with the reason. */
  failed: string[];
  listedFiles: number;
  referencedFiles: number;
  dryRun: boolean;
}

export async function removeOrphanFiles(
  catalog: Catalog, id: TableIdentifier, io: FileIOFor, o: RemoveOrphanFilesOptions = {},
): Promise<RemoveOrphanFilesResult> {
  const olderThanMs = o.olderThanMs ?? DEFAULT_ORPHAN_AGE_MS;
  if (!Number.isFinite(olderThanMs) || olderThanMs < 0) throw new Error(`olderThanMs must be a non-negative number of milliseconds, not ${olderThanMs}`);
  const cutoff = Date.now() - olderThanMs;
  const { metadata: before } = await catalog.loadTable(id);
  // The trailing slash keeps a sibling table (".../events_v2" next to ".../events") out of the listing.
  const prefix = `${before.location.replace(/\/+$/, '')}/`;
  const listed: OrphanFile[] = [];
  for await (const f of io(prefix).list(prefix, o.signal)) listed.push({ path: f.path, size: f.size, lastModified: f.lastModified });

  const table = await catalog.loadTable(id);
  const referenced = await referencedFiles(io, table.metadata, table.metadataLocation, o.signal);
  const orphans: OrphanFile[] = [];
  const youngOrphans: OrphanFile[] = [];
  for (const f of listed) {
    if (referenced.has(locationKey(f.path))) continue;
    (f.lastModified.getTime() < cutoff ? orphans : youngOrphans).push(f);
  }
  let failed: string[] = [];
  if (!o.dryRun && orphans.length > 0) failed = (await deletePaths(io, orphans.map((f) => f.path), o.signal)).failed;
  return { orphans, youngOrphans, failed, listedFiles: listed.length, referencedFiles: referenced.size, dryRun: !!o.dryRun };
}

/**
 * Every file the table's metadata references, in locationKey spelling: the current metadata file
 * and those in its metadata log, every snapshot's manifest list, every manifest those name, every
 * data and delete file those list (in any status: a DELETED entry's file is expireSnapshots'
 * business), statistics files, and a Hadoop-style version hint.
 */
export async function referencedFiles(io: FileIOFor, md: TableMetadata, metadataLocation: string, signal?: AbortSignal): Promise<Set<string>> {
  const keys = new Set<string>();
  const add = (path: string) => keys.add(locationKey(path));
  add(metadataLocation);
  for (const entry of md['metadata-log']) add(entry['metadata-file']);
  for (const s of statisticsFiles(md)) add(s.path);
  const metadataDir = (md.properties['write.metadata.path'] ?? `${md.location}/metadata`).replace(/\/+$/, '');
  add(`${metadataDir}/version-hint.text`);

  const lists = await mapLimit(md.snapshots, (s) => readSnapshotManifestList(io, s, signal).catch((err: Error) => {
    throw new Error(`Cannot read the manifest list of snapshot ${s['snapshot-id']}, so no file can be judged an orphan: ${err.message}`, { cause: err });
  }));
  const manifests = new Map(lists.flatMap((l) => l.manifests).map((m) => [locationKey(m.manifestPath), m]));
  for (const l of lists) add(l.path);
  for (const key of manifests.keys()) keys.add(key);
  await mapLimit([...manifests.values()], async (m) => {
    const { entries } = await readManifestEntries(io, m, signal).catch((err: Error) => {
      throw new Error(`Cannot read manifest ${m.manifestPath}, so no file can be judged an orphan: ${err.message}`, { cause: err });
    });
    for (const e of entries) add(e.dataFile.filePath);
  });
  return keys;
}
