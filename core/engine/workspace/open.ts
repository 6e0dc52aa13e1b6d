/**
 * A workspace opened: the catalog, the FileIO, the source and Kafka connections and the three
 * pipeline configurations, built from the configuration and the secret store. What it holds
 * carries secrets (the postgres URL, the S3 keys): hand it to the runner, never to the UI.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseIdentifier, type Catalog } from '../../iceberg/catalog/catalog.ts';
import type { FileIOFor } from '../../iceberg/catalog/metadata-files.ts';
import { RestCatalog } from '../../iceberg/catalog/rest-catalog.ts';
import { SqlCatalog } from '../../iceberg/catalog/sql-catalog.ts';
import { PostgresDriver, SqliteDriver } from '../../iceberg/catalog/sql-driver.ts';
import type { S3Config } from '../../io/file-io.ts';
import { LocalFileIO } from '../../io/local-file-io.ts';
import { parseLocation } from '../../io/location.ts';
import { S3FileIO } from '../../io/s3-file-io.ts';
import { defaultEtlModerationConfig, type EtlModerationConfig } from '../../pipelines/etl-moderation/pipeline.ts';
import { defaultEventAggregationConfig, type EventAggregationConfig } from '../../pipelines/event-aggregation/pipeline.ts';
import { verifyConfigFor, type VerifyConfig } from '../../pipelines/verify/pipeline.ts';
import type { KafkaConnection } from '../../sources/kafka-config.ts';
import { postgresSource, type SqlSource } from '../../sources/sql-source.ts';
import { sharedPglite, type SharedPglite } from '../../sources/pglite-source.ts';
import { sqliteFile, storageLocations, type PipelineName, type Schedule, type WorkspaceConfig } from './config.ts';
import { kafkaConnectionFor, postgresTarget, postgresUrl, postgresUsesTls, restAuthFor, s3ConfigFor } from './resolve.ts';
import type { SecretStore } from './secrets.ts';

export type EventAggregationRunConfig = EventAggregationConfig & {
  /** The first run reads each topic from this time (ISO 8601) rather than from its earliest offset. */
  startTime: string | null;
};

export interface Workspace {
  readonly config: WorkspaceConfig;
  readonly catalog: Catalog;
  readonly io: FileIOFor;
  /** Storage root, warehouse, raw root and rejects location, defaults filled in. */
  readonly locations: ReturnType<typeof storageLocations>;
  /** With the password in it: for pg clients only. Null without a Postgres source. */
  readonly postgresUrl: string | null;
  readonly source: SqlSource | null;
  readonly kafka: KafkaConnection | null;
  readonly pipelines: {
    /** Null without a Kafka connection (etl_moderation then uses its milestone fallback). */
    event_aggregation: EventAggregationRunConfig | null;
    etl_moderation: EtlModerationConfig;
    verify: VerifyConfig;
  };
  readonly schedules: Record<PipelineName, Schedule>;
  /** Closes the catalog's database connections and the S3 clients. */
  close(): Promise<void>;
}

/** The cap on asking a Postgres server whether it offers TLS (sslmode=prefer) while opening. */
const TLS_QUESTION_MS = 5_000;

export async function openWorkspace(config: WorkspaceConfig, secrets: SecretStore): Promise<Workspace> {
  const locations = storageLocations(config);
  const c = config.connections;
  const s3 = c.s3 ? await s3ConfigFor(c.s3, secrets) : undefined;
  const kafka = c.kafka ? await kafkaConnectionFor(c.kafka, secrets) : null;
  let pgUrl: string | null = null;
  let embedded: SharedPglite | null = null;
  if (c.postgres?.embedded !== undefined) {
    embedded = await sharedPglite(c.postgres.embedded);
  } else if (c.postgres) {
    const target = await postgresTarget(c.postgres, secrets, 'connections.postgres');
    pgUrl = postgresUrl(target, await postgresUsesTls(target, AbortSignal.timeout(TLS_QUESTION_MS)));
  }
  const files = workspaceFileIO(s3);
  let catalog: Catalog;
  try {
    catalog = await openCatalog(config, secrets, files.io, locations.warehouse);
  } catch (err) {
    files.close();
    await embedded?.release();
    throw err;
  }

  const p = config.pipelines;
  const ea = p.event_aggregation;
  const windowTables = { views: parseIdentifier(ea.tables.views), comments: parseIdentifier(ea.tables.comments), flags: parseIdentifier(ea.tables.flags) };
  const etl: EtlModerationConfig = {
    ...defaultEtlModerationConfig(locations.root),
    rawRoot: locations.rawRoot,
    windowTables,
    trainingTable: parseIdentifier(p.etl_moderation.trainingTable),
    decisionPointsMinutes: [...p.etl_moderation.decisionPointsMinutes],
    labelHorizonHours: p.etl_moderation.labelHorizonHours,
  };
  const eventAggregation: EventAggregationRunConfig | null = kafka && {
    ...defaultEventAggregationConfig(kafka, locations.root),
    topics: { ...ea.topics },
    tables: windowTables,
    windowMinutes: ea.windowMinutes,
    maxEventBytes: ea.maxEventBytes,
    rejectsLocation: locations.rejectsLocation,
    consumerGroup: ea.consumerGroup,
    startTime: ea.startTime,
  };

  let closed = false;
  return {
    config, catalog, io: files.io, locations,
    postgresUrl: pgUrl,
    source: embedded ? embedded.source : pgUrl === null ? null : postgresSource(pgUrl),
    kafka,
    pipelines: { event_aggregation: eventAggregation, etl_moderation: etl, verify: verifyConfigFor(etl, p.verify.sampleRows) },
    schedules: { event_aggregation: { ...ea.schedule }, etl_moderation: { ...p.etl_moderation.schedule }, verify: { ...p.verify.schedule } },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await catalog.close();
      } finally {
        files.close();
        await embedded?.release();
      }
    },
  };
}

/**
 * The workspace's own FileIOs rather than resolve-file-io's process-wide cache, so that closing
 * one workspace (after its settings changed, say) cannot destroy S3 clients another still uses.
 */
export function workspaceFileIO(s3: S3Config | undefined): { io: FileIOFor; close(): void } {
  const local = new LocalFileIO();
  let s3io: S3FileIO | undefined;
  return {
    io: (location) => {
      if (parseLocation(location).scheme === 'file') return local;
      if (!s3) throw new Error(`${location} is on S3, but the workspace has no S3 connection: set connections.s3 (endpoint, region and credentials).`);
      return (s3io ??= new S3FileIO(s3));
    },
    close: () => s3io?.destroy(),
  };
}

async function openCatalog(config: WorkspaceConfig, secrets: SecretStore, io: FileIOFor, warehouse: string): Promise<Catalog> {
  const c = config.connections.catalog;
  if (c.type === 'rest') {
    return new RestCatalog({ name: c.name, uri: c.uri, warehouse: c.warehouse, auth: await restAuthFor(c, secrets) });
  }
  const file = sqliteFile(c.uri);
  if (file !== undefined) {
    // better-sqlite3 creates the file but not its folder; a first start has neither.
    await mkdir(dirname(file), { recursive: true });
    return new SqlCatalog({ name: c.name, driver: new SqliteDriver(file), warehouse, io });
  }
  const target = await postgresTarget({ url: c.uri, password: c.password }, secrets, 'connections.catalog');
  const url = postgresUrl(target, await postgresUsesTls(target, AbortSignal.timeout(TLS_QUESTION_MS)));
  return new SqlCatalog({ name: c.name, driver: new PostgresDriver(url), warehouse, io });
}
