/**
 * Create-if-missing for namespaces and tables, safe when several processes do it at once: the
 * loser of a create race sees AlreadyExists and loads what the winner made (the seed's
 * UniqueViolation came from exactly this race).
 */
import { AlreadyExistsError, type Catalog, type CreateTableOptions, type LoadedTable, type TableIdentifier } from './catalog.ts';

export async function ensureNamespace(catalog: Catalog, namespace: string[]): Promise<void> {
  if (await catalog.namespaceExists(namespace)) return;
  try {
    await catalog.createNamespace(namespace);
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
  }
}

/** Loads the table, creating it (and its namespace) first if it does not exist. */
export async function ensureTable(catalog: Catalog, id: TableIdentifier, options: CreateTableOptions): Promise<{ table: LoadedTable; created: boolean }> {
  if (await catalog.tableExists(id)) return { table: await catalog.loadTable(id), created: false };
  await ensureNamespace(catalog, id.namespace);
  try {
    return { table: await catalog.createTable(id, options), created: true };
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
    return { table: await catalog.loadTable(id), created: false };
  }
}
