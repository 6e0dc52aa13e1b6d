/**
 * An existing PyIceberg setup, read the way PyIceberg reads it (pyiceberg/utils/config.py and
 * catalog/__init__.py, 0.12): the first .pyiceberg.yaml found in $PYICEBERG_HOME, then the home
 * directory, then the working directory; keys lower-cased; then every PYICEBERG_* variable laid
 * over it (PYICEBERG_CATALOG__GOURMETGRAM__S3__ACCESS_KEY_ID -> catalog.gourmetgram."s3.access-key-id");
 * the catalog named by default-catalog, else "default"; its type given or inferred from its uri.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import yaml from 'js-yaml';
import { SECRET_NAMES, type CatalogConfig, type WorkspaceConfigInput } from './config.ts';
import { emptyImport, type ImportedSettings, type S3Input } from './env-import.ts';

type Tree = { [key: string]: string | Tree };

export interface PyIcebergOptions {
  env?: NodeJS.ProcessEnv;
  /** A .pyiceberg.yaml to read instead of searching $PYICEBERG_HOME, the home and working directories. */
  file?: string;
  home?: string;
  cwd?: string;
  /** The catalog to import; default: default-catalog, else "default", else the only one there is. */
  catalog?: string;
}

const YML = '.pyiceberg.yaml';

/** PyIceberg's merged configuration and the file it came from (if any). */
export function readPyIcebergConfig(o: PyIcebergOptions = {}): { config: Tree; file: string | undefined } {
  const env = o.env ?? process.env;
  const candidates = o.file !== undefined
    ? [o.file]
    : [env.PYICEBERG_HOME, o.home ?? homedir(), o.cwd ?? process.cwd()].filter((d): d is string => !!d).map((d) => join(d, YML));
  const file = candidates.find((f) => existsSync(f) && statSync(f).isFile());
  if (o.file !== undefined && file === undefined) throw new Error(`The PyIceberg configuration ${o.file} does not exist`);
  const config = file ? loadYaml(file) : {};
  applyEnvironment(config, env);
  return { config, file };
}

