/**
 * Expiring snapshots: remove old snapshots from the table's metadata (the retention policy is in
 * retention.ts), then delete the files only they used. The metadata commit comes first and goes
 * through the same compare-and-swap retry as every write, so a concurrent commit makes the
 * policy be evaluated again on the fresh table; files are deleted only after the commit won.
 */
import { formatIdentifier, type Catalog, type LoadedTable, type TableIdentifier } from '../catalog/catalog.ts';
import type { FileIOFor } from '../catalog/metadata-files.ts';
import type { TableRequirement, TableUpdate } from '../spec/table-updates.ts';
import type { Snapshot } from '../spec/types.ts';
import { CommitAbandonedError, commitWithRetry } from '../write/commit.ts';
import { planRetention, type RetentionPlan } from './retention.ts';
import { deleteUnreachableFiles, type ExpiredFileCounts } from './expired-files.ts';

export interface ExpireSnapshotsOptions {
  /** Snapshots younger than this many ms are kept. Default: history.expire.max-snapshot-age-ms, else 5 days. */
  olderThanMs?: number;
  /** Each branch's newest snapshots kept whatever their age (main's current one always). Default: history.expire.min-snapshots-to-keep, else 1. */
  retainLast?: number;
  /** Only change the metadata; leave the files for removeOrphanFiles. Default false. */
  keepFiles?: boolean;
  maxAttempts?: number;
  signal?: AbortSignal;
}

export interface ExpireSnapshotsResult {
  table: LoadedTable;
  expiredSnapshotIds: bigint[];
  removedRefs: string[];
  /** Files deleted by kind, and their bytes. */
  deleted: ExpiredFileCounts;
  /** Files that could not be read or deleted: left behind for removeOrphanFiles, not an error. */
  warnings: string[];
  attempts: number;
}

/** Raised inside the commit attempt when the fresh table has nothing to expire: no commit. */
class NothingToExpire extends Error {}

export async function expireSnapshots(
  catalog: Catalog, id: TableIdentifier, io: FileIOFor, o: ExpireSnapshotsOptions = {},
): Promise<ExpireSnapshotsResult> {
  let base: LoadedTable | undefined;
  let plan: RetentionPlan | undefined;
  const build = async (table: LoadedTable) => {
    base = table;
    plan = planRetention(table.metadata, { nowMs: Date.now(), olderThanMs: o.olderThanMs, retainLast: o.retainLast });
    if (plan.expired.length === 0 && plan.expiredRefs.length === 0) throw new NothingToExpire();
    const md = table.metadata;
    const requirements: TableRequirement[] = [{ type: 'assert-table-uuid', uuid: md['table-uuid'] }];
    // Every ref as it was when the policy ran: a ref that moved (main's concurrent append above
    // all) may change what must be kept, so that is a conflict and the policy runs again.
    const refs = { main: { 'snapshot-id': md['current-snapshot-id'] }, ...md.refs };
    for (const [ref, r] of Object.entries(refs)) requirements.push({ type: 'assert-ref-snapshot-id', ref, 'snapshot-id': r['snapshot-id'] });
    const updates: TableUpdate[] = [
      ...plan.expiredRefs.map((name): TableUpdate => ({ action: 'remove-snapshot-ref', 'ref-name': name })),
      ...(plan.expired.length > 0 ? [{ action: 'remove-snapshots', 'snapshot-ids': plan.expired.map((s) => s['snapshot-id']) } as const] : []),
    ];
    // commitWithRetry reports a snapshot id; expiry makes none, so it is main's, unchanged.
    return { snapshotId: md['current-snapshot-id'] ?? 0n, requirements, updates, written: [], summary: {} };
  };

  let committed;
  try {
    committed = await commitWithRetry(catalog, id, io, build, { maxAttempts: o.maxAttempts, signal: o.signal });
  } catch (err) {
    if (err instanceof CommitAbandonedError && err.cause instanceof NothingToExpire && base) {
      return { table: base, expiredSnapshotIds: [], removedRefs: [], deleted: emptyCounts(), warnings: [], attempts: 1 };
    }
    throw err;
  }
  const expired: Snapshot[] = plan!.expired;
  const result: ExpireSnapshotsResult = {
    table: committed.table, expiredSnapshotIds: expired.map((s) => s['snapshot-id']), removedRefs: plan!.expiredRefs,
    deleted: emptyCounts(), warnings: [], attempts: committed.attempts,
  };
  if (o.keepFiles || expired.length === 0) return result;
  // Files are judged against the metadata this commit produced: later commits can only reference
  // files of snapshots it kept (they build on main, which it always keeps) or files of their own.
  const cleanup = await deleteUnreachableFiles(io, base!.metadata, committed.table.metadata, expired, o.signal);
  result.deleted = cleanup.deleted;
  result.warnings = cleanup.warnings.map((w) => `${formatIdentifier(id)}: ${w}`);
  return result;
}

function emptyCounts(): ExpiredFileCounts {
  return { dataFiles: 0, deleteFiles: 0, manifests: 0, manifestLists: 0, statisticsFiles: 0, bytes: 0n };
}
