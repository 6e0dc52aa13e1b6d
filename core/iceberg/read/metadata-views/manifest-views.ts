/**
 * The manifests of a snapshot (Iceberg's `manifests` metadata table), straight from its manifest
 * list: no manifest is read. Partition summaries show their bounds as readable values.
 */
import type { FileIO } from '../../../io/file-io.ts';
import { ManifestContent, type ManifestFile, type PartitionFieldSummary, type TableMetadata } from '../../spec/types.ts';
import { transformToString } from '../../spec/transforms.ts';
import { chooseSnapshot, snapshotManifests, type SnapshotChoice } from './manifest-reading.ts';
import { idText, PartitionFieldsCache, quantity, type PartitionFieldInfo, type ReadableValue, readablePartitionBound } from './view-values.ts';

export interface PartitionSummaryView {
  /** The partition field's name (`#<n>` for a summary beyond the spec's fields). */
  field: string;
  transform: string | null;
  containsNull: boolean;
  /** Null when the writer did not say (v1 writers, non-float fields of some writers). */
  containsNaN: boolean | null;
  lowerBound: ReadableValue;
  upperBound: ReadableValue;
}

export interface ManifestView {
  path: string;
  length: number;
  partitionSpecId: number;
  content: 'data' | 'deletes';
  sequenceNumber: string;
  minSequenceNumber: string;
  addedSnapshotId: string;
  /** Files of the manifest's content (data, or delete files) by entry status. */
  addedFilesCount: number;
  existingFilesCount: number;
  deletedFilesCount: number;
  addedRowsCount: number;
  existingRowsCount: number;
  deletedRowsCount: number;
  partitionSummaries: PartitionSummaryView[];
}

function summaryView(field: PartitionFieldInfo | undefined, index: number, s: PartitionFieldSummary): PartitionSummaryView {
  const bound = (bytes: Uint8Array | null | undefined) => readablePartitionBound(field, bytes);
  return {
    field: field?.name ?? `#${index}`,
    transform: field ? transformToString(field.transform) : null,
    containsNull: s.containsNull,
    containsNaN: s.containsNaN ?? null,
    lowerBound: bound(s.lowerBound),
    upperBound: bound(s.upperBound),
  };
}

export function manifestView(fields: PartitionFieldInfo[], m: ManifestFile): ManifestView {
  return {
    path: m.manifestPath,
    length: quantity(m.manifestLength),
    partitionSpecId: m.partitionSpecId,
    content: m.content === ManifestContent.Deletes ? 'deletes' : 'data',
    sequenceNumber: idText(m.sequenceNumber),
    minSequenceNumber: idText(m.minSequenceNumber),
    addedSnapshotId: idText(m.addedSnapshotId),
    addedFilesCount: m.addedFilesCount,
    existingFilesCount: m.existingFilesCount,
    deletedFilesCount: m.deletedFilesCount,
    addedRowsCount: quantity(m.addedRowsCount),
    existingRowsCount: quantity(m.existingRowsCount),
    deletedRowsCount: quantity(m.deletedRowsCount),
    partitionSummaries: (m.partitions ?? []).map((s, i) => summaryView(fields[i], i, s)),
  };
}

/** One row per manifest of the snapshot (default: the current one), in manifest-list order. */
export async function manifestsView(io: FileIO, md: TableMetadata, snapshot?: SnapshotChoice, signal?: AbortSignal): Promise<ManifestView[]> {
  const manifests = await snapshotManifests(io, chooseSnapshot(md, snapshot), signal);
  const specs = new PartitionFieldsCache(md);
  return manifests.map((m) => manifestView(specs.get(m.partitionSpecId), m));
}
