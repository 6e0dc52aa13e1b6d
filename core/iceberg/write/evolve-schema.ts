/**
 * Schema changes committed to a table: the new schema becomes current, field ids of existing
 * columns are kept, and the commit retries on fresh metadata if another writer got there first.
 */
import { formatIdentifier, type Catalog, type LoadedTable, type TableIdentifier } from '../catalog/catalog.ts';
import { addColumn, type DraftField } from '../spec/schema-evolution.ts';
import { CommitConflictError } from '../spec/table-updates.ts';
import type { Schema } from '../spec/types.ts';
import { currentSchema } from './snapshot-producer.ts';

/**
 * Adds top-level columns that are missing, by name; columns that already exist are left as they
 * are (so running the same evolution twice, or racing another process doing it, is harmless).
 */
export async function addMissingColumns(catalog: Catalog, id: TableIdentifier, columns: DraftField[], maxAttempts = 10): Promise<{ table: LoadedTable; added: string[] }> {
  for (let attempt = 1; ; attempt++) {
    const table = await catalog.loadTable(id);
    const md = table.metadata;
    let schema: Schema = currentSchema(md);
    let lastColumnId = md['last-column-id'];
    const added: string[] = [];
    for (const column of columns) {
      if (schema.fields.some((f) => f.name === column.name)) continue;
      const next = addColumn(schema, null, column, { lastColumnId, schemaId: schema['schema-id'] + 1 });
      schema = next.schema;
      lastColumnId = next.lastColumnId;
      added.push(column.name);
    }
    if (added.length === 0) return { table, added };
    try {
      const committed = await catalog.commitTable(id, [
        { type: 'assert-current-schema-id', 'current-schema-id': md['current-schema-id'] },
        { type: 'assert-last-assigned-field-id', 'last-assigned-field-id': md['last-column-id'] },
      ], [
        { action: 'add-schema', schema, 'last-column-id': lastColumnId },
        { action: 'set-current-schema', 'schema-id': -1 },
      ]);
      return { table: committed, added };
    } catch (err) {
      if (!(err instanceof CommitConflictError) || attempt >= maxAttempts) {
        throw err instanceof CommitConflictError
          ? new Error(`Could not change the schema of ${formatIdentifier(id)}: it kept changing underneath (${attempt} attempts)`, { cause: err })
          : err;
      }
    }
  }
}
