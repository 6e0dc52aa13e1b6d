/**
 * Testing a Postgres connection (the source, or a SQL catalog's database): lookup, TCP, the TLS
 * the sslmode asks for, login, and the database itself. SQLSTATEs tell the failures apart:
 * 28P01 a wrong password, 28000 a refused user, 3D000 a missing database (reported after login,
 * which is when the server checks it).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sharedPglite } from '../../sources/pglite-source.ts';
import pg from 'pg';
import { SOURCE_TABLES } from '../../pipelines/etl-moderation/extract.ts';
import type { WorkspaceConfig } from './config.ts';
import { postgresTls, unixSocketCheck, type TlsOptions } from './probes.ts';
import { postgresSocket, postgresTarget, postgresUrl, type PostgresTarget } from './resolve.ts';
import type { SecretStore } from './secrets.ts';
import { reach, StepFailure, withCleanup, type TestRun } from './test-run.ts';

interface PgError {
  code?: string;
  message: string;
}

export async function testPostgres(run: TestRun, config: WorkspaceConfig, secrets: SecretStore): Promise<void> {
  const settings = config.connections.postgres;
  if (!settings) throw new StepFailure('No Postgres source is configured: set connections.postgres (a URL, or host, port, user and database).');
  if (settings.embedded !== undefined) return testEmbedded(run, settings.embedded);
  const target = await postgresTarget(settings, secrets, 'connections.postgres');
  const client = await postgresSteps(run, target, 'Postgres');
  try {
    await run.step('database', `Postgres database "${target.database}" at ${target.shown}`, async () => {
      const info = await client.query<{ db: string; version: string }>("SELECT current_database() AS db, current_setting('server_version') AS version");
      const wanted = Object.keys(SOURCE_TABLES);
      const missing = (await client.query<{ t: string }>('SELECT t FROM unnest($1::text[]) AS t WHERE to_regclass(quote_ident(t)) IS NULL', [wanted])).rows.map((r) => r.t);
      const { db, version } = info.rows[0]!;
      if (missing.length > 0) {
        throw new StepFailure(`Postgres database "${db}" at ${target.shown} has no table${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: ` +
          `is this GourmetGram's database? etl_moderation extracts ${wanted.join(', ')} (from the search_path of user "${target.user}").`);
      }
      return { value: undefined, detail: `database "${db}" on PostgreSQL ${version} has the tables etl_moderation reads (${wanted.join(', ')})` };
    });
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Up to a logged-in client (which the caller ends): dns, tcp, tls, auth, and the database step
 * when the database is missing. `service` names the server in messages.
 */
export async function postgresSteps(run: TestRun, t: PostgresTarget, service: string): Promise<pg.Client> {
  const at = `${service} at ${t.shown}`;
  if (t.socketDir) {
    run.note('dns', true, `${t.socketDir} is a Unix socket directory: no lookup needed`);
    await run.step('tcp', at, async (signal) => {
      await unixSocketCheck(postgresSocket(t).path!, signal);
      return { value: undefined, detail: `${t.shown} accepts connections` };
    });
  } else {
    await reach(run, service, t.host, t.port);
  }

  let tls = false;
  if (t.sslmode !== 'disable' && t.sslmode !== 'allow') {
    tls = await run.step('tls', at, async (signal) => {
      const result = await postgresTls(postgresSocket(t), await tlsOptions(t), signal);
      if (!result.offered) {
        if (t.sslmode === 'prefer') return { value: false, detail: 'the server does not offer TLS: connecting unencrypted, as sslmode=prefer allows' };
        throw new StepFailure(`${at}: the server does not accept TLS connections, but sslmode=${t.sslmode} requires them: enable ssl on the server, or lower sslmode in ${t.setting}.`);
      }
      const verified = t.sslmode === 'verify-full' ? 'certificate and host name verified' : t.sslmode === 'verify-ca' ? 'certificate verified' : 'certificate not verified (sslmode=require/prefer)';
      return { value: true, detail: `${result.protocol} (${verified})` };
    });
  }

  const client = new pg.Client({ connectionString: postgresUrl(t, tls), connectionTimeoutMillis: run.stepTimeoutMs });
  // A connection lost later (the server restarting) must not crash the process through an unhandled 'error'.
  client.on('error', () => undefined);
  const loggedIn = await run.step('auth', at, async (signal) => {
    try {
      await withCleanup(client.connect(), signal, () => client.end());
    } catch (err) {
      const e = err as PgError;
      if (e.code === '3D000') return { value: false, detail: `user "${t.user}" accepted` };
      throw new StepFailure(`${at}: ${authFailure(e, t)}`);
    }
    return { value: true, detail: `logged in as "${t.user || '(default user)'}"${t.password === undefined ? ' without a password' : ''}` };
  });
  if (!loggedIn) {
    await client.end().catch(() => undefined);
    run.note('database', false,
      `${at} has no database "${t.database}": create it (CREATE DATABASE "${t.database}") or fix the database name in ${t.setting}.`);
  }
  return client;
}

