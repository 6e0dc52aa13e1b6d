/**
 * From the configuration and the secret store to what the clients take: a postgres URL with its
 * password, the S3 client settings, the kafkajs connection, the REST catalog's credentials.
 * The values built here hold secrets: they go to clients, never to logs or the UI.
 */
import { readFile } from 'node:fs/promises';
import type { S3Config } from '../../io/file-io.ts';
import type { RestCatalogAuth } from '../../iceberg/catalog/rest-auth.ts';
import type { KafkaConnection } from '../../sources/kafka-config.ts';
import {
  SSL_MODES, type CatalogConfig, type KafkaConfig, type S3ConnectionConfig, type SecretRef, type SslMode, type WorkspaceConfig,
} from './config.ts';
import { endpointText, postgresTls } from './probes.ts';
import { secretEnvVar, type SecretStore } from './secrets.ts';

export class MissingSecretError extends Error {
  constructor(readonly where: string, readonly secret: string, store: SecretStore) {
    super(`${where} refers to the secret "${secret}", which is not in ${store.description}: enter it again in the connection settings, or set ${secretEnvVar(secret)} in the environment.`);
    this.name = 'MissingSecretError';
  }
}

export async function resolveSecret(store: SecretStore, ref: SecretRef, where: string): Promise<string>;
export async function resolveSecret(store: SecretStore, ref: SecretRef | undefined, where: string): Promise<string | undefined>;
export async function resolveSecret(store: SecretStore, ref: SecretRef | undefined, where: string): Promise<string | undefined> {
  if (!ref) return undefined;
  const value = await store.get(ref.secret);
  if (value === undefined) throw new MissingSecretError(where, ref.secret, store);
  return value;
}

/** Where a Postgres server is and how to log in, from either spelling of the settings. */
export interface PostgresTarget {
  host: string;
  port: number;
  /** A Unix socket directory given as the host (libpq's PGHOST=/var/run/postgresql). */
  socketDir?: string;
  user: string;
  database: string;
  sslmode: SslMode;
  sslrootcert?: string;
  password?: string;
  /** Other URL parameters (application_name, options...), passed through. */
  params: URLSearchParams;
  /** For messages: "127.0.0.1:5432". */
  shown: string;
  /** Which setting this came from: connections.postgres or connections.catalog. */
  setting: string;
}

interface PostgresSettings {
  url?: string;
  host?: string;
  port?: number;
  user?: string;
  database?: string;
  sslmode?: SslMode;
  sslrootcert?: string;
  password?: SecretRef;
}

export async function postgresTarget(s: PostgresSettings, secrets: SecretStore, setting: string): Promise<PostgresTarget> {
  const password = await resolveSecret(secrets, s.password, `${setting}.password`);
  let t: Omit<PostgresTarget, 'shown' | 'setting'>;
  if (s.url !== undefined) {
    const u = new URL(s.url.replace(/^postgres(ql)?(\+[a-z0-9]+)?:/i, 'postgresql:'));
    const params = new URLSearchParams(u.searchParams);
    const socket = params.get('host');
    const mode = params.get('sslmode') ?? undefined;
    if (mode !== undefined && !(SSL_MODES as readonly string[]).includes(mode)) throw new Error(`${setting}: sslmode=${mode} is not an sslmode (${SSL_MODES.join(', ')})`);
    const rootcert = params.get('sslrootcert') ?? undefined;
    for (const p of ['host', 'sslmode', 'sslrootcert', 'uselibpqcompat']) params.delete(p);
    // Left empty, pg applies libpq's defaults: the OS user, and a database named after the user.
    const user = decodeURIComponent(u.username);
    t = {
      host: u.hostname.replace(/^\[|\]$/g, '') || 'localhost', port: u.port ? Number(u.port) : 5432,
      socketDir: socket?.startsWith('/') ? socket : undefined,
      user, database: decodeURIComponent(u.pathname.slice(1)) || user,
      sslmode: (mode as SslMode | undefined) ?? 'prefer', sslrootcert: rootcert, password, params,
    };
  } else {
    const host = s.host ?? 'localhost';
    t = {
      host: host.startsWith('/') ? 'localhost' : host, port: s.port ?? 5432, socketDir: host.startsWith('/') ? host : undefined,
      user: s.user!, database: s.database!, sslmode: s.sslmode ?? 'prefer', sslrootcert: s.sslrootcert, password, params: new URLSearchParams(),
    };
  }
  return { ...t, shown: t.socketDir ? `${t.socketDir}/.s.PGSQL.${t.port}` : endpointText(t.host, t.port), setting };
}

/** Where to open a raw connection to the server. */
export const postgresSocket = (t: PostgresTarget) => (t.socketDir ? { path: `${t.socketDir}/.s.PGSQL.${t.port}` } : { host: t.host, port: t.port });

/**
 * Whether the connection will use TLS. libpq's prefer and allow fall back to plain text, which pg
 * cannot do by itself: ask the server first (prefer), or stay in plain text (allow, disable).
 */
