/**
 * The FileIO for a location, chosen by its scheme. Callers hold locations from Iceberg metadata
 * (written by Floe, PyIceberg or Spark) and should not care which store they point into.
 */
import type { FileIO, S3Config } from './file-io.ts';
import { LocalFileIO } from './local-file-io.ts';
import { parseLocation } from './location.ts';
import { S3FileIO } from './s3-file-io.ts';

export { joinLocation, parseLocation, UnsupportedLocationError, type ParsedLocation } from './location.ts';

export interface FileIOConfig {
  s3?: S3Config;
}

const local = new LocalFileIO();
// One client per distinct S3 configuration: each S3Client owns a socket pool worth reusing.
const s3ByConfig = new Map<string, S3FileIO>();

export function fileIOFor(location: string, config: FileIOConfig): FileIO {
  const parsed = parseLocation(location);
  if (parsed.scheme === 'file') return local;
  if (!config.s3) {
    throw new Error(`${location} is on S3, but no S3 connection is configured: set the S3 endpoint, region and credentials in the connection settings.`);
  }
  const key = configKey(config.s3);
  let io = s3ByConfig.get(key);
  if (!io) {
    io = new S3FileIO(config.s3);
    s3ByConfig.set(key, io);
  }
  return io;
}

/** Closes the cached S3 clients (at shutdown, or after the connection settings change). */
export function releaseFileIOs(): void {
  for (const io of s3ByConfig.values()) io.destroy();
  s3ByConfig.clear();
}

// By value, not identity: settings are often rebuilt into fresh objects for each run.
function configKey(config: S3Config): string {
  const { endpoint, region, accessKeyId, secretAccessKey, sessionToken, forcePathStyle } = config;
  return JSON.stringify([endpoint ?? null, region, accessKeyId ?? null, secretAccessKey ?? null, sessionToken ?? null, !!forcePathStyle]);
}
