/**
 * The training table's checks from what was measured: its statistics (training-stats.ts), its
 * current snapshot, and its first rows. Pure functions, so each rule is unit-testable.
 */
import type { Snapshot } from '../../iceberg/spec/types.ts';
import { check, percent, plural, type JsonValue, type VerifyCheck } from './report.ts';
import { DECISION_POINT, IMAGE_ID, KEY_COLUMNS, LABEL, type ColumnPlan, type TrainingStats } from './training-stats.ts';

/** The checks that need the table's rows, in report order; skipped together when it cannot be read. */
export const ROW_CHECKS: [id: string, title: string][] = [
  ['training.rows', 'has rows'],
  ['training.rows-per-image', 'one row per image and decision point'],
  ['training.decision-points', 'decision points in the configured set'],
  ['training.labels', 'labels are 0 or 1 (balance)'],
  ['training.key-nulls', 'no nulls in key columns'],
  ['training.sample', 'sample rows'],
];

const title = (id: string) => ROW_CHECKS.find((c) => c[0] === id)![1];

function examplesText(examples: { imageId: string; rows: number }[]): string {
  return examples.map((e) => `${e.imageId} (${e.rows} ${e.rows === 1 ? 'row' : 'rows'})`).join(', ');
}

function rowsCheck(table: string, s: TrainingStats, summaryTotal: number | null): VerifyCheck {
  const figures = { rows: s.rows, images: s.images, summaryTotalRecords: summaryTotal };
  if (summaryTotal !== null && summaryTotal !== s.rows) {
    return check('training.rows', table, title('training.rows'), 'fail',
      `read ${s.rows} rows but the snapshot summary says total-records ${summaryTotal}: the table's manifests and data files disagree`, figures);
  }
  if (s.rows === 0) return check('training.rows', table, title('training.rows'), 'fail', 'the table is empty: run etl_moderation', figures);
  return check('training.rows', table, title('training.rows'), 'pass', `${s.rows} rows for ${s.images} images`, figures);
}

function perImageCheck(table: string, s: TrainingStats, plan: ColumnPlan, points: number[]): VerifyCheck {
  const id = 'training.rows-per-image';
  if (plan.unusable[IMAGE_ID]) return check(id, table, title(id), 'skip', `${plan.unusable[IMAGE_ID]}, so rows cannot be grouped by image`);
  const want = points.length;
  const figures = {
    images: s.images, expectedRowsPerImage: want, offendingImages: s.offendingImages, rowsPerImage: s.rowsPerImage,
    duplicatePointRows: s.duplicatePointRows, examples: s.offendingExamples,
  };
  if (s.offendingImages > 0) {
    return check(id, table, title(id), 'fail',
      `images without exactly ${plural(want, 'row')}: ${s.offendingImages} of ${s.images}, e.g. ${examplesText(s.offendingExamples)}`, figures);
  }
  if (s.duplicatePointRows > 0) {
    return check(id, table, title(id), 'fail', `a decision point repeated within its image in ${plural(s.duplicatePointRows, 'row')}`, figures);
  }
  return check(id, table, title(id), 'pass', `all ${s.images} images have exactly ${plural(want, 'row')}`, figures);
}

function pointsCheck(table: string, s: TrainingStats, plan: ColumnPlan, points: number[]): VerifyCheck {
  const id = 'training.decision-points';
  if (plan.unusable[DECISION_POINT]) return check(id, table, title(id), 'skip', plan.unusable[DECISION_POINT]);
  const figures = { configured: points, rowsPerDecisionPoint: s.rowsPerDecisionPoint, invalidRows: s.invalidPointRows, imagesMissingPoints: s.imagesMissingPoints };
  const split = Object.entries(s.rowsPerDecisionPoint).map(([p, n]) => `${p}: ${n}`).join(', ');
  if (s.invalidPointRows > 0) {
    const others = Object.keys(s.rowsPerDecisionPoint).filter((p) => !points.map(String).includes(p));
    return check(id, table, title(id), 'fail',
      `decision point outside {${points.join(', ')}} in ${plural(s.invalidPointRows, 'row')} (${others.join(', ')}); rows per point: ${split}`, figures);
  }
  return check(id, table, title(id), 'pass', `all in {${points.join(', ')}}; rows per point: ${split}`, figures);
}

