/**
 * openWorkspace on the real services: a SQL catalog in the test bed's Postgres with its warehouse
 * on S3, the embedded shape (a SQLite catalog file and a local warehouse), and the REST catalog;
 * secrets read from a 0600 secret file, as a headless install keeps them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parseWorkspaceConfig, type WorkspaceConfigInput } from '../../../core/engine/workspace/config.ts';
import { openWorkspace } from '../../../core/engine/workspace/open.ts';
import { FileSecretStore } from '../../../core/engine/workspace/secrets.ts';
import { createSourceTablesSql } from '../../../core/demo/source-schema.ts';
import { smallSchema } from '../iceberg/table-batches.ts';
import { freshDatabase, testBed, uniqueName } from '../../services/testbed.ts';

let dir: string;
let secrets: FileSecretStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floe-open-'));
  secrets = new FileSecretStore(join(dir, 'secrets.json'));
  await secrets.set('s3.secretAccessKey', testBed().s3.secretAccessKey);
  // The test bed trusts every login; the password still has to travel without showing up anywhere.
  await secrets.set('postgres.password', 'pw-only-for-the-url');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const s3Connection = (): NonNullable<WorkspaceConfigInput['connections']['s3']> => {
  const s3 = testBed().s3;
  return { endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, accessKeyId: s3.accessKeyId, secretAccessKey: { secret: 's3.secretAccessKey' } };
};

describe('openWorkspace', () => {
  it('opens a SQL catalog in Postgres with its warehouse on S3, and the source and pipeline settings', async () => {
    const catalogDb = await freshDatabase('open_catalog');
    const sourceDb = await freshDatabase('open_source');
    const client = new pg.Client({ connectionString: sourceDb });
    await client.connect();
    await client.query(createSourceTablesSql());
    await client.end();
    const root = `s3://${testBed().s3.bucket}/${uniqueName('open')}`;
    const config = parseWorkspaceConfig({
      connections: {
        postgres: { url: sourceDb, password: { secret: 'postgres.password' } },
        kafka: { brokers: testBed().kafkaBrokers },
        s3: s3Connection(),
        catalog: { type: 'sql', name: 'gourmetgram', uri: catalogDb },
      },
      storage: { root },
      pipelines: { event_aggregation: { windowMinutes: 15, startTime: '2026-03-01T00:00:00Z' }, etl_moderation: { labelHorizonHours: 48 }, verify: { sampleRows: 3 } },
    });
    const ws = await openWorkspace(config, secrets);
    try {
      expect(await ws.catalog.listNamespaces()).toEqual([]);
      await ws.catalog.createNamespace(['moderation']);
      const table = await ws.catalog.createTable({ namespace: ['moderation'], name: 'opened' }, { schema: smallSchema });
      expect(table.metadataLocation.startsWith(`${root}/warehouse/moderation/opened/metadata/`)).toBe(true);
      expect(await ws.io(table.metadataLocation).stat(table.metadataLocation)).not.toBeNull();
      expect(await ws.catalog.listNamespaces()).toEqual([['moderation']]);

      // The source: the password reaches pg, and never the description shown to users.
      expect(ws.postgresUrl).toContain(':pw-only-for-the-url@');
      expect(ws.postgresUrl).toContain('sslmode=disable');
      expect(ws.source!.description).not.toContain('pw-only-for-the-url');
      expect(await ws.source!.readSnapshot((s) => s.count('users'))).toBe(0);

      expect(ws.pipelines.etl_moderation).toMatchObject({
        rawRoot: `${root}/raw`, labelHorizonHours: 48, decisionPointsMinutes: [0, 5, 30],
        trainingTable: { namespace: ['moderation'], name: 'training_data' },
        windowTables: { views: { namespace: ['event_aggregations'], name: 'view_windows_5min' } },
      });
      expect(ws.pipelines.event_aggregation).toMatchObject({
        kafka: { brokers: testBed().kafkaBrokers, clientId: 'floe' }, windowMinutes: 15, startTime: '2026-03-01T00:00:00Z',
        rejectsLocation: `${root}/rejects/event_aggregation`, topics: { views: 'gourmetgram.views' },
      });
      expect(ws.pipelines.verify).toMatchObject({ sampleRows: 3, decisionPointsMinutes: [0, 5, 30] });
      expect(ws.schedules.event_aggregation).toEqual({ cron: '0 * * * *', timeZone: 'UTC', paused: false });
    } finally {
      await ws.close();
    }
  });

  it('opens the embedded shape: a SQLite catalog file (its folder created) and a local warehouse', async () => {
    const config = parseWorkspaceConfig({
      connections: { catalog: { type: 'sql', name: 'gourmetgram', uri: `sqlite:///${dir}/state/catalog.db` } },
      storage: { root: `file://${dir}/lake` },
    });
    const ws = await openWorkspace(config, secrets);
    try {
      await ws.catalog.createNamespace(['event_aggregations']);
      const t = await ws.catalog.createTable({ namespace: ['event_aggregations'], name: 'w' }, { schema: smallSchema });
      expect(t.metadataLocation.startsWith(`file://${dir}/lake/warehouse/event_aggregations/w/metadata/`)).toBe(true);
      expect(ws.postgresUrl).toBeNull();
      expect(ws.source).toBeNull();
      expect(ws.pipelines.event_aggregation).toBeNull();
      expect(() => ws.io('s3://bucket/key')).toThrow('s3://bucket/key is on S3, but the workspace has no S3 connection: set connections.s3');
    } finally {
      await ws.close();
    }
    expect((await stat(join(dir, 'state', 'catalog.db'))).isFile()).toBe(true);
    const again = await openWorkspace(config, secrets);
    try {
      expect(await again.catalog.listNamespaces()).toEqual([['event_aggregations']]);
      expect(await again.catalog.listTables(['event_aggregations'])).toEqual([{ namespace: ['event_aggregations'], name: 'w' }]);
    } finally {
      await again.close();
    }
  });

  it('opens the REST catalog with the S3 connection for its files', async () => {
    const config = parseWorkspaceConfig({
      connections: { s3: s3Connection(), catalog: { type: 'rest', name: 'rest', uri: testBed().rest.uri, warehouse: testBed().rest.warehouse } },
      storage: { root: `s3://${testBed().s3.bucket}/${uniqueName('open-rest')}` },
    });
    const ws = await openWorkspace(config, secrets);
    try {
      const ns = uniqueName('ns').replace(/-/g, '_');
      await ws.catalog.createNamespace([ns]);
      expect(await ws.catalog.listNamespaces()).toContainEqual([ns]);
      await ws.catalog.dropNamespace([ns]);
    } finally {
      await ws.close();
    }
  });

  it('refuses to open when a referenced secret is missing, naming it and how to set it', async () => {
    const config = parseWorkspaceConfig({
      connections: { s3: { ...s3Connection(), secretAccessKey: { secret: 's3.other' } }, catalog: { type: 'sql', uri: `${dir}/c.db` } },
      storage: { root: `file://${dir}/lake2` },
    });
    await expect(openWorkspace(config, secrets)).rejects.toThrow(
      `connections.s3.secretAccessKey refers to the secret "s3.other", which is not in the secret file ${join(dir, 'secrets.json')}: enter it again in the connection settings, or set FLOE_SECRET_S3_OTHER in the environment.`);
  });
});
