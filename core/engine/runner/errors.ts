/**
 * Which failures are worth retrying. Wrong credentials, a missing database or bucket, a schema
 * that does not match and invalid configuration fail the same way every time: retrying them only
 * delays the message the user needs.
 */

/** Throw this (or set `permanent: true` on any error) for failures a retry cannot fix. */
export class PermanentError extends Error {
  readonly permanent = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

// libpq SQLSTATEs: bad credentials or authorization, missing database, undefined table or column.
const PERMANENT_PG_CODES = new Set(['28P01', '28000', '3D000', '42P01', '42703', '42501']);
const PERMANENT_NAMES = new Set([
  'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'NoSuchBucket', 'ZodError', 'ConfigError',
  'KafkaJSSASLAuthenticationError', 'SchemaMismatchError', 'NoSuchNamespaceError',
]);

/** The reason an error will fail again on retry, or null when a retry may help. */
export function permanentReason(err: unknown): string | null {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const x = e as Error & { permanent?: boolean; code?: unknown; Code?: unknown };
    if (x.permanent === true) return x.message;
    if (typeof x.code === 'string' && PERMANENT_PG_CODES.has(x.code)) return `${x.message} (SQLSTATE ${x.code})`;
    if (PERMANENT_NAMES.has(x.name) || (typeof x.Code === 'string' && PERMANENT_NAMES.has(x.Code))) return x.message;
  }
  return null;
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}
