import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveWorkspaceConfig } from '../../../../core/engine/workspace/config-file.ts';
import {
  importEnvironment, importAwsEnv, importKafkaEnv, importPostgresEnv, readEnvironment,
} from '../../../../core/engine/workspace/env-import.ts';
import { readPyIcebergConfig, readPyIcebergSettings } from '../../../../core/engine/workspace/pyiceberg-import.ts';
import { MemorySecretStore } from '../../../../core/engine/workspace/secrets.ts';

const dirs: string[] = [];
afterAll(async () => { await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))); });

let home: string;
let cwd: string;
beforeEach(async () => {
  const root = await mkdtemp(join(tmpdir(), 'floe-import-'));
  dirs.push(root);
  home = join(root, 'home');
  cwd = join(root, 'cwd');
  await mkdir(home);
  await mkdir(cwd);
});

/** Where no .pyiceberg.yaml is, so only the variables given count. */
const noFiles = () => ({ home, cwd });

describe('libpq, AWS and Kafka variables', () => {
  it('turns PG* variables into a Postgres source, the password into a secret', () => {
    const r = importPostgresEnv({ PGHOST: 'db.internal', PGPORT: '6432', PGUSER: 'etl', PGPASSWORD: 'pg-secret', PGDATABASE: 'gourmetgram', PGSSLMODE: 'verify-full' });
    expect(r.connections.postgres).toEqual({
      host: 'db.internal', port: 6432, user: 'etl', database: 'gourmetgram', sslmode: 'verify-full', password: { secret: 'postgres.password' },
    });
    expect(r.secrets).toEqual({ 'postgres.password': 'pg-secret' });
    expect(r.notes).toEqual(['connections.postgres from PGHOST, PGPORT, PGUSER, PGDATABASE, PGSSLMODE, PGPASSWORD']);
    // libpq's defaults for the rest: a database named after the user.
    expect(importPostgresEnv({ PGUSER: 'ana' }).connections.postgres).toMatchObject({ host: 'localhost', port: 5432, user: 'ana', database: 'ana' });
    expect(importPostgresEnv({ PGPASSWORD: 'alone' }).connections.postgres).toBeUndefined();
    expect(() => importPostgresEnv({ PGHOST: 'h', PGSSLMODE: 'sometimes' })).toThrow('PGSSLMODE="sometimes" is not an sslmode');
  });

  it('takes DATABASE_URL over PG*, moving its password out of the URL', () => {
    const r = importPostgresEnv({ DATABASE_URL: 'postgresql://etl:p%40ss@db:5432/gourmetgram?application_name=floe', PGHOST: 'ignored', PGSSLMODE: 'require' });
    expect(r.connections.postgres).toEqual({ url: 'postgresql://etl@db:5432/gourmetgram?application_name=floe&sslmode=require', password: { secret: 'postgres.password' } });
    expect(r.secrets).toEqual({ 'postgres.password': 'p@ss' });
    // PGPASSWORD fills a URL without one, as in psql.
    expect(importPostgresEnv({ DATABASE_URL: 'postgres://etl@db/g', PGPASSWORD: 'from-env' }).secrets).toEqual({ 'postgres.password': 'from-env' });
  });

  it('reads the AWS CLI\'s variables, the S3 endpoint first', () => {
    const r = importAwsEnv({
      AWS_ACCESS_KEY_ID: 'AKIA1', AWS_SECRET_ACCESS_KEY: 'aws-secret', AWS_SESSION_TOKEN: 'tok', AWS_DEFAULT_REGION: 'eu-west-3',
      AWS_ENDPOINT_URL: 'http://ignored:1', AWS_ENDPOINT_URL_S3: 'http://minio:9000',
    });
    expect(r.connections.s3).toEqual({
      endpoint: 'http://minio:9000', forcePathStyle: true, region: 'eu-west-3', accessKeyId: 'AKIA1',
      secretAccessKey: { secret: 's3.secretAccessKey' }, sessionToken: { secret: 's3.sessionToken' },
    });
    expect(r.secrets).toEqual({ 's3.secretAccessKey': 'aws-secret', 's3.sessionToken': 'tok' });
    expect(importAwsEnv({ AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'https://s3.us-west-2.amazonaws.com' }).connections.s3)
      .toEqual({ region: 'us-west-2', endpoint: 'https://s3.us-west-2.amazonaws.com', forcePathStyle: false });
    expect(importAwsEnv({}).connections.s3).toBeUndefined();
  });

  it('reads KAFKA_BROKERS', () => {
    expect(importKafkaEnv({ KAFKA_BROKERS: 'k1:9092, k2:9092,' }).connections.kafka).toEqual({ brokers: ['k1:9092', 'k2:9092'] });
    expect(importKafkaEnv({ KAFKA_BOOTSTRAP_SERVERS: 'PLAINTEXT://k:9092' }).connections.kafka).toEqual({ brokers: ['k:9092'] });
  });
});

