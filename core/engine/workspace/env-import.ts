/**
 * Settings a data engineer's shell already has: libpq's PG* variables or DATABASE_URL, the AWS
 * CLI's AWS_* variables, KAFKA_BROKERS, and an existing PyIceberg setup (pyiceberg-import.ts).
 * Importing turns them into workspace settings; the secrets among them go to the SecretStore,
 * and what the caller gets back to show says where each setting came from, never a secret.
 */
import { userInfo } from 'node:os';
import { SECRET_NAMES, parseWorkspaceConfig, type SslMode, SSL_MODES, type WorkspaceConfig, type WorkspaceConfigInput } from './config.ts';
import { readPyIcebergSettings, type PyIcebergOptions } from './pyiceberg-import.ts';
import type { SecretStore } from './secrets.ts';

type Connections = WorkspaceConfigInput['connections'];
export type PostgresInput = NonNullable<Connections['postgres']>;
export type KafkaInput = NonNullable<Connections['kafka']>;
export type S3Input = NonNullable<Connections['s3']>;

/** Settings found somewhere, ready to lay over a configuration. */
export interface ImportedSettings {
  connections: Partial<Connections>;
  storage: { warehouse?: string };
  /** Secret name -> value: for the SecretStore only. */
  secrets: Record<string, string>;
  /** "connections.s3.endpoint from AWS_ENDPOINT_URL_S3": for display, never a secret's value. */
  notes: string[];
}

export const emptyImport = (): ImportedSettings => ({ connections: {}, storage: {}, secrets: {}, notes: [] });

const ref = (secret: string) => ({ secret });

/**
 * A postgres URL split into what the config keeps (the URL without its password) and the
 * password, which becomes a secret. libpq's PG* variables fill what the URL leaves out, as in psql.
 */
export function importPostgresUrl(url: string, env: NodeJS.ProcessEnv = {}, from = 'the postgres URL'): ImportedSettings {
  const out = emptyImport();
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`${from} is not a URL: expected postgresql://user:password@host:5432/database`);
  }
  if (!/^postgres(ql)?:$/.test(u.protocol)) throw new Error(`${from} is not a postgres URL: it should start with postgresql://`);
  const password = decodeURIComponent(u.password) || u.searchParams.get('password') || env.PGPASSWORD || '';
  u.password = '';
  u.searchParams.delete('password');
  if (!u.username && env.PGUSER) u.username = encodeURIComponent(env.PGUSER);
  if (!u.port && env.PGPORT) u.port = env.PGPORT;
  if (!u.searchParams.has('sslmode') && env.PGSSLMODE) u.searchParams.set('sslmode', env.PGSSLMODE);
  const postgres: PostgresInput = { url: u.toString() };
  if (password) {
    out.secrets[SECRET_NAMES.postgresPassword] = password;
    postgres.password = ref(SECRET_NAMES.postgresPassword);
  }
  out.connections.postgres = postgres;
  out.notes.push(`connections.postgres from ${from}${password ? ` (password to the secret store as "${SECRET_NAMES.postgresPassword}")` : ''}`);
  return out;
}

/** libpq's variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE, PGSSLROOTCERT) or DATABASE_URL. */
export function importPostgresEnv(env: NodeJS.ProcessEnv): ImportedSettings {
  const url = env.DATABASE_URL;
  if (url && /^postgres(ql)?:/.test(url)) return importPostgresUrl(url, env, 'DATABASE_URL');
  const out = emptyImport();
  const used = ['PGHOST', 'PGPORT', 'PGUSER', 'PGDATABASE', 'PGSSLMODE', 'PGSSLROOTCERT'].filter((v) => env[v]);
  if (used.length === 0) return out;
  // libpq's own defaults for what is not set: localhost, 5432, the OS user, a database named after the user.
  const user = env.PGUSER || safeOsUser();
  const postgres: PostgresInput = {
    host: env.PGHOST || 'localhost',
    port: env.PGPORT ? Number(env.PGPORT) : 5432,
    user,
    database: env.PGDATABASE || user,
  };
  if (env.PGSSLMODE) {
    if (!(SSL_MODES as readonly string[]).includes(env.PGSSLMODE)) throw new Error(`PGSSLMODE="${env.PGSSLMODE}" is not an sslmode: use one of ${SSL_MODES.join(', ')}`);
    postgres.sslmode = env.PGSSLMODE as SslMode;
  }
  if (env.PGSSLROOTCERT) postgres.sslrootcert = env.PGSSLROOTCERT;
  if (env.PGPASSWORD) {
    out.secrets[SECRET_NAMES.postgresPassword] = env.PGPASSWORD;
    postgres.password = ref(SECRET_NAMES.postgresPassword);
    used.push('PGPASSWORD');
  }
  out.connections.postgres = postgres;
  out.notes.push(`connections.postgres from ${used.join(', ')}`);
  return out;
}

function safeOsUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'postgres';
  }
}

