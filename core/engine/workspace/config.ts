/**
 * The workspace configuration: connections, storage locations, pipeline parameters and
 * schedules, as one JSON document the user (or the UI) edits. Secrets are never part of it: a
 * secret field holds a reference, {"secret": "s3.secretAccessKey"}, resolved from a SecretStore
 * at run time. Unknown keys are rejected, so a password typed into the wrong place fails
 * validation instead of being saved in clear.
 */
import { validateDetailed } from 'node-cron';
import { z } from 'zod';
import { parseIdentifier } from '../../iceberg/catalog/catalog.ts';
import { defaultEtlModerationConfig } from '../../pipelines/etl-moderation/pipeline.ts';
import { defaultEventAggregationConfig } from '../../pipelines/event-aggregation/pipeline.ts';
import { defaultVerifyConfig } from '../../pipelines/verify/pipeline.ts';
import { parseLocation } from '../../io/location.ts';

/** The names Floe stores its secrets under; references in the config point at these. */
export const SECRET_NAMES = {
  postgresPassword: 'postgres.password',
  kafkaSaslPassword: 'kafka.sasl.password',
  s3SecretAccessKey: 's3.secretAccessKey',
  s3SessionToken: 's3.sessionToken',
  catalogPassword: 'catalog.password',
  catalogToken: 'catalog.token',
  catalogCredential: 'catalog.credential',
} as const;

// The pipelines own their defaults; the config takes them from there so the two cannot drift.
const EA = defaultEventAggregationConfig({ brokers: [] }, 's3://bucket');
const ETL = defaultEtlModerationConfig('s3://bucket');
const VERIFY = defaultVerifyConfig();
const tableName = (id: { namespace: string[]; name: string }) => [...id.namespace, id.name].join('.');

const secretRef = z.object({
  secret: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, { error: 'must be a secret name of letters, digits, ".", "_" or "-"' }),
}, {
  // Never echo the input: it may be the secret itself, typed where a reference belongs.
  error: (issue) => issue.input === undefined ? 'is required'
    : 'must be a secret reference such as {"secret": "s3.secretAccessKey"}; the secret itself goes in the secret store, never in the config file',
}).strict();
export type SecretRef = z.infer<typeof secretRef>;

const nonEmpty = z.string().trim().min(1, { error: 'must not be empty' });
const port = z.number().int().min(1).max(65535, { error: 'must be a port number between 1 and 65535' });

/** host:port, with IPv6 addresses in brackets ([::1]:9092). */
const hostPort = z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[^\s:/[\]]+):\d{1,5}$/, { error: 'must be host:port, e.g. 127.0.0.1:9092' });

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

function urlProblem(text: string, schemes: string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `is not a URL (expected ${schemes.map((s) => `${s}//...`).join(' or ')})`;
  }
  if (!schemes.includes(url.protocol)) return `must start with ${schemes.map((s) => `${s}//`).join(' or ')}`;
  if (url.password || url.searchParams.has('password')) {
    return 'holds a password: remove it from the URL and store it as the connection\'s password secret';
  }
  const sslmode = url.searchParams.get('sslmode');
  if (sslmode !== null && !(SSL_MODES as readonly string[]).includes(sslmode)) return `sslmode=${sslmode} is not one of ${SSL_MODES.join(', ')}`;
  return undefined;
}

