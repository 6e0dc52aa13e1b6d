/**
 * Applying delete files to a data file's rows: position deletes and deletion vectors by row
 * position in the file, equality deletes by the values of their equality columns (null equal to
 * null, as the spec says). Delete files are read once and kept while they fit a budget of cached
 * entries, since one partition-wide delete file usually applies to many data files.
 */
import type { Data } from 'apache-arrow';
import type { FileIO } from '../../io/file-io.ts';
import type { NameMapping } from '../spec/name-mapping.ts';
import { FileContent, type NestedField, type Schema } from '../spec/types.ts';
import { accessColumn, keyOf } from '../expressions/arrow-access.ts';
import { DELETE_FILE_PATH_ID, DELETE_POS_ID, UnsupportedDeletesError, type DeleteFileEntry } from './delete-index.ts';
import { toBigInt } from '../avro/avro-values.ts';
import { readAvroContainer } from '../avro/container.ts';
import { recordWithin, WriterRecord } from '../avro/writer-fields.ts';
import { deletedPositions } from './deletion-vector.ts';
import { readFileBatches } from './file-batches.ts';

/** The deletes that apply to one data file, ready to test its rows. */
export interface FileDeletes {
  /** Top-level field ids the equality deletes compare: the scan must read them. */
  fieldIds: number[];
  /** Marks deleted rows of a batch holding rows [firstRow, firstRow + rows) of the file; columns by field id. */
  markDeleted(columns: Map<number, Data>, firstRow: number, rows: number, deleted: Uint8Array): void;
  deletedPositions: number;
}

/** Cached delete entries (positions plus equality keys) before older delete files are dropped. */
const DEFAULT_BUDGET = 4_000_000;

const POSITION_FIELDS: NestedField[] = [
  { id: DELETE_FILE_PATH_ID, name: 'file_path', required: true, type: 'string' },
  { id: DELETE_POS_ID, name: 'pos', required: true, type: 'long' },
];
const POSITION_NAMES = new Map([[DELETE_FILE_PATH_ID, 'file_path'], [DELETE_POS_ID, 'pos']]);

export class DeleteLoader {
  private readonly positions = new Map<string, { byPath: Map<string, number[]>; size: number }>();
  private readonly equality = new Map<string, { keys: Set<string>; size: number }>();
  private readonly vectors = new Map<string, { positions: number[]; size: number }>();
  private cached = 0;

  constructor(
    private readonly io: FileIO,
    private readonly schema: Schema,
    private readonly location: string,
    private readonly o: { mapping?: NameMapping; signal?: AbortSignal; budget?: number } = {},
  ) {}

  async forDataFile(dataPath: string, deletes: DeleteFileEntry[]): Promise<FileDeletes | undefined> {
    if (deletes.length === 0) return undefined;
    const positionLists: number[][] = [];
    const groups = new Map<string, { ids: number[]; sets: Set<string>[] }>();
    for (const d of deletes) {
      if (d.file.content === FileContent.PositionDeletes && d.file.fileFormat === 'PUFFIN') {
        positionLists.push(await this.vector(d));
      } else if (d.file.content === FileContent.PositionDeletes) {
        const list = (await this.positionFile(d)).get(dataPath);
        if (list) positionLists.push(list);
      } else {
        const ids = d.file.equalityIds!;
        const key = ids.join(',');
        const group = groups.get(key) ?? { ids, sets: [] };
        group.sets.push(await this.equalityFile(d));
        groups.set(key, group);
      }
    }
    const positions = Float64Array.from(positionLists.flat()).sort();
    const eqGroups = [...groups.values()];
    if (positions.length === 0 && eqGroups.every((g) => g.sets.every((s) => s.size === 0))) return undefined;
    return {
      fieldIds: [...new Set(eqGroups.flatMap((g) => g.ids))],
      deletedPositions: positions.length,
      markDeleted: (columns, firstRow, rows, deleted) => {
        markPositions(positions, firstRow, rows, deleted);
        for (const g of eqGroups) markEqual(g.ids, g.sets, columns, rows, deleted, this.schema, dataPath);
      },
    };
  }

  /** The positions of a deletion vector: one ranged read of its blob in the Puffin file. */
  private async vector(d: DeleteFileEntry): Promise<number[]> {
    const offset = Number(d.file.contentOffset);
    const length = Number(d.file.contentSizeInBytes);
    const key = `${d.file.filePath}@${offset}`;
    const hit = this.vectors.get(key);
    if (hit) return hit.positions;
    const where = `${d.file.filePath} (bytes ${offset}+${length}, for ${d.file.referencedDataFile})`;
    const positions = deletedPositions(await this.io.readRange(d.file.filePath, offset, length, this.o.signal), where);
    this.remember(this.vectors, key, { positions, size: positions.length });
    return positions;
  }

  /** Positions by data file path of one position delete file. */
  private async positionFile(d: DeleteFileEntry): Promise<Map<string, number[]>> {
    const hit = this.positions.get(d.file.filePath);
    if (hit) return hit.byPath;
    const byPath = new Map<string, number[]>();
    const add = (path: string, pos: number) => {
      const list = byPath.get(path);
      if (list) list.push(pos);
      else byPath.set(path, [pos]);
    };
    const size = d.file.fileFormat === 'AVRO' ? await this.avroPositions(d, add) : await this.parquetPositions(d, add);
    this.remember(this.positions, d.file.filePath, { byPath, size });
    return byPath;
  }

