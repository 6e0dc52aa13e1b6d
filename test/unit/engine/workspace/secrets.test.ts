import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ChainSecretStore, EnvSecretStore, FileSecretStore, MemorySecretStore, SecretStoreError, secretEnvVar,
} from '../../../../core/engine/workspace/secrets.ts';

const dirs: string[] = [];
afterAll(async () => { await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))); });

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floe-secrets-'));
  dirs.push(dir);
});

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('the secret file', () => {
  it('is created 0600 (in a 0700 folder), holds what was set, and leaves no temporary file behind', async () => {
    const path = join(dir, 'config', 'secrets.json');
    const store = new FileSecretStore(path);
    expect(await store.get('s3.secretAccessKey')).toBeUndefined();
    await store.set('s3.secretAccessKey', 'sk-1');
    await store.set('postgres.password', 'pw');
    expect(await mode(path)).toBe(0o600);
    expect(await mode(join(dir, 'config'))).toBe(0o700);
    expect(await store.get('s3.secretAccessKey')).toBe('sk-1');
    expect(await store.list()).toEqual(['postgres.password', 's3.secretAccessKey']);
    await store.delete('postgres.password');
    await store.delete('never.set');
    expect(await new FileSecretStore(path).list()).toEqual(['s3.secretAccessKey']);
    expect(await readdir(join(dir, 'config'))).toEqual(['secrets.json']);
  });

  it('refuses a file others can read, saying how to fix it, and never shows its contents', async () => {
    const path = join(dir, 'secrets.json');
    await writeFile(path, JSON.stringify({ version: 1, secrets: { 'postgres.password': 'pw-in-file' } }), { mode: 0o644 });
    await chmod(path, 0o644);
    const store = new FileSecretStore(path);
    const error = await store.get('postgres.password').catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(SecretStoreError);
    expect((error as Error).message).toBe(
      `The secret file ${path} can be read by other users (mode 0644), so Floe will not use it. ` +
      `Run "chmod 600 ${path}" and, since others could read them, consider changing the passwords and keys it holds.`);
    await expect(store.set('x', 'y')).rejects.toThrow('chmod 600');
    await chmod(path, 0o640);
    await expect(store.list()).rejects.toThrow('(mode 0640)');
    await chmod(path, 0o600);
    expect(await store.get('postgres.password')).toBe('pw-in-file');
  });

  it('reports a damaged file without quoting it', async () => {
    const path = join(dir, 'secrets.json');
    await writeFile(path, '{"version": 1, "secrets": {"a": "half-a-secret', { mode: 0o600 });
    const error = await new FileSecretStore(path).get('a').catch((e: unknown) => e as Error);
    expect((error as Error).message).toBe(`Cannot read the secret file ${path}: it is not valid JSON. Fix or remove it, then enter the secrets again.`);
    await writeFile(path, '{"secrets": {"a": 1}}', { mode: 0o600 });
    await expect(new FileSecretStore(path).get('a')).rejects.toThrow('is not a Floe secret file');
  });

  it('rewrites the file whole: the mode stays 0600 whatever the umask', async () => {
    const path = join(dir, 'secrets.json');
    const old = process.umask(0o000);
    try {
      await new FileSecretStore(path).set('a', '1');
    } finally {
      process.umask(old);
    }
    expect(await mode(path)).toBe(0o600);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ version: 1, secrets: { a: '1' } });
  });
});

describe('environment secrets', () => {
  it('reads FLOE_SECRET_* variables, then the standard PGPASSWORD and AWS_* ones, and cannot be written', async () => {
    expect(secretEnvVar('s3.secretAccessKey')).toBe('FLOE_SECRET_S3_SECRET_ACCESS_KEY');
    expect(secretEnvVar('kafka.sasl.password')).toBe('FLOE_SECRET_KAFKA_SASL_PASSWORD');
    const env = { FLOE_SECRET_POSTGRES_PASSWORD: 'floe-pg', PGPASSWORD: 'libpq-pg', AWS_SECRET_ACCESS_KEY: 'aws-sk', FLOE_SECRET_KAFKA_SASL_PASSWORD: '' };
    const store = new EnvSecretStore(env);
    expect(await store.get('postgres.password')).toBe('floe-pg');
    expect(await store.get('s3.secretAccessKey')).toBe('aws-sk');
    expect(await store.get('kafka.sasl.password')).toBeUndefined();
    expect(await store.list()).toEqual(['postgres.password', 's3.secretAccessKey']);
    expect(await new EnvSecretStore(env, { standardVariables: false }).get('s3.secretAccessKey')).toBeUndefined();
    await expect(store.set('catalog.token')).rejects.toThrow('set FLOE_SECRET_CATALOG_TOKEN in the environment Floe starts in');
  });
});

describe('a chain of stores', () => {
  it('reads from the first store that has the secret and writes to the first that accepts', async () => {
    const file = new FileSecretStore(join(dir, 'secrets.json'));
    await file.set('postgres.password', 'from-file');
    await file.set('catalog.token', 'token-from-file');
    const chain = new ChainSecretStore([new EnvSecretStore({ FLOE_SECRET_POSTGRES_PASSWORD: 'from-env' }), file]);
    expect(chain.description).toBe(`environment variables (FLOE_SECRET_*), then the secret file ${join(dir, 'secrets.json')}`);
    expect(await chain.get('postgres.password')).toBe('from-env');
    expect(await chain.get('catalog.token')).toBe('token-from-file');
    await chain.set('s3.secretAccessKey', 'sk');
    expect(await file.get('s3.secretAccessKey')).toBe('sk');
    await chain.delete('catalog.token');
    expect(await chain.list()).toEqual(['postgres.password', 's3.secretAccessKey']);
    await expect(new ChainSecretStore([new EnvSecretStore({})]).set('a', 'b')).rejects.toThrow('No secret store accepted "a"');
    expect(await new MemorySecretStore({ a: '1' }).list()).toEqual(['a']);
  });
});