export async function postgresUsesTls(t: PostgresTarget, signal: AbortSignal): Promise<boolean> {
  if (t.sslmode === 'disable' || t.sslmode === 'allow') return false;
  if (t.sslmode !== 'prefer') return true;
  try {
    return (await postgresTls(postgresSocket(t), null, signal)).offered;
  } catch {
    // Unreachable now: connecting will fail with the real reason, in plain text as prefer allows.
    return false;
  }
}

/**
 * The connection string pg takes. TLS modes get libpq's meaning (uselibpqcompat): require
 * encrypts without checking the certificate, verify-ca checks the CA, verify-full the host too.
 */
export function postgresUrl(t: PostgresTarget, tls: boolean): string {
  const u = new URL('postgresql://localhost');
  u.hostname = t.host.includes(':') ? `[${t.host}]` : t.host;
  u.port = String(t.port);
  if (t.user) u.username = encodeURIComponent(t.user);
  if (t.password !== undefined) u.password = encodeURIComponent(t.password);
  if (t.database) u.pathname = `/${encodeURIComponent(t.database)}`;
  for (const [k, v] of t.params) u.searchParams.set(k, v);
  if (t.socketDir) u.searchParams.set('host', t.socketDir);
  if (!tls) {
    u.searchParams.set('sslmode', 'disable');
  } else {
    const mode = t.sslmode === 'prefer' ? 'require' : t.sslmode;
    u.searchParams.set('sslmode', mode);
    u.searchParams.set('uselibpqcompat', 'true');
    if (t.sslrootcert) u.searchParams.set('sslrootcert', t.sslrootcert);
  }
  return u.toString();
}

/** The same URL without the password, for messages. */
export function shownPostgresUrl(t: PostgresTarget): string {
  return postgresUrl({ ...t, password: undefined }, false).replace(/[?&]sslmode=disable$/, '');
}

export async function s3ConfigFor(c: S3ConnectionConfig, secrets: SecretStore): Promise<S3Config> {
  return {
    endpoint: c.endpoint, region: c.region, forcePathStyle: c.forcePathStyle, accessKeyId: c.accessKeyId,
    secretAccessKey: await resolveSecret(secrets, c.secretAccessKey, 'connections.s3.secretAccessKey'),
    sessionToken: await resolveSecret(secrets, c.sessionToken, 'connections.s3.sessionToken'),
  };
}

async function pemFile(path: string | undefined, setting: string): Promise<string | undefined> {
  if (path === undefined) return undefined;
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`${setting}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): check the path and that Floe may read it`);
  }
}

export async function kafkaConnectionFor(c: KafkaConfig, secrets: SecretStore, timeouts: { connectionTimeoutMs?: number; requestTimeoutMs?: number } = {}): Promise<KafkaConnection> {
  const ssl = c.ssl.enabled
    ? {
        ca: await pemFile(c.ssl.caFile, 'connections.kafka.ssl.caFile'),
        cert: await pemFile(c.ssl.certFile, 'connections.kafka.ssl.certFile'),
        key: await pemFile(c.ssl.keyFile, 'connections.kafka.ssl.keyFile'),
        rejectUnauthorized: c.ssl.rejectUnauthorized,
      }
    : undefined;
  const sasl = c.sasl
    ? { mechanism: c.sasl.mechanism, username: c.sasl.username, password: await resolveSecret(secrets, c.sasl.password, 'connections.kafka.sasl.password') }
    : undefined;
  return { brokers: c.brokers, clientId: c.clientId, ssl, sasl, reader: c.reader, ...timeouts };
}

export async function restAuthFor(c: Extract<CatalogConfig, { type: 'rest' }>, secrets: SecretStore): Promise<RestCatalogAuth | undefined> {
  const token = await resolveSecret(secrets, c.token, 'connections.catalog.token');
  if (token !== undefined) return { type: 'bearer', token };
  const credential = await resolveSecret(secrets, c.credential, 'connections.catalog.credential');
  if (credential === undefined) return undefined;
  // PyIceberg's form: "client_id:client_secret", or the secret alone.
  const colon = credential.indexOf(':');
  return {
    type: 'oauth2', clientId: colon < 0 ? '' : credential.slice(0, colon), clientSecret: colon < 0 ? credential : credential.slice(colon + 1),
    scope: c.scope, tokenUri: c.oauth2ServerUri,
  };
}

/** Every secret value the workspace uses, to scrub from any text shown to the user. */
export async function secretValues(config: WorkspaceConfig, secrets: SecretStore): Promise<string[]> {
  const refs: (SecretRef | undefined)[] = [
    config.connections.postgres?.password, config.connections.kafka?.sasl?.password,
    config.connections.s3?.secretAccessKey, config.connections.s3?.sessionToken,
  ];
  const cat = config.connections.catalog;
  if (cat.type === 'sql') refs.push(cat.password);
  else refs.push(cat.token, cat.credential);
  const values = await Promise.all(refs.map(async (r) => (r ? await secrets.get(r.secret).catch(() => undefined) : undefined)));
  return values.filter((v): v is string => !!v);
}
