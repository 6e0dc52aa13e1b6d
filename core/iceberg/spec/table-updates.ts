/**
 * Table changes as the Iceberg REST protocol names them: requirements that must hold on the
 * current metadata, and updates applied to it. Every catalog commits through these, so the
 * transaction layer is the same for the SQL catalog (which applies them itself, then swaps the
 * metadata pointer) and the REST catalog (which sends them to the server).
 */
import { maxFieldId } from './schema.ts';
import type { PartitionSpec, Schema, Snapshot, SnapshotRef, SortOrder, TableMetadata } from './types.ts';

export type TableUpdate =
  | { action: 'assign-uuid'; uuid: string }
  | { action: 'upgrade-format-version'; 'format-version': 1 | 2 }
  | { action: 'add-schema'; schema: Schema; 'last-column-id'?: number }
  | { action: 'set-current-schema'; 'schema-id': number }
  | { action: 'add-spec'; spec: PartitionSpec }
  | { action: 'set-default-spec'; 'spec-id': number }
  | { action: 'add-sort-order'; 'sort-order': SortOrder }
  | { action: 'set-default-sort-order'; 'sort-order-id': number }
  | { action: 'add-snapshot'; snapshot: Snapshot }
  | ({ action: 'set-snapshot-ref'; 'ref-name': string } & SnapshotRef)
  | { action: 'remove-snapshots'; 'snapshot-ids': bigint[] }
  | { action: 'remove-snapshot-ref'; 'ref-name': string }
  | { action: 'set-location'; location: string }
  | { action: 'set-properties'; updates: Record<string, string> }
  | { action: 'remove-properties'; removals: string[] };

export type TableRequirement =
  | { type: 'assert-create' }
  | { type: 'assert-table-uuid'; uuid: string }
  | { type: 'assert-ref-snapshot-id'; ref: string; 'snapshot-id': bigint | null }
  | { type: 'assert-last-assigned-field-id'; 'last-assigned-field-id': number }
  | { type: 'assert-current-schema-id'; 'current-schema-id': number }
  | { type: 'assert-last-assigned-partition-id'; 'last-assigned-partition-id': number }
  | { type: 'assert-default-spec-id'; 'default-spec-id': number }
  | { type: 'assert-default-sort-order-id'; 'default-sort-order-id': number };

/** A requirement failed: someone else changed the table. Refresh, re-validate and retry. */
export class CommitConflictError extends Error {
  constructor(readonly table: string, detail: string) {
    super(`Commit to ${table} conflicted with a concurrent change: ${detail}`);
    this.name = 'CommitConflictError';
  }
}

/** Throws CommitConflictError naming the first requirement that does not hold. */
export function checkRequirements(table: string, base: TableMetadata | null, requirements: TableRequirement[]): void {
  for (const r of requirements) {
    if (r.type === 'assert-create') {
      if (base !== null) throw new CommitConflictError(table, 'the table already exists');
      continue;
    }
    if (base === null) throw new CommitConflictError(table, 'the table does not exist');
    const fail = (what: string, expected: unknown, actual: unknown) => {
      throw new CommitConflictError(table, `${what} is ${String(actual)}, expected ${String(expected)}`);
    };
    switch (r.type) {
      case 'assert-table-uuid':
        if (base['table-uuid'] !== r.uuid) fail('table uuid', r.uuid, base['table-uuid']);
        break;
      case 'assert-ref-snapshot-id': {
        const actual = base.refs[r.ref]?.['snapshot-id'] ?? null;
        if (actual !== r['snapshot-id']) fail(`branch "${r.ref}" snapshot`, r['snapshot-id'] ?? 'none', actual ?? 'none');
        break;
      }
      case 'assert-last-assigned-field-id':
        if (base['last-column-id'] !== r['last-assigned-field-id']) fail('last column id', r['last-assigned-field-id'], base['last-column-id']);
        break;
      case 'assert-current-schema-id':
        if (base['current-schema-id'] !== r['current-schema-id']) fail('current schema id', r['current-schema-id'], base['current-schema-id']);
        break;
      case 'assert-last-assigned-partition-id':
        if (base['last-partition-id'] !== r['last-assigned-partition-id']) fail('last partition id', r['last-assigned-partition-id'], base['last-partition-id']);
        break;
      case 'assert-default-spec-id':
        if (base['default-spec-id'] !== r['default-spec-id']) fail('default spec id', r['default-spec-id'], base['default-spec-id']);
        break;
      case 'assert-default-sort-order-id':
        if (base['default-sort-order-id'] !== r['default-sort-order-id']) fail('default sort order id', r['default-sort-order-id'], base['default-sort-order-id']);
        break;
    }
  }
}

