/**
 * Locations as Iceberg metadata spells them, taken apart and put together. Parsing keeps how the
 * caller wrote the scheme (`s3a://`, `file:/`) so that what FileIO hands back (list results) can be
 * written in the same spelling, and the other engines reading the table see familiar paths.
 */
import { isAbsolute } from 'node:path';

const S3_SCHEMES = ['s3', 's3a', 's3n'] as const;
const SUPPORTED = 's3://, s3a://, s3n://, file:///abs/path, file:/abs/path or a plain absolute path';

export type ParsedLocation =
  | {
    scheme: 's3';
    bucket: string;
    /** The object key: everything after `bucket/`, possibly empty. */
    key: string;
    /** What precedes the bucket, as written: `s3://`, `s3a://` or `s3n://`. */
    schemePrefix: string;
    path?: undefined;
  }
  | {
    scheme: 'file';
    /** The absolute filesystem path. */
    path: string;
    /** What precedes the path, as written: `file://`, `file:` or `` (plain path). */
    schemePrefix: string;
    bucket?: undefined;
    key?: undefined;
  };

export class UnsupportedLocationError extends Error {
  constructor(readonly location: string, reason: string) {
    super(`Unsupported location "${location}": ${reason}. Floe reads and writes ${SUPPORTED}.`);
    this.name = 'UnsupportedLocationError';
  }
}

export function parseLocation(location: string): ParsedLocation {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(location)?.[1];
  // A Windows drive letter ("C:\...") looks like a one-letter scheme; let isAbsolute decide.
  if (scheme === undefined || (scheme.length === 1 && isAbsolute(location))) return parsePlainPath(location);
  const lower = scheme.toLowerCase();
  if ((S3_SCHEMES as readonly string[]).includes(lower)) return parseS3(location, scheme.length);
  if (lower === 'file') return parseFileUri(location);
  throw new UnsupportedLocationError(location, `the scheme "${scheme}:" is not supported`);
}

function parseS3(location: string, schemeLength: number): ParsedLocation {
  const schemePrefix = location.slice(0, schemeLength + 3);
  if (!schemePrefix.endsWith('://')) {
    throw new UnsupportedLocationError(location, `an S3 location starts with "${schemePrefix.slice(0, schemeLength)}://bucket/"`);
  }
  const rest = location.slice(schemePrefix.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const key = slash < 0 ? '' : rest.slice(slash + 1);
  if (!bucket) throw new UnsupportedLocationError(location, 'it names no bucket');
  return { scheme: 's3', bucket, key, schemePrefix };
}

function parseFileUri(location: string): ParsedLocation {
  // file:///abs (URI with an empty authority) or file:/abs (what Java's Hadoop Path writes).
  // file://localhost/abs is the same file; any other host is a network share we cannot reach.
  let schemePrefix: string;
  let path: string;
  if (location.startsWith('file://')) {
    const rest = location.slice('file://'.length);
    const slash = rest.indexOf('/');
    const host = slash < 0 ? rest : rest.slice(0, slash);
    if (host !== '' && host.toLowerCase() !== 'localhost') {
      throw new UnsupportedLocationError(location, `file locations on another host ("${host}") are not supported`);
    }
    schemePrefix = `file://${host}`;
    path = slash < 0 ? '' : rest.slice(slash);
  } else {
    schemePrefix = 'file:';
    path = location.slice('file:'.length);
  }
  // file:///C:/dir on Windows: the drive path follows the authority's slash.
  if (/^\/[A-Za-z]:\//.test(path) && process.platform === 'win32') {
    schemePrefix += '/';
    path = path.slice(1);
  }
  if (!isAbsolute(path)) throw new UnsupportedLocationError(location, 'a file location needs an absolute path');
  // Paths are taken literally, not percent-decoded: Iceberg writers put raw paths in file: URIs.
  return { scheme: 'file', path, schemePrefix };
}

function parsePlainPath(location: string): ParsedLocation {
  if (!isAbsolute(location)) {
    throw new UnsupportedLocationError(location, 'it has no scheme and is not an absolute path');
  }
  return { scheme: 'file', path: location, schemePrefix: '' };
}

/** The location of a parsed one, spelled the way it was parsed. */
export function formatLocation(parsed: ParsedLocation): string {
  return parsed.scheme === 's3' ? `${parsed.schemePrefix}${parsed.bucket}/${parsed.key}` : `${parsed.schemePrefix}${parsed.path}`;
}

/**
 * `base` and `parts` joined with exactly one slash at each seam (`s3://b/wh/` + `/db` =
 * `s3://b/wh/db`). Slashes inside a part and a trailing slash on the last one are kept, since
 * both can be meaningful in an object key. Empty parts are skipped.
 */
export function joinLocation(base: string, ...parts: string[]): string {
  let joined = base;
  for (const part of parts) {
    const inner = part.replace(/^\/+/, '');
    if (!inner) continue;
    joined = `${trimTrailingSlashes(joined)}/${inner}`;
  }
  return joined;
}

function trimTrailingSlashes(location: string): string {
  const trimmed = location.replace(/\/+$/, '');
  // A bare root ("/", "file:///") keeps its slashes: trimming would change what it names.
  if (trimmed === '' || trimmed.endsWith(':')) return location.replace(/\/$/, '');
  return trimmed;
}
