/**
 * The Postgres connection test against real servers: the test bed's (trust authentication), and a
 * private cluster started here with password (SCRAM) authentication, since the test bed accepts
 * any password and so cannot show a wrong one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { parseWorkspaceConfig, type WorkspaceConfigInput } from '../../../core/engine/workspace/config.ts';
import { testConnection, type ConnectionTestResult } from '../../../core/engine/workspace/connection-test.ts';
import { MemorySecretStore } from '../../../core/engine/workspace/secrets.ts';
import { createSourceTablesSql } from '../../../core/demo/source-schema.ts';
import { freshDatabase, testBed, freePort } from '../../services/testbed.ts';

const run = promisify(execFile);


/** A throwaway cluster that checks passwords, run as the postgres user when we are root (initdb refuses root). */
async function passwordCluster(password: string): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'floe-pw-postgres-'));
  const asRoot = process.getuid?.() === 0;
  const as = async (cmd: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args));
  if (asRoot) await chown(dir, Number((await run('id', ['-u', 'postgres'])).stdout.trim()), 0);
  await writeFile(join(dir, 'pw'), password, { mode: 0o644 });
  const bin = testBed().pgBin;
  await as(`${bin}/initdb`, ['-D', join(dir, 'data'), '-A', 'scram-sha-256', '-U', 'postgres', `--pwfile=${join(dir, 'pw')}`, '-E', 'UTF8', '--no-locale', '--no-sync']);
  const port = await freePort();
  await as(`${bin}/pg_ctl`, ['-D', join(dir, 'data'), '-l', join(dir, 'log'), '-w', '-t', '60', 'start', '-o',
    `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off`]);
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await as(`${bin}/pg_ctl`, ['-D', join(dir, 'data'), '-m', 'immediate', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const base = (postgres: NonNullable<WorkspaceConfigInput['connections']['postgres']>): WorkspaceConfigInput => ({
  connections: { postgres, catalog: { type: 'sql', uri: 'sqlite:////tmp/unused-catalog.db' } },
  storage: { root: 'file:///tmp/unused-lake' },
});

async function test(postgres: NonNullable<WorkspaceConfigInput['connections']['postgres']>, secrets = new MemorySecretStore(), signal?: AbortSignal): Promise<ConnectionTestResult> {
  return testConnection('postgres', parseWorkspaceConfig(base(postgres)), secrets, signal, { stepTimeoutMs: 4_000 });
}

const stepNames = (r: ConnectionTestResult) => r.steps.map((s) => `${s.step}:${s.ok ? 'ok' : 'FAIL'}`);
const failure = (r: ConnectionTestResult) => r.steps.find((s) => !s.ok)?.detail;

let sourceUrl: string;
let emptyUrl: string;
const bed = () => new URL(testBed().pgUrl);

beforeAll(async () => {
  sourceUrl = await freshDatabase('conn_source');
  const client = new pg.Client({ connectionString: sourceUrl });
  await client.connect();
  await client.query(createSourceTablesSql());
  await client.end();
  emptyUrl = await freshDatabase('conn_empty');
});

describe('Postgres connection test on the test bed', () => {
  it('passes every step on a GourmetGram database, by URL or by fields', async () => {
    const r = await test({ url: sourceUrl });
    expect(stepNames(r)).toEqual(['dns:ok', 'tcp:ok', 'tls:ok', 'auth:ok', 'database:ok']);
    expect(r.ok).toBe(true);
    expect(r.steps.at(-1)!.detail).toMatch(/^database "conn_source_\w+" on PostgreSQL \d+.* has the tables etl_moderation reads/);
    for (const s of r.steps) expect(s.ms).toBeGreaterThanOrEqual(0);
    const u = new URL(sourceUrl);
    const byFields = await test({ host: u.hostname, port: Number(u.port), user: 'postgres', database: u.pathname.slice(1), sslmode: 'disable' });
    expect(stepNames(byFields)).toEqual(['dns:ok', 'tcp:ok', 'auth:ok', 'database:ok']);
  });

  it('says the server is not listening on a wrong port', async () => {
    const port = await freePort();
    const r = await test({ url: `postgresql://postgres@127.0.0.1:${port}/postgres` });
    expect(stepNames(r)).toEqual(['dns:ok', 'tcp:FAIL']);
    expect(failure(r)).toBe(`Postgres at 127.0.0.1:${port}: connection refused — is the server running and is the port right?`);
  });

  it('says when the host name does not resolve', async () => {
    const r = await test({ host: 'no-such-host.invalid', user: 'postgres', database: 'gourmetgram' });
    expect(stepNames(r)).toEqual(['dns:FAIL']);
    expect(failure(r)).toMatch(/^Postgres at no-such-host\.invalid:5432: the host name "no-such-host\.invalid" does not resolve \(.+\): check the spelling, or the DNS or VPN settings of this machine$/);
  });

  it('says which database is missing, after the login succeeded', async () => {
    const url = bed();
    url.pathname = '/no_such_database';
    const r = await test({ url: url.toString() });
    expect(stepNames(r)).toEqual(['dns:ok', 'tcp:ok', 'tls:ok', 'auth:ok', 'database:FAIL']);
    expect(failure(r)).toBe(`Postgres at ${url.host} has no database "no_such_database": create it (CREATE DATABASE "no_such_database") or fix the database name in connections.postgres.`);
  });

  it('says when the database is not GourmetGram\'s', async () => {
    const r = await test({ url: emptyUrl });
    expect(failure(r)).toMatch(/^Postgres database "conn_empty_\w+" at 127\.0\.0\.1:\d+ has no tables users, images, comments, flags, image_milestones: is this GourmetGram's database\?/);
  });

  it('says an unknown user is refused', async () => {
    const url = bed();
    url.username = 'nobody_here';
    const r = await test({ url: url.toString() });
    expect(stepNames(r)).toEqual(['dns:ok', 'tcp:ok', 'tls:ok', 'auth:FAIL']);
    expect(failure(r)).toBe(`Postgres at ${url.host}: the server refused user "nobody_here" (role "nobody_here" does not exist) — check the user name.`);
  });

  it('fails the TLS step when sslmode requires TLS the server does not offer', async () => {
    const r = await test({ url: `${sourceUrl}?sslmode=require` });
    expect(stepNames(r)).toEqual(['dns:ok', 'tcp:ok', 'tls:FAIL']);
    expect(failure(r)).toBe(`Postgres at ${bed().host}: the server does not accept TLS connections, but sslmode=require requires them: enable ssl on the server, or lower sslmode in connections.postgres.`);
  });

  it('reports a missing secret before touching the network, and stops when cancelled', async () => {
    const r = await test({ url: sourceUrl, password: { secret: 'postgres.password' } });
    expect(r.ok).toBe(false);
    expect(r.steps).toEqual([{ step: 'config', ok: false, ms: 0, detail: expect.stringMatching(/^connections\.postgres\.password refers to the secret "postgres\.password", which is not in memory: .*FLOE_SECRET_POSTGRES_PASSWORD/) }]);
    const cancelled = await test({ url: sourceUrl }, new MemorySecretStore(), AbortSignal.abort());
    expect(cancelled.steps).toEqual([expect.objectContaining({ step: 'dns', ok: false, detail: expect.stringMatching(/the test was cancelled$/) })]);
  });
});

describe('Postgres connection test against a server that checks passwords', () => {
  const password = 'right-pw-4f9c';
  let cluster: { url: string; stop(): Promise<void> };
  beforeAll(async () => { cluster = await passwordCluster(password); });
  afterAll(() => cluster?.stop());

  it('logs in with the right password from the secret store', async () => {
    const r = await test({ url: cluster.url, password: { secret: 'postgres.password' } }, new MemorySecretStore({ 'postgres.password': password }));
    expect(stepNames(r).slice(0, 4)).toEqual(['dns:ok', 'tcp:ok', 'tls:ok', 'auth:ok']);
    expect(r.steps[3]!.detail).toBe('logged in as "postgres"');
  });

  it('names a wrong password as an auth failure, without echoing any password', async () => {
    const wrong = 'wrong-pw-77e1';
    const r = await test({ url: cluster.url, password: { secret: 'postgres.password' } }, new MemorySecretStore({ 'postgres.password': wrong }));
    expect(stepNames(r)).toEqual(['dns:ok', 'tcp:ok', 'tls:ok', 'auth:FAIL']);
    expect(failure(r)).toBe(`Postgres at ${new URL(cluster.url).host}: password authentication failed for user "postgres" — check the password (the secret "postgres.password") and the user name.`);
    expect(JSON.stringify(r)).not.toMatch(new RegExp(`${wrong}|${password}`));
  });

  it('says a password is needed when none is set', async () => {
    const r = await test({ url: cluster.url });
    expect(failure(r)).toMatch(/^Postgres at 127\.0\.0\.1:\d+: the server asks for a password, and no password is set: set connections\.postgres\.password\.$/);
  });
});