/** The metadata of a table that does not exist yet: create-table updates are applied to this. */
export function emptyMetadata(location: string): TableMetadata {
  return {
    'format-version': 2, 'table-uuid': '', location, 'last-sequence-number': 0n, 'last-updated-ms': 0,
    'last-column-id': 0, schemas: [], 'current-schema-id': -1, 'partition-specs': [], 'default-spec-id': -1,
    'last-partition-id': 999, properties: {}, 'current-snapshot-id': null, snapshots: [], 'snapshot-log': [],
    'metadata-log': [], 'sort-orders': [], 'default-sort-order-id': -1, refs: {},
  };
}

/** Applies updates to a copy of `base`. Invalid updates throw with the reason. */
export function applyUpdates(base: TableMetadata, updates: TableUpdate[], nowMs = Date.now()): TableMetadata {
  // v3 metadata carries row lineage (next-row-id, each snapshot's first row id) that these updates
  // do not maintain: Floe reads v3 tables and leaves changing them to engines that write v3.
  if (base['format-version'] >= 3) {
    throw new Error(`Table ${base.location} is Iceberg format v${base['format-version']}: Floe reads it but does not change it; use an engine that writes v3 (Iceberg Java 1.8 or later)`);
  }
  const md: TableMetadata = structuredClone(base);
  let lastAddedSchemaId: number | undefined;
  let lastAddedSpecId: number | undefined;
  let lastAddedOrderId: number | undefined;
  for (const u of updates) {
    switch (u.action) {
      case 'assign-uuid':
        md['table-uuid'] = u.uuid;
        break;
      case 'upgrade-format-version':
        if (u['format-version'] < md['format-version']) throw new Error(`cannot downgrade format-version ${md['format-version']} to ${u['format-version']}`);
        md['format-version'] = u['format-version'];
        break;
      case 'add-schema': {
        const existing = md.schemas.find((s) => sameFields(s, u.schema));
        if (existing) { lastAddedSchemaId = existing['schema-id']; break; }
        const id = Math.max(-1, ...md.schemas.map((s) => s['schema-id'])) + 1;
        md.schemas.push({ ...u.schema, 'schema-id': id });
        md['last-column-id'] = Math.max(md['last-column-id'], u['last-column-id'] ?? maxFieldId(u.schema));
        lastAddedSchemaId = id;
        break;
      }
      case 'set-current-schema': {
        const id = u['schema-id'] === -1 ? lastAddedSchemaId : u['schema-id'];
        if (id === undefined || !md.schemas.some((s) => s['schema-id'] === id)) throw new Error(`set-current-schema: no schema ${u['schema-id']}`);
        md['current-schema-id'] = id;
        break;
      }
      case 'add-spec': {
        const existing = md['partition-specs'].find((s) => JSON.stringify(s.fields) === JSON.stringify(u.spec.fields));
        if (existing) { lastAddedSpecId = existing['spec-id']; break; }
        const id = Math.max(-1, ...md['partition-specs'].map((s) => s['spec-id'])) + 1;
        md['partition-specs'].push({ ...u.spec, 'spec-id': id });
        md['last-partition-id'] = Math.max(md['last-partition-id'], ...u.spec.fields.map((f) => f['field-id']));
        lastAddedSpecId = id;
        break;
      }
      case 'set-default-spec': {
        const id = u['spec-id'] === -1 ? lastAddedSpecId : u['spec-id'];
        if (id === undefined || !md['partition-specs'].some((s) => s['spec-id'] === id)) throw new Error(`set-default-spec: no spec ${u['spec-id']}`);
        md['default-spec-id'] = id;
        break;
      }
      case 'add-sort-order': {
        const fields = u['sort-order'].fields;
        const existing = md['sort-orders'].find((o) => JSON.stringify(o.fields) === JSON.stringify(fields));
        if (existing) { lastAddedOrderId = existing['order-id']; break; }
        // Order id 0 is reserved for "unsorted".
        const id = fields.length === 0 ? 0 : Math.max(0, ...md['sort-orders'].map((o) => o['order-id'])) + 1;
        md['sort-orders'].push({ 'order-id': id, fields });
        lastAddedOrderId = id;
        break;
      }
      case 'set-default-sort-order': {
        const id = u['sort-order-id'] === -1 ? lastAddedOrderId : u['sort-order-id'];
        if (id === undefined || !md['sort-orders'].some((o) => o['order-id'] === id)) throw new Error(`set-default-sort-order: no order ${u['sort-order-id']}`);
        md['default-sort-order-id'] = id;
        break;
      }
      case 'add-snapshot': {
        const s = u.snapshot;
        if (md.snapshots.some((x) => x['snapshot-id'] === s['snapshot-id'])) throw new Error(`add-snapshot: snapshot ${s['snapshot-id']} already exists`);
        const seq = s['sequence-number'] ?? 0n;
        if (md['format-version'] >= 2 && seq <= md['last-sequence-number']) {
          throw new Error(`add-snapshot: sequence number ${seq} is not above the table's last sequence number ${md['last-sequence-number']}`);
        }
        md.snapshots.push(s);
        if (seq > md['last-sequence-number']) md['last-sequence-number'] = seq;
        nowMs = Math.max(nowMs, s['timestamp-ms']);
        break;
      }
      case 'set-snapshot-ref': {
        const { action: _action, 'ref-name': name, ...ref } = u;
        const snapshot = md.snapshots.find((x) => x['snapshot-id'] === ref['snapshot-id']);
        if (!snapshot) throw new Error(`set-snapshot-ref: no snapshot ${ref['snapshot-id']}`);
        md.refs[name] = ref;
        if (name === 'main') {
          md['current-snapshot-id'] = ref['snapshot-id'];
          md['snapshot-log'].push({ 'snapshot-id': ref['snapshot-id'], 'timestamp-ms': snapshot['timestamp-ms'] });
        }
        break;
      }
      case 'remove-snapshots': {
        const gone = new Set(u['snapshot-ids']);
        md.snapshots = md.snapshots.filter((s) => !gone.has(s['snapshot-id']));
        // The log keeps only what follows the last removed entry: with [s1, s2, s3] and s2 gone,
        // [s1, s3] would say s1 was current while s2 was, and time travel would read s1 then.
        const log: TableMetadata['snapshot-log'] = [];
        for (const e of md['snapshot-log']) {
          if (gone.has(e['snapshot-id'])) log.length = 0;
          else log.push(e);
        }
        md['snapshot-log'] = log;
        // Statistics describe one snapshot: they go with it (as Java's metadata builder does).
        for (const key of ['statistics', 'partition-statistics']) {
          const list = md[key];
          if (!Array.isArray(list)) continue;
          md[key] = list.filter((s: { 'snapshot-id'?: unknown }) => {
            const sid = s['snapshot-id'];
            return !((typeof sid === 'bigint' || typeof sid === 'number') && gone.has(BigInt(sid)));
          });
        }
        for (const [name, ref] of Object.entries(md.refs)) {
          if (gone.has(ref['snapshot-id'])) throw new Error(`remove-snapshots: snapshot ${ref['snapshot-id']} is still referenced by "${name}"`);
        }
        break;
      }
      case 'remove-snapshot-ref':
        delete md.refs[u['ref-name']];
        if (u['ref-name'] === 'main') md['current-snapshot-id'] = null;
        break;
      case 'set-location':
        md.location = u.location.replace(/\/+$/, '');
        break;
      case 'set-properties':
        Object.assign(md.properties, u.updates);
        break;
      case 'remove-properties':
        for (const k of u.removals) delete md.properties[k];
        break;
    }
  }
  md['last-updated-ms'] = Math.max(nowMs, base['last-updated-ms']);
  return md;
}

function sameFields(a: Schema, b: Schema): boolean {
  return JSON.stringify(a.fields) === JSON.stringify(b.fields)
    && JSON.stringify(a['identifier-field-ids'] ?? []) === JSON.stringify(b['identifier-field-ids'] ?? []);
}
