/**
 * Testing the Iceberg catalog: a SQL catalog's database (Postgres, through the same steps as the
 * source, or a SQLite file) and its catalog tables, or a REST catalog's server and credentials;
 * then, for a local warehouse, that its folder can be written.
 */
import { access, constants, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { IcebergError } from 'iceberg-js';
import { RestAuthError } from '../../iceberg/catalog/rest-auth.ts';
import { RestCatalog } from '../../iceberg/catalog/rest-catalog.ts';
import { redactedUri } from '../../iceberg/catalog/rest-errors.ts';
import { parseLocation } from '../../io/location.ts';
import { sqliteFile, storageLocations, type CatalogConfig, type WorkspaceConfig } from './config.ts';
import { tlsCheck } from './probes.ts';
import { postgresTarget, restAuthFor } from './resolve.ts';
import type { SecretStore } from './secrets.ts';
import { postgresSteps } from './test-postgres.ts';
import { reach, StepFailure, type TestRun } from './test-run.ts';

type SqlCatalogConfig = Extract<CatalogConfig, { type: 'sql' }>;
type RestCatalogConfig = Extract<CatalogConfig, { type: 'rest' }>;

const counts = (namespaces: number, tables: number) =>
  `${namespaces} namespace${namespaces === 1 ? '' : 's'}, ${tables} table${tables === 1 ? '' : 's'}`;

export async function testCatalog(run: TestRun, config: WorkspaceConfig, secrets: SecretStore): Promise<void> {
  const c = config.connections.catalog;
  if (c.type === 'rest') await testRest(run, c, secrets);
  else if (sqliteFile(c.uri) !== undefined) await testSqlite(run, c, sqliteFile(c.uri)!);
  else await testSqlPostgres(run, c, secrets);
  if (c.type === 'sql') await testLocalWarehouse(run, storageLocations(config).warehouse);
}

async function testSqlPostgres(run: TestRun, c: SqlCatalogConfig, secrets: SecretStore): Promise<void> {
  const target = await postgresTarget({ url: c.uri, password: c.password }, secrets, 'connections.catalog');
  const client = await postgresSteps(run, target, 'The catalog database');
  try {
    await run.step('catalog', `The SQL catalog "${c.name}" in database "${target.database}" at ${target.shown}`, async () => {
      const present = (await client.query<{ t: string | null }>("SELECT to_regclass('iceberg_tables')::text AS t")).rows[0]?.t;
      if (!present) return { value: undefined, detail: `no Iceberg catalog tables in "${target.database}" yet: Floe creates them on its first write` };
      const r = await client.query<{ ns: string; tables: string }>(
        `SELECT (SELECT count(DISTINCT ns) FROM (SELECT table_namespace AS ns FROM iceberg_tables WHERE catalog_name = $1
                 UNION SELECT namespace FROM iceberg_namespace_properties WHERE catalog_name = $1) n) AS ns,
                (SELECT count(*) FROM iceberg_tables WHERE catalog_name = $1) AS tables`, [c.name]);
      const row = r.rows[0]!;
      return { value: undefined, detail: `catalog "${c.name}": ${counts(Number(row.ns), Number(row.tables))}` };
    });
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function testSqlite(run: TestRun, c: SqlCatalogConfig, file: string): Promise<void> {
  await run.step('catalog', `The SQLite catalog ${file}`, async () => {
    const info = await stat(file).catch(() => undefined);
    if (!info) {
      const folder = await nearestFolder(dirname(file));
      await access(folder, constants.W_OK).catch(() => {
        throw new StepFailure(`The SQLite catalog ${file} does not exist, and Floe cannot create it: ${folder} is not writable. Fix connections.catalog.uri or the folder's permissions.`);
      });
      return { value: undefined, detail: `${file} does not exist yet: Floe creates it on first use` };
    }
    let db: Database.Database | undefined;
    try {
      db = new Database(file, { readonly: true, fileMustExist: true });
      const has = (name: string) => db!.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
      if (!has('iceberg_tables')) return { value: undefined, detail: `no Iceberg catalog tables in ${file} yet: Floe creates them on its first write` };
      const tables = (db.prepare('SELECT count(*) AS n FROM iceberg_tables WHERE catalog_name = ?').get(c.name) as { n: number }).n;
      const namespaces = has('iceberg_namespace_properties')
        ? (db.prepare(`SELECT count(*) AS n FROM (SELECT table_namespace FROM iceberg_tables WHERE catalog_name = ?
                       UNION SELECT namespace FROM iceberg_namespace_properties WHERE catalog_name = ?)`).get(c.name, c.name) as { n: number }).n
        : 0;
      return { value: undefined, detail: `catalog "${c.name}" in ${file}: ${counts(namespaces, tables)}` };
    } catch (err) {
      if (err instanceof StepFailure) throw err;
      throw new StepFailure(`The SQLite catalog ${file} cannot be read (${(err as Error).message}): is it a SQLite database? Fix connections.catalog.uri.`);
    } finally {
      db?.close();
    }
  });
}

async function testRest(run: TestRun, c: RestCatalogConfig, secrets: SecretStore): Promise<void> {
  const shown = redactedUri(c.uri);
  const url = new URL(c.uri);
  const https = url.protocol === 'https:';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : https ? 443 : 80;
  const auth = await restAuthFor(c, secrets);
  const address = await reach(run, 'The Iceberg REST catalog', host, port);
  if (https) {
    await run.step('tls', `The Iceberg REST catalog at ${shown}`, async (signal) => ({
      value: undefined, detail: `${await tlsCheck({ address, port }, { servername: host }, signal)} handshake, certificate verified`,
    }));
  }
  const at = `The Iceberg REST catalog "${c.name}" at ${shown}`;
  const outcome = await run.step('auth', at, async (signal) => {
    const catalog = new RestCatalog({
      name: c.name, uri: c.uri, warehouse: c.warehouse, auth, requestTimeoutMs: run.stepTimeoutMs,
      fetch: (input, init) => fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal }),
    });
    try {
      return { value: { namespaces: await catalog.listNamespaces() } as { namespaces?: string[][]; error?: unknown }, detail: auth ? `credentials accepted (${auth.type === 'bearer' ? 'bearer token' : 'OAuth2 client credentials'})` : 'no credentials configured; the server asked for none' };
    } catch (err) {
      if (signal.aborted) throw err;
      const cause = (err as Error).cause;
      const status = cause instanceof IcebergError ? cause.status : undefined;
      if (err instanceof RestAuthError || status === 401 || status === 403 || status === 419) {
        const fix = auth ? 'check the token or client credentials (the secret "catalog.token" or "catalog.credential") and the scope' : 'the server wants credentials: set connections.catalog.token or credential';
        throw new StepFailure(`${at} refused the login: ${(err as Error).message.split(' (REST')[0]} — ${fix}.`);
      }
      return { value: { error: err }, detail: auth ? 'credentials not refused' : 'no credentials configured' };
    } finally {
      await catalog.close();
    }
  });
  await run.step('catalog', at, async () => {
    if (outcome.error !== undefined) {
      const status = ((outcome.error as Error).cause as IcebergError | undefined)?.status;
      const hint = status === 404 ? ': is the URI the service root (without /v1), and the warehouse name right?' : '';
      throw new StepFailure(`${at}: ${(outcome.error as Error).message}${hint}`);
    }
    const ns = outcome.namespaces!;
    return { value: undefined, detail: `${ns.length} namespace${ns.length === 1 ? '' : 's'}${ns.length ? `: ${ns.slice(0, 5).map((n) => n.join('.')).join(', ')}${ns.length > 5 ? ', ...' : ''}` : ''}` };
  });
}

/** A local warehouse folder must be writable (or creatable); an S3 one is the S3 test's business. */
async function testLocalWarehouse(run: TestRun, warehouse: string): Promise<void> {
  const parsed = parseLocation(warehouse);
  if (parsed.scheme !== 'file') return;
  await run.step('warehouse', `The warehouse folder ${parsed.path}`, async () => {
    const folder = await nearestFolder(parsed.path);
    await access(folder, constants.W_OK).catch(() => {
      throw new StepFailure(`The warehouse folder ${parsed.path} cannot be written (${folder} is not writable): fix storage.warehouse or the folder's permissions.`);
    });
    return { value: undefined, detail: folder === parsed.path ? `${parsed.path} is writable` : `${parsed.path} does not exist yet; ${folder} is writable, so Floe can create it` };
  });
}

/** The path itself if it is a folder, else its closest existing ancestor. */
async function nearestFolder(path: string): Promise<string> {
  let current = path;
  for (;;) {
    const info = await stat(current).catch(() => undefined);
    if (info?.isDirectory()) return current;
    if (info) throw new StepFailure(`${current} is a file where a folder is expected`);
    const parent = dirname(current);
    if (parent === current) return current;
    current = parent;
  }
}
