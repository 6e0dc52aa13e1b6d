import { describe, expect, it } from 'vitest';
import { formatVerifyReport } from '../../../core/pipelines/verify/format.ts';
import { check, countStatuses, type VerifyReport } from '../../../core/pipelines/verify/report.ts';

function report(): VerifyReport {
  const checks = [
    check('training.exists', 'moderation.training_data', 'training table exists', 'pass', 'format v2, 1 snapshot', { snapshots: 1 }),
    check('training.labels', 'moderation.training_data', 'labels are 0 or 1 (balance)', 'fail', 'label other than 0 or 1 in 1 row (2 x1)', { invalidRows: 1, invalidValues: { 2: 1 } }),
    check('views-windows.exists', 'event_aggregations.view_windows_5min', 'view windows table exists', 'warn', 'missing', {}),
    check('views-windows.rows', 'event_aggregations.view_windows_5min', 'view windows row count', 'skip', 'the table does not exist'),
  ];
  return {
    ok: false, checkedAt: Date.UTC(2026, 2, 10, 12), durationMs: 1234, trainingTable: 'moderation.training_data',
    windowTables: { views: 'event_aggregations.view_windows_5min', comments: 'c', flags: 'f' },
    checks, counts: countStatuses(checks),
    sampleRows: [
      { image_id: 'aaaaaaaa-0000-4000-8000-000000000001', decision_point_minutes: '0', category: null },
      { image_id: 'aaaaaaaa-0000-4000-8000-000000000002', decision_point_minutes: '30', category: 'Bread' },
    ],
  };
}

describe('verify: the plain-text report', () => {
  it('prints the verdict, the checks by table with marks, the figures of problems, and the sample on its side', () => {
    expect(formatVerifyReport(report(), { width: 120 })).toBe([
      'Floe verify: FAILED (1 failed, 1 warning, 1 passed, 1 skipped)',
      'checked 2026-03-10T12:00:00.000Z in 1.2 s',
      '',
      'moderation.training_data',
      '  ✓ training table exists        format v2, 1 snapshot',
      '  ✗ labels are 0 or 1 (balance)  label other than 0 or 1 in 1 row (2 x1)',
      '      invalidRows: 1 · invalidValues: {"2":1}',
      '',
      'event_aggregations.view_windows_5min',
      '  ! view windows table exists    missing',
      '  - view windows row count       the table does not exist',
      '',
      'Sample rows of moderation.training_data (first 2):',
      '                          row 1                                 row 2',
      '  image_id                aaaaaaaa-0000-4000-8000-000000000001  aaaaaaaa-0000-4000-8000-000000000002',
      '  decision_point_minutes  0                                     30',
      '  category                null                                  Bread',
      '',
    ].join('\n'));
  });

  it('splits the sample into blocks that fit the width, and prints every figure when asked', () => {
    const text = formatVerifyReport(report(), { width: 70, figures: 'all' });
    expect(text).toContain('  ✓ training table exists        format v2, 1 snapshot\n      snapshots: 1\n');
    expect(text).toContain([
      '                          row 1',
      '  image_id                aaaaaaaa-0000-4000-8000-000000000001',
      '  decision_point_minutes  0',
      '  category                null',
      '',
      '                          row 2',
    ].join('\n'));
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(70);
    const narrow = formatVerifyReport(report(), { width: 40, figures: 'none' });
    expect(narrow).toContain('  ✗ labels are 0 or 1 (balance)\n      label other than 0 or 1 in 1 row\n      (2 x1)\n');
  });
});
