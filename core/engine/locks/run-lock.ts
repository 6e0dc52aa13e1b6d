/**
 * One active run per pipeline per workspace, across processes: two app instances, or the CLI
 * beside the app, share the catalog database, so the lock lives there. On Postgres it is a
 * session advisory lock (released by the server if the holder dies) with a row naming the holder;
 * on SQLite (one machine) a row whose holder's process must still be alive.
 */
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import pg from 'pg';
import { redactUrl } from '../../sources/sql-source.ts';

export interface LockHolder {
  runId: string;
  host: string;
  pid: number;
  acquiredAt: number;
}

export interface HeldLock {
  release(): Promise<void>;
}

export type LockAttempt = { acquired: true; lock: HeldLock } | { acquired: false; heldBy: LockHolder | null };

export interface RunLock {
  tryAcquire(pipeline: string, runId: string): Promise<LockAttempt>;
  close(): Promise<void>;
}

const TABLE = 'floe_run_locks';
const me = () => ({ host: hostname(), pid: process.pid });

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The 64-bit advisory lock key of a (workspace, pipeline): the first 8 bytes of a SHA-256. */
async function lockKey(workspace: string, pipeline: string): Promise<bigint> {
  const { createHash } = await import('node:crypto');
  return createHash('sha256').update(`floe:${workspace}:${pipeline}`).digest().readBigInt64BE(0);
}

export function postgresRunLock(connectionString: string, workspace: string): RunLock {
  const where = redactUrl(connectionString);
  let ready: Promise<void> | undefined;
  const setup = async () => {
    const c = new pg.Client({ connectionString });
    await c.connect();
    try {
      await c.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (workspace text, pipeline text, run_id text NOT NULL, host text NOT NULL, pid integer NOT NULL, acquired_at bigint NOT NULL, PRIMARY KEY (workspace, pipeline))`);
    } catch (err) {
      // Two processes creating the table at once: the loser sees a duplicate type or table, and the table exists.
      if (!['23505', '42P07'].includes((err as { code?: string }).code ?? '')) throw err;
    } finally {
      await c.end();
    }
  };
  return {
    async tryAcquire(pipeline, runId) {
      ready ??= setup().catch((err: Error) => { ready = undefined; throw new Error(`Cannot prepare the run lock table in the catalog database ${where}: ${err.message}`, { cause: err }); });
      await ready;
      const key = await lockKey(workspace, pipeline);
      const client = new pg.Client({ connectionString });
      await client.connect();
      const got = (await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [key.toString()])).rows[0]!.ok;
      if (!got) {
        const row = (await client.query<{ run_id: string; host: string; pid: number; acquired_at: string }>(
          `SELECT run_id, host, pid, acquired_at FROM ${TABLE} WHERE workspace = $1 AND pipeline = $2`, [workspace, pipeline])).rows[0];
        await client.end();
        return { acquired: false, heldBy: row ? { runId: row.run_id, host: row.host, pid: row.pid, acquiredAt: Number(row.acquired_at) } : null };
      }
      const { host, pid } = me();
      await client.query(
        `INSERT INTO ${TABLE} VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (workspace, pipeline) DO UPDATE SET run_id = EXCLUDED.run_id, host = EXCLUDED.host, pid = EXCLUDED.pid, acquired_at = EXCLUDED.acquired_at`,
        [workspace, pipeline, runId, host, pid, Date.now()]);
      return {
        acquired: true,
        lock: {
          async release() {
            try {
              await client.query(`DELETE FROM ${TABLE} WHERE workspace = $1 AND pipeline = $2 AND run_id = $3`, [workspace, pipeline, runId]);
              await client.query('SELECT pg_advisory_unlock($1)', [key.toString()]);
            } finally {
              await client.end().catch(() => undefined);
            }
          },
        },
      };
    },
    async close() {},
  };
}

export function sqliteRunLock(file: string, workspace: string): RunLock {
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  db.exec(`CREATE TABLE IF NOT EXISTS ${TABLE} (workspace text, pipeline text, run_id text NOT NULL, host text NOT NULL, pid integer NOT NULL, acquired_at integer NOT NULL, PRIMARY KEY (workspace, pipeline))`);
  const select = db.prepare<[string, string], { run_id: string; host: string; pid: number; acquired_at: number }>(`SELECT run_id, host, pid, acquired_at FROM ${TABLE} WHERE workspace = ? AND pipeline = ?`);
  const upsert = db.prepare(`INSERT OR REPLACE INTO ${TABLE} VALUES (?, ?, ?, ?, ?, ?)`);
  const remove = db.prepare(`DELETE FROM ${TABLE} WHERE workspace = ? AND pipeline = ? AND run_id = ?`);
  // IMMEDIATE takes the write lock first, so two processes cannot both see the row absent.
  const attempt = db.transaction((pipeline: string, runId: string): LockHolder | null => {
    const row = select.get(workspace, pipeline);
    const { host, pid } = me();
    if (row && (row.host !== host || processAlive(row.pid))) {
      return { runId: row.run_id, host: row.host, pid: row.pid, acquiredAt: row.acquired_at };
    }
    upsert.run(workspace, pipeline, runId, host, pid, Date.now());
    return null;
  });
  return {
    async tryAcquire(pipeline, runId) {
      const holder = attempt.immediate(pipeline, runId);
      if (holder) return { acquired: false, heldBy: holder };
      return { acquired: true, lock: { release: async () => { remove.run(workspace, pipeline, runId); } } };
    },
    async close() { db.close(); },
  };
}
