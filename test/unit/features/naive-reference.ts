/**
 * FEATURES.md read literally, one image and one decision point at a time, scanning whole tables:
 * obviously correct and quadratic. The fast implementation must equal it exactly.
 */
import type { FeatureInputs } from '../../../core/features/feature-inputs.ts';
import type { TrainingRows } from '../../../core/features/training-features.ts';

const MIN = 60_000_000;

export function naiveTrainingRows(input: FeatureInputs): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const { users, images, flags, source } = input;
  for (let i = 0; i < images.id.length; i++) {
    const userIndex = users.id.indexOf(images.user_id[i]!);
    if (userIndex < 0) continue;
    const U = images.uploaded_at[i]!;
    const id = images.id[i]!;
    const d = new Date(U / 1000);
    let label = 0;
    for (let f = 0; f < flags.image_id.length; f++) {
      if (flags.image_id[f] === id && flags.created_at[f]! >= U && flags.created_at[f]! <= U + input.labelHorizonMicros) label = 1;
    }
    for (const m of input.decisionPointsMinutes) {
      const C = U + m * MIN;
      let v5 = 0, v60 = 0, c5 = 0, c60 = 0;
      if (source.kind === 'windows') {
        const sum = (w: typeof source.views, span: number) => {
          let s = 0;
          for (let k = 0; k < w.image_id.length; k++) {
            if (w.image_id[k] === id && w.window_start[k]! >= U && w.window_end[k]! <= C && w.window_end[k]! > C - span) s += w.event_count[k]!;
          }
          return s;
        };
        v5 = sum(source.views, 5 * MIN); v60 = sum(source.views, 60 * MIN);
        c5 = sum(source.comments, 5 * MIN); c60 = sum(source.comments, 60 * MIN);
      } else {
        for (let k = 0; k < source.comments.image_id.length; k++) {
          if (source.comments.image_id[k] === id && source.comments.created_at[k]! >= U && source.comments.created_at[k]! <= C) c60++;
        }
        const ms = source.milestones;
        for (let k = 0; k < ms.image_id.length; k++) {
          if (ms.image_id[k] === id && ms.milestone_type[k] === 'views' && ms.reached_at[k]! <= C) v60 = Math.max(v60, ms.milestone_value[k]!);
        }
        v5 = m === 0 ? v60 : Math.floor(v60 / (m / 5));
        c5 = m === 0 ? c60 : Math.floor(c60 / (m / 5));
      }
      let userImages = 0;
      for (let k = 0; k < images.id.length; k++) {
        if (images.user_id[k] === images.user_id[i] && users.id.includes(images.user_id[k]!) && images.uploaded_at[k]! <= C) userImages++;
      }
      const created = users.created_at[userIndex];
      const caption = images.caption[i];
      const dow = (d.getUTCDay() + 6) % 7;
      out.push({
        image_id: id, decision_point_minutes: m, time_since_upload_seconds: m * 60, hour_of_day: d.getUTCHours(), day_of_week: dow,
        is_weekend: dow >= 5 ? 1 : 0, views_5min: v5, views_1hr: v60, comments_5min: c5, comments_1hr: c60,
        view_velocity_per_min: v5 / 5, comment_to_view_ratio: c60 / Math.max(v60, 1), recent_engagement_score: v5 + 5 * c5,
        caption_length: caption === null || caption === undefined ? 0 : [...caption].length, has_caption: caption ? 1 : 0,
        user_image_count: userImages, user_age_days: created === null || created === undefined ? 0 : Math.trunc((U - created) / 86_400_000_000),
        category: images.category[i] ?? 'Unknown', label_needs_moderation_24h: label,
        label_window_complete: input.referenceTime >= U + input.labelHorizonMicros,
      });
    }
  }
  return out;
}

/** The columnar rows as one object per row, for comparison. */
export function rowObjects(rows: TrainingRows): Record<string, unknown>[] {
  const keys = Object.keys(rows) as (keyof TrainingRows)[];
  return rows.image_id.map((_, i) => Object.fromEntries(keys.map((k) => [k, rows[k][i]])));
}
