/**
 * Turns a stream of record batches into Parquet data files of a table: split by partition,
 * buffered per partition up to a memory bound, encoded with zstd, written through FileIO, and
 * described as DataFile entries with complete column metrics for the manifest.
 */
import { randomUUID } from 'node:crypto';
import type { RecordBatch } from 'apache-arrow';
import type { FileIO } from '../../io/file-io.ts';
import { ColumnStats } from '../spec/column-stats.ts';
import { partitionPath } from '../spec/partition-path.ts';
import { FileContent, type DataFile, type PartitionSpec, type PartitionValues, type PrimitiveType, type Schema } from '../spec/types.ts';
import { encodeParquet, type ParquetCompression } from '../parquet.ts';
import { Partitioner } from './partitioner.ts';
import { BatchConformer } from './conform.ts';

export interface DataFileWriterOptions {
  io: FileIO;
  /** Table name for messages. */
  table: string;
  location: string;
  schema: Schema;
  spec: PartitionSpec;
  properties: Record<string, string>;
  /** Arrow bytes buffered (all partitions together) before a file is written: the writer's memory bound. */
  bufferBytes?: number;
  signal?: AbortSignal;
}

interface Pending {
  values: PartitionValues;
  batches: RecordBatch[];
  bytes: number;
  rows: number;
}

const DEFAULT_BUFFER_BYTES = 128 * 1024 * 1024;
const DEFAULT_ROW_GROUP_ROWS = 1_000_000;

export class DataFileWriter {
  private readonly conformer: BatchConformer;
  private readonly partitioner: Partitioner;
  private readonly pending = new Map<string, Pending>();
  private readonly files: DataFile[] = [];
  private readonly writerId = randomUUID();
  private fileCount = 0;
  private bufferedBytes = 0;
  private inFlight: Promise<void> = Promise.resolve();
  private readonly bufferBytes: number;
  private readonly compression: ParquetCompression;
  private readonly rowGroupRows: number;
  private readonly dataDir: string;

  constructor(private readonly o: DataFileWriterOptions) {
    this.conformer = new BatchConformer(o.table, o.schema);
    this.partitioner = new Partitioner(o.spec, o.schema);
    this.bufferBytes = o.bufferBytes ?? DEFAULT_BUFFER_BYTES;
    this.compression = parquetCompression(o.properties['write.parquet.compression-codec'] ?? 'zstd');
    this.rowGroupRows = Number(o.properties['write.parquet.row-group-limit'] ?? DEFAULT_ROW_GROUP_ROWS);
    this.dataDir = (o.properties['write.data.path'] ?? `${o.location}/data`).replace(/\/+$/, '');
  }

  async write(batch: RecordBatch): Promise<void> {
    if (batch.numRows === 0) return;
    const conformed = this.conformer.conform(batch);
    for (const slice of this.partitioner.split(conformed)) {
      let p = this.pending.get(slice.key);
      if (!p) {
        p = { values: slice.values, batches: [], bytes: 0, rows: 0 };
        this.pending.set(slice.key, p);
      }
      const bytes = slice.rows.data.byteLength;
      p.batches.push(slice.rows);
      p.bytes += bytes;
      p.rows += slice.rows.numRows;
      this.bufferedBytes += bytes;
      // The bound is on everything buffered, across partitions: write the biggest partition out
      // (a day of sorted input is complete by the time the next day fills the buffer).
      if (this.bufferedBytes >= this.bufferBytes) await this.flush(this.largestPending());
    }
  }

  private largestPending(): string {
    let key = '';
    let max = -1;
    for (const [k, p] of this.pending) if (p.bytes > max) { max = p.bytes; key = k; }
    return key;
  }

  /** Writes what is buffered and returns every data file written. */
  async close(): Promise<DataFile[]> {
    for (const key of [...this.pending.keys()]) await this.flush(key);
    await this.inFlight;
    return this.files;
  }

  /** Removes the files written so far (the commit will not happen). */
  async abort(): Promise<void> {
    await this.inFlight.catch(() => undefined);
    this.pending.clear();
    if (this.files.length > 0) await this.o.io.delete(this.files.map((f) => f.filePath));
  }

  private async flush(key: string): Promise<void> {
    const p = this.pending.get(key);
    if (!p) return;
    this.pending.delete(key);
    this.bufferedBytes -= p.bytes;
    this.o.signal?.throwIfAborted();
    const { bytes, footer } = await encodeParquet(this.conformer.target, p.batches, {
      compression: this.compression, rowGroupRows: this.rowGroupRows,
      keyValueMetadata: new Map([['iceberg.schema', JSON.stringify(this.o.schema)]]),
    });
    const file = this.describe(bytes.length, footer.columnSizes(), p);
    // One upload in flight while the next file is encoded: CPU and network overlap, memory stays bounded.
    await this.inFlight;
    this.inFlight = this.o.io.write(file.filePath, bytes, { signal: this.o.signal }).then(() => { this.files.push(file); });
  }

  private describe(fileSize: number, sizes: Map<string, number>, p: Pending): DataFile {
    const dir = partitionPath(this.o.spec, this.o.schema, p.values);
    const name = `${String(this.fileCount++).padStart(5, '0')}-${this.writerId}.parquet`;
    const file: DataFile = {
      content: FileContent.Data, filePath: dir ? `${this.dataDir}/${dir}/${name}` : `${this.dataDir}/${name}`,
      fileFormat: 'PARQUET', partition: p.values, recordCount: BigInt(p.rows), fileSizeInBytes: BigInt(fileSize),
      columnSizes: new Map(), valueCounts: new Map(), nullValueCounts: new Map(), nanValueCounts: new Map(),
      lowerBounds: new Map(), upperBounds: new Map(), sortOrderId: 0,
    };
    this.o.schema.fields.forEach((field, i) => {
      const size = sizes.get(field.name);
      if (size !== undefined) file.columnSizes!.set(field.id, BigInt(size));
      if (typeof field.type !== 'string') return; // metrics for top-level primitive columns
      const stats = new ColumnStats(field.type as PrimitiveType, {}, field.name);
      for (const b of p.batches) stats.add(b.data.children[i]!);
      const m = stats.metrics();
      file.valueCounts!.set(field.id, m.valueCount);
      file.nullValueCounts!.set(field.id, m.nullCount);
      if (m.nanCount !== null) file.nanValueCounts!.set(field.id, m.nanCount);
      if (m.lowerBound) file.lowerBounds!.set(field.id, m.lowerBound);
      if (m.upperBound) file.upperBounds!.set(field.id, m.upperBound);
    });
    return file;
  }
}

function parquetCompression(codec: string): ParquetCompression {
  const c = codec.toLowerCase();
  if (c === 'zstd' || c === 'snappy' || c === 'gzip' || c === 'uncompressed') return c;
  throw new Error(`write.parquet.compression-codec "${codec}" is not supported: use zstd, snappy, gzip or uncompressed`);
}
