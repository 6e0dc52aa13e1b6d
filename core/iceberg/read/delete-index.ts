/**
 * Which delete files apply to which data file (spec "Scan Planning", "Row-level Deletes"):
 * - a position delete file applies to data files of the same partition (spec and tuple) whose
 *   data sequence number is lower than or equal to its own, and only to the paths it names;
 * - an equality delete file applies to data files with a strictly lower data sequence number, in
 *   the same partition, or in every partition when its spec is unpartitioned;
 * - a deletion vector (v3) applies to the one data file it references, under the position rule.
 * Delete files Floe cannot read make the scan fail here, before a row is returned.
 */
import { compareUtf8, fromBytes } from '../spec/bounds.ts';
import { FileContent, type DataFile, type PartitionSpec, type PartitionValues, type TableMetadata } from '../spec/types.ts';

/** Reserved field ids of position delete files (spec "Reserved Field IDs"). */
export const DELETE_FILE_PATH_ID = 2147483546;
export const DELETE_POS_ID = 2147483545;

export class UnsupportedDeletesError extends Error {
  constructor(location: string, why: string) {
    super(`Table ${location} has delete files Floe cannot apply (${why}); reading it would return deleted rows. `
      + 'Rewrite the table (e.g. Spark rewrite_data_files or rewrite_position_delete_files) and try again.');
    this.name = 'UnsupportedDeletesError';
  }
}

export interface DeleteFileEntry {
  file: DataFile;
  specId: number;
  /** Data sequence number of the delete file. */
  sequenceNumber: bigint;
}

export class DeleteIndex {
  private readonly positional = new Map<string, DeleteFileEntry[]>();
  private readonly equality = new Map<string, DeleteFileEntry[]>();
  private readonly globalEquality: DeleteFileEntry[] = [];
  /** Deletion vectors by the data file they delete from. */
  private readonly vectors = new Map<string, DeleteFileEntry[]>();
  private count = 0;

  constructor(private readonly md: TableMetadata) {}

  get size(): number {
    return this.count;
  }

  add(entry: DeleteFileEntry): void {
    const { file } = entry;
    const where = `${file.filePath}`;
    if (file.fileFormat === 'PUFFIN') {
      if (file.content !== FileContent.PositionDeletes || !file.referencedDataFile || file.contentOffset == null || file.contentSizeInBytes == null) {
        throw new UnsupportedDeletesError(this.md.location, `Puffin delete file ${where} is not a deletion vector (one referenced data file, a blob offset and size)`);
      }
      push(this.vectors, file.referencedDataFile, entry);
      this.count++;
      return;
    }
    // Avro position deletes are plain (file_path, pos) records; Avro equality deletes would need
    // their values keyed exactly as Arrow columns are, which Floe does not do.
    const avroPositions = file.fileFormat === 'AVRO' && file.content === FileContent.PositionDeletes;
    if (file.fileFormat !== 'PARQUET' && !avroPositions) {
      throw new UnsupportedDeletesError(this.md.location, `${file.fileFormat} delete file ${where}; Floe reads Parquet delete files, Avro position deletes and deletion vectors`);
    }
    const spec = this.spec(entry.specId);
    const key = partitionKey(entry.specId, spec, file.partition);
    if (file.content === FileContent.PositionDeletes) {
      push(this.positional, key, entry);
    } else if (file.content === FileContent.EqualityDeletes) {
      if (!file.equalityIds || file.equalityIds.length === 0) throw new UnsupportedDeletesError(this.md.location, `equality delete file ${where} names no equality columns`);
      if (spec.fields.length === 0) this.globalEquality.push(entry);
      else push(this.equality, key, entry);
    } else {
      throw new UnsupportedDeletesError(this.md.location, `${where} is in a delete manifest but holds content ${file.content}`);
    }
    this.count++;
  }

  /** The delete files that apply to a data file of `specId` with data sequence number `sequenceNumber`. */
  forDataFile(file: DataFile, specId: number, sequenceNumber: bigint): DeleteFileEntry[] {
    if (this.count === 0) return [];
    const key = partitionKey(specId, this.spec(specId), file.partition);
    const out: DeleteFileEntry[] = [];
    for (const d of this.positional.get(key) ?? []) {
      if (d.sequenceNumber >= sequenceNumber && mayReference(d.file, file.filePath)) out.push(d);
    }
    for (const d of this.vectors.get(file.filePath) ?? []) if (d.sequenceNumber >= sequenceNumber) out.push(d);
    for (const d of this.equality.get(key) ?? []) if (d.sequenceNumber > sequenceNumber) out.push(d);
    for (const d of this.globalEquality) if (d.sequenceNumber > sequenceNumber) out.push(d);
    return out;
  }

  private spec(specId: number): PartitionSpec {
    const spec = this.md['partition-specs'].find((s) => s['spec-id'] === specId);
    if (!spec) throw new Error(`Table ${this.md.location}: a manifest uses partition spec ${specId}, which its metadata does not define`);
    return spec;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Whether a position delete file's file_path bounds allow it to name this data file. */
function mayReference(deleteFile: DataFile, dataPath: string): boolean {
  const lower = deleteFile.lowerBounds?.get(DELETE_FILE_PATH_ID);
  const upper = deleteFile.upperBounds?.get(DELETE_FILE_PATH_ID);
  try {
    if (lower && compareUtf8(fromBytes('string', lower) as string, dataPath) > 0) return false;
    if (upper && compareUtf8(fromBytes('string', upper) as string, dataPath) < 0) return false;
  } catch {
    return true; // unreadable bounds prune nothing
  }
  return true;
}

/** A partition tuple as a map key: spec id and each field's value, typed so 1 and "1" differ. */
export function partitionKey(specId: number, spec: PartitionSpec, partition: PartitionValues): string {
  const parts = spec.fields.map((f) => {
    const v = partition[f['field-id']];
    if (v === null || v === undefined) return 'null';
    if (v instanceof Uint8Array) return `bytes:${Buffer.from(v).toString('hex')}`;
    return `${typeof v}:${String(v)}`;
  });
  return `${specId}|${parts.map((p) => `${p.length}:${p}`).join('')}`;
}
