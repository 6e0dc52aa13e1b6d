/**
 * What the table browser asks of the catalog: namespaces, tables, a table's detail, its files and
 * partitions, and previews of its rows. Reads only: nothing here changes a table.
 */
import type { Catalog, TableIdentifier } from '../iceberg/catalog/catalog.ts';
import type { FileIOFor } from '../iceberg/catalog/metadata-files.ts';
import { typeToString } from '../iceberg/spec/primitive.ts';
import { resolveSnapshot, scanTable, schemaOf } from '../iceberg/read/scan.ts';
import { tableSummary } from '../iceberg/read/metadata-views/table-summary.ts';
import { snapshotsView } from '../iceberg/read/metadata-views/snapshot-views.ts';
import { filesView } from '../iceberg/read/metadata-views/file-views.ts';
import { partitionsView } from '../iceberg/read/metadata-views/partition-views.ts';
import { InvalidInputError } from './validate.ts';
import type { FilesPage, PartitionView, PreviewRequest, PreviewResult, TableDetail, TableRef } from './contract.ts';
import { jsonRows } from '../iceberg/read/json-rows.ts';

export interface CatalogAccess {
  catalog: Catalog;
  io: FileIOFor;
}

export const DEFAULT_PREVIEW_ROWS = 100;
export const MAX_PREVIEW_ROWS = 10_000;

const identifier = (ref: TableRef): TableIdentifier => ({ namespace: ref.namespace, name: ref.name });

function snapshotIdOf(text: string | undefined): bigint | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text)) throw new InvalidInputError(`"${text}" is not a snapshot id: snapshot ids are whole numbers (see the table's snapshots)`);
  return BigInt(text);
}

export async function tableDetail(a: CatalogAccess, ref: TableRef): Promise<TableDetail> {
  const loaded = await a.catalog.loadTable(identifier(ref));
  return { ref, metadataLocation: loaded.metadataLocation, summary: tableSummary(loaded.metadata), snapshots: snapshotsView(loaded.metadata) };
}

export async function tableFiles(a: CatalogAccess, ref: TableRef, o: { snapshotId?: string; content?: 'data' | 'deletes'; offset?: number; limit?: number } = {}): Promise<FilesPage> {
  const md = (await a.catalog.loadTable(identifier(ref))).metadata;
  return filesView(a.io(md.location), md, { snapshot: snapshotIdOf(o.snapshotId), content: o.content, offset: o.offset, limit: o.limit });
}

export async function tablePartitions(a: CatalogAccess, ref: TableRef, snapshotId?: string): Promise<PartitionView[]> {
  const md = (await a.catalog.loadTable(identifier(ref))).metadata;
  return partitionsView(a.io(md.location), md, snapshotIdOf(snapshotId));
}

/** The first rows of a table (chosen columns, at a snapshot): reads no more files than those rows need. */
export async function previewRows(a: CatalogAccess, request: PreviewRequest, signal?: AbortSignal): Promise<PreviewResult> {
  const limit = Math.min(request.limit ?? DEFAULT_PREVIEW_ROWS, MAX_PREVIEW_ROWS);
  const md = (await a.catalog.loadTable(identifier(request.table))).metadata;
  const snapshotId = snapshotIdOf(request.snapshotId);
  const snapshot = resolveSnapshot(md, { snapshotId });
  const schema = schemaOf(md, snapshot);
  const wanted = request.columns && request.columns.length > 0 ? request.columns : schema.fields.map((f) => f.name);
  const fields = wanted.map((name) => {
    const field = schema.fields.find((f) => f.name === name);
    if (!field) throw new InvalidInputError(`Table ${[...request.table.namespace, request.table.name].join('.')} has no column "${name}"; its columns are ${schema.fields.map((f) => f.name).join(', ')}`);
    return field;
  });
  const columns = fields.map((f) => ({ name: f.name, type: typeToString(f.type) }));
  const rows: PreviewResult['rows'] = [];
  // One row past the limit tells whether there is more.
  for await (const batch of scanTable(a.io(md.location), md, { snapshotId, columns: wanted, limit: limit + 1, signal })) {
    for (const row of jsonRows(batch.slice(0, limit + 1 - rows.length), fields)) rows.push(fields.map((f) => row[f.name]!));
  }
  const truncated = rows.length > limit;
  return { snapshotId: snapshot ? snapshot['snapshot-id'].toString() : null, columns, rows: rows.slice(0, limit), truncated };
}
