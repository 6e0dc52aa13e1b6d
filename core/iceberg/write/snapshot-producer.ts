/**
 * Builds one new snapshot of a table from data files already written: its manifests and manifest
 * list, and the catalog requirements and updates that commit it. Nothing here is visible to
 * readers until the catalog commit succeeds; on a conflict the caller deletes `written` and builds
 * again on the refreshed table.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { FileIO } from '../../io/file-io.ts';
import { readManifest, writeManifest, inheritFromManifest } from '../avro/manifest.ts';
import { readManifestList, writeManifestList } from '../avro/manifest-list.ts';
import { partitionResultType } from '../avro/partition-type.ts';
import { comparatorFor, toBytes } from '../spec/bounds.ts';
import type { TableRequirement, TableUpdate } from '../spec/table-updates.ts';
import {
  EntryStatus, ManifestContent, type DataFile, type ManifestEntry, type ManifestFile, type PartitionFieldSummary,
  type PartitionSpec, type Schema, type Snapshot, type SnapshotOperation, type TableMetadata,
} from '../spec/types.ts';
import type { IcebergValue } from '../spec/values.ts';
import { buildSummary } from './snapshot-summary.ts';

export interface SnapshotChanges {
  snapshotId: bigint;
  requirements: TableRequirement[];
  updates: TableUpdate[];
  /** Files this attempt wrote: to delete if the commit loses a conflict. */
  written: string[];
  summary: Record<string, string>;
}

export interface ProduceOptions {
  /** Extra snapshot summary properties (run ids, Kafka offsets). */
  summary?: Record<string, string>;
  /** Branch to commit to. */
  branch?: string;
}

/** A positive 63-bit id, as Java makes them. */
export function newSnapshotId(): bigint {
  return randomBytes(8).readBigUInt64BE() & 0x7fffffffffffffffn;
}

export function currentSchema(md: TableMetadata): Schema {
  const s = md.schemas.find((x) => x['schema-id'] === md['current-schema-id']);
  if (!s) throw new Error(`table ${md.location} has no current schema ${md['current-schema-id']}`);
  return s;
}

export function defaultSpec(md: TableMetadata): PartitionSpec {
  const s = md['partition-specs'].find((x) => x['spec-id'] === md['default-spec-id']);
  if (!s) throw new Error(`table ${md.location} has no default partition spec ${md['default-spec-id']}`);
  return s;
}

export function branchSnapshot(md: TableMetadata, branch = 'main'): Snapshot | undefined {
  const id = md.refs[branch]?.['snapshot-id'] ?? (branch === 'main' ? md['current-snapshot-id'] : null);
  return id === null || id === undefined ? undefined : md.snapshots.find((s) => s['snapshot-id'] === id);
}

/** Live manifests of a snapshot (its manifest list), or none for an empty table. */
export async function snapshotManifests(io: FileIO, snapshot: Snapshot | undefined): Promise<ManifestFile[]> {
  if (!snapshot) return [];
  return readManifestList(await io.read(snapshot['manifest-list']));
}

/**
 * Floe writes v2 manifests and snapshots. In a v1 table they would lack fields v1 readers require;
 * in a v3 table, the row lineage v3 readers rely on. Either way other engines would misread the
 * table, so a write to one stops here, before anything is written.
 */
export function requireFormatV2(md: TableMetadata, table: string, what: string): void {
  const v = md['format-version'];
  if (v === 2) return;
  const how = v === 1
    ? 'upgrade it to v2 first (Spark: ALTER TABLE ... SET TBLPROPERTIES (\'format-version\'=\'2\'); PyIceberg: table.transaction().upgrade_table_version(2)), then run again'
    : 'write to it with an engine that writes v3 (Iceberg Java 1.8 or later), or point Floe at a v2 table';
  throw new Error(`${what} ${table}: the table is Iceberg format v${v}, and Floe writes v2 tables only; ${how}.`);
}

/** Adds data files to the table's current contents. */
export function produceAppend(io: FileIO, md: TableMetadata, added: DataFile[], o: ProduceOptions = {}): Promise<SnapshotChanges> {
  return produce(io, md, 'append', added, false, o);
}

/** Makes the given data files the table's whole contents, in one snapshot. */
export function produceReplaceAll(io: FileIO, md: TableMetadata, added: DataFile[], o: ProduceOptions = {}): Promise<SnapshotChanges> {
  return produce(io, md, 'overwrite', added, true, o);
}

