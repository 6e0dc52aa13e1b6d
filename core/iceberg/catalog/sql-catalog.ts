/**
 * The SQL catalog, in the same tables and with the same semantics as PyIceberg's SqlCatalog and
 * Java's JdbcCatalog, so all three see each other's tables. A commit writes a new metadata file,
 * then swaps the table's pointer with compare-and-swap on metadata_location: exactly one of two
 * concurrent writers wins, the other gets CommitConflictError and retries on fresh metadata.
 */
import { randomUUID } from 'node:crypto';
import {
  AlreadyExistsError, formatIdentifier, NamespaceNotEmptyError, NoSuchNamespaceError, NoSuchTableError,
  type Catalog, type CreateTableOptions, type LoadedTable, type TableIdentifier,
} from './catalog.ts';
import { isUniqueViolation, type SqlDriver } from './sql-driver.ts';
import { nextMetadataLocation, readMetadataFile, withMetadataLog, writeMetadataFile, type FileIOFor } from './metadata-files.ts';
import { applyUpdates, checkRequirements, CommitConflictError, emptyMetadata, type TableRequirement, type TableUpdate } from '../spec/table-updates.ts';

// Java's JdbcCatalog V1 schema, which PyIceberg creates too (iceberg_type marks tables vs views).
const BOOTSTRAP = [
  `CREATE TABLE IF NOT EXISTS iceberg_tables (
    catalog_name VARCHAR(255) NOT NULL, table_namespace VARCHAR(255) NOT NULL, table_name VARCHAR(255) NOT NULL,
    metadata_location VARCHAR(1000), previous_metadata_location VARCHAR(1000), iceberg_type VARCHAR(5),
    PRIMARY KEY (catalog_name, table_namespace, table_name))`,
  `CREATE TABLE IF NOT EXISTS iceberg_namespace_properties (
    catalog_name VARCHAR(255) NOT NULL, namespace VARCHAR(255) NOT NULL, property_key VARCHAR(255) NOT NULL,
    property_value VARCHAR(1000), PRIMARY KEY (catalog_name, namespace, property_key))`,
];
const IS_TABLE = "(iceberg_type = 'TABLE' OR iceberg_type IS NULL)";

export interface SqlCatalogOptions {
  name: string;
  driver: SqlDriver;
  /** Root of new tables' locations, e.g. s3://gourmetgram-datalake/warehouse or file:///abs/dir. */
  warehouse: string;
  io: FileIOFor;
}

export class SqlCatalog implements Catalog {
  readonly name: string;
  private readonly driver: SqlDriver;
  private readonly warehouse: string;
  private readonly io: FileIOFor;
  private ready: Promise<void> | undefined;

  constructor(o: SqlCatalogOptions) {
    this.name = o.name;
    this.driver = o.driver;
    this.warehouse = o.warehouse.replace(/\/+$/, '');
    this.io = o.io;
  }

  /** Creates the catalog tables if missing. Serialized across processes: the DDL itself races. */
  private bootstrap(): Promise<void> {
    this.ready ??= this.driver.transaction(async (q) => {
      for (const ddl of BOOTSTRAP) await q.query(ddl);
    }, 'floe-iceberg-sql-catalog-bootstrap').catch((err: unknown) => {
      this.ready = undefined;
      throw new Error(`Cannot create the Iceberg catalog tables in the ${this.driver.dialect} catalog database: ${(err as Error).message}`, { cause: err });
    });
    return this.ready;
  }

  private async q<T>(sql: string, params: unknown[] = []) {
    await this.bootstrap();
    return this.driver.query<T>(sql, params);
  }

  async listNamespaces(): Promise<string[][]> {
    const r = await this.q<{ ns: string }>(
      `SELECT table_namespace AS ns FROM iceberg_tables WHERE catalog_name = ?
       UNION SELECT namespace AS ns FROM iceberg_namespace_properties WHERE catalog_name = ?`, [this.name, this.name]);
    return r.rows.map((row) => row.ns).sort().map((ns) => ns.split('.'));
  }

  async namespaceExists(namespace: string[]): Promise<boolean> {
    const ns = namespace.join('.');
    const r = await this.q<{ n: number }>(
      `SELECT 1 AS n FROM iceberg_namespace_properties WHERE catalog_name = ? AND namespace = ?
       UNION SELECT 1 AS n FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ?`, [this.name, ns, this.name, ns]);
    return r.rows.length > 0;
  }

