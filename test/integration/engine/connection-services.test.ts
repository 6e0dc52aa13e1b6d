/** The Kafka, S3 and catalog connection tests against the test bed's real services. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWorkspaceConfig, type WorkspaceConfigInput } from '../../../core/engine/workspace/config.ts';
import { testConnection, type ConnectionTestResult } from '../../../core/engine/workspace/connection-test.ts';
import { MemorySecretStore } from '../../../core/engine/workspace/secrets.ts';
import { SqlCatalog } from '../../../core/iceberg/catalog/sql-catalog.ts';
import { PostgresDriver } from '../../../core/iceberg/catalog/sql-driver.ts';
import { kafkaClient } from '../../../core/sources/kafka-config.ts';
import { freshDatabase, testBed, uniqueName, freePort } from '../../services/testbed.ts';


const stepNames = (r: ConnectionTestResult) => r.steps.map((s) => `${s.step}:${s.ok ? 'ok' : 'FAIL'}`);
const failure = (r: ConnectionTestResult) => r.steps.find((s) => !s.ok)?.detail;
const S3_SECRET = 's3.secretAccessKey';

let dir: string;
let topics: { views: string; comments: string; flags: string };

function workspace(over: { connections?: Partial<WorkspaceConfigInput['connections']>; storage?: WorkspaceConfigInput['storage']; topics?: object } = {}): WorkspaceConfigInput {
  const bed = testBed();
  return {
    connections: {
      kafka: { brokers: bed.kafkaBrokers },
      s3: { endpoint: bed.s3.endpoint, region: bed.s3.region, forcePathStyle: true, accessKeyId: bed.s3.accessKeyId, secretAccessKey: { secret: S3_SECRET } },
      catalog: { type: 'rest', name: 'rest', uri: bed.rest.uri, warehouse: bed.rest.warehouse },
      ...over.connections,
    },
    storage: over.storage ?? { root: `s3://${bed.s3.bucket}/${uniqueName('conn')}` },
    pipelines: { event_aggregation: { topics: { ...topics, ...over.topics } } },
  };
}

async function test(kind: 'kafka' | 's3' | 'catalog', input: WorkspaceConfigInput, secrets?: Record<string, string>): Promise<ConnectionTestResult> {
  const store = new MemorySecretStore(secrets ?? { [S3_SECRET]: testBed().s3.secretAccessKey });
  return testConnection(kind, parseWorkspaceConfig(input), store, undefined, { stepTimeoutMs: 5_000 });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floe-conn-'));
  topics = { views: uniqueName('views'), comments: uniqueName('comments'), flags: uniqueName('flags') };
  const admin = kafkaClient({ brokers: testBed().kafkaBrokers }).admin();
  await admin.connect();
  await admin.createTopics({ topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: true });
  await admin.disconnect();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('Kafka connection test', () => {
  it('passes when the brokers answer and the three topics exist', async () => {
    const r = await test('kafka', workspace());
    expect(stepNames(r)).toEqual(['dns:ok', 'tcp:ok', 'auth:ok', 'topic:ok']);
    expect(r.steps[2]!.detail).toMatch(/^connected \(no SASL login configured\); cluster \S+ with 1 broker$/);
    expect(r.steps[3]!.detail).toBe(`topics ${topics.views}, ${topics.comments}, ${topics.flags} exist`);
  });

  it('names a missing topic and the setting to fix', async () => {
    const r = await test('kafka', workspace({ topics: { views: 'gourmetgram.views-absent' } }));
    expect(stepNames(r)).toEqual(['dns:ok', 'tcp:ok', 'auth:ok', 'topic:FAIL']);
    expect(failure(r)).toBe(`Kafka topic gourmetgram.views-absent does not exist on brokers ${testBed().kafkaBrokers.join(', ')}: create it, or fix pipelines.event_aggregation.topics.views.`);
  });

  it('says no broker accepts connections on a wrong port, and names an unresolvable one', async () => {
    const port = await freePort();
    const r = await test('kafka', workspace({ connections: { kafka: { brokers: [`127.0.0.1:${port}`] } } }));
    expect(stepNames(r)).toEqual(['dns:ok', 'tcp:FAIL']);
    expect(failure(r)).toBe(`No Kafka broker accepts connections — 127.0.0.1:${port}: connection refused — is the server running and is the port right?`);
    const unresolvable = await test('kafka', workspace({ connections: { kafka: { brokers: ['kafka.invalid:9092'] } } }));
    expect(stepNames(unresolvable)).toEqual(['dns:FAIL']);
    expect(failure(unresolvable)).toMatch(/^Kafka broker kafka\.invalid:9092: the host name "kafka\.invalid" does not resolve/);
    // One good broker is enough to bootstrap; the bad one is still named.
    const mixed = await test('kafka', workspace({ connections: { kafka: { brokers: ['kafka.invalid:9092', ...testBed().kafkaBrokers] } } }));
    expect(mixed.ok).toBe(true);
    expect(mixed.steps[0]!.detail).toMatch(/resolves; kafka\.invalid:9092: the host name/);
  });
});

describe('S3 connection test', () => {
  it('passes when the credentials are right and the bucket exists', async () => {
    const r = await test('s3', workspace());
    expect(stepNames(r)).toEqual(['dns:ok', 'tcp:ok', 'auth:ok', 'bucket:ok']);
    expect(r.steps[3]!.detail).toBe(`bucket ${testBed().s3.bucket} (storage.root, pipelines.etl_moderation.rawRoot, pipelines.event_aggregation.rejectsLocation) can be listed`);
  });

  it('names a missing bucket, where, and what to fix', async () => {
    const bucket = uniqueName('no-such-bucket');
    const r = await test('s3', workspace({ storage: { root: `s3://${bucket}` } }));
    expect(stepNames(r)).toEqual(['dns:ok', 'tcp:ok', 'auth:ok', 'bucket:FAIL']);
    expect(failure(r)).toBe(`S3 bucket '${bucket}' does not exist at ${testBed().s3.endpoint}: create it or fix storage.root / pipelines.etl_moderation.rawRoot / pipelines.event_aggregation.rejectsLocation.`);
  });

  it('names a wrong secret key or access key as an auth failure, without echoing the secret', async () => {
    const wrong = 'not-the-secret-key-123';
    const r = await test('s3', workspace(), { [S3_SECRET]: wrong });
    expect(stepNames(r)).toEqual(['dns:ok', 'tcp:ok', 'auth:FAIL']);
    expect(failure(r)).toBe(`S3 at ${testBed().s3.endpoint} refused the request: the secret key does not match the access key id "${testBed().s3.accessKeyId}" — check the secret access key (the secret "s3.secretAccessKey").`);
    expect(JSON.stringify(r)).not.toContain(wrong);
    const bed = testBed();
    const unknownKey = await test('s3', workspace({
      connections: { s3: { endpoint: bed.s3.endpoint, region: bed.s3.region, forcePathStyle: true, accessKeyId: 'nobody', secretAccessKey: { secret: S3_SECRET } } },
    }));
    expect(stepNames(unknownKey)).toEqual(['dns:ok', 'tcp:ok', 'auth:FAIL']);
    expect(failure(unknownKey)).toBe(`S3 at ${bed.s3.endpoint} refused the request: the server does not know the access key id "nobody" — check connections.s3.accessKeyId.`);
  });

  it('says the endpoint is not listening on a wrong port', async () => {
    const port = await freePort();
    const r = await test('s3', workspace({ connections: { s3: { endpoint: `http://127.0.0.1:${port}`, accessKeyId: 'a', secretAccessKey: { secret: S3_SECRET } } } }));
    expect(stepNames(r)).toEqual(['dns:ok', 'tcp:FAIL']);
    expect(failure(r)).toBe(`S3 at 127.0.0.1:${port}: connection refused — is the server running and is the port right?`);
  });
});

describe('catalog connection test', () => {
  it('reaches the REST catalog and lists its namespaces; a wrong port fails at tcp', async () => {
    const r = await test('catalog', workspace());
    expect(stepNames(r)).toEqual(['dns:ok', 'tcp:ok', 'auth:ok', 'catalog:ok']);
    expect(r.steps[3]!.detail).toMatch(/^\d+ namespaces?/);
    const port = await freePort();
    const down = await test('catalog', workspace({ connections: { catalog: { type: 'rest', uri: `http://127.0.0.1:${port}` } } }));
    expect(stepNames(down)).toEqual(['dns:ok', 'tcp:FAIL']);
  });

  it('reads a SQL catalog in Postgres: its tables, namespaces, and the local warehouse', async () => {
    const db = await freshDatabase('conn_catalog');
    const warehouse = `file://${dir}/warehouse`;
    const catalog = new SqlCatalog({ name: 'gourmetgram', driver: new PostgresDriver(db), warehouse, io: () => { throw new Error('no files in this test'); } });
    const before = await test('catalog', workspace({ connections: { catalog: { type: 'sql', name: 'gourmetgram', uri: db } }, storage: { warehouse } }));
    expect(stepNames(before)).toEqual(['dns:ok', 'tcp:ok', 'tls:ok', 'auth:ok', 'catalog:ok', 'warehouse:ok']);
    expect(before.steps[4]!.detail).toMatch(/^no Iceberg catalog tables in "conn_catalog_\w+" yet: Floe creates them on its first write$/);
    expect(before.steps[5]!.detail).toBe(`${dir}/warehouse does not exist yet; ${dir} is writable, so Floe can create it`);
    await catalog.createNamespace(['moderation']);
    await catalog.close();
    const after = await test('catalog', workspace({ connections: { catalog: { type: 'sql', name: 'gourmetgram', uri: db } }, storage: { warehouse } }));
    expect(after.steps[4]!.detail).toBe('catalog "gourmetgram": 1 namespace, 0 tables');
  });

  it('checks a SQLite catalog file: absent is fine, not-a-database is not', async () => {
    const absent = await test('catalog', workspace({ connections: { catalog: { type: 'sql', uri: `sqlite:///${dir}/new/catalog.db` } }, storage: { root: `file://${dir}/lake` } }));
    expect(stepNames(absent)).toEqual(['catalog:ok', 'warehouse:ok']);
    expect(absent.steps[0]!.detail).toBe(`${dir}/new/catalog.db does not exist yet: Floe creates it on first use`);
    await writeFile(join(dir, 'garbage.db'), 'this is not sqlite '.repeat(100));
    const garbage = await test('catalog', workspace({ connections: { catalog: { type: 'sql', uri: join(dir, 'garbage.db') } }, storage: { root: `file://${dir}/lake` } }));
    expect(stepNames(garbage)).toEqual(['catalog:FAIL']);
    expect(failure(garbage)).toMatch(/^The SQLite catalog .*garbage\.db cannot be read \(.+\): is it a SQLite database\? Fix connections\.catalog\.uri\.$/);
  });
});