async function produce(io: FileIO, md: TableMetadata, operation: SnapshotOperation, added: DataFile[], replace: boolean, o: ProduceOptions): Promise<SnapshotChanges> {
  requireFormatV2(md, md.location, 'Committing to');
  const branch = o.branch ?? 'main';
  const parent = branchSnapshot(md, branch);
  const snapshotId = newSnapshotId();
  const sequenceNumber = md['last-sequence-number'] + 1n;
  const schema = currentSchema(md);
  const spec = defaultSpec(md);
  const commitId = randomUUID();
  const metadataDir = (md.properties['write.metadata.path'] ?? `${md.location}/metadata`).replace(/\/+$/, '');
  const written: string[] = [];
  const manifests: ManifestFile[] = [];
  let manifestCount = 0;

  const writeOne = async (entries: ManifestEntry[], manifestSpec: PartitionSpec, manifestSchema: Schema, content: ManifestContent) => {
    const path = `${metadataDir}/${commitId}-m${manifestCount++}.avro`;
    const bytes = writeManifest({ schema: manifestSchema, spec: manifestSpec, formatVersion: 2, content, snapshotId, entries });
    await io.write(path, bytes, { ifAbsent: true });
    written.push(path);
    manifests.push(manifestFileFor(path, bytes.length, manifestSpec, manifestSchema, content, snapshotId, sequenceNumber, entries));
  };

  if (added.length > 0) {
    await writeOne(added.map((dataFile) => ({ status: EntryStatus.Added, snapshotId: null, sequenceNumber: null, fileSequenceNumber: null, dataFile })), spec, schema, ManifestContent.Data);
  }

  const existing = await snapshotManifests(io, parent);
  const removed: DataFile[] = [];
  if (replace) {
    // Every live file of the parent is recorded as deleted by this snapshot, grouped as it was.
    for (const m of existing) {
      const { entries, metadata } = readManifest(await io.read(m.manifestPath));
      const live = entries.map((e) => inheritFromManifest(e, m)).filter((e) => e.status !== EntryStatus.Deleted);
      if (live.length === 0) continue;
      removed.push(...live.map((e) => e.dataFile));
      const schemaOf = md.schemas.find((s) => s['schema-id'] === metadata.schema['schema-id']) ?? metadata.schema;
      await writeOne(live.map((e) => ({ ...e, status: EntryStatus.Deleted, snapshotId })), metadata.spec, schemaOf, m.content);
    }
  } else {
    manifests.push(...existing);
  }

  const summary = buildSummary({
    operation, added, removed, parent, extra: o.summary,
    exactTotals: replace ? {
      records: added.reduce((s, f) => s + f.recordCount, 0n), filesSize: added.reduce((s, f) => s + f.fileSizeInBytes, 0n),
      dataFiles: BigInt(added.length), deleteFiles: 0n, positionDeletes: 0n, equalityDeletes: 0n,
    } : undefined,
  });
  const listPath = `${metadataDir}/snap-${snapshotId}-1-${commitId}.avro`;
  const list = writeManifestList({ snapshotId, parentSnapshotId: parent?.['snapshot-id'] ?? null, sequenceNumber, formatVersion: 2, manifests });
  await io.write(listPath, list, { ifAbsent: true });
  written.push(listPath);

  const snapshot: Snapshot = {
    'snapshot-id': snapshotId, ...(parent ? { 'parent-snapshot-id': parent['snapshot-id'] } : {}),
    'sequence-number': sequenceNumber, 'timestamp-ms': Date.now(), 'manifest-list': listPath, summary, 'schema-id': schema['schema-id'],
  };
  return {
    snapshotId, written, summary,
    requirements: [
      { type: 'assert-table-uuid', uuid: md['table-uuid'] },
      { type: 'assert-ref-snapshot-id', ref: branch, 'snapshot-id': parent?.['snapshot-id'] ?? null },
    ],
    updates: [
      { action: 'add-snapshot', snapshot },
      { action: 'set-snapshot-ref', 'ref-name': branch, type: 'branch', 'snapshot-id': snapshotId },
    ],
  };
}

/** The manifest-list row of a manifest this snapshot wrote: counts, sequence numbers, partition ranges. */
export function manifestFileFor(
  path: string, length: number, spec: PartitionSpec, schema: Schema, content: ManifestContent,
  snapshotId: bigint, sequenceNumber: bigint, entries: ManifestEntry[],
): ManifestFile {
  const count = (status: EntryStatus) => entries.filter((e) => e.status === status);
  const rows = (es: ManifestEntry[]) => es.reduce((s, e) => s + e.dataFile.recordCount, 0n);
  const seqs = entries.map((e) => e.sequenceNumber ?? sequenceNumber);
  return {
    manifestPath: path, manifestLength: BigInt(length), partitionSpecId: spec['spec-id'], content,
    sequenceNumber, minSequenceNumber: seqs.reduce((a, b) => (b < a ? b : a), sequenceNumber), addedSnapshotId: snapshotId,
    addedFilesCount: count(EntryStatus.Added).length, existingFilesCount: count(EntryStatus.Existing).length,
    deletedFilesCount: count(EntryStatus.Deleted).length, addedRowsCount: rows(count(EntryStatus.Added)),
    existingRowsCount: rows(count(EntryStatus.Existing)), deletedRowsCount: rows(count(EntryStatus.Deleted)),
    partitions: partitionSummaries(spec, schema, entries.map((e) => e.dataFile)),
  };
}

/** Per partition field: whether any file has a null (or NaN) value, and the value range. */
function partitionSummaries(spec: PartitionSpec, schema: Schema, files: DataFile[]): PartitionFieldSummary[] {
  return spec.fields.map((field) => {
    const type = partitionResultType(field, schema);
    const compare = comparatorFor(type);
    let lower: IcebergValue | null = null;
    let upper: IcebergValue | null = null;
    let containsNull = false;
    let containsNaN = false;
    for (const f of files) {
      const v = f.partition[field['field-id']] as IcebergValue | null | undefined;
      if (v === null || v === undefined) { containsNull = true; continue; }
      if (typeof v === 'number' && Number.isNaN(v)) { containsNaN = true; continue; }
      if (lower === null || compare(v, lower) < 0) lower = v;
      if (upper === null || compare(v, upper) > 0) upper = v;
    }
    return {
      containsNull, containsNaN,
      lowerBound: lower === null ? null : toBytes(type, lower),
      upperBound: upper === null ? null : toBytes(type, upper),
    };
  });
}
