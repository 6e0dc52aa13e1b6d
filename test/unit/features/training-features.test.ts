import { describe, expect, it } from 'vitest';
import { computeTrainingFeatures } from '../../../core/features/training-features.ts';
import type { FeatureInputs, WindowColumns } from '../../../core/features/feature-inputs.ts';
import { World } from '../../../core/demo/generator.ts';
import { WindowTruth } from '../../../core/demo/ground-truth.ts';
import { naiveTrainingRows, rowObjects } from './naive-reference.ts';
import { worldInputs } from './world-inputs.ts';

const t = (iso: string) => Date.parse(iso) * 1000;
const HORIZON = 24 * 3_600_000_000;

function windows(rows: [string, string, string, number][]): WindowColumns {
  return {
    image_id: rows.map((r) => r[0]), window_start: rows.map((r) => t(r[1])), window_end: rows.map((r) => t(r[2])), event_count: rows.map((r) => r[3]),
  };
}

describe('FEATURES.md worked example', () => {
  const input: FeatureInputs = {
    users: { id: ['u'], created_at: [t('2026-03-01T00:00:00Z')] },
    images: {
      id: ['i', 'i2'], user_id: ['u', 'u'], caption: ['🍜 ramen', null], category: [null, 'Soup'],
      uploaded_at: [t('2026-03-10T12:00:00Z'), t('2026-03-10T12:20:00Z')],
    },
    flags: { image_id: ['i'], created_at: [t('2026-03-11T12:00:00Z')] },
    source: {
      kind: 'windows',
      views: windows([
        ['i', '2026-03-10T12:00:00Z', '2026-03-10T12:05:00Z', 3], ['i', '2026-03-10T12:05:00Z', '2026-03-10T12:10:00Z', 4],
        ['i', '2026-03-10T12:25:00Z', '2026-03-10T12:30:00Z', 2], ['i', '2026-03-10T12:25:00Z', '2026-03-10T12:30:00Z', 1],
        ['i', '2026-03-10T12:30:00Z', '2026-03-10T12:35:00Z', 9],
      ]),
      comments: windows([['i', '2026-03-10T12:10:00Z', '2026-03-10T12:15:00Z', 2]]),
    },
    referenceTime: t('2026-03-12T00:00:00Z'), decisionPointsMinutes: [0, 5, 30], labelHorizonMicros: HORIZON,
  };
  const rows = rowObjects(computeTrainingFeatures(input).rows).filter((r) => r.image_id === 'i');

  it('gives the table of the worked example', () => {
    const pick = (r: Record<string, unknown>) => [r.decision_point_minutes, r.views_5min, r.views_1hr, r.comments_5min, r.comments_1hr,
      r.view_velocity_per_min, r.comment_to_view_ratio, r.recent_engagement_score, r.user_image_count];
    expect(rows.map(pick)).toEqual([
      [0, 0, 0, 0, 0, 0, 0, 0, 1],
      [5, 3, 3, 0, 0, 0.6, 0, 3, 1],
      [30, 3, 10, 0, 2, 0.6, 0.2, 3, 2],
    ]);
  });

  it('gives the values shared by all three rows', () => {
    for (const r of rows) {
      expect(r).toMatchObject({
        label_needs_moderation_24h: 1, caption_length: 7, has_caption: 1, category: 'Unknown', hour_of_day: 12,
        day_of_week: 1, is_weekend: 0, user_age_days: 9, label_window_complete: true,
      });
    }
    expect(rows.map((r) => r.time_since_upload_seconds)).toEqual([0, 300, 1800]);
  });
});