  async createNamespace(namespace: string[], properties: Record<string, string> = {}): Promise<void> {
    const ns = namespace.join('.');
    if (namespace.length === 0 || namespace.some((l) => l === '' || l.includes('.'))) throw new Error(`"${ns}" is not a valid namespace name`);
    if (await this.namespaceExists(namespace)) throw new AlreadyExistsError(`Namespace ${ns}`, this.name);
    // Java always, and PyIceberg without properties, record the namespace with exists=true.
    const props = Object.keys(properties).length > 0 ? properties : { exists: 'true' };
    try {
      await this.driver.transaction(async (q) => {
        for (const [k, v] of Object.entries(props)) {
          await q.query('INSERT INTO iceberg_namespace_properties (catalog_name, namespace, property_key, property_value) VALUES (?, ?, ?, ?)', [this.name, ns, k, v]);
        }
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AlreadyExistsError(`Namespace ${ns}`, this.name);
      throw err;
    }
  }

  async loadNamespaceProperties(namespace: string[]): Promise<Record<string, string>> {
    const ns = namespace.join('.');
    const r = await this.q<{ property_key: string; property_value: string }>(
      'SELECT property_key, property_value FROM iceberg_namespace_properties WHERE catalog_name = ? AND namespace = ?', [this.name, ns]);
    if (r.rows.length === 0 && !(await this.namespaceExists(namespace))) throw new NoSuchNamespaceError(namespace, this.name);
    return Object.fromEntries(r.rows.map((row) => [row.property_key, row.property_value]));
  }

  async dropNamespace(namespace: string[]): Promise<void> {
    if (!(await this.namespaceExists(namespace))) throw new NoSuchNamespaceError(namespace, this.name);
    if ((await this.listTables(namespace)).length > 0) throw new NamespaceNotEmptyError(namespace, this.name);
    await this.q('DELETE FROM iceberg_namespace_properties WHERE catalog_name = ? AND namespace = ?', [this.name, namespace.join('.')]);
  }

  async listTables(namespace: string[]): Promise<TableIdentifier[]> {
    const r = await this.q<{ table_name: string }>(
      `SELECT table_name FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND ${IS_TABLE} ORDER BY table_name`,
      [this.name, namespace.join('.')]);
    return r.rows.map((row) => ({ namespace, name: row.table_name }));
  }

  private async pointer(id: TableIdentifier): Promise<string | null> {
    const r = await this.q<{ metadata_location: string | null }>(
      `SELECT metadata_location FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND table_name = ? AND ${IS_TABLE}`,
      [this.name, id.namespace.join('.'), id.name]);
    const row = r.rows[0];
    if (row && !row.metadata_location) throw new Error(`Table ${formatIdentifier(id)} has no metadata_location in catalog "${this.name}"`);
    return row ? row.metadata_location : null;
  }

  async tableExists(id: TableIdentifier): Promise<boolean> {
    return (await this.pointer(id)) !== null;
  }

  async loadTable(id: TableIdentifier): Promise<LoadedTable> {
    const location = await this.pointer(id);
    if (location === null) throw new NoSuchTableError(id, this.name);
    return { identifier: id, metadata: await readMetadataFile(this.io(location), location), metadataLocation: location };
  }

  async createTable(id: TableIdentifier, o: CreateTableOptions): Promise<LoadedTable> {
    const location = (o.location ?? `${this.warehouse}/${id.namespace.join('/')}/${id.name}`).replace(/\/+$/, '');
    const updates: TableUpdate[] = [
      { action: 'assign-uuid', uuid: randomUUID() },
      { action: 'upgrade-format-version', 'format-version': 2 },
      { action: 'add-schema', schema: o.schema },
      { action: 'set-current-schema', 'schema-id': -1 },
      { action: 'add-spec', spec: o.spec ?? { 'spec-id': 0, fields: [] } },
      { action: 'set-default-spec', 'spec-id': -1 },
      { action: 'add-sort-order', 'sort-order': o.sortOrder ?? { 'order-id': 0, fields: [] } },
      { action: 'set-default-sort-order', 'sort-order-id': -1 },
      { action: 'set-location', location },
      { action: 'set-properties', updates: o.properties ?? {} },
    ];
    return this.commitTable(id, [{ type: 'assert-create' }], updates);
  }

  async commitTable(id: TableIdentifier, requirements: TableRequirement[], updates: TableUpdate[]): Promise<LoadedTable> {
    const creating = requirements.some((r) => r.type === 'assert-create');
    const table = formatIdentifier(id);
    if (creating && !(await this.namespaceExists(id.namespace))) throw new NoSuchNamespaceError(id.namespace, this.name);
    const current = creating ? null : await this.loadTable(id);
    if (creating && (await this.tableExists(id))) throw new AlreadyExistsError(`Table ${table}`, this.name);
    checkRequirements(table, current?.metadata ?? null, requirements);

    const base = current?.metadata ?? emptyMetadata('');
    const updated = withMetadataLog(applyUpdates(base, updates), current?.metadataLocation ?? null, current?.metadata ?? null);
    const newLocation = nextMetadataLocation(updated, current?.metadataLocation ?? null);
    const io = this.io(newLocation);
    await writeMetadataFile(io, newLocation, updated);

    let swapped: boolean;
    try {
      swapped = creating
        ? (await this.q(
            'INSERT INTO iceberg_tables (catalog_name, table_namespace, table_name, metadata_location, previous_metadata_location, iceberg_type) VALUES (?, ?, ?, ?, NULL, ?)',
            [this.name, id.namespace.join('.'), id.name, newLocation, 'TABLE'])).rowCount === 1
        : (await this.q(
            `UPDATE iceberg_tables SET metadata_location = ?, previous_metadata_location = ?
             WHERE catalog_name = ? AND table_namespace = ? AND table_name = ? AND metadata_location = ?`,
            [newLocation, current!.metadataLocation, this.name, id.namespace.join('.'), id.name, current!.metadataLocation])).rowCount === 1;
    } catch (err) {
      await io.delete([newLocation]).catch(() => undefined);
      if (creating && isUniqueViolation(err)) throw new AlreadyExistsError(`Table ${table}`, this.name);
      throw err;
    }
    if (!swapped) {
      // Our metadata file was never visible to anyone: remove it so it does not linger as an orphan.
      await io.delete([newLocation]).catch(() => undefined);
      throw new CommitConflictError(table, 'the table\'s metadata changed since it was read');
    }
    return { identifier: id, metadata: updated, metadataLocation: newLocation };
  }

  async dropTable(id: TableIdentifier): Promise<void> {
    const r = await this.q(
      'DELETE FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?',
      [this.name, id.namespace.join('.'), id.name]);
    if (r.rowCount === 0) throw new NoSuchTableError(id, this.name);
  }

  async renameTable(from: TableIdentifier, to: TableIdentifier): Promise<void> {
    if (!(await this.namespaceExists(to.namespace))) throw new NoSuchNamespaceError(to.namespace, this.name);
    try {
      const r = await this.q(
        `UPDATE iceberg_tables SET table_namespace = ?, table_name = ?
         WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?`,
        [to.namespace.join('.'), to.name, this.name, from.namespace.join('.'), from.name]);
      if (r.rowCount === 0) throw new NoSuchTableError(from, this.name);
    } catch (err) {
      if (isUniqueViolation(err)) throw new AlreadyExistsError(`Table ${formatIdentifier(to)}`, this.name);
      throw err;
    }
  }

  async registerTable(id: TableIdentifier, metadataLocation: string): Promise<LoadedTable> {
    if (!(await this.namespaceExists(id.namespace))) throw new NoSuchNamespaceError(id.namespace, this.name);
    const metadata = await readMetadataFile(this.io(metadataLocation), metadataLocation);
    try {
      await this.q(
        'INSERT INTO iceberg_tables (catalog_name, table_namespace, table_name, metadata_location, previous_metadata_location, iceberg_type) VALUES (?, ?, ?, ?, NULL, ?)',
        [this.name, id.namespace.join('.'), id.name, metadataLocation, 'TABLE']);
    } catch (err) {
      if (isUniqueViolation(err)) throw new AlreadyExistsError(`Table ${formatIdentifier(id)}`, this.name);
      throw err;
    }
    return { identifier: id, metadata, metadataLocation };
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}
