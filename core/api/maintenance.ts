/** Table maintenance from the UI or the CLI: expire snapshots, compact small files, remove orphans. */
import type { TableIdentifier } from '../iceberg/catalog/catalog.ts';
import { expireSnapshots } from '../iceberg/maintenance/expire-snapshots.ts';
import { planRetention } from '../iceberg/maintenance/retention.ts';
import { removeOrphanFiles } from '../iceberg/maintenance/remove-orphan-files.ts';
import { rewriteDataFiles } from '../iceberg/maintenance/rewrite-data-files.ts';
import type { CatalogAccess } from './catalog-browser.ts';
import type { MaintenanceRequest, MaintenanceResult } from './contract.ts';
import { InvalidInputError } from './validate.ts';

const HOUR_MS = 3_600_000;
const DEFAULT_TARGET_FILE_BYTES = 512 * 1024 * 1024;

export async function runMaintenance(a: CatalogAccess, r: MaintenanceRequest, signal?: AbortSignal): Promise<MaintenanceResult> {
  const id: TableIdentifier = { namespace: r.table.namespace, name: r.table.name };
  const dryRun = r.dryRun ?? false;
  const olderThanMs = r.olderThanHours === undefined ? undefined : r.olderThanHours * HOUR_MS;
  switch (r.action) {
    case 'expire-snapshots': {
      if (dryRun) {
        const md = (await a.catalog.loadTable(id)).metadata;
        const plan = planRetention(md, { nowMs: Date.now(), olderThanMs, retainLast: r.retainLast });
        return { action: r.action, dryRun, snapshotId: null, figures: { wouldExpire: plan.expired.map((s) => s['snapshot-id'].toString()), wouldRemoveRefs: plan.expiredRefs } };
      }
      const done = await expireSnapshots(a.catalog, id, a.io, { olderThanMs, retainLast: r.retainLast, signal });
      return {
        action: r.action, dryRun, snapshotId: null,
        figures: {
          expiredSnapshots: done.expiredSnapshotIds.map(String), removedRefs: done.removedRefs,
          deleted: JSON.parse(JSON.stringify(done.deleted, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as MaintenanceResult['figures'],
          warnings: done.warnings,
        },
      };
    }
    case 'rewrite-data-files': {
      if (dryRun) throw new InvalidInputError('rewrite-data-files has no dry run: it only commits when it has small files to merge, and the old files stay readable until expired');
      const done = await rewriteDataFiles(a.catalog, id, a.io, { targetFileBytes: r.targetFileSizeBytes ?? DEFAULT_TARGET_FILE_BYTES, signal, summary: { 'floe.maintenance': 'rewrite-data-files' } });
      return {
        action: r.action, dryRun, snapshotId: done.snapshotId?.toString() ?? null,
        figures: { groups: done.groups, rewrittenFiles: done.rewrittenFiles, addedFiles: done.addedFiles, rewrittenBytes: done.rewrittenBytes.toString(), addedBytes: done.addedBytes.toString(), records: done.records.toString() },
      };
    }
    case 'remove-orphan-files': {
      const done = await removeOrphanFiles(a.catalog, id, a.io, { olderThanMs, dryRun, signal });
      return {
        action: r.action, dryRun, snapshotId: null,
        figures: {
          orphans: done.orphans.map((f) => f.path), orphanBytes: done.orphans.reduce((n, f) => n + f.size, 0),
          youngOrphansKept: done.youngOrphans.length, failed: done.failed, listedFiles: done.listedFiles, referencedFiles: done.referencedFiles,
        },
      };
    }
  }
}
