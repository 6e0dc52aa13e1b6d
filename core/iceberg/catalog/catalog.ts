/**
 * The catalog contract Floe's Iceberg code is written against. Two implementations: the SQL
 * catalog (PyIceberg SqlCatalog / Java JdbcCatalog tables, on Postgres or SQLite) and the REST
 * catalog. Changes go through `commitTable` as REST-style requirements and updates.
 */
import type { TableRequirement, TableUpdate } from '../spec/table-updates.ts';
import type { PartitionSpec, Schema, SortOrder, TableMetadata } from '../spec/types.ts';

export interface TableIdentifier {
  namespace: string[];
  name: string;
}

export interface LoadedTable {
  identifier: TableIdentifier;
  metadata: TableMetadata;
  metadataLocation: string;
}

export interface CreateTableOptions {
  /** Field ids as given (assign fresh ones with the schema helpers first). */
  schema: Schema;
  spec?: PartitionSpec;
  sortOrder?: SortOrder;
  properties?: Record<string, string>;
  /** Default: {warehouse}/{namespace levels}/{table}. */
  location?: string;
}

export interface Catalog {
  readonly name: string;
  listNamespaces(): Promise<string[][]>;
  namespaceExists(namespace: string[]): Promise<boolean>;
  createNamespace(namespace: string[], properties?: Record<string, string>): Promise<void>;
  loadNamespaceProperties(namespace: string[]): Promise<Record<string, string>>;
  dropNamespace(namespace: string[]): Promise<void>;
  listTables(namespace: string[]): Promise<TableIdentifier[]>;
  tableExists(id: TableIdentifier): Promise<boolean>;
  loadTable(id: TableIdentifier): Promise<LoadedTable>;
  createTable(id: TableIdentifier, options: CreateTableOptions): Promise<LoadedTable>;
  /** Applies `updates` if every requirement holds; CommitConflictError when another writer won. */
  commitTable(id: TableIdentifier, requirements: TableRequirement[], updates: TableUpdate[]): Promise<LoadedTable>;
  dropTable(id: TableIdentifier): Promise<void>;
  renameTable(from: TableIdentifier, to: TableIdentifier): Promise<void>;
  /** Adds an existing table by its metadata file (e.g. one written elsewhere). */
  registerTable(id: TableIdentifier, metadataLocation: string): Promise<LoadedTable>;
  close(): Promise<void>;
}

export const formatIdentifier = (id: TableIdentifier) => [...id.namespace, id.name].join('.');

/** "moderation.training_data" -> { namespace: ['moderation'], name: 'training_data' }. */
export function parseIdentifier(text: string): TableIdentifier {
  const parts = text.split('.');
  if (parts.length < 2 || parts.some((p) => p.length === 0)) {
    throw new Error(`"${text}" is not a table identifier: write it as namespace.table (e.g. moderation.training_data)`);
  }
  return { namespace: parts.slice(0, -1), name: parts.at(-1)! };
}

export class NoSuchTableError extends Error {
  constructor(id: TableIdentifier, catalog: string) {
    super(`Table ${formatIdentifier(id)} does not exist in catalog "${catalog}"`);
    this.name = 'NoSuchTableError';
  }
}

export class NoSuchNamespaceError extends Error {
  constructor(namespace: string[], catalog: string) {
    super(`Namespace ${namespace.join('.')} does not exist in catalog "${catalog}": create it first`);
    this.name = 'NoSuchNamespaceError';
  }
}

export class AlreadyExistsError extends Error {
  constructor(what: string, catalog: string) {
    super(`${what} already exists in catalog "${catalog}"`);
    this.name = 'AlreadyExistsError';
  }
}

export class NamespaceNotEmptyError extends Error {
  constructor(namespace: string[], catalog: string) {
    super(`Namespace ${namespace.join('.')} in catalog "${catalog}" still has tables: drop them first`);
    this.name = 'NamespaceNotEmptyError';
  }
}