  /** An Avro position delete file's (path, pos) records, read whole: the Avro reader takes one file at a time. */
  private async avroPositions(d: DeleteFileEntry, add: (path: string, pos: number) => void): Promise<number> {
    const file = readAvroContainer(await this.io.read(d.file.filePath, this.o.signal));
    const fields = new WriterRecord(recordWithin(file.schema));
    for (const [i, record] of file.records.entries()) {
      const path = fields.get(record, DELETE_FILE_PATH_ID, 'file_path');
      const pos = fields.get(record, DELETE_POS_ID, 'pos');
      if (typeof path !== 'string' || pos === null || pos === undefined) throw new Error(`Position delete file ${d.file.filePath} has no file_path or pos in record ${i}`);
      add(path, Number(toBigInt(pos, 'pos')));
    }
    return file.records.length;
  }

  private async parquetPositions(d: DeleteFileEntry, add: (path: string, pos: number) => void): Promise<number> {
    let size = 0;
    for await (const batch of this.read(d, POSITION_FIELDS, POSITION_NAMES)) {
      const paths = accessColumn(batch.getChildAt(0)!.data[0]!, 'string', d.file.filePath);
      const pos = accessColumn(batch.getChildAt(1)!.data[0]!, 'long', d.file.filePath);
      let lastBytes: Uint8Array | undefined;
      let path = '';
      for (let i = 0; i < batch.numRows; i++) {
        if (paths.isNull(i) || pos.isNull(i)) throw new Error(`Position delete file ${d.file.filePath} has a null file_path or pos in row ${i}`);
        const bytes = paths.access.get(i) as Uint8Array;
        // Rows come sorted by path: decode a path only when it changes.
        if (!lastBytes || !sameBytes(bytes, lastBytes)) {
          path = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
          lastBytes = bytes;
        }
        add(path, Number(pos.access.get(i) as bigint));
        size++;
      }
    }
    return size;
  }

  /** The keys (equality column values, in equality_ids order) of one equality delete file. */
  private async equalityFile(d: DeleteFileEntry): Promise<Set<string>> {
    const hit = this.equality.get(d.file.filePath);
    if (hit) return hit.keys;
    const fields = equalityFields(d.file.equalityIds!, this.schema, this.location, d.file.filePath);
    const keys = new Set<string>();
    for await (const batch of this.read(d, fields)) {
      const columns = new Map(fields.map((f, i) => [f.id, batch.getChildAt(i)!.data[0]!]));
      const keyFn = rowKeys(fields.map((f) => f.id), columns, this.schema, d.file.filePath);
      for (let i = 0; i < batch.numRows; i++) keys.add(keyFn(i));
    }
    this.remember(this.equality, d.file.filePath, { keys, size: keys.size });
    return keys;
  }

  private read(d: DeleteFileEntry, fields: NestedField[], fallbackNames?: Map<number, string>) {
    const file = { path: d.file.filePath, sizeInBytes: Number(d.file.fileSizeInBytes), recordCount: Number(d.file.recordCount) };
    return readFileBatches(this.io, file, fields, { signal: this.o.signal, mapping: this.o.mapping, fallbackNames });
  }

  /** Caches an entry, dropping the oldest ones beyond the budget (a bigger one is just not kept). */
  private remember<T extends { size: number }>(cache: Map<string, T>, key: string, value: T): void {
    const budget = this.o.budget ?? DEFAULT_BUDGET;
    if (value.size > budget) return;
    cache.set(key, value);
    this.cached += value.size;
    for (const c of [this.positions, this.equality, this.vectors] as Map<string, { size: number }>[]) {
      for (const [k, v] of c) {
        if (this.cached <= budget) return;
        if (k === key) continue;
        c.delete(k);
        this.cached -= v.size;
      }
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function equalityFields(ids: number[], schema: Schema, location: string, path: string): NestedField[] {
  return ids.map((id) => {
    const f = schema.fields.find((x) => x.id === id);
    if (!f) {
      throw new UnsupportedDeletesError(location, `equality delete file ${path} compares field ${id}, which is not a top-level column of the table's schema`);
    }
    if (typeof f.type !== 'string') throw new UnsupportedDeletesError(location, `equality delete file ${path} compares the nested column ${f.name}`);
    return f;
  });
}

/** Row keys over the given columns: each value tagged, so a null and any string differ. */
function rowKeys(ids: number[], columns: Map<number, Data>, schema: Schema, where: string): (i: number) => string {
  const parts = ids.map((id) => {
    const field = schema.fields.find((f) => f.id === id)!;
    const data = columns.get(id);
    if (!data) return () => 'N';
    const key = keyOf(accessColumn(data, field.type as never, `${where}, column ${field.name}`));
    return (i: number) => {
      const k = key(i);
      return k === null ? 'N' : `V${k.length}:${k}`;
    };
  });
  return parts.length === 1 ? parts[0]! : (i) => parts.map((p) => p(i)).join('');
}

function markPositions(sorted: Float64Array, firstRow: number, rows: number, deleted: Uint8Array): void {
  if (sorted.length === 0) return;
  // First position >= firstRow, by binary search; then walk while inside the batch.
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < firstRow) lo = mid + 1;
    else hi = mid;
  }
  for (let k = lo; k < sorted.length && sorted[k]! < firstRow + rows; k++) deleted[sorted[k]! - firstRow] = 1;
}

function markEqual(ids: number[], sets: Set<string>[], columns: Map<number, Data>, rows: number, deleted: Uint8Array, schema: Schema, where: string): void {
  const key = rowKeys(ids, columns, schema, where);
  for (let i = 0; i < rows; i++) {
    if (deleted[i]) continue;
    const k = key(i);
    for (const s of sets) {
      if (s.has(k)) {
        deleted[i] = 1;
        break;
      }
    }
  }
}
