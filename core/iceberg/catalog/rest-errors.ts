/**
 * REST catalog answers as the catalog error classes every Floe catalog throws, so callers (the
 * commit retry loop above all) handle the SQL and REST catalogs alike. Messages name the catalog,
 * the request (method and URI path) and the server's reason; never credentials.
 */
import { IcebergError } from 'iceberg-js';
import {
  AlreadyExistsError, formatIdentifier, NamespaceNotEmptyError, NoSuchNamespaceError, NoSuchTableError, type TableIdentifier,
} from './catalog.ts';
import { RestAuthError } from './rest-auth.ts';
import { CommitConflictError } from '../spec/table-updates.ts';

/**
 * The server failed or timed out after the commit was sent: it may or may not have been applied.
 * Not a CommitConflictError on purpose: retrying (and deleting the attempt's files) could corrupt
 * a table that did take the commit.
 */
export class CommitStateUnknownError extends Error {
  constructor(table: string, detail: string) {
    super(`The commit to ${table} may or may not have been applied (${detail}). Reload the table to see which before writing again.`);
    this.name = 'CommitStateUnknownError';
  }
}

/** A URI fit for messages and logs: no user info, query or fragment (where secrets can hide). */
export function redactedUri(uri: string): string {
  try {
    const u = new URL(uri);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString().replace(/\/+$/, '');
  } catch {
    return '(an invalid URI)';
  }
}

/** What was asked of the server: to map its answer to the right error, and for the message. */
export interface RestRequest {
  catalog: string;
  method: 'GET' | 'HEAD' | 'POST' | 'DELETE';
  /** The request URI, redacted. */
  uri: string;
  table?: TableIdentifier;
  namespace?: string[];
  /** The identifier a 409 "already exists" is about, when not `table` (a rename's destination). */
  existing?: TableIdentifier;
  /** A commit: 409 means a requirement failed, and a server error leaves the outcome unknown. */
  commit?: boolean;
}

export function restError(err: unknown, r: RestRequest): Error {
  if (err instanceof RestAuthError) return err;
  if (!(err instanceof IcebergError)) return err instanceof Error ? err : new Error(String(err));
  // A network failure's reason (ECONNREFUSED, ...) is on fetch's TypeError, which iceberg-js keeps in details.
  const networkCause = (err.details as { cause?: { message?: string } } | undefined)?.cause?.message;
  const answer = err.status === 0 ? `nothing (${err.message}${networkCause ? `: ${networkCause}` : ''})` : `HTTP ${err.status}${err.icebergType ? ` ${err.icebergType}` : ''}: ${err.message}`;
  const said = `REST ${r.method} ${r.uri} answered ${answer}`;
  const table = r.table ? formatIdentifier(r.table) : '(no table)';

  const mapped = catalogError(err, r);
  if (mapped) {
    mapped.message += ` (${said})`;
    return mapped;
  }
  if (r.commit && (err.isCommitStateUnknown || err.status === 0 || err.status >= 500)) {
    return new CommitStateUnknownError(table, said);
  }
  if (err.status === 0) {
    return new Error(`Cannot reach the Iceberg REST catalog "${r.catalog}" (${said}): is the server running and its URI right?`, { cause: err });
  }
  if (err.status === 401 || err.status === 403 || err.status === 419) {
    return new Error(`The Iceberg REST catalog "${r.catalog}" refused the credentials (${said}): check the token or client credentials and their scope.`, { cause: err });
  }
  return new Error(`The Iceberg REST catalog "${r.catalog}" failed${r.table ? ` on ${table}` : ''} (${said})`, { cause: err });
}

function catalogError(err: IcebergError, r: RestRequest): Error | undefined {
  const type = err.icebergType;
  const ns = r.namespace ?? r.table?.namespace;
  if (err.status === 404) {
    if (type === 'NoSuchNamespaceException' && ns) return new NoSuchNamespaceError(ns, r.catalog);
    if ((type === 'NoSuchTableException' || type === undefined) && r.table) return new NoSuchTableError(r.table, r.catalog);
    if (type === undefined && ns) return new NoSuchNamespaceError(ns, r.catalog);
    return undefined;
  }
  if (err.status === 409) {
    if (type === 'NamespaceNotEmptyException' && ns) return new NamespaceNotEmptyError(ns, r.catalog);
    if (type === 'AlreadyExistsException' || !r.commit) {
      const existing = r.existing ?? r.table;
      return new AlreadyExistsError(existing ? `Table ${formatIdentifier(existing)}` : `Namespace ${(ns ?? []).join('.')}`, r.catalog);
    }
    // CommitFailedException: a requirement no longer holds, someone else committed first.
    return new CommitConflictError(r.table ? formatIdentifier(r.table) : '(table)', 'the REST catalog refused it because a requirement no longer holds');
  }
  return undefined;
}
