/**
 * Table metadata files: where a new version goes, reading one (plain or gzip, as Java may write),
 * and writing one that is never overwritten.
 */
import { gunzipSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import type { FileIO } from '../../io/file-io.ts';
import { parseTableMetadata, serializeTableMetadata } from '../spec/metadata-json.ts';
import type { TableMetadata } from '../spec/types.ts';

export type FileIOFor = (location: string) => FileIO;

export async function readMetadataFile(io: FileIO, location: string): Promise<TableMetadata> {
  let bytes = await io.read(location);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  return parseTableMetadata(new TextDecoder().decode(bytes), location);
}

/** `{metadata dir}/{version:05d}-{uuid}.metadata.json`, the version one above the previous file's. */
export function nextMetadataLocation(md: TableMetadata, previous: string | null): string {
  const dir = md.properties['write.metadata.path']?.replace(/\/+$/, '') ?? `${md.location}/metadata`;
  const prevVersion = previous ? /(\d+)-[^/]*\.metadata\.json$/.exec(previous)?.[1] : undefined;
  const version = prevVersion !== undefined ? Number(prevVersion) + 1 : previous ? md['metadata-log'].length + 1 : 0;
  return `${dir}/${String(version).padStart(5, '0')}-${randomUUID()}.metadata.json`;
}

/** Adds the previous file to the metadata log, keeping at most `write.metadata.previous-versions-max`. */
export function withMetadataLog(md: TableMetadata, previous: string | null, base: TableMetadata | null): TableMetadata {
  if (!previous || !base) return md;
  const max = Number(md.properties['write.metadata.previous-versions-max'] ?? 100);
  const log = [...md['metadata-log'], { 'metadata-file': previous, 'timestamp-ms': base['last-updated-ms'] }];
  return { ...md, 'metadata-log': log.slice(Math.max(0, log.length - max)) };
}

export async function writeMetadataFile(io: FileIO, location: string, md: TableMetadata): Promise<void> {
  await io.write(location, new TextEncoder().encode(serializeTableMetadata(md)), { ifAbsent: true, contentType: 'application/json' });
}
