/**
 * The REST catalog: Iceberg's REST catalog protocol (Apache's RESTCatalogServer, Polaris, Nessie,
 * Lakekeeper, Gravitino, Unity, AWS Glue and S3 Tables endpoints). The server owns the metadata:
 * a commit sends the requirements and updates as they are, the server checks them and swaps the
 * table's pointer atomically, and answers 409 when another writer won (CommitConflictError, which
 * writeTable's retry loop handles as it does for the SQL catalog). HTTP goes through iceberg-js;
 * exactJsonFetch keeps the 63-bit snapshot ids that iceberg-js's own JSON would round.
 */
import { IcebergError, IcebergRestCatalog, type CommitTableRequest, type CreateTableRequest } from 'iceberg-js';
import { NoSuchNamespaceError, type Catalog, type CreateTableOptions, type LoadedTable, type TableIdentifier } from './catalog.ts';
import { RestCredentials, type RestCatalogAuth } from './rest-auth.ts';
import { redactedUri, restError, type RestRequest } from './rest-errors.ts';
import { exactBody, exactJsonFetch, exactMetadataText } from './rest-exact-json.ts';
import { parseTableMetadata } from '../spec/metadata-json.ts';
import type { TableRequirement, TableUpdate } from '../spec/table-updates.ts';

export interface RestCatalogOptions {
  /** Floe's name for the catalog, used in messages (the server knows itself by its own). */
  name: string;
  /** The service root, without /v1: e.g. http://127.0.0.1:8181 or https://host/api/catalog. */
  uri: string;
  /** Sent to GET /v1/config as ?warehouse=; servers that host several warehouses pick one by it. */
  warehouse?: string;
  auth?: RestCatalogAuth;
  /** A request with no answer after this long fails (a commit then counts as state unknown). Default 120 s. */
  requestTimeoutMs?: number;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
}

interface Connection {
  ice: IcebergRestCatalog;
  /** "v1" or "v1/{prefix}": where the routes start, for messages. */
  root: string;
}

type Call = Omit<RestRequest, 'catalog' | 'uri'> & { path: string };

const nsPath = (namespace: string[]) => namespace.map(encodeURIComponent).join('%1F');
const tablePath = (id: TableIdentifier) => `namespaces/${nsPath(id.namespace)}/tables/${encodeURIComponent(id.name)}`;

export class RestCatalog implements Catalog {
  readonly name: string;
  private readonly uri: string;
  private readonly shownUri: string;
  private readonly warehouse: string | undefined;
  private readonly fetchFn: typeof fetch;
  private readonly credentials: RestCredentials;
  private connection: Promise<Connection> | undefined;

  constructor(o: RestCatalogOptions) {
    this.name = o.name;
    this.uri = o.uri.replace(/\/+$/, '');
    this.shownUri = redactedUri(this.uri);
    // fetch refuses such URLs, and its error would repeat the password.
    if (/^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(this.uri)) {
      throw new Error(`The Iceberg REST catalog URI ${this.shownUri} must not hold a user name or password: give credentials as a bearer token or OAuth2 client credentials.`);
    }
    this.warehouse = o.warehouse;
    const base = withTimeout(o.fetch ?? globalThis.fetch, o.requestTimeoutMs ?? 120_000);
    this.credentials = new RestCredentials(o.auth, this.uri, base);
    this.fetchFn = exactJsonFetch(base);
  }

  /** Reads the server's config once: it decides the path prefix every later request uses. */
  private connect(): Promise<Connection> {
    this.connection ??= (async () => {
      const common = { baseUrl: this.uri, auth: this.credentials.forIcebergJs(), fetch: this.fetchFn };
      const probe = new IcebergRestCatalog({ ...common, warehouse: this.warehouse });
      const config = await probe.loadConfig();
      // `overrides.uri` (a redirect to another service root) is not followed: no server Floe
      // targets sends it, and following it silently would send credentials elsewhere.
      const prefix = config.overrides?.prefix ?? config.defaults?.prefix;
      // iceberg-js puts the server's prefix in its paths only when it was given a warehouse, and
      // when the server names no prefix it uses the warehouse itself as one (an s3:// URI in the
      // path): so keep the probe only when there is a prefix, and drop the warehouse otherwise.
      if (!prefix) return { ice: new IcebergRestCatalog(common), root: 'v1' };
      if (this.warehouse === undefined) {
        throw new Error(`The Iceberg REST catalog "${this.name}" at ${this.shownUri} serves its tables under the prefix "${prefix}", which Floe uses only with a warehouse: set the catalog's warehouse.`);
      }
      return { ice: probe, root: `v1/${prefix}` };
    })().catch((err: unknown) => {
      this.connection = undefined;
      throw this.failure(err, { method: 'GET', uri: `${this.shownUri}/v1/config` });
    });
    return this.connection;
  }

