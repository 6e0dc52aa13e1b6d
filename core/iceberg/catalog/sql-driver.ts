/**
 * The two databases a SQL catalog lives in, behind one small interface: Postgres through pg and a
 * SQLite file through better-sqlite3 (the embedded default; PyIceberg opens the same file).
 * SQL is written with `?` placeholders; the Postgres driver numbers them.
 */
import pg from 'pg';
import Database from 'better-sqlite3';

export interface SqlQuerier {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[]; rowCount: number }>;
}

export interface SqlDriver extends SqlQuerier {
  readonly dialect: 'postgres' | 'sqlite';
  /**
   * Runs `fn` in one write transaction. `lockName` serializes it against every other process
   * doing the same (a Postgres advisory lock; SQLite's write lock already does this).
   */
  transaction<T>(fn: (q: SqlQuerier) => Promise<T>, lockName?: string): Promise<T>;
  close(): Promise<void>;
}

/** A duplicate primary key: another writer inserted the same row first. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

const numbered = (sql: string) => { let i = 0; return sql.replace(/\?/g, () => `$${++i}`); };

export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;

  constructor(connectionString: string) {
    this.pool = new pg.Pool({ connectionString, max: 4 });
    // An idle client's network error must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  async query<T>(sql: string, params: unknown[] = []) {
    const r = await this.pool.query(numbered(sql), params);
    return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
  }

  async transaction<T>(fn: (q: SqlQuerier) => Promise<T>, lockName?: string): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      if (lockName) await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockName]);
      const result = await fn({
        query: async <R>(sql: string, params: unknown[] = []) => {
          const r = await client.query(numbered(sql), params);
          return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
        },
      });
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  close() {
    return this.pool.end();
  }
}

export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    // Another process (PyIceberg, a second Floe) may hold the write lock briefly: wait, don't fail.
    this.db.pragma('busy_timeout = 15000');
  }

  async query<T>(sql: string, params: unknown[] = []) {
    return this.run<T>(sql, params);
  }

  async transaction<T>(fn: (q: SqlQuerier) => Promise<T>): Promise<T> {
    // IMMEDIATE takes the write lock up front, so two writers queue instead of deadlocking.
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = await fn({ query: async <R>(sql: string, params: unknown[] = []) => this.run<R>(sql, params) });
      this.db.exec('COMMIT');
      return result;
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
  }

  private run<T>(sql: string, params: unknown[]): { rows: T[]; rowCount: number } {
    const statement = this.db.prepare(sql);
    if (statement.reader) return { rows: statement.all(...params) as T[], rowCount: 0 };
    const info = statement.run(...params);
    return { rows: [], rowCount: info.changes };
  }

  async close() {
    this.db.close();
  }
}
