/**
 * The relational source etl_moderation extracts from: a Postgres server (pg) or, for the
 * embedded demo, PGlite in-process. Both hand out COPY text read inside one consistent snapshot,
 * so a table's row count and its rows describe the same moment.
 */
import pg from 'pg';
import { copyOutChunks } from './postgres-copy.ts';

export interface CopyRequest {
  table: string;
  /** SQL expressions rendered by COPY; the first must be the table's key rendered as text (sources that page use it). */
  columns: string[];
  /** The key column the first expression renders, for sources that read in pages. */
  key: string;
}

export interface SourceSnapshot {
  count(table: string): Promise<number>;
  /**
   * The table's rows as COPY text (UTF-8), in chunks that may end anywhere, even inside a
   * character. timestamptz values are rendered in ISO style in UTC (`2026-03-02 09:30:27.39+00`).
   */
  copyText(request: CopyRequest, signal?: AbortSignal): AsyncIterable<Uint8Array>;
  /**
   * The rows in COPY's binary format (copy-binary.ts parses it), where the source offers it: the
   * cheaper one for a Postgres server. PGlite, which reads in pages of text, does not.
   */
  copyBinary?(request: CopyRequest, signal?: AbortSignal, onRowCount?: (rows: number) => void): AsyncIterable<Uint8Array>;
  /**
   * The planner's estimate of a table's rows, or null when it has none (never analyzed): enough
   * for progress where the exact count comes with the COPY (`onRowCount`), at no cost to the server.
   */
  estimate?(table: string): Promise<number | null>;
}

export interface SqlSource {
  /** Where the source is, for messages: never includes a password. */
  readonly description: string;
  /** Runs `fn` in one read-only snapshot of the source. */
  readSnapshot<T>(fn: (snapshot: SourceSnapshot) => Promise<T>): Promise<T>;
}

/** The session settings under which COPY renders timestamptz as copyText promises, for this transaction only. */
export const RENDERING = "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO'";

export const quoteIdent = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

/** postgresql://user:secret@host:5432/db -> postgresql://user@host:5432/db */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return u.toString();
  } catch {
    return '(an unparseable Postgres URL)';
  }
}

export function postgresSource(connectionString: string): SqlSource {
  const description = redactUrl(connectionString);
  return {
    description,
    async readSnapshot(fn) {
      const client = new pg.Client({ connectionString });
      try {
        await client.connect();
      } catch (err) {
        throw new Error(`Cannot connect to the Postgres source ${description}: ${(err as Error).message}`, { cause: err });
      }
      try {
        await client.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; ${RENDERING}`);
        const result = await fn({
          count: async (table) => Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(table)}`)).rows[0]!.n),
          copyText: (r, signal) => copyOutChunks(client, `SELECT ${r.columns.join(', ')} FROM ${quoteIdent(r.table)}`, { signal }),
          copyBinary: (r, signal, onRowCount) => copyOutChunks(client, `SELECT ${r.columns.join(', ')} FROM ${quoteIdent(r.table)}`, { signal, format: 'binary', onRowCount }),
          estimate: async (table) => {
            const n = Number((await client.query<{ n: string }>('SELECT reltuples::bigint AS n FROM pg_class WHERE oid = $1::regclass', [quoteIdent(table)])).rows[0]?.n ?? -1);
            return n >= 0 ? n : null;
          },
        });
        await client.query('COMMIT');
        return result;
      } finally {
        // On failure no ROLLBACK: a connection stopped in the middle of a COPY never answers another
        // query. Closing it ends the (read-only) transaction on the server just the same.
        await client.end().catch(() => undefined);
      }
    },
  };
}