const yamlFile = `
catalog:
  GourmetGram:
    uri: postgresql+psycopg2://iceberg:cat-secret@db:5432/gourmetgram
    warehouse: s3://gourmetgram-datalake/warehouse
    s3.endpoint: http://minio:9000
    s3.access-key-id: minio-user
    s3.secret-access-key: minio-secret
    s3.region: us-east-1
  other:
    uri: http://rest:8181
`;

describe('an existing PyIceberg setup', () => {
  it('reads ~/.pyiceberg.yaml as PyIceberg does: keys lower-cased, values text, PYICEBERG_* laid over it', async () => {
    await writeFile(join(home, '.pyiceberg.yaml'), `${yamlFile}default-catalog: gourmetgram\n`);
    const env = { PYICEBERG_CATALOG__GOURMETGRAM__S3__ENDPOINT: 'http://minio.prod:9000', PYICEBERG_CATALOG__OTHER__TOKEN: 't', PYICEBERG_CATALOG__MY_CAT__URI: 'sqlite:///x.db' };
    const { config, file } = readPyIcebergConfig({ env, ...noFiles() });
    expect(file).toBe(join(home, '.pyiceberg.yaml'));
    expect(config).toMatchObject({
      'default-catalog': 'gourmetgram',
      catalog: {
        gourmetgram: { 's3.endpoint': 'http://minio.prod:9000', 's3.region': 'us-east-1' },
        other: { uri: 'http://rest:8181', token: 't' },
        // PyIceberg turns a variable's "_" into "-", even inside a catalog name.
        'my-cat': { uri: 'sqlite:///x.db' },
      },
    });
  });

  it('turns the default catalog into the workspace catalog and S3 settings, secrets apart', async () => {
    await writeFile(join(home, '.pyiceberg.yaml'), `${yamlFile}default-catalog: gourmetgram\n`);
    const r = readPyIcebergSettings({ env: {}, ...noFiles() });
    expect(r.connections.catalog).toEqual({ type: 'sql', name: 'gourmetgram', uri: 'postgresql://iceberg@db:5432/gourmetgram', password: { secret: 'catalog.password' } });
    expect(r.storage).toEqual({ warehouse: 's3://gourmetgram-datalake/warehouse' });
    expect(r.connections.s3).toEqual({
      endpoint: 'http://minio:9000', region: 'us-east-1', accessKeyId: 'minio-user', secretAccessKey: { secret: 's3.secretAccessKey' }, forcePathStyle: true,
    });
    expect(r.secrets).toEqual({ 'catalog.password': 'cat-secret', 's3.secretAccessKey': 'minio-secret' });
    expect(r.notes.join('\n')).not.toMatch(/cat-secret|minio-secret/);
  });

  it('looks in $PYICEBERG_HOME first, then the home folder, then the working folder', async () => {
    const pyHome = join(home, 'pyhome');
    await mkdir(pyHome);
    await writeFile(join(cwd, '.pyiceberg.yaml'), 'catalog:\n  default:\n    uri: sqlite:///from-cwd.db\n');
    expect(readPyIcebergSettings({ env: {}, ...noFiles() }).connections.catalog).toMatchObject({ uri: `sqlite:///${join(cwd, 'from-cwd.db')}` });
    await writeFile(join(home, '.pyiceberg.yaml'), 'catalog:\n  default:\n    uri: sqlite:////abs/from-home.db\n');
    expect(readPyIcebergSettings({ env: {}, ...noFiles() }).connections.catalog).toMatchObject({ uri: 'sqlite:////abs/from-home.db' });
    await writeFile(join(pyHome, '.pyiceberg.yaml'), 'catalog:\n  default:\n    uri: http://rest:8181\n    warehouse: lake\n    credential: id:s3cr3t\n    scope: PRINCIPAL_ROLE:ALL\n');
    const r = readPyIcebergSettings({ env: { PYICEBERG_HOME: pyHome }, ...noFiles() });
    expect(r.connections.catalog).toEqual({ type: 'rest', name: 'default', uri: 'http://rest:8181', warehouse: 'lake', scope: 'PRINCIPAL_ROLE:ALL', credential: { secret: 'catalog.credential' } });
    expect(r.secrets).toEqual({ 'catalog.credential': 'id:s3cr3t' });
    // An explicit file replaces the search.
    expect(readPyIcebergSettings({ env: { PYICEBERG_HOME: pyHome }, file: join(cwd, '.pyiceberg.yaml'), ...noFiles() }).connections.catalog).toMatchObject({ name: 'default', type: 'sql' });
  });

  it('works from PYICEBERG_CATALOG__<NAME>__* variables alone, with path style as configured', () => {
    const env = {
      PYICEBERG_CATALOG__GOURMETGRAM__URI: 'postgresql://iceberg@db/gourmetgram',
      PYICEBERG_CATALOG__GOURMETGRAM__WAREHOUSE: 'file:///srv/warehouse',
      PYICEBERG_CATALOG__GOURMETGRAM__CLIENT__REGION: 'eu-central-1',
      PYICEBERG_CATALOG__GOURMETGRAM__S3__FORCE_VIRTUAL_ADDRESSING: 'true',
    };
    // One catalog and no default-catalog: that one.
    const r = readPyIcebergSettings({ env, ...noFiles() });
    expect(r.connections.catalog).toEqual({ type: 'sql', name: 'gourmetgram', uri: 'postgresql://iceberg@db/gourmetgram' });
    expect(r.connections.s3).toEqual({ region: 'eu-central-1', forcePathStyle: false });
    expect(readPyIcebergSettings({ env: { ...env, PYICEBERG_CATALOG__GOURMETGRAM__S3__PATH_STYLE_ACCESS: 'true' }, ...noFiles() }).connections.s3)
      .toMatchObject({ forcePathStyle: true });
    expect(() => readPyIcebergSettings({ env, catalog: 'prod', ...noFiles() })).toThrow('define no PyIceberg catalog "prod"; there is gourmetgram');
    expect(() => readPyIcebergSettings({ env: { PYICEBERG_CATALOG__H__URI: 'thrift://hms:9083' }, ...noFiles() })).toThrow('is a hive catalog; Floe works with sql and rest catalogs');
    expect(readPyIcebergSettings({ env: {}, ...noFiles() }).connections).toEqual({});
  });
});