  private async call<T>(c: Call, run: (ice: IcebergRestCatalog) => Promise<T>): Promise<T> {
    const { ice, root } = await this.connect();
    try {
      return await run(ice);
    } catch (err) {
      throw this.failure(err, { ...c, uri: `${this.shownUri}/${root}/${c.path}` });
    }
  }

  private failure(err: unknown, r: Omit<RestRequest, 'catalog'>): Error {
    // A refused token may have been revoked or expired early: the next request fetches a new one.
    if (err instanceof IcebergError && (err.status === 401 || err.status === 419)) this.credentials.invalidate();
    return restError(err, { ...r, catalog: this.name });
  }

  async listNamespaces(): Promise<string[][]> {
    // The protocol lists one level at a time; like the SQL catalog, answer with every level.
    const all: string[][] = [];
    const walk = async (parent: string[] | undefined): Promise<void> => {
      for (const ns of await this.childNamespaces(parent)) {
        all.push(ns);
        // A child must be longer than its parent: a server that echoes the parent would loop here.
        if (ns.length > (parent?.length ?? 0)) await walk(ns);
      }
    };
    await walk(undefined);
    return all.sort((a, b) => (a.join('.') < b.join('.') ? -1 : a.join('.') > b.join('.') ? 1 : 0));
  }