function loadYaml(file: string): Tree {
  let data: unknown;
  try {
    // PyIceberg reads with strictyaml, where every value is a string; the failsafe schema does the same.
    data = yaml.load(readFileSync(file, 'utf8'), { schema: yaml.FAILSAFE_SCHEMA, filename: file });
  } catch (err) {
    throw new Error(`Cannot read the PyIceberg configuration ${file}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  if (data === undefined || data === null) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new Error(`${file} is not a PyIceberg configuration: it should be a mapping with a "catalog:" section`);
  return lowercaseKeys(data as Record<string, unknown>);
}

function lowercaseKeys(tree: Record<string, unknown>): Tree {
  const out: Tree = {};
  for (const [k, v] of Object.entries(tree)) {
    out[k.toLowerCase()] = v !== null && typeof v === 'object' && !Array.isArray(v) ? lowercaseKeys(v as Record<string, unknown>) : String(v ?? '');
  }
  return out;
}

/** PyIceberg's Config._from_environment_variables, step for step. */
function applyEnvironment(config: Tree, env: NodeJS.ProcessEnv): void {
  for (const [name, value] of Object.entries(env)) {
    const lower = name.toLowerCase();
    if (!lower.startsWith('pyiceberg_') || value === undefined) continue;
    // Python's key.split("__", maxsplit=2): at most three parts, the last keeping its "__".
    const pieces = lower.slice('pyiceberg_'.length).split('__');
    const parts = pieces.length > 3 ? [...pieces.slice(0, 2), pieces.slice(2).join('__')] : pieces;
    const path = parts.map((p) => p.replace(/__/g, '.').replace(/_/g, '-'));
    let node = config;
    for (const [i, element] of path.entries()) {
      if (i === path.length - 1) {
        node[element] = value;
        break;
      }
      node[element] ??= {};
      const next = node[element];
      if (typeof next !== 'object') throw new Error(`The PyIceberg setting ${name} conflicts with the value already at "${path.slice(0, i + 1).join('.')}"`);
      node = next;
    }
  }
}

const TRUE = ['y', 'yes', 't', 'true', 'on', '1'];
const FALSE = ['n', 'no', 'f', 'false', 'off', '0'];

function bool(value: string | undefined, key: string): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.toLowerCase();
  if (TRUE.includes(v)) return true;
  if (FALSE.includes(v)) return false;
  throw new Error(`The PyIceberg setting ${key}="${value}" is not a boolean (true or false)`);
}

/** The chosen catalog's settings as workspace settings; empty when there is no PyIceberg setup. */
export function readPyIcebergSettings(o: PyIcebergOptions = {}): ImportedSettings {
  const { config, file } = readPyIcebergConfig(o);
  const source = file ? `${file} and PYICEBERG_* variables` : 'PYICEBERG_* variables';
  const catalogs = config.catalog;
  if (catalogs === undefined) return emptyImport();
  if (typeof catalogs !== 'object') throw new Error(`In ${source}, "catalog" should be a mapping of catalog names to their settings`);
  const names = Object.keys(catalogs);
  const defaultName = typeof config['default-catalog'] === 'string' ? config['default-catalog'] : 'default';
  let name = (o.catalog ?? defaultName).toLowerCase();
  const out = emptyImport();
  if (!(name in catalogs)) {
    if (o.catalog !== undefined) throw new Error(`${source} define no PyIceberg catalog "${o.catalog}"; ${names.length ? `there is ${names.join(', ')}` : 'there is none'}`);
    if (names.length !== 1) {
      out.notes.push(`PyIceberg: ${names.length} catalogs in ${source} (${names.join(', ')}) and none is "${name}": name the one to import`);
      return out;
    }
    name = names[0]!;
  }
  const props = catalogs[name];
  if (typeof props !== 'object') throw new Error(`In ${source}, catalog.${name} should be a mapping of settings`);
  for (const [key, value] of Object.entries(props)) {
    if (typeof value !== 'string') throw new Error(`In ${source}, catalog.${name}.${key} should be a value, not a mapping`);
  }
  return catalogSettings(name, props as Record<string, string>, source, o.cwd ?? process.cwd());
}

function catalogSettings(name: string, p: Record<string, string>, source: string, cwd: string): ImportedSettings {
  const out = emptyImport();
  const where = `PyIceberg catalog "${name}" (${source})`;
  const type = p.type?.toLowerCase() ?? inferType(p.uri, where);
  if (type === 'sql') {
    out.connections.catalog = sqlCatalog(name, p, where, cwd, out);
    if (p.warehouse) out.storage.warehouse = p.warehouse;
    else out.notes.push(`${where} names no warehouse: set storage.warehouse (or storage.root) in Floe`);
  } else if (type === 'rest') {
    out.connections.catalog = restCatalog(name, p, where, out);
  } else {
    throw new Error(`${where} is a ${type} catalog; Floe works with sql and rest catalogs`);
  }
  out.notes.push(`connections.catalog from ${where}`);
  const s3 = s3Settings(p, out);
  if (s3) {
    out.connections.s3 = s3;
    out.notes.push(`connections.s3 from the s3.* settings of ${where}`);
  }
  return out;
}

function inferType(uri: string | undefined, where: string): string {
  if (!uri) throw new Error(`${where} has no uri: set catalog uri (PYICEBERG_CATALOG__<NAME>__URI)`);
  if (uri.startsWith('http')) return 'rest';
  if (uri.startsWith('thrift')) return 'hive';
  if (uri.startsWith('sqlite') || uri.startsWith('postgresql')) return 'sql';
  throw new Error(`${where}: cannot tell the catalog type from its uri; set its type to sql or rest`);
}

function sqlCatalog(name: string, p: Record<string, string>, where: string, cwd: string, out: ImportedSettings): CatalogConfig {
  const uri = p.uri;
  if (!uri) throw new Error(`${where} has no uri`);
  const sqlite = /^sqlite(\+[a-z0-9]+)?:\/\/\/(.*)$/i.exec(uri);
  if (sqlite) {
    const path = sqlite[2]!;
    if (path === '' || path === ':memory:') throw new Error(`${where} is an in-memory SQLite catalog, which holds nothing another program can open`);
    // SQLAlchemy: sqlite:///relative.db is relative to the working directory, sqlite:////abs.db absolute.
    return { type: 'sql', name, uri: `sqlite:///${isAbsolute(path) ? path : resolve(cwd, path)}` };
  }
  if (!/^postgres(ql)?(\+[a-z0-9]+)?:\/\//i.test(uri)) throw new Error(`${where}: Floe's SQL catalog runs on Postgres or SQLite, not on ${uri.split(':')[0]}`);
  // postgresql+psycopg2:// is SQLAlchemy's driver choice; pg speaks plain postgresql://.
  const u = new URL(uri.replace(/^postgres(ql)?(\+[a-z0-9]+)?:/i, 'postgresql:'));
  const catalog: CatalogConfig = { type: 'sql', name, uri: '' };
  if (u.password) {
    out.secrets[SECRET_NAMES.catalogPassword] = decodeURIComponent(u.password);
    catalog.password = { secret: SECRET_NAMES.catalogPassword };
    u.password = '';
  }
  catalog.uri = u.toString();
  return catalog;
}

function restCatalog(name: string, p: Record<string, string>, where: string, out: ImportedSettings): WorkspaceConfigInput['connections']['catalog'] {
  if (!p.uri) throw new Error(`${where} has no uri`);
  const catalog: WorkspaceConfigInput['connections']['catalog'] = { type: 'rest', name, uri: p.uri };
  if (p.warehouse) catalog.warehouse = p.warehouse;
  if (p.scope) catalog.scope = p.scope;
  if (p['oauth2-server-uri']) catalog.oauth2ServerUri = p['oauth2-server-uri'];
  if (p.token) {
    out.secrets[SECRET_NAMES.catalogToken] = p.token;
    catalog.token = { secret: SECRET_NAMES.catalogToken };
  } else if (p.credential) {
    out.secrets[SECRET_NAMES.catalogCredential] = p.credential;
    catalog.credential = { secret: SECRET_NAMES.catalogCredential };
  }
  return catalog;
}

/** PyIceberg's FileIO settings: s3.* first, then the client.* ones shared by all AWS clients. */
function s3Settings(p: Record<string, string>, out: ImportedSettings): S3Input | undefined {
  const get = (key: string) => p[`s3.${key}`] ?? p[`client.${key}`];
  const s3: S3Input = {};
  const endpoint = p['s3.endpoint'];
  if (endpoint) s3.endpoint = endpoint;
  const region = get('region');
  if (region) s3.region = region;
  const accessKeyId = get('access-key-id');
  if (accessKeyId) s3.accessKeyId = accessKeyId;
  const secret = get('secret-access-key');
  if (secret) {
    out.secrets[SECRET_NAMES.s3SecretAccessKey] = secret;
    s3.secretAccessKey = { secret: SECRET_NAMES.s3SecretAccessKey };
  }
  const token = get('session-token');
  if (token) {
    out.secrets[SECRET_NAMES.s3SessionToken] = token;
    s3.sessionToken = { secret: SECRET_NAMES.s3SessionToken };
  }
  // Java's s3.path-style-access, else PyIceberg's s3.force-virtual-addressing; with neither, an
  // explicit endpoint gets path style, as pyarrow's S3 filesystem does by default.
  const pathStyle = bool(p['s3.path-style-access'], 's3.path-style-access');
  const virtual = bool(p['s3.force-virtual-addressing'], 's3.force-virtual-addressing');
  if (pathStyle !== undefined) s3.forcePathStyle = pathStyle;
  else if (virtual !== undefined) s3.forcePathStyle = !virtual;
  else if (endpoint) s3.forcePathStyle = true;
  return Object.keys(s3).length > 0 ? s3 : undefined;
}