describe('rules pinned one by one', () => {
  const base = (over: Partial<FeatureInputs> = {}): FeatureInputs => ({
    users: { id: ['u'], created_at: [t('2026-03-01T06:00:00Z')] },
    images: { id: ['i'], user_id: ['u'], caption: [''], category: ['Bread'], uploaded_at: [t('2026-03-14T23:59:59Z')] },
    flags: { image_id: [], created_at: [] },
    source: { kind: 'milestones', comments: { image_id: [], created_at: [] }, milestones: { image_id: [], milestone_type: [], milestone_value: [], reached_at: [] } },
    referenceTime: t('2026-03-15T00:00:00Z'), decisionPointsMinutes: [0, 5, 30], labelHorizonMicros: HORIZON, ...over,
  });
  const U = t('2026-03-14T23:59:59Z');

  it('drops and counts images whose user is missing', () => {
    const r = computeTrainingFeatures(base({ images: { id: ['i', 'orphan'], user_id: ['u', 'ghost'], caption: [null, null], category: [null, null], uploaded_at: [U, U] } }));
    expect(new Set(r.rows.image_id)).toEqual(new Set(['i']));
    expect(r.metrics.imagesWithoutUser).toBe(1);
    expect(r.metrics.rowsPerDecisionPoint).toEqual({ 0: 1, 5: 1, 30: 1 });
  });

  it('labels by flags in [U, U+24h] inclusive, ignoring flags on comments and flags just outside', () => {
    const label = (times: number[], ids: (string | null)[] = times.map(() => 'i')) =>
      computeTrainingFeatures(base({ flags: { image_id: ids, created_at: times } })).rows.label_needs_moderation_24h[0];
    expect(label([U])).toBe(1);
    expect(label([U + HORIZON])).toBe(1);
    expect(label([U + HORIZON + 1])).toBe(0);
    expect(label([U - 1])).toBe(0);
    expect(label([U + 1000], [null])).toBe(0);
  });

  it('marks the label window complete only when the reference time has reached U + 24h', () => {
    expect(computeTrainingFeatures(base()).rows.label_window_complete[0]).toBe(false);
    expect(computeTrainingFeatures(base({ referenceTime: U + HORIZON })).rows.label_window_complete[0]).toBe(true);
  });

  it('uses Sunday = 6 and weekend flags; empty caption has no caption; user age truncates toward zero', () => {
    const r = computeTrainingFeatures(base()).rows;
    expect([r.day_of_week[0], r.is_weekend[0], r.hour_of_day[0]]).toEqual([5, 1, 23]); // 2026-03-14 is a Saturday
    expect([r.has_caption[0], r.caption_length[0]]).toEqual([0, 0]);
    expect(r.user_age_days[0]).toBe(13); // 13 days 17:59:59
    const nullCreated = computeTrainingFeatures(base({ users: { id: ['u'], created_at: [null] } })).rows;
    expect(nullCreated.user_age_days[0]).toBe(0);
  });

  it('source B: comments in [U, C], the largest views milestone reached by C, and the 5-minute scaling', () => {
    const r = computeTrainingFeatures(base({
      source: {
        kind: 'milestones',
        comments: { image_id: ['i', 'i', 'i', 'i'], created_at: [U - 1, U, U + 5 * 60_000_000, U + 31 * 60_000_000] },
        milestones: { image_id: ['i', 'i', 'i'], milestone_type: ['views', 'views', 'comments'], milestone_value: [10, 25, 99], reached_at: [U + 60_000_000, U + 20 * 60_000_000, U] },
      },
    })).rows;
    expect(r.comments_1hr).toEqual([1, 2, 2]);
    expect(r.views_1hr).toEqual([0, 10, 25]);
    expect(r.views_5min).toEqual([0, 10, 4]); // m = 30: floor(25 / 6)
    expect(r.comments_5min).toEqual([1, 2, 0]); // m = 0 copies; m = 30: floor(2 / 6)
    expect(r.category).toEqual(['Bread', 'Bread', 'Bread']);
  });
});

describe('equals the naive per-image reference on the synthetic world', () => {
  const world = new World({ images: 150, seed: 'features' });
  const referenceTime = world.options.start + 5 * 86_400_000_000;

  it('source B (milestones and comments)', () => {
    const input = worldInputs(world, referenceTime);
    expect(rowObjects(computeTrainingFeatures(input).rows)).toEqual(naiveTrainingRows(input));
  });

  it('source A (window tables, with windows split across two rows that add up)', () => {
    const truth = new WindowTruth();
    for (const e of world.events()) truth.add(e);
    const toColumns = (topic: 'views' | 'comments'): WindowColumns => {
      const rows = truth.windows(topic).flatMap((w) => (w.count > 1 && w.windowStart % 2 === 0
        ? [{ ...w, count: 1 }, { ...w, count: w.count - 1 }] // a window split across two runs
        : [w]));
      return { image_id: rows.map((r) => r.imageId), window_start: rows.map((r) => r.windowStart), window_end: rows.map((r) => r.windowEnd), event_count: rows.map((r) => r.count) };
    };
    const input = worldInputs(world, referenceTime, { views: toColumns('views'), comments: toColumns('comments') });
    const fast = rowObjects(computeTrainingFeatures(input).rows);
    expect(fast).toEqual(naiveTrainingRows(input));
    expect(fast.some((r) => (r.views_1hr as number) > 0)).toBe(true);
  });
});
