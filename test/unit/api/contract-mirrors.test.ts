import { describe, expect, it } from 'vitest';
import type * as api from '../../../core/api/contract.ts';
import type * as summary from '../../../core/iceberg/read/metadata-views/table-summary.ts';
import type * as snapshots from '../../../core/iceberg/read/metadata-views/snapshot-views.ts';
import type * as files from '../../../core/iceberg/read/metadata-views/file-views.ts';
import type * as partitions from '../../../core/iceberg/read/metadata-views/partition-views.ts';
import type * as verify from '../../../core/pipelines/verify/report.ts';

// Exactly equal both ways: the contract's copies of the metadata views may not drift from them.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const mirrors: [
  Same<api.TableSummaryView, summary.TableSummaryView>,
  Same<api.SnapshotView, snapshots.SnapshotView>,
  Same<api.FileView, files.FileView>,
  Same<api.FilesPage, files.FilesPage>,
  Same<api.PartitionView, partitions.PartitionView>,
  Same<api.VerifyReportView, verify.VerifyReport>,
] = [true, true, true, true, true, true];

describe('API contract', () => {
  it('mirrors the metadata views exactly (checked by the type checker)', () => {
    expect(mirrors.every(Boolean)).toBe(true);
  });
});
