/**
 * Reading a snapshot's manifests for the metadata views: the snapshot a caller chose, its manifest
 * list, and its manifests' entries streamed in list order with a few reads ahead, so a browser on
 * an object store waits for one round trip at a time at most, and memory holds a few manifests.
 */
import type { FileIO } from '../../../io/file-io.ts';
import { inheritFromManifest, readManifest } from '../../avro/manifest.ts';
import { readManifestList } from '../../avro/manifest-list.ts';
import type { ManifestEntry, ManifestFile, Snapshot, TableMetadata } from '../../spec/types.ts';
import { resolveSnapshot } from '../scan.ts';

/**
 * Which snapshot a view shows: a Snapshot, its id (a bigint, or the decimal string the views give
 * out), or a branch or tag name. Absent: the current snapshot of main.
 */
export type SnapshotChoice = Snapshot | bigint | string;

/** The chosen snapshot; undefined for a table with no snapshot yet. Throws for an unknown id or ref. */
export function chooseSnapshot(md: TableMetadata, choice?: SnapshotChoice): Snapshot | undefined {
  if (choice === undefined) return resolveSnapshot(md);
  if (typeof choice === 'bigint') return resolveSnapshot(md, { snapshotId: choice });
  if (typeof choice === 'string') {
    // Ids are all digits; a ref of only digits would be shadowed, which no engine names refs.
    return /^-?\d+$/.test(choice) ? resolveSnapshot(md, { snapshotId: BigInt(choice) }) : resolveSnapshot(md, { ref: choice });
  }
  return choice;
}

export async function snapshotManifests(io: FileIO, snapshot: Snapshot | undefined, signal?: AbortSignal): Promise<ManifestFile[]> {
  if (!snapshot) return [];
  return readManifestList(await io.read(snapshot['manifest-list'], signal));
}

export interface ManifestEntries {
  manifest: ManifestFile;
  /** Every entry, deleted ones too, with what they inherit from the manifest list. */
  entries: ManifestEntry[];
}

/** Manifests read at once: object stores answer each read slowly but many in parallel. */
const READ_AHEAD = 4;

/**
 * The entries of each manifest, in list order, reading up to `depth` manifests ahead. When the
 * consumer stops early, reads in flight finish unobserved and are dropped.
 */
export async function* manifestEntries(
  io: FileIO, manifests: readonly ManifestFile[], signal?: AbortSignal, depth = READ_AHEAD,
): AsyncGenerator<ManifestEntries> {
  const read = async (manifest: ManifestFile): Promise<ManifestEntries> => {
    const { entries } = readManifest(await io.read(manifest.manifestPath, signal));
    return { manifest, entries: entries.map((e) => inheritFromManifest(e, manifest)) };
  };
  const inFlight: Promise<ManifestEntries>[] = [];
  let next = 0;
  const fill = () => {
    while (inFlight.length < depth && next < manifests.length) {
      const p = read(manifests[next++]!);
      p.catch(() => undefined); // observed when its turn comes; not an unhandled rejection if it never does
      inFlight.push(p);
    }
  };
  fill();
  while (inFlight.length > 0) {
    signal?.throwIfAborted();
    const result = await inFlight.shift()!;
    fill();
    yield result;
  }
}
