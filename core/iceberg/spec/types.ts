/**
 * Iceberg table format types (format/spec.md), shaped exactly like their JSON in table metadata
 * so that metadata written by Java, PyIceberg or Spark round-trips with nothing lost: fields we do
 * not model (statistics, encryption keys, future additions) stay on the objects untouched.
 * Snapshot ids and sequence numbers are bigint: Java makes 63-bit ids that a JS number rounds.
 */

export type PrimitiveType =
  | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'date' | 'time'
  | 'timestamp' | 'timestamptz' | 'timestamp_ns' | 'timestamptz_ns'
  | 'string' | 'uuid' | 'binary'
  | `decimal(${number}, ${number})` | `fixed[${number}]`;

export interface NestedField {
  id: number;
  name: string;
  required: boolean;
  type: IcebergType;
  doc?: string;
  'initial-default'?: unknown;
  'write-default'?: unknown;
}

export interface StructType {
  type: 'struct';
  fields: NestedField[];
}

export interface ListType {
  type: 'list';
  'element-id': number;
  element: IcebergType;
  'element-required': boolean;
}

export interface MapType {
  type: 'map';
  'key-id': number;
  key: IcebergType;
  'value-id': number;
  value: IcebergType;
  'value-required': boolean;
}

export type IcebergType = PrimitiveType | StructType | ListType | MapType;

export interface Schema extends StructType {
  'schema-id': number;
  'identifier-field-ids'?: number[];
}

export interface PartitionField {
  'source-id': number;
  'field-id': number;
  name: string;
  /** identity, year, month, day, hour, bucket[N], truncate[W], void */
  transform: string;
}

export interface PartitionSpec {
  'spec-id': number;
  fields: PartitionField[];
}

export interface SortField {
  transform: string;
  'source-id': number;
  direction: 'asc' | 'desc';
  'null-order': 'nulls-first' | 'nulls-last';
}

export interface SortOrder {
  'order-id': number;
  fields: SortField[];
}

export type SnapshotOperation = 'append' | 'replace' | 'overwrite' | 'delete';

export interface SnapshotSummary {
  operation: SnapshotOperation;
  [key: string]: string;
}

export interface Snapshot {
  'snapshot-id': bigint;
  'parent-snapshot-id'?: bigint;
  /** Absent in v1 metadata (inherits 0). */
  'sequence-number'?: bigint;
  'timestamp-ms': number;
  'manifest-list': string;
  summary: SnapshotSummary;
  'schema-id'?: number;
}

export interface SnapshotRef {
  'snapshot-id': bigint;
  type: 'branch' | 'tag';
  'min-snapshots-to-keep'?: number;
  'max-snapshot-age-ms'?: number;
  'max-ref-age-ms'?: number;
}

export interface SnapshotLogEntry {
  'snapshot-id': bigint;
  'timestamp-ms': number;
}

export interface MetadataLogEntry {
  'metadata-file': string;
  'timestamp-ms': number;
}

export interface TableMetadata {
  'format-version': 1 | 2 | 3;
  'table-uuid': string;
  location: string;
  'last-sequence-number': bigint;
  'last-updated-ms': number;
  'last-column-id': number;
  schemas: Schema[];
  'current-schema-id': number;
  'partition-specs': PartitionSpec[];
  'default-spec-id': number;
  'last-partition-id': number;
  properties: Record<string, string>;
  'current-snapshot-id': bigint | null;
  snapshots: Snapshot[];
  'snapshot-log': SnapshotLogEntry[];
  'metadata-log': MetadataLogEntry[];
  'sort-orders': SortOrder[];
  'default-sort-order-id': number;
  refs: Record<string, SnapshotRef>;
  [other: string]: unknown;
}

/** Content of a data file entry in a manifest (spec: data_file.content). */
export const FileContent = { Data: 0, PositionDeletes: 1, EqualityDeletes: 2 } as const;
export type FileContent = (typeof FileContent)[keyof typeof FileContent];

/** Status of a manifest entry (spec: manifest_entry.status). */
export const EntryStatus = { Existing: 0, Added: 1, Deleted: 2 } as const;
export type EntryStatus = (typeof EntryStatus)[keyof typeof EntryStatus];

/** Content of a manifest (spec: manifest_file.content). */
export const ManifestContent = { Data: 0, Deletes: 1 } as const;
export type ManifestContent = (typeof ManifestContent)[keyof typeof ManifestContent];

/** A partition tuple: partition field id -> value (null for a null partition value). */
export type PartitionValues = Record<number, unknown>;

export interface DataFile {
  content: FileContent;
  filePath: string;
  /** PUFFIN: a v3 deletion vector's file. */
  fileFormat: 'PARQUET' | 'AVRO' | 'ORC' | 'PUFFIN';
  partition: PartitionValues;
  recordCount: bigint;
  fileSizeInBytes: bigint;
  columnSizes?: Map<number, bigint>;
  valueCounts?: Map<number, bigint>;
  nullValueCounts?: Map<number, bigint>;
  nanValueCounts?: Map<number, bigint>;
  /** Single-value serialized bounds (spec Appendix D). */
  lowerBounds?: Map<number, Uint8Array>;
  upperBounds?: Map<number, Uint8Array>;
  keyMetadata?: Uint8Array | null;
  splitOffsets?: bigint[] | null;
  equalityIds?: number[] | null;
  sortOrderId?: number | null;
  /** v3 deletion vectors: the one data file the vector deletes from, and where its blob lies in the Puffin file. */
  referencedDataFile?: string | null;
  contentOffset?: bigint | null;
  contentSizeInBytes?: bigint | null;
}

export interface ManifestEntry {
  status: EntryStatus;
  /** Null on added entries written in v2: inherited from the manifest list. */
  snapshotId: bigint | null;
  sequenceNumber: bigint | null;
  fileSequenceNumber: bigint | null;
  dataFile: DataFile;
}

export interface PartitionFieldSummary {
  containsNull: boolean;
  containsNaN?: boolean | null;
  lowerBound?: Uint8Array | null;
  upperBound?: Uint8Array | null;
}

export interface ManifestFile {
  manifestPath: string;
  manifestLength: bigint;
  partitionSpecId: number;
  content: ManifestContent;
  sequenceNumber: bigint;
  minSequenceNumber: bigint;
  addedSnapshotId: bigint;
  addedFilesCount: number;
  existingFilesCount: number;
  deletedFilesCount: number;
  addedRowsCount: bigint;
  existingRowsCount: bigint;
  deletedRowsCount: bigint;
  partitions?: PartitionFieldSummary[] | null;
  keyMetadata?: Uint8Array | null;
}
