/**
 * Which snapshots a table keeps when snapshots expire: the spec's "Snapshot Retention Policy",
 * evaluated as Java's ExpireSnapshots does. Pure, so the policy can be tested without a table.
 *
 *   1. Drop refs other than main whose snapshot is older than their max-ref-age-ms.
 *   2. Keep every remaining ref's snapshot.
 *   3. Keep each branch's ancestors until one is both older than the branch's max snapshot age
 *      and not among its first min-snapshots-to-keep (the head counts as the first).
 *   4. Snapshots on no branch's history and under no tag (left behind by a rollback, say) are
 *      kept while younger than the default max age.
 *   5. Everything else expires.
 *
 * Per-ref settings win; options, then table properties, supply the defaults.
 */
import type { Snapshot, SnapshotRef, TableMetadata } from '../spec/types.ts';
import { DEFAULT_MAX_SNAPSHOT_AGE_MS, DEFAULT_MIN_SNAPSHOTS_TO_KEEP } from '../spec/retention-defaults.ts';

export interface RetentionOptions {
  nowMs: number;
  /** Snapshots younger than this (ms before now) are kept. Default: table property, else 5 days. */
  olderThanMs?: number;
  /** The newest snapshots of each branch kept whatever their age. Default: table property, else 1. */
  retainLast?: number;
}

export interface RetentionPlan {
  retained: Set<bigint>;
  expired: Snapshot[];
  /** Refs (never main) removed for being older than their max-ref-age-ms. */
  expiredRefs: string[];
}

export function planRetention(md: TableMetadata, o: RetentionOptions): RetentionPlan {
  const byId = new Map(md.snapshots.map((s) => [s['snapshot-id'], s]));
  const defaultMaxAge = o.olderThanMs ?? numberProperty(md, 'history.expire.max-snapshot-age-ms') ?? DEFAULT_MAX_SNAPSHOT_AGE_MS;
  const defaultMinKeep = o.retainLast ?? numberProperty(md, 'history.expire.min-snapshots-to-keep') ?? DEFAULT_MIN_SNAPSHOTS_TO_KEEP;
  const defaultMaxRefAge = numberProperty(md, 'history.expire.max-ref-age-ms');
  if (!Number.isFinite(defaultMaxAge) || defaultMaxAge < 0) throw new Error(`olderThanMs must be a non-negative number of milliseconds, not ${defaultMaxAge}`);
  if (!Number.isInteger(defaultMinKeep) || defaultMinKeep < 1) throw new Error(`retainLast must be a whole number of at least 1, not ${defaultMinKeep}`);

  const refs = tableRefs(md);
  const expiredRefs: string[] = [];
  const liveRefs: [string, SnapshotRef][] = [];
  for (const [name, ref] of refs) {
    const snapshot = byId.get(ref['snapshot-id']);
    const maxRefAge = ref['max-ref-age-ms'] ?? defaultMaxRefAge;
    if (name !== 'main' && snapshot && maxRefAge !== undefined && o.nowMs - snapshot['timestamp-ms'] > maxRefAge) {
      expiredRefs.push(name);
    } else {
      liveRefs.push([name, ref]);
    }
  }

  const retained = new Set<bigint>();
  // Every snapshot on a live ref's history, kept or not: those are not "unreferenced" (step 4).
  const onRefHistory = new Set<bigint>();
  for (const [, ref] of liveRefs) {
    const head = byId.get(ref['snapshot-id']);
    if (!head) continue;
    retained.add(head['snapshot-id']);
    onRefHistory.add(head['snapshot-id']);
    if (ref.type !== 'branch') continue;
    const cutoff = o.nowMs - (ref['max-snapshot-age-ms'] ?? defaultMaxAge);
    const minKeep = ref['min-snapshots-to-keep'] ?? defaultMinKeep;
    let keeping = true;
    let position = 0;
    for (const s of ancestry(head, byId)) {
      onRefHistory.add(s['snapshot-id']);
      if (keeping && (position < minKeep || s['timestamp-ms'] >= cutoff)) retained.add(s['snapshot-id']);
      else keeping = false;
      position++;
    }
  }
  const defaultCutoff = o.nowMs - defaultMaxAge;
  for (const s of md.snapshots) {
    if (!onRefHistory.has(s['snapshot-id']) && s['timestamp-ms'] >= defaultCutoff) retained.add(s['snapshot-id']);
  }
  return { retained, expired: md.snapshots.filter((s) => !retained.has(s['snapshot-id'])), expiredRefs };
}

/** The table's refs; a table without refs (old v1 metadata) has main at the current snapshot. */
function tableRefs(md: TableMetadata): [string, SnapshotRef][] {
  const refs = Object.entries(md.refs ?? {});
  if (!md.refs?.main && md['current-snapshot-id'] !== null) refs.push(['main', { 'snapshot-id': md['current-snapshot-id'], type: 'branch' }]);
  return refs;
}

/** The snapshot and its parents, newest first, as far as the metadata still has them. */
function* ancestry(head: Snapshot, byId: Map<bigint, Snapshot>): Generator<Snapshot> {
  const seen = new Set<bigint>();
  for (let s: Snapshot | undefined = head; s && !seen.has(s['snapshot-id']); s = parentOf(s, byId)) {
    seen.add(s['snapshot-id']);
    yield s;
  }
}

function parentOf(s: Snapshot, byId: Map<bigint, Snapshot>): Snapshot | undefined {
  const parent = s['parent-snapshot-id'];
  return parent === undefined || parent === null ? undefined : byId.get(parent);
}

function numberProperty(md: TableMetadata, key: string): number | undefined {
  const raw = md.properties[key];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new Error(`Table property ${key}="${raw}" is not a number`);
  return n;
}