function labelsCheck(table: string, s: TrainingStats, plan: ColumnPlan): VerifyCheck {
  const id = 'training.labels';
  if (plan.unusable[LABEL]) return check(id, table, title(id), 'skip', plan.unusable[LABEL]);
  const labelled = s.positives + s.negatives;
  const balance = labelled > 0 ? s.positives / labelled : null;
  const figures = {
    positives: s.positives, negatives: s.negatives, balance, invalidRows: s.invalidLabelRows, invalidValues: s.invalidLabels,
    windowCompleteRows: s.windowCompleteRows,
  };
  const split = `${s.positives} positive / ${labelled} (${percent(s.positives, labelled)})`;
  if (s.invalidLabelRows > 0) {
    const values = Object.entries(s.invalidLabels).map(([v, n]) => `${v} x${n}`).join(', ');
    return check(id, table, title(id), 'fail', `label other than 0 or 1 in ${plural(s.invalidLabelRows, 'row')} (${values}); ${split}`, figures);
  }
  if (labelled > 0 && (s.positives === 0 || s.negatives === 0)) {
    return check(id, table, title(id), 'warn', `every label is ${s.positives === 0 ? 0 : 1}: a model cannot learn from one class; ${split}`, figures);
  }
  return check(id, table, title(id), 'pass', split, figures);
}

function nullsCheck(table: string, s: TrainingStats, plan: ColumnPlan): VerifyCheck {
  const id = 'training.key-nulls';
  const absent = KEY_COLUMNS.filter((c) => !plan.read.includes(c));
  const figures = { nulls: s.nulls, absentColumns: absent };
  const withNulls = Object.entries(s.nulls).filter(([, n]) => n > 0);
  const absentText = absent.length > 0 ? `; not checked (absent): ${absent.join(', ')}` : '';
  if (withNulls.length > 0) {
    return check(id, table, title(id), 'fail', `nulls in ${withNulls.map(([c, n]) => `${c} (${n})`).join(', ')}${absentText}`, figures);
  }
  if (plan.read.length === 0) return check(id, table, title(id), 'skip', `the table has none of the key columns ${KEY_COLUMNS.join(', ')}`, figures);
  return check(id, table, title(id), absent.length > 0 ? 'warn' : 'pass', `no nulls in ${plan.read.join(', ')}${absentText}`, figures);
}

export function rowChecks(
  table: string, stats: TrainingStats, plan: ColumnPlan, points: number[], summaryTotal: number | null,
  sample: { columns: string[]; rows: Record<string, JsonValue>[] },
): VerifyCheck[] {
  const sampleStatus = sample.rows.length > 0 ? 'pass' : 'skip';
  const sampleDetail = sample.rows.length > 0 ? `first ${sample.rows.length} of ${stats.rows} rows` : 'the table has no rows';
  return [
    rowsCheck(table, stats, summaryTotal),
    perImageCheck(table, stats, plan, points),
    pointsCheck(table, stats, plan, points),
    labelsCheck(table, stats, plan),
    nullsCheck(table, stats, plan),
    check('training.sample', table, title('training.sample'), sampleStatus, sampleDetail, { rows: sample.rows.length, columns: sample.columns.length }),
  ];
}

/** Which snapshot was checked and who wrote it: Floe's loads record their run and window source. */
export const SNAPSHOT_CHECK: [id: string, title: string] = ['training.snapshot', 'current snapshot and the run that wrote it'];

export function snapshotCheck(table: string, snapshot: Snapshot | undefined): VerifyCheck {
  const [id, t] = SNAPSHOT_CHECK;
  if (!snapshot) return check(id, table, t, 'warn', 'the table has no snapshot yet: nothing has been loaded', { snapshotId: null });
  const summary = snapshot.summary ?? {};
  const figures = {
    snapshotId: snapshot['snapshot-id'].toString(),
    timestamp: new Date(snapshot['timestamp-ms']).toISOString(),
    operation: summary.operation ?? null,
    runId: summary['floe.run-id'] ?? null,
    pipeline: summary['floe.pipeline'] ?? null,
    windowSource: summary['floe.window-source'] ?? null,
  };
  const at = `snapshot ${figures.snapshotId} at ${figures.timestamp}`;
  if (!figures.runId) {
    return check(id, table, t, 'warn', `${at} has no floe.run-id: it was written by another tool (e.g. the seed's PyIceberg load); rerun etl_moderation`, figures);
  }
  return check(id, table, t, 'pass', `${at} by run ${figures.runId}, window source ${figures.windowSource ?? 'not recorded'}`, figures);
}
