import { describe, expect, it } from 'vitest';
import {
  parseWorkspaceConfig, sqliteFile, storageLocations, WorkspaceConfigError, type WorkspaceConfigInput,
} from '../../../../core/engine/workspace/config.ts';
import { defaultEtlModerationConfig } from '../../../../core/pipelines/etl-moderation/pipeline.ts';
import { defaultEventAggregationConfig } from '../../../../core/pipelines/event-aggregation/pipeline.ts';

const minimal: WorkspaceConfigInput = {
  connections: { catalog: { type: 'sql', uri: 'sqlite:////tmp/floe/catalog.db' } },
  storage: { root: 's3://gourmetgram-datalake' },
};

/** The problems a config has, one line each. */
function problems(input: unknown): string[] {
  try {
    parseWorkspaceConfig(input);
  } catch (err) {
    expect(err).toBeInstanceOf(WorkspaceConfigError);
    return (err as WorkspaceConfigError).problems;
  }
  throw new Error('expected the configuration to be refused');
}

const withConnections = (connections: Record<string, unknown>) => ({ ...minimal, connections: { ...minimal.connections, ...connections } });

describe('workspace configuration', () => {
  it('fills in the pipelines\' own defaults and the seed\'s schedules', () => {
    const c = parseWorkspaceConfig(minimal);
    const ea = defaultEventAggregationConfig({ brokers: [] }, 's3://x');
    const etl = defaultEtlModerationConfig('s3://x');
    expect(c.pipelines.event_aggregation).toMatchObject({
      topics: ea.topics, windowMinutes: ea.windowMinutes, startTime: null, consumerGroup: ea.consumerGroup, maxEventBytes: ea.maxEventBytes,
      tables: { views: 'event_aggregations.view_windows_5min', comments: 'event_aggregations.comment_windows_5min', flags: 'event_aggregations.flag_windows_5min' },
      schedule: { cron: '0 * * * *', timeZone: 'UTC', paused: false },
    });
    expect(c.pipelines.etl_moderation).toMatchObject({
      trainingTable: 'moderation.training_data', decisionPointsMinutes: etl.decisionPointsMinutes, labelHorizonHours: etl.labelHorizonHours,
      schedule: { cron: '0 0 * * *', timeZone: 'UTC', paused: false },
    });
    expect(c.pipelines.verify.schedule.cron).toBeNull();
    expect(c.connections.catalog).toMatchObject({ type: 'sql', name: 'default' });
    expect(c.version).toBe(1);
  });

  it('derives the raw, rejects and warehouse locations from the storage root, and the root from a warehouse', () => {
    const c = parseWorkspaceConfig(minimal);
    expect(storageLocations(c)).toEqual({
      root: 's3://gourmetgram-datalake', warehouse: 's3://gourmetgram-datalake/warehouse',
      rawRoot: 's3://gourmetgram-datalake/raw', rejectsLocation: 's3://gourmetgram-datalake/rejects/event_aggregation',
    });
    const byWarehouse = parseWorkspaceConfig({ ...minimal, storage: { warehouse: 'file:///srv/lake/warehouse/' } });
    expect(storageLocations(byWarehouse)).toMatchObject({ root: 'file:///srv/lake', warehouse: 'file:///srv/lake/warehouse', rawRoot: 'file:///srv/lake/raw' });
    expect(problems({ ...minimal, storage: {} })).toEqual(['storage: set root (s3://bucket or file:///dir) or warehouse']);
  });

  it('names the path of every problem', () => {
    const found = problems(withConnections({
      s3: { endpoint: 'minio:9000', forcePathStyle: 'yes' },
      kafka: { brokers: ['localhost'] },
    }));
    expect(found).toContain('connections.s3.endpoint: must start with http:// or https://');
    expect(found).toContainEqual(expect.stringMatching(/^connections\.s3\.forcePathStyle: .*boolean/));
    expect(found).toContain('connections.kafka.brokers.0: must be host:port, e.g. 127.0.0.1:9092');
    expect(problems({ storage: { root: 's3://b' } })).toEqual(['connections: is required']);
    expect(problems(withConnections({ catalog: { type: 'hive', uri: 'thrift://x' } }))).toEqual(['connections.catalog.type: type must be "sql" or "rest"']);
  });

  it('refuses a secret in clear wherever it is put, without repeating it', () => {
    const secret = 'hunter2-very-secret';
    const messages = [
      ...problems(withConnections({ s3: { accessKeyId: 'AK', secretAccessKey: secret } })),
      ...problems(withConnections({ postgres: { host: 'db', user: 'u', database: 'd', password: secret } })),
      ...problems(withConnections({ s3: { accessKeyId: 'AK', secretAccessKey: { secret: 's3.secretAccessKey' }, secretKey: secret } })),
      ...problems(withConnections({ postgres: { url: `postgresql://u:${secret}@db:5432/gourmetgram` } })),
      ...problems(withConnections({ postgres: { url: `postgresql://u@db/gourmetgram?password=${secret}` } })),
      ...problems(withConnections({ catalog: { type: 'sql', uri: `postgresql+psycopg2://u:${secret}@db/cat` } })),
    ];
    expect(messages.join('\n')).not.toContain(secret);
    expect(messages).toEqual([
      'connections.s3.secretAccessKey: must be a secret reference such as {"secret": "s3.secretAccessKey"}; the secret itself goes in the secret store, never in the config file',
      'connections.postgres.password: must be a secret reference such as {"secret": "s3.secretAccessKey"}; the secret itself goes in the secret store, never in the config file',
      'connections.s3.secretKey: not a setting here; a secret never goes in the config file: keep it in the secret store and refer to it as {"secret": "<name>"}',
      'connections.postgres.url: holds a password: remove it from the URL and store it as the connection\'s password secret',
      'connections.postgres.url: holds a password: remove it from the URL and store it as the connection\'s password secret',
      'connections.catalog.uri: holds a password: remove it from the URL and store it as the connection\'s password secret',
    ]);
  });

  it('checks connection settings that only make sense together', () => {
    expect(problems(withConnections({ postgres: { url: 'postgresql://u@db/x', host: 'db' } })))
      .toEqual(['connections.postgres.host: give either url or host/port/user/database, not both']);
    expect(problems(withConnections({ postgres: { url: 'postgresql://u@db/x?sslmode=maybe' } })))
      .toEqual(['connections.postgres.url: sslmode=maybe is not one of disable, allow, prefer, require, verify-ca, verify-full']);
    expect(problems(withConnections({ postgres: { host: 'db' } }))).toEqual([
      'connections.postgres.user: is required (or give the whole connection as url)',
      'connections.postgres.database: is required (or give the whole connection as url)',
    ]);
    expect(problems(withConnections({ s3: { accessKeyId: 'AK' } })))
      .toEqual(['connections.s3.secretAccessKey: accessKeyId and secretAccessKey go together (leave both out to use the AWS default credential chain)']);
    expect(problems(withConnections({ kafka: { brokers: ['k:9092'], ssl: { enabled: true, certFile: '/c.pem' } } })))
      .toEqual(['connections.kafka.ssl: certFile and keyFile go together (mutual TLS needs both)']);
    expect(problems(withConnections({ kafka: { brokers: ['k:9092'], sasl: { mechanism: 'gssapi', username: 'u', password: { secret: 'k' } } } })))
      .toContainEqual(expect.stringMatching(/^connections\.kafka\.sasl\.mechanism: .*"plain"\|"scram-sha-256"\|"scram-sha-512"/));
    expect(problems(withConnections({ catalog: { type: 'sql', uri: 'catalog.db' } })))
      .toEqual(['connections.catalog.uri: must be postgresql://user@host:port/database, or a SQLite file as sqlite:////absolute/path.db or an absolute path']);
    expect(problems(withConnections({ catalog: { type: 'rest', uri: 'http://rest:8181', token: { secret: 'a' }, credential: { secret: 'b' } } })))
      .toEqual(['connections.catalog.credential: give a token or a credential, not both']);
  });

  it('checks pipeline parameters and schedules', () => {
    const found = problems({
      ...minimal,
      pipelines: {
        event_aggregation: { windowMinutes: 7, startTime: '2026-03-01 00:00', tables: { views: 'nonamespace' }, schedule: { cron: '61 * * * *', timeZone: 'Mars/Olympus' } },
        etl_moderation: { decisionPointsMinutes: [0, 5, 5], labelHorizonHours: 0 },
      },
    });
    expect(found).toEqual([
      'pipelines.event_aggregation.tables.views: "nonamespace" is not a table identifier: write it as namespace.table (e.g. moderation.training_data)',
      'pipelines.event_aggregation.windowMinutes: must divide a day evenly (1, 5, 15, 60, ...)',
      'pipelines.event_aggregation.startTime: must be an ISO 8601 time with a zone, e.g. 2026-03-01T00:00:00Z',
      'pipelines.event_aggregation.schedule.cron: is not a cron expression: 61 is a invalid expression for minute',
      'pipelines.event_aggregation.schedule.timeZone: "Mars/Olympus" is not an IANA time zone (e.g. UTC, Europe/Paris)',
      'pipelines.etl_moderation.decisionPointsMinutes: must not repeat a decision point',
      expect.stringMatching(/^pipelines\.etl_moderation\.labelHorizonHours: /),
    ]);
    const ok = parseWorkspaceConfig({ ...minimal, pipelines: { event_aggregation: { startTime: '2026-03-01T00:00:00+01:00', schedule: { cron: '*/15 * * * *', timeZone: 'Europe/Paris', paused: true } } } });
    expect(ok.pipelines.event_aggregation.schedule).toEqual({ cron: '*/15 * * * *', timeZone: 'Europe/Paris', paused: true });
  });

  it('puts every problem in the error message, one per line', () => {
    expect(() => parseWorkspaceConfig({ connections: {}, storage: {} }, 'The workspace configuration /x/floe.json'))
      .toThrow('The workspace configuration /x/floe.json is not valid:\n  - connections.catalog: is required\n  - storage: set root');
  });

  it('reads SQLite catalog URIs as SQLAlchemy (and PyIceberg) write them', () => {
    expect(sqliteFile('sqlite:////var/floe/catalog.db')).toBe('/var/floe/catalog.db');
    expect(sqliteFile('/var/floe/catalog.db')).toBe('/var/floe/catalog.db');
    expect(sqliteFile('sqlite:///relative.db')).toBeUndefined();
    expect(sqliteFile('sqlite:///:memory:')).toBeUndefined();
  });
});