/** The AWS CLI's variables, including the S3-specific endpoint (AWS_ENDPOINT_URL_S3) MinIO users set. */
export function importAwsEnv(env: NodeJS.ProcessEnv): ImportedSettings {
  const out = emptyImport();
  const s3: S3Input = {};
  const used: string[] = [];
  const pick = (...names: string[]) => {
    const name = names.find((n) => env[n]);
    if (name) used.push(name);
    return name ? env[name] : undefined;
  };
  const endpoint = pick('AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL');
  const region = pick('AWS_REGION', 'AWS_DEFAULT_REGION');
  const accessKeyId = pick('AWS_ACCESS_KEY_ID');
  const secretAccessKey = pick('AWS_SECRET_ACCESS_KEY');
  const sessionToken = pick('AWS_SESSION_TOKEN');
  if (used.length === 0) return out;
  if (endpoint) {
    s3.endpoint = endpoint;
    // Self-hosted stores (MinIO, Ceph, s3proxy) rarely serve bucket subdomains; AWS does.
    s3.forcePathStyle = !isAwsEndpoint(endpoint);
  }
  if (region) s3.region = region;
  if (accessKeyId) s3.accessKeyId = accessKeyId;
  if (secretAccessKey) {
    out.secrets[SECRET_NAMES.s3SecretAccessKey] = secretAccessKey;
    s3.secretAccessKey = ref(SECRET_NAMES.s3SecretAccessKey);
  }
  if (sessionToken) {
    out.secrets[SECRET_NAMES.s3SessionToken] = sessionToken;
    s3.sessionToken = ref(SECRET_NAMES.s3SessionToken);
  }
  out.connections.s3 = s3;
  out.notes.push(`connections.s3 from ${used.join(', ')}`);
  return out;
}

export function isAwsEndpoint(endpoint: string): boolean {
  try {
    return /(^|\.)amazonaws\.com(\.cn)?$/.test(new URL(endpoint).hostname);
  } catch {
    return false;
  }
}

/** KAFKA_BROKERS (or KAFKA_BOOTSTRAP_SERVERS, as Confluent's images call it): host:port, comma-separated. */
export function importKafkaEnv(env: NodeJS.ProcessEnv): ImportedSettings {
  const out = emptyImport();
  const name = ['KAFKA_BROKERS', 'KAFKA_BOOTSTRAP_SERVERS'].find((n) => env[n]);
  if (!name) return out;
  const brokers = env[name]!.split(',').map((b) => b.trim().replace(/^[A-Za-z_]+:\/\//, '')).filter(Boolean);
  out.connections.kafka = { brokers };
  out.notes.push(`connections.kafka.brokers from ${name}`);
  return out;
}

/** `over` laid on `base`: connections field by field (a catalog as a whole, its type may change). */
export function mergeImports(base: ImportedSettings, over: ImportedSettings): ImportedSettings {
  const connections: Partial<Connections> = { ...base.connections };
  if (over.connections.postgres) connections.postgres = over.connections.postgres;
  if (over.connections.kafka) connections.kafka = { ...base.connections.kafka, ...over.connections.kafka };
  if (over.connections.s3) connections.s3 = { ...base.connections.s3, ...over.connections.s3 };
  if (over.connections.catalog) connections.catalog = over.connections.catalog;
  return {
    connections,
    storage: { ...base.storage, ...over.storage },
    secrets: { ...base.secrets, ...over.secrets },
    notes: [...base.notes, ...over.notes],
  };
}

export interface ImportOptions {
  env?: NodeJS.ProcessEnv;
  /** Where to look for .pyiceberg.yaml, and which catalog to take (see pyiceberg-import.ts). */
  pyiceberg?: Omit<PyIcebergOptions, 'env'> | false;
}

/**
 * Everything importable from the environment, in precedence order: PG*, AWS_* and KAFKA_BROKERS,
 * then PyIceberg's catalog settings (a catalog's own s3.* properties win over the generic AWS_*
 * ones, as they do in PyIceberg itself).
 */
export function readEnvironment(options: ImportOptions = {}): ImportedSettings {
  const env = options.env ?? process.env;
  let settings = [importPostgresEnv(env), importAwsEnv(env), importKafkaEnv(env)].reduce(mergeImports, emptyImport());
  if (options.pyiceberg !== false) settings = mergeImports(settings, readPyIcebergSettings({ ...options.pyiceberg, env }));
  return settings;
}

/**
 * Lays what the environment holds over `base` (nothing imported leaves it as it was), validates
 * the result, and only then puts the secrets found into `secrets`: a failed import stores nothing.
 */
export async function importEnvironment(
  base: WorkspaceConfigInput | Partial<WorkspaceConfigInput>, secrets: SecretStore, options: ImportOptions = {},
): Promise<{ config: WorkspaceConfig; notes: string[]; secretsStored: string[] }> {
  const found = readEnvironment(options);
  const merged = {
    ...base,
    connections: mergeImports({ ...emptyImport(), connections: { ...base.connections } }, { ...emptyImport(), connections: found.connections }).connections,
    storage: { ...base.storage, ...found.storage },
  };
  const config = parseWorkspaceConfig(merged, 'The workspace configuration with the imported settings');
  for (const [name, value] of Object.entries(found.secrets)) await secrets.set(name, value);
  return { config, notes: found.notes, secretsStored: Object.keys(found.secrets).sort() };
}
