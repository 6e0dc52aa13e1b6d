/**
 * The run store's schema, versioned with SQLite's `user_version`. Migrations only ever append: an
 * app and a CLI of different versions may open the same file, so an older Floe refuses a newer
 * schema instead of guessing at it.
 */
import type Database from 'better-sqlite3';

/** Each entry moves the schema from version `index` to `index + 1`. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    pipeline TEXT NOT NULL,
    trigger_kind TEXT NOT NULL,
    scheduled_for INTEGER,
    missed INTEGER,
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    error TEXT,
    metrics TEXT NOT NULL DEFAULT '{}',
    outputs TEXT NOT NULL DEFAULT '{}',
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    start_token TEXT,
    -- relative to the database's folder, so a moved workspace keeps its logs
    log_file TEXT NOT NULL
  ) STRICT;
  -- One index per filter combination listRuns offers, each ending in the page order (created_at,
  -- id), so any page is an index range scan with no sort, however many runs there are.
  CREATE INDEX runs_by_time ON runs (created_at, id);
  CREATE INDEX runs_by_pipeline ON runs (pipeline, created_at, id);
  CREATE INDEX runs_by_state ON runs (state, created_at, id);
  CREATE INDEX runs_by_pipeline_state ON runs (pipeline, state, created_at, id);

  CREATE TABLE task_attempts (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    task TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    -- keeps tasks in the order the runner created them, which is the order a UI shows
    seq INTEGER NOT NULL,
    state TEXT NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    error TEXT,
    metrics TEXT NOT NULL DEFAULT '{}',
    progress_done REAL,
    progress_total REAL,
    progress_unit TEXT,
    progress_at INTEGER,
    PRIMARY KEY (run_id, task, attempt)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE scheduler_state (
    pipeline TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (pipeline, key)
  ) STRICT, WITHOUT ROWID;
  `,
  // A cancel asked for from another process (the app's UI for a run the CLI started): the
  // process running it polls this and stops the run.
  `ALTER TABLE runs ADD COLUMN cancel_requested_at INTEGER;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database.Database, file: string): void {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  if (version() > SCHEMA_VERSION) throw newerSchemaError(file, version());
  if (version() === SCHEMA_VERSION) return;
  // IMMEDIATE takes the write lock before reading the version, so two processes opening a new
  // file at once cannot both apply the same migration.
  db.transaction(() => {
    const from = version();
    if (from > SCHEMA_VERSION) throw newerSchemaError(file, from);
    for (let v = from; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

function newerSchemaError(file: string, found: number): Error {
  return new Error(
    `Run store ${file} has schema version ${found}, newer than this Floe understands (${SCHEMA_VERSION}). ` +
    'A newer Floe wrote it: update this Floe, or point it at another workspace.',
  );
}
