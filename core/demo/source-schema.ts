/**
 * The production `gourmetgram` source database (DESIGN.md, "Data contracts"), and rows in
 * Postgres COPY text format. Shared by the Postgres loader and the embedded PGlite one.
 */
import { pythonIsoFormat } from './events.ts';
import { SOURCE_TABLES, type SourceRow, type SourceTableName } from './model.ts';

export const SOURCE_COLUMNS: Record<SourceTableName, readonly string[]> = {
  users: ['id', 'username', 'created_at'],
  images: ['id', 'user_id', 's3_url', 'caption', 'category', 'uploaded_at', 'views'],
  comments: ['id', 'image_id', 'user_id', 'content', 'created_at'],
  flags: ['id', 'user_id', 'image_id', 'comment_id', 'reason', 'created_at'],
  image_milestones: ['id', 'image_id', 'milestone_type', 'milestone_value', 'reached_at'],
};

const CREATE: Record<SourceTableName, string> = {
  users: 'id uuid NOT NULL, username text, created_at timestamptz',
  images: 'id uuid NOT NULL, user_id uuid, s3_url text, caption text, category text, uploaded_at timestamptz, views int',
  comments: 'id uuid NOT NULL, image_id uuid, user_id uuid, content text, created_at timestamptz',
  flags: 'id uuid NOT NULL, user_id uuid, image_id uuid, comment_id uuid, reason text, created_at timestamptz',
  image_milestones: 'id uuid NOT NULL, image_id uuid, milestone_type text, milestone_value int, reached_at timestamptz',
};

/** Drop and create the five tables, without constraints: keys are added after the bulk load. */
export function createSourceTablesSql(): string {
  return SOURCE_TABLES.map((t) => `DROP TABLE IF EXISTS ${t}; CREATE TABLE ${t} (${CREATE[t]});`).join('\n');
}

/** Keys after loading: building an index once is much faster than maintaining it per row. */
export function addSourceKeysSql(): string {
  return [
    ...SOURCE_TABLES.map((t) => `ALTER TABLE ${t} ADD PRIMARY KEY (id);`),
    'ALTER TABLE users ADD CONSTRAINT users_username_key UNIQUE (username);',
    'ANALYZE;',
  ].join('\n');
}

export function copyFromStdinSql(table: SourceTableName): string {
  return `COPY ${table} (${SOURCE_COLUMNS[table].join(', ')}) FROM STDIN`;
}

/** One row as a line of COPY's text format (tab separated, `\N` for null, backslash escapes). */
export function copyTextLine(r: SourceRow): string {
  const row = r.row as unknown as Record<string, unknown>;
  return SOURCE_COLUMNS[r.table].map((c) => copyTextValue(row[c], c)).join('\t') + '\n';
}

function copyTextValue(v: unknown, column: string): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'number') return column.endsWith('_at') ? pythonIsoFormat(v, true) : String(v);
  return String(v).replace(/[\\\t\n\r]/g, (ch) => (ch === '\\' ? '\\\\' : ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : '\\r'));
}