  private async childNamespaces(parent: string[] | undefined): Promise<string[][]> {
    const out: string[][] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.call({ method: 'GET', path: 'namespaces', namespace: parent },
        (ice) => ice.listNamespaces({ parent: parent && { namespace: parent }, pageToken }));
      out.push(...page.namespaces.map((n) => n.namespace));
      pageToken = page.nextPageToken;
    } while (pageToken);
    return out;
  }

  namespaceExists(namespace: string[]): Promise<boolean> {
    return this.call({ method: 'HEAD', path: `namespaces/${nsPath(namespace)}`, namespace }, (ice) => ice.namespaceExists({ namespace }));
  }

  async createNamespace(namespace: string[], properties: Record<string, string> = {}): Promise<void> {
    // The same names the SQL catalog accepts: Floe writes identifiers as dotted text.
    if (namespace.length === 0 || namespace.some((l) => l === '' || l.includes('.'))) throw new Error(`"${namespace.join('.')}" is not a valid namespace name`);
    await this.call({ method: 'POST', path: 'namespaces', namespace },
      (ice) => ice.createNamespace({ namespace }, Object.keys(properties).length > 0 ? { properties } : undefined));
  }

  async loadNamespaceProperties(namespace: string[]): Promise<Record<string, string>> {
    const md = await this.call({ method: 'GET', path: `namespaces/${nsPath(namespace)}`, namespace }, (ice) => ice.loadNamespaceMetadata({ namespace }));
    return md.properties;
  }

  async dropNamespace(namespace: string[]): Promise<void> {
    await this.call({ method: 'DELETE', path: `namespaces/${nsPath(namespace)}`, namespace }, (ice) => ice.dropNamespace({ namespace }));
  }

  async listTables(namespace: string[]): Promise<TableIdentifier[]> {
    const out: TableIdentifier[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.call({ method: 'GET', path: `namespaces/${nsPath(namespace)}/tables`, namespace },
        (ice) => ice.listTables({ namespace }, { pageToken })).catch((err: unknown) => {
        // Like the SQL catalog: a namespace that does not exist has no tables.
        if (err instanceof NoSuchNamespaceError) return { identifiers: [], nextPageToken: undefined };
        throw err;
      });
      out.push(...page.identifiers.map((t) => ({ namespace: t.namespace, name: t.name })));
      pageToken = page.nextPageToken;
    } while (pageToken);
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  tableExists(id: TableIdentifier): Promise<boolean> {
    return this.call({ method: 'HEAD', path: tablePath(id), table: id }, (ice) => ice.tableExists(id));
  }

  async loadTable(id: TableIdentifier): Promise<LoadedTable> {
    const path = tablePath(id);
    const result = await this.call({ method: 'GET', path, table: id }, (ice) => ice.loadTableResult(id));
    // Null only answers a conditional request (If-None-Match), which Floe never sends.
    if (!result) throw new Error(`The Iceberg REST catalog "${this.name}" answered GET ${path} with no table`);
    return this.loaded(id, result, `GET ${path}`);
  }

  /** The server may assign the schema's field ids afresh (Java does): read them from the result. */
  async createTable(id: TableIdentifier, o: CreateTableOptions): Promise<LoadedTable> {
    await this.requireNamespace(id.namespace);
    const path = `namespaces/${nsPath(id.namespace)}/tables`;
    const request = {
      name: id.name, schema: o.schema, 'partition-spec': o.spec, 'write-order': o.sortOrder, location: o.location,
      // Floe writes v2; without this a server picks its own default, which is v3 in newer ones.
      properties: { 'format-version': '2', ...o.properties },
    };
    const result = await this.call({ method: 'POST', path, table: id },
      (ice) => ice.createTableResult({ namespace: id.namespace }, exactBody<CreateTableRequest>(request)));
    return this.loaded(id, result, `POST ${path}`);
  }

  async commitTable(id: TableIdentifier, requirements: TableRequirement[], updates: TableUpdate[]): Promise<LoadedTable> {
    const path = tablePath(id);
    // A create through a commit (assert-create) that finds the table answers "already exists",
    // as the SQL catalog does; every other 409 is a lost race.
    const creating = requirements.some((r) => r.type === 'assert-create');
    const request = { identifier: { namespace: id.namespace, name: id.name }, requirements, updates };
    const result = await this.call({ method: 'POST', path, table: id, commit: !creating },
      (ice) => ice.commitTable(id, exactBody<CommitTableRequest>(request)));
    return this.loaded(id, result, `POST ${path}`);
  }

  async dropTable(id: TableIdentifier): Promise<void> {
    // Not purged: like the SQL catalog, dropping forgets the table and leaves its files.
    await this.call({ method: 'DELETE', path: tablePath(id), table: id }, (ice) => ice.dropTable(id, { purge: false }));
  }

  async renameTable(from: TableIdentifier, to: TableIdentifier): Promise<void> {
    await this.requireNamespace(to.namespace);
    await this.call({ method: 'POST', path: 'tables/rename', table: from, namespace: to.namespace, existing: to },
      (ice) => ice.renameTable({ source: from, destination: to }));
  }

  async registerTable(id: TableIdentifier, metadataLocation: string): Promise<LoadedTable> {
    await this.requireNamespace(id.namespace);
    const path = `namespaces/${nsPath(id.namespace)}/register`;
    const result = await this.call({ method: 'POST', path, table: id },
      (ice) => ice.registerTableResult({ namespace: id.namespace }, { name: id.name, 'metadata-location': metadataLocation }));
    return this.loaded(id, result, `POST ${path}`);
  }

  /**
   * Some servers (JdbcCatalog behind Apache's RESTCatalogServer) put tables in namespaces that
   * were never created; the SQL catalog refuses, and so does this one, so both behave alike.
   */
  private async requireNamespace(namespace: string[]): Promise<void> {
    if (!(await this.namespaceExists(namespace))) throw new NoSuchNamespaceError(namespace, this.name);
  }

  async close(): Promise<void> {
    // Nothing held open: fetch's connection pool is process-wide and idles out by itself.
  }

  private loaded(id: TableIdentifier, result: { metadata: unknown; 'metadata-location'?: string }, request: string): LoadedTable {
    const what = `The Iceberg REST catalog "${this.name}" answered ${request}`;
    const location = result['metadata-location'];
    if (!location) throw new Error(`${what} without a metadata-location (a staged table?)`);
    return { identifier: id, metadata: parseTableMetadata(exactMetadataText(result.metadata, what), location), metadataLocation: location };
  }
}

/** `fetch` that gives up after `ms` unless the caller brought its own signal. */
function withTimeout(inner: typeof fetch, ms: number): typeof fetch {
  return (input, init) => inner(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(ms) });
}
