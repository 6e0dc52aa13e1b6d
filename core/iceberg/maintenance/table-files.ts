/**
 * What the metadata tree of a table references, read the way maintenance needs it: manifest
 * lists and manifests of any snapshot, entries of every status, and locations compared in one
 * spelling whatever scheme variant (s3a://, file:/) a writer used.
 */
import { normalize } from 'node:path';
import type { FileIOFor } from '../catalog/metadata-files.ts';
import { inheritFromManifest, readManifest, type ManifestMetadata } from '../avro/manifest.ts';
import { readManifestList } from '../avro/manifest-list.ts';
import { EntryStatus, type ManifestEntry, type ManifestFile, type Snapshot, type TableMetadata } from '../spec/types.ts';
import { parseLocation } from '../../io/location.ts';

/** Manifests read at once: object stores answer each read slowly but many in parallel. */
const READ_CONCURRENCY = 8;

export interface ManifestList {
  path: string;
  bytes: number;
  manifests: ManifestFile[];
}

export async function readSnapshotManifestList(io: FileIOFor, snapshot: Snapshot, signal?: AbortSignal): Promise<ManifestList> {
  const path = snapshot['manifest-list'];
  const bytes = await io(path).read(path, signal);
  return { path, bytes: bytes.length, manifests: readManifestList(bytes) };
}

/** A manifest's entries with what they inherit from the manifest list (every status). */
export async function readManifestEntries(
  io: FileIOFor, manifest: ManifestFile, signal?: AbortSignal,
): Promise<{ entries: ManifestEntry[]; metadata: ManifestMetadata }> {
  const { entries, metadata } = readManifest(await io(manifest.manifestPath).read(manifest.manifestPath, signal));
  return { entries: entries.map((e) => inheritFromManifest(e, manifest)), metadata };
}

export const isLive = (e: ManifestEntry) => e.status !== EntryStatus.Deleted;

/** Runs `fn` over `items` with at most `limit` at once; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], fn: (item: T) => Promise<R>, limit = READ_CONCURRENCY): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * One spelling per stored object, for comparing locations from metadata with locations a listing
 * returns: `s3a://b/k` and `s3://b/k` are the same object, as are `file:/p` and `file:///p`.
 */
export function locationKey(location: string): string {
  const p = parseLocation(location);
  return p.scheme === 's3' ? `s3://${p.bucket}/${p.key}` : `file://${normalize(p.path)}`;
}

/** Statistics files (Puffin, partition stats) the metadata lists, by the snapshot they describe. */
export function statisticsFiles(md: TableMetadata): { snapshotId: bigint; path: string }[] {
  const out: { snapshotId: bigint; path: string }[] = [];
  for (const key of ['statistics', 'partition-statistics']) {
    const list = md[key];
    if (!Array.isArray(list)) continue;
    for (const s of list as Record<string, unknown>[]) {
      const path = s['statistics-path'];
      const id = s['snapshot-id'];
      if (typeof path === 'string' && (typeof id === 'bigint' || typeof id === 'number')) out.push({ snapshotId: BigInt(id), path });
    }
  }
  return out;
}

/**
 * Deletes `paths`, each through the FileIO of its location. Returns the paths it could not delete
 * with the reason, rather than throwing: maintenance runs after its commit, when a failed delete
 * only leaves an orphan for a later removeOrphanFiles, and the caller still needs its counts.
 */
export async function deletePaths(io: FileIOFor, paths: string[], signal?: AbortSignal): Promise<{ deleted: string[]; failed: string[] }> {
  const byIo = new Map<ReturnType<FileIOFor>, string[]>();
  for (const p of paths) {
    const target = io(p);
    let group = byIo.get(target);
    if (!group) byIo.set(target, (group = []));
    group.push(p);
  }
  const deleted: string[] = [];
  const failed: string[] = [];
  for (const [target, group] of byIo) {
    for (let i = 0; i < group.length; i += 1000) {
      const batch = group.slice(i, i + 1000);
      try {
        await target.delete(batch, signal);
        deleted.push(...batch);
      } catch (err) {
        if (signal?.aborted) throw err;
        failed.push(...batch.map((p) => `${p}: ${(err as Error).message}`));
      }
    }
  }
  return { deleted, failed };
}