describe('importing into a workspace', () => {
  it('stores the secrets found and writes a config file with references only', async () => {
    await writeFile(join(home, '.pyiceberg.yaml'), yamlFile.replace('GourmetGram', 'default'));
    const env = {
      PGHOST: '127.0.0.1', PGUSER: 'etl', PGDATABASE: 'gourmetgram', PGPASSWORD: 'pg-secret-1',
      AWS_ACCESS_KEY_ID: 'aws-user', AWS_SECRET_ACCESS_KEY: 'aws-secret-2', AWS_REGION: 'eu-west-1', KAFKA_BROKERS: '127.0.0.1:9092',
    };
    const secrets = new MemorySecretStore();
    const result = await importEnvironment({}, secrets, { env, pyiceberg: noFiles() });
    // The catalog's own s3.* settings win over AWS_*, as in PyIceberg.
    expect(result.config.connections.s3).toMatchObject({ endpoint: 'http://minio:9000', accessKeyId: 'minio-user', region: 'us-east-1' });
    expect(result.config.connections.kafka?.brokers).toEqual(['127.0.0.1:9092']);
    expect(result.config.storage.warehouse).toBe('s3://gourmetgram-datalake/warehouse');
    expect(result.secretsStored).toEqual(['catalog.password', 'postgres.password', 's3.secretAccessKey']);
    expect(await secrets.get('s3.secretAccessKey')).toBe('minio-secret');
    expect(await secrets.get('postgres.password')).toBe('pg-secret-1');

    const path = join(cwd, 'floe', 'workspace.json');
    await saveWorkspaceConfig(path, result.config);
    const text = await readFile(path, 'utf8');
    for (const secret of ['pg-secret-1', 'aws-secret-2', 'minio-secret', 'cat-secret']) expect(text).not.toContain(secret);
    expect(text).toContain('"secret": "s3.secretAccessKey"');
    expect(result.notes.join('\n')).not.toMatch(/secret-|minio-secret|cat-secret/);
  });

  it('stores nothing when the result is not a valid configuration', async () => {
    const secrets = new MemorySecretStore();
    await expect(importEnvironment({}, secrets, { env: { PGHOST: 'h', PGPASSWORD: 'x' }, pyiceberg: noFiles() }))
      .rejects.toThrow('connections.catalog: is required');
    expect(await secrets.list()).toEqual([]);
    expect(readEnvironment({ env: {}, pyiceberg: false }).notes).toEqual([]);
  });
});
