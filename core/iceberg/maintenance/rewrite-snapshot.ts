/**
 * The `replace` snapshot of a compaction: the same rows in new files. Built on the table as it
 * is at commit time, so it carries over whatever concurrent commits added, and it first checks
 * that every file it rewrote is still live there; if one is not (a concurrent delete or
 * overwrite removed it), committing would bring its rows back, so it refuses instead.
 */
import { randomUUID } from 'node:crypto';
import type { FileIO } from '../../io/file-io.ts';
import { writeManifest } from '../avro/manifest.ts';
import { writeManifestList } from '../avro/manifest-list.ts';
import {
  EntryStatus, FileContent, ManifestContent, type DataFile, type ManifestEntry, type ManifestFile, type PartitionSpec, type Schema,
  type Snapshot, type TableMetadata,
} from '../spec/types.ts';
import {
  branchSnapshot, currentSchema, defaultSpec, manifestFileFor, newSnapshotId, snapshotManifests, type SnapshotChanges,
} from '../write/snapshot-producer.ts';
import { buildSummary } from '../write/snapshot-summary.ts';
import { isLive, locationKey, readManifestEntries } from './table-files.ts';

/** A file compaction read is gone from the table, or the table gained deletes: do not commit. */
export class RewriteInvalidatedError extends Error {
  constructor(detail: string) {
    super(`Compaction was not committed: ${detail}. Nothing changed; run it again.`);
    this.name = 'RewriteInvalidatedError';
  }
}

export async function produceRewrite(
  io: FileIO, md: TableMetadata, rewritten: DataFile[], added: DataFile[], extraSummary: Record<string, string> = {},
): Promise<SnapshotChanges> {
  const parent = branchSnapshot(md, 'main');
  if (!parent) throw new RewriteInvalidatedError('the table has no current snapshot any more');
  const snapshotId = newSnapshotId();
  const sequenceNumber = md['last-sequence-number'] + 1n;
  const schema = currentSchema(md);
  const commitId = randomUUID();
  const metadataDir = (md.properties['write.metadata.path'] ?? `${md.location}/metadata`).replace(/\/+$/, '');
  const written: string[] = [];
  const manifests: ManifestFile[] = [];
  const toRemove = new Set(rewritten.map((f) => locationKey(f.filePath)));
  const removed: DataFile[] = [];

  const writeOne = async (entries: ManifestEntry[], spec: PartitionSpec, manifestSchema: Schema) => {
    const path = `${metadataDir}/${commitId}-m${written.length}.avro`;
    const bytes = writeManifest({ schema: manifestSchema, spec, formatVersion: 2, content: ManifestContent.Data, snapshotId, entries });
    await io.write(path, bytes, { ifAbsent: true });
    written.push(path);
    manifests.push(manifestFileFor(path, bytes.length, spec, manifestSchema, ManifestContent.Data, snapshotId, sequenceNumber, entries));
  };

  // Decide everything before writing anything: a refusal leaves no file behind.
  const carried: ManifestFile[] = [];
  const rewrites: { entries: ManifestEntry[]; spec: PartitionSpec; schema: Schema }[] = [];
  for (const m of await snapshotManifests(io, parent)) {
    const { entries, metadata } = await readManifestEntries(() => io, m);
    const live = entries.filter(isLive);
    if (m.content === ManifestContent.Deletes || live.some((e) => e.dataFile.content !== FileContent.Data)) {
      // New files would escape deletes that name the old files by path; Floe cannot apply them yet either.
      if (live.length > 0) throw new RewriteInvalidatedError(`the table has delete files (in ${m.manifestPath})`);
      continue;
    }
    // A manifest without live files only recorded its own snapshot's removals: nothing to carry.
    if (live.length === 0) continue;
    const hits = live.filter((e) => toRemove.has(locationKey(e.dataFile.filePath)));
    if (hits.length === 0) {
      carried.push(m);
      continue;
    }
    removed.push(...hits.map((e) => e.dataFile));
    // Removed files become DELETED entries of this snapshot, the rest EXISTING; both keep the
    // sequence numbers they had (spec: "Sequence Number Inheritance").
    rewrites.push({
      entries: live.map((e) => (toRemove.has(locationKey(e.dataFile.filePath)) ? { ...e, status: EntryStatus.Deleted, snapshotId } : { ...e, status: EntryStatus.Existing })),
      spec: metadata.spec,
      schema: md.schemas.find((s) => s['schema-id'] === metadata.schema['schema-id']) ?? metadata.schema,
    });
  }
  if (removed.length !== toRemove.size) {
    const still = new Set(removed.map((f) => locationKey(f.filePath)));
    const gone = rewritten.filter((f) => !still.has(locationKey(f.filePath))).map((f) => f.filePath);
    throw new RewriteInvalidatedError(`${gone.length} of the files it rewrote were removed by a concurrent commit (${gone.slice(0, 3).join(', ')}${gone.length > 3 ? ', ...' : ''})`);
  }
  const before = removed.reduce((s, f) => s + f.recordCount, 0n);
  const after = added.reduce((s, f) => s + f.recordCount, 0n);
  if (before !== after) throw new Error(`Compaction would change the row count: ${before} rows rewritten into ${after}; not committed`);

  const summary = buildSummary({ operation: 'replace', added, removed, parent, extra: extraSummary });
  const listPath = `${metadataDir}/snap-${snapshotId}-1-${commitId}.avro`;
  try {
    await writeOne(added.map((dataFile) => ({ status: EntryStatus.Added, snapshotId: null, sequenceNumber: null, fileSequenceNumber: null, dataFile })), defaultSpec(md), schema);
    for (const r of rewrites) await writeOne(r.entries, r.spec, r.schema);
    const list = writeManifestList({ snapshotId, parentSnapshotId: parent['snapshot-id'], sequenceNumber, formatVersion: 2, manifests: [...manifests, ...carried] });
    await io.write(listPath, list, { ifAbsent: true });
    written.push(listPath);
  } catch (err) {
    await io.delete(written).catch(() => undefined);
    throw err;
  }

  const snapshot: Snapshot = {
    'snapshot-id': snapshotId, 'parent-snapshot-id': parent['snapshot-id'], 'sequence-number': sequenceNumber,
    'timestamp-ms': Date.now(), 'manifest-list': listPath, summary, 'schema-id': schema['schema-id'],
  };
  return {
    snapshotId, written, summary,
    requirements: [
      { type: 'assert-table-uuid', uuid: md['table-uuid'] },
      { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': parent['snapshot-id'] },
    ],
    updates: [
      { action: 'add-snapshot', snapshot },
      { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': snapshotId },
    ],
  };
}