function authFailure(e: PgError, t: PostgresTarget): string {
  const password = t.password === undefined
    ? `no password is set: set ${t.setting}.password`
    : `check the password (the secret "${t.setting === 'connections.catalog' ? 'catalog.password' : 'postgres.password'}") and the user name`;
  switch (e.code) {
    case '28P01': return `password authentication failed for user "${t.user}" — ${password}.`;
    case '28000': return `the server refused user "${t.user}" (${e.message}) — check the user name${/pg_hba/.test(e.message) ? ', and that the server\'s pg_hba.conf lets this machine in' : ''}.`;
    case '57P03': return `the server is starting up or shutting down (${e.message}): try again in a moment.`;
    case '53300': return `the server has no free connections (${e.message}): try again later, or raise max_connections.`;
  }
  if (/password must be a string|SCRAM|SASL/i.test(e.message) && t.password === undefined) return `the server asks for a password, and ${password}.`;
  if (/SSL|TLS|certificate/i.test(e.message)) return `TLS failed while logging in (${e.message}): check sslmode and sslrootcert in ${t.setting}.`;
  if (/timeout/i.test(e.message)) return 'the server accepted the connection but did not answer the login — is it overloaded, or is this port not Postgres?';
  return `${e.message}${e.code ? ` (SQLSTATE ${e.code})` : ''}.`;
}

/** How the sslmode wants the server's certificate checked, as libpq does it. */
async function tlsOptions(t: PostgresTarget): Promise<TlsOptions> {
  const verify = t.sslmode === 'verify-ca' || t.sslmode === 'verify-full' || (t.sslmode === 'require' && t.sslrootcert !== undefined);
  let ca: string | undefined;
  if (t.sslrootcert) {
    ca = await readFile(t.sslrootcert, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new StepFailure(`${t.setting}: cannot read the CA certificate ${t.sslrootcert} (${err.code ?? err.message}): check sslrootcert.`);
    });
  }
  return {
    servername: t.host, ca, rejectUnauthorized: verify,
    checkServerIdentity: t.sslmode === 'verify-full' ? undefined : () => undefined,
  };
}

/** An embedded PGlite folder: it opens, and it has the tables etl_moderation reads. */
async function testEmbedded(run: TestRun, dir: string): Promise<void> {
  await run.step('database', `PGlite source in ${dir}`, async () => {
    if (!existsSync(join(dir, 'PG_VERSION'))) throw new StepFailure(`${dir} is not a PGlite data folder (no PG_VERSION): run "npm run demo" to create the embedded source, or point connections.postgres at a server`);
    const shared = await sharedPglite(dir);
    try {
      const counts = await shared.source.readSnapshot(async (s) => Promise.all(Object.keys(SOURCE_TABLES).map(async (t) => `${t} ${await s.count(t)}`)));
      return { value: undefined, detail: `PGlite source in ${dir}: ${counts.join(', ')}` };
    } finally {
      await shared.release();
    }
  });
}
