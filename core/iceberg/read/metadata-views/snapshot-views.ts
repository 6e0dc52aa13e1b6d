/**
 * Views of what table metadata says about snapshots, without reading any file: the snapshots
 * (Iceberg's `snapshots` metadata table), the snapshot log (`history`) and branches and tags
 * (`refs`), with the retention each ref gets once table defaults are applied.
 */
import { DEFAULT_MAX_SNAPSHOT_AGE_MS, DEFAULT_MIN_SNAPSHOTS_TO_KEEP } from '../../spec/retention-defaults.ts';
import type { Snapshot, SnapshotRef, TableMetadata } from '../../spec/types.ts';
import { idText, isoTime, optionalIdText } from './view-values.ts';

export interface SnapshotView {
  snapshotId: string;
  parentId: string | null;
  /** "0" for v1 snapshots, which have none. */
  sequenceNumber: string;
  timestampMs: number;
  timestamp: string;
  operation: string | null;
  /** The summary without `operation` (PyIceberg's and Java's summary column). */
  summary: Record<string, string>;
  manifestList: string;
  schemaId: number | null;
  isCurrent: boolean;
  /** Branches and tags pointing at this snapshot, main first. */
  refs: string[];
}

export interface HistoryEntryView {
  madeCurrentAtMs: number;
  madeCurrentAt: string;
  snapshotId: string;
  /** Null also when the snapshot has since expired. */
  parentId: string | null;
  /** On the current snapshot's line of parents (itself included): false after a rollback. */
  isCurrentAncestor: boolean;
  /** Whether the metadata still has the snapshot (the log outlives expired ones). */
  snapshotExists: boolean;
}

export interface RefRetention {
  minSnapshotsToKeep: number | null;
  maxSnapshotAgeMs: number | null;
  maxRefAgeMs: number | null;
}

export interface RefView {
  name: string;
  type: 'branch' | 'tag';
  snapshotId: string;
  snapshotExists: boolean;
  /** As set on the ref; null where it falls back to the table's default. */
  minSnapshotsToKeep: number | null;
  maxSnapshotAgeMs: number | null;
  maxRefAgeMs: number | null;
  /**
   * What snapshot expiry applies: the ref's setting, else the table property, else Java's default.
   * Null for what does not apply: snapshot settings on tags, ref age on main (never expires) or
   * when nothing sets it (the ref is kept forever).
   */
  effective: RefRetention;
}

/** The table's refs; a table without refs (old v1 metadata) has main at the current snapshot. */
export function tableRefs(md: TableMetadata): [string, SnapshotRef][] {
  const refs = Object.entries(md.refs ?? {});
  if (!md.refs?.main && md['current-snapshot-id'] !== null) refs.push(['main', { 'snapshot-id': md['current-snapshot-id'], type: 'branch' }]);
  return refs;
}

/** main first, then branches, then tags, each by name: the order a UI lists them in. */
function refOrder([a, ra]: [string, SnapshotRef], [b, rb]: [string, SnapshotRef]): number {
  const rank = (name: string, r: SnapshotRef) => (name === 'main' ? 0 : r.type === 'branch' ? 1 : 2);
  return rank(a, ra) - rank(b, rb) || (a < b ? -1 : a > b ? 1 : 0);
}

export function snapshotsView(md: TableMetadata): SnapshotView[] {
  const refsBySnapshot = new Map<bigint, string[]>();
  for (const [name, ref] of tableRefs(md).sort(refOrder)) {
    const list = refsBySnapshot.get(ref['snapshot-id']) ?? [];
    list.push(name);
    refsBySnapshot.set(ref['snapshot-id'], list);
  }
  return md.snapshots.map((s): SnapshotView => {
    const { operation, ...summary } = s.summary ?? {};
    return {
      snapshotId: idText(s['snapshot-id']),
      parentId: optionalIdText(s['parent-snapshot-id']),
      sequenceNumber: idText(s['sequence-number'] ?? 0n),
      timestampMs: s['timestamp-ms'],
      timestamp: isoTime(s['timestamp-ms']),
      operation: operation ?? null,
      summary,
      manifestList: s['manifest-list'],
      schemaId: s['schema-id'] ?? null,
      isCurrent: s['snapshot-id'] === md['current-snapshot-id'],
      refs: refsBySnapshot.get(s['snapshot-id']) ?? [],
    };
  });
}

/** Ids of the snapshot and its parents, as far as the metadata still has them (a cycle ends it). */
export function ancestorIds(md: TableMetadata, head: bigint | null): Set<bigint> {
  const byId = new Map(md.snapshots.map((s) => [s['snapshot-id'], s]));
  const out = new Set<bigint>();
  for (let s: Snapshot | undefined = head === null ? undefined : byId.get(head); s && !out.has(s['snapshot-id']);) {
    out.add(s['snapshot-id']);
    const parent = s['parent-snapshot-id'];
    s = parent === undefined || parent === null ? undefined : byId.get(parent);
  }
  return out;
}

export function historyView(md: TableMetadata): HistoryEntryView[] {
  const byId = new Map(md.snapshots.map((s) => [s['snapshot-id'], s]));
  const ancestors = ancestorIds(md, md['current-snapshot-id']);
  return md['snapshot-log'].map((e): HistoryEntryView => {
    const s = byId.get(e['snapshot-id']);
    return {
      madeCurrentAtMs: e['timestamp-ms'],
      madeCurrentAt: isoTime(e['timestamp-ms']),
      snapshotId: idText(e['snapshot-id']),
      parentId: optionalIdText(s?.['parent-snapshot-id']),
      isCurrentAncestor: ancestors.has(e['snapshot-id']),
      snapshotExists: s !== undefined,
    };
  });
}

function numberProperty(md: TableMetadata, key: string): number | null {
  const raw = md.properties[key];
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isFinite(n) ? n : null;
}

export function refsView(md: TableMetadata): RefView[] {
  const snapshotIds = new Set(md.snapshots.map((s) => s['snapshot-id']));
  const tableMinKeep = numberProperty(md, 'history.expire.min-snapshots-to-keep') ?? DEFAULT_MIN_SNAPSHOTS_TO_KEEP;
  const tableMaxAge = numberProperty(md, 'history.expire.max-snapshot-age-ms') ?? DEFAULT_MAX_SNAPSHOT_AGE_MS;
  const tableMaxRefAge = numberProperty(md, 'history.expire.max-ref-age-ms');
  return tableRefs(md).sort(refOrder).map(([name, ref]): RefView => {
    const branch = ref.type === 'branch';
    return {
      name,
      type: ref.type,
      snapshotId: idText(ref['snapshot-id']),
      snapshotExists: snapshotIds.has(ref['snapshot-id']),
      minSnapshotsToKeep: ref['min-snapshots-to-keep'] ?? null,
      maxSnapshotAgeMs: ref['max-snapshot-age-ms'] ?? null,
      maxRefAgeMs: ref['max-ref-age-ms'] ?? null,
      effective: {
        minSnapshotsToKeep: branch ? ref['min-snapshots-to-keep'] ?? tableMinKeep : null,
        maxSnapshotAgeMs: branch ? ref['max-snapshot-age-ms'] ?? tableMaxAge : null,
        maxRefAgeMs: name === 'main' ? null : ref['max-ref-age-ms'] ?? tableMaxRefAge,
      },
    };
  });
}