const httpUrl = z.string().superRefine((text, ctx) => {
  const problem = urlProblem(text, ['http:', 'https:']);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const location = z.string().superRefine((text, ctx) => {
  try {
    parseLocation(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

const tableId = z.string().superRefine((text, ctx) => {
  try {
    parseIdentifier(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

const postgresSource = z.strictObject({
  /**
   * A PGlite data folder (absolute path) read in-process instead of a server: the embedded demo's
   * source. Nothing else of this section applies then.
   */
  embedded: nonEmpty.optional(),
  /** postgresql://user@host:port/database?sslmode=... (no password: that is `password`). */
  url: z.string().optional(),
  host: nonEmpty.optional(),
  port: port.optional(),
  user: nonEmpty.optional(),
  database: nonEmpty.optional(),
  sslmode: z.enum(SSL_MODES).optional(),
  /** A CA certificate file (PEM) to verify the server with (verify-ca, verify-full). */
  sslrootcert: nonEmpty.optional(),
  password: secretRef.optional(),
}).superRefine((pg, ctx) => {
  if (pg.embedded !== undefined) {
    if (!pg.embedded.startsWith('/')) ctx.addIssue({ code: 'custom', path: ['embedded'], message: 'must be the absolute path of a PGlite data folder' });
    for (const key of ['url', 'host', 'port', 'user', 'database', 'sslmode', 'password'] as const) {
      if (pg[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'an embedded (PGlite) source takes no connection settings' });
    }
    return;
  }
  if (pg.url !== undefined) {
    const problem = urlProblem(pg.url, ['postgres:', 'postgresql:']);
    if (problem) ctx.addIssue({ code: 'custom', path: ['url'], message: problem });
    for (const key of ['host', 'port', 'user', 'database'] as const) {
      if (pg[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'give either url or host/port/user/database, not both' });
    }
    return;
  }
  for (const key of ['host', 'user', 'database'] as const) {
    if (pg[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'is required (or give the whole connection as url)' });
  }
});

const kafka = z.strictObject({
  brokers: z.array(hostPort).min(1, { error: 'needs at least one broker (host:port)' }),
  clientId: nonEmpty.default('floe'),
  /** Floe's own reader (fast), or kafkajs for brokers older than Kafka 0.11's message format. */
  reader: z.enum(['wire', 'kafkajs']).default('wire'),
  ssl: z.strictObject({
    enabled: z.boolean().default(false),
    /** PEM files: the CA that signed the brokers' certificates, and a client certificate and key for mutual TLS. */
    caFile: nonEmpty.optional(),
    certFile: nonEmpty.optional(),
    keyFile: nonEmpty.optional(),
    rejectUnauthorized: z.boolean().default(true),
  }).prefault({}),
  sasl: z.strictObject({
    mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
    username: nonEmpty,
    password: secretRef,
  }).optional(),
}).superRefine((k, ctx) => {
  if ((k.ssl.certFile === undefined) !== (k.ssl.keyFile === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['ssl'], message: 'certFile and keyFile go together (mutual TLS needs both)' });
  }
});

const s3 = z.strictObject({
  /** Omit for AWS itself; MinIO and other stores need it (http://host:9000). */
  endpoint: httpUrl.optional(),
  region: nonEmpty.default('us-east-1'),
  /** http://host/bucket/key addressing, as MinIO and most self-hosted stores need. */
  forcePathStyle: z.boolean().default(false),
  accessKeyId: nonEmpty.optional(),
  secretAccessKey: secretRef.optional(),
  sessionToken: secretRef.optional(),
}).superRefine((c, ctx) => {
  if ((c.accessKeyId === undefined) !== (c.secretAccessKey === undefined)) {
    ctx.addIssue({
      code: 'custom', path: [c.accessKeyId === undefined ? 'accessKeyId' : 'secretAccessKey'],
      message: 'accessKeyId and secretAccessKey go together (leave both out to use the AWS default credential chain)',
    });
  }
});

const sqlCatalog = z.strictObject({
  type: z.literal('sql'),
  /** catalog_name in the catalog tables: PyIceberg's and Java's catalog name. */
  name: nonEmpty.default('default'),
  /** postgresql://user@host:port/db, or a SQLite file: sqlite:////abs/catalog.db or /abs/catalog.db. */
  uri: nonEmpty,
  password: secretRef.optional(),
}).superRefine((c, ctx) => {
  if (/^postgres(ql)?(\+[a-z0-9]+)?:/i.test(c.uri)) {
    const problem = urlProblem(c.uri.replace(/^postgres(ql)?\+[a-z0-9]+:/i, 'postgresql:'), ['postgres:', 'postgresql:']);
    if (problem) ctx.addIssue({ code: 'custom', path: ['uri'], message: problem });
  } else if (sqliteFile(c.uri) === undefined) {
    ctx.addIssue({ code: 'custom', path: ['uri'], message: 'must be postgresql://user@host:port/database, or a SQLite file as sqlite:////absolute/path.db or an absolute path' });
  } else if (c.password) {
    ctx.addIssue({ code: 'custom', path: ['password'], message: 'a SQLite catalog has no password' });
  }
});

const restCatalog = z.strictObject({
  type: z.literal('rest'),
  name: nonEmpty.default('default'),
  uri: httpUrl,
  /** Sent to the server, which may host several warehouses. */
  warehouse: nonEmpty.optional(),
  /** A bearer token; or `credential`, "client_id:client_secret" for OAuth2 client credentials. */
  token: secretRef.optional(),
  credential: secretRef.optional(),
  scope: nonEmpty.optional(),
  oauth2ServerUri: httpUrl.optional(),
}).superRefine((c, ctx) => {
  if (c.token && c.credential) ctx.addIssue({ code: 'custom', path: ['credential'], message: 'give a token or a credential, not both' });
});

const catalog = z.discriminatedUnion('type', [sqlCatalog, restCatalog], {
  error: (issue) => issue.input === undefined ? 'is required' : 'type must be "sql" or "rest"',
});

const cron = z.string().superRefine((text, ctx) => {
  const result = validateDetailed(text);
  if (!result.valid) ctx.addIssue({ code: 'custom', message: `is not a cron expression: ${result.errors.map((e) => e.message).join('; ')}` });
});

const timeZone = nonEmpty.superRefine((tz, ctx) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${tz}" is not an IANA time zone (e.g. UTC, Europe/Paris)` });
  }
});

const schedule = (defaultCron: string | null) => z.strictObject({
  /** null: manual runs only. */
  cron: cron.nullable().default(defaultCron),
  timeZone: timeZone.default('UTC'),
  paused: z.boolean().default(false),
}).prefault({});

/** Per-task retries after transient failures (network, conflicts); none for auth, schema or config errors. */
const retry = z.strictObject({
  retries: z.number().int().min(0).max(20).default(2),
  delaySeconds: z.number().min(0).max(3600).default(10),
  /** Each further delay is the previous one times this. */
  backoff: z.number().min(1).max(10).default(3),
}).prefault({});

/** A task running longer than this is stopped (and retried, if retries are left). */
const timeoutMinutes = z.number().positive().max(7 * 24 * 60).default(120);

const kinds = (item: z.ZodString, defaults: { views: string; comments: string; flags: string }) =>
  z.strictObject({ views: item.default(defaults.views), comments: item.default(defaults.comments), flags: item.default(defaults.flags) }).prefault({});


const eventAggregation = z.strictObject({
  topics: kinds(nonEmpty, EA.topics),
  tables: kinds(tableId, { views: tableName(EA.tables.views), comments: tableName(EA.tables.comments), flags: tableName(EA.tables.flags) }),
  windowMinutes: z.number().int().min(1).max(1440).refine((m) => 1440 % m === 0, { error: 'must divide a day evenly (1, 5, 15, 60, ...)' }).default(EA.windowMinutes),
  /** The first run reads from this time instead of each topic's earliest offset (ISO 8601). */
  startTime: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time with a zone, e.g. 2026-03-01T00:00:00Z' }).nullable().default(null),
  maxEventBytes: z.number().int().min(1024).default(EA.maxEventBytes),
  /** Default: {storage root}/rejects/event_aggregation. */
  rejectsLocation: location.optional(),
  consumerGroup: nonEmpty.nullable().default(EA.consumerGroup),
  // Airflow's @hourly, as the seed's DAG ran.
  schedule: schedule('0 * * * *'),
  retry,
  timeoutMinutes,
}).prefault({});

const etlModeration = z.strictObject({
  /** Default: {storage root}/raw. */
  rawRoot: location.optional(),
  // The window tables it reads are event_aggregation's tables: one setting, so the two cannot disagree.
  trainingTable: tableId.default(tableName(ETL.trainingTable)),
  decisionPointsMinutes: z.array(z.number().int().min(0)).min(1).refine((a) => new Set(a).size === a.length, { error: 'must not repeat a decision point' })
    .default(ETL.decisionPointsMinutes),
  labelHorizonHours: z.number().positive().default(ETL.labelHorizonHours),
  // Airflow's @daily.
  schedule: schedule('0 0 * * *'),
  retry,
  timeoutMinutes,
}).prefault({});

const verify = z.strictObject({
  sampleRows: z.number().int().min(0).max(1000).default(VERIFY.sampleRows),
  schedule: schedule(null),
  retry,
  timeoutMinutes,
}).prefault({});

const storage = z.strictObject({
  /** Where raw extracts and rejects go: s3://bucket or file:///dir. Default: the warehouse's parent. */
  root: location.optional(),
  /** Where new tables of a SQL catalog go. Default: {root}/warehouse. */
  warehouse: location.optional(),
}).refine((s) => s.root !== undefined || s.warehouse !== undefined, { error: 'set root (s3://bucket or file:///dir) or warehouse' });

export const workspaceConfigSchema = z.strictObject({
  version: z.literal(1).default(1),
  connections: z.strictObject({
    postgres: postgresSource.optional(),
    kafka: kafka.optional(),
    s3: s3.optional(),
    catalog,
  }),
  storage,
  pipelines: z.strictObject({
    event_aggregation: eventAggregation,
    etl_moderation: etlModeration,
    verify,
  }).prefault({}),
});

export type WorkspaceConfig = z.infer<typeof workspaceConfigSchema>;
/** What a user may write: everything with a default can be left out. */
export type WorkspaceConfigInput = z.input<typeof workspaceConfigSchema>;
export type PostgresSourceConfig = NonNullable<WorkspaceConfig['connections']['postgres']>;
export type KafkaConfig = NonNullable<WorkspaceConfig['connections']['kafka']>;
export type S3ConnectionConfig = NonNullable<WorkspaceConfig['connections']['s3']>;
export type CatalogConfig = WorkspaceConfig['connections']['catalog'];
export type Schedule = WorkspaceConfig['pipelines']['verify']['schedule'];
export type PipelineName = keyof WorkspaceConfig['pipelines'];
export type ConnectionKind = 'postgres' | 'kafka' | 's3' | 'catalog';

export class WorkspaceConfigError extends Error {
  constructor(readonly problems: string[], source = 'The workspace configuration') {
    super(`${source} is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'WorkspaceConfigError';
  }
}

/** Validates and fills in defaults; WorkspaceConfigError lists every problem by its path. */
export function parseWorkspaceConfig(input: unknown, source?: string): WorkspaceConfig {
  const result = workspaceConfigSchema.safeParse(input);
  if (result.success) return result.data;
  throw new WorkspaceConfigError(result.error.issues.flatMap(describeIssue), source);
}

const SECRET_LIKE = /pass|secret|token|credential|key$/i;

function describeIssue(issue: z.core.$ZodIssue): string[] {
  const where = issue.path.map(String).join('.') || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const at = issue.path.length > 0 ? `${where}.${key}` : key;
      return SECRET_LIKE.test(key)
        ? `${at}: not a setting here; a secret never goes in the config file: keep it in the secret store and refer to it as {"secret": "<name>"}`
        : `${at}: unknown setting (check the spelling)`;
    });
  }
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) return [`${where}: is required`];
  return [`${where}: ${issue.message}`];
}

/** The SQLite file a sql catalog URI names, or undefined when it names none. */
export function sqliteFile(uri: string): string | undefined {
  // SQLAlchemy's spelling, which PyIceberg uses: sqlite:////abs/path (three slashes, then the path).
  const match = /^sqlite:\/\/\/(.*)$/i.exec(uri);
  const path = match ? match[1]! : uri;
  if (path === ':memory:' || path === '') return undefined;
  const absolute = path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path);
  return absolute ? path : undefined;
}

/** Where raw extracts, rejects and new tables go, with the defaults filled in. */
export function storageLocations(config: WorkspaceConfig): { root: string; warehouse: string; rawRoot: string; rejectsLocation: string } {
  const trim = (l: string) => l.replace(/\/+$/, '');
  const warehouse = config.storage.warehouse !== undefined ? trim(config.storage.warehouse) : `${trim(config.storage.root!)}/warehouse`;
  const root = config.storage.root !== undefined ? trim(config.storage.root) : parentLocation(warehouse);
  return {
    root, warehouse,
    rawRoot: trim(config.pipelines.etl_moderation.rawRoot ?? `${root}/raw`),
    rejectsLocation: trim(config.pipelines.event_aggregation.rejectsLocation ?? `${root}/rejects/event_aggregation`),
  };
}

function parentLocation(location: string): string {
  const parsed = parseLocation(location);
  if (parsed.scheme === 's3') return parsed.key.includes('/') ? location.slice(0, location.lastIndexOf('/')) : `${parsed.schemePrefix}${parsed.bucket}`;
  const cut = location.lastIndexOf('/');
  return cut > location.length - parsed.path.length ? location.slice(0, cut) : location;
}
