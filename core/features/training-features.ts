/**
 * The training features over plain column arrays (tests, small inputs), with the rows as plain
 * arrays. The computation is TrainingFeatureBuilder's; the pipeline streams record batches through
 * that builder directly instead of materialising arrays like these.
 */
import type { FeatureInputs } from './feature-inputs.ts';
import { numberChunk, stringChunk } from './columns.ts';
import { TrainingFeatureBuilder, type FeatureMetrics } from './feature-builder.ts';
import { DOUBLE_COLUMNS, LONG_COLUMNS, type TrainingChunk, type Utf8Values } from './training-chunk.ts';

export type { FeatureMetrics } from './feature-builder.ts';

export interface TrainingRows {
  image_id: string[];
  decision_point_minutes: number[];
  time_since_upload_seconds: number[];
  hour_of_day: number[];
  day_of_week: number[];
  is_weekend: number[];
  views_5min: number[];
  views_1hr: number[];
  comments_5min: number[];
  comments_1hr: number[];
  view_velocity_per_min: number[];
  comment_to_view_ratio: number[];
  recent_engagement_score: number[];
  caption_length: number[];
  has_caption: number[];
  user_image_count: number[];
  user_age_days: number[];
  category: string[];
  label_needs_moderation_24h: number[];
  label_window_complete: boolean[];
}

/** Feeds column arrays to a builder: the one path from inputs to features, however they are held. */
export function builderOf(input: FeatureInputs): TrainingFeatureBuilder {
  const { users, images, flags, source } = input;
  const s = stringChunk, n = numberChunk;
  const b = new TrainingFeatureBuilder(input);
  b.addUsers(s(users.id), n(users.created_at));
  b.addImages(s(images.id), s(images.user_id), s(images.caption), s(images.category), n(images.uploaded_at));
  b.addFlags(s(flags.image_id), n(flags.created_at));
  if (source.kind === 'windows') {
    for (const kind of ['views', 'comments'] as const) {
      const w = source[kind];
      b.addWindows(kind, s(w.image_id), n(w.window_start), n(w.window_end), n(w.event_count));
    }
  } else {
    b.addComments(s(source.comments.image_id), n(source.comments.created_at));
    const ms = source.milestones;
    b.addMilestones(s(ms.image_id), s(ms.milestone_type), n(ms.milestone_value), n(ms.reached_at));
  }
  return b;
}

export function computeTrainingFeatures(input: FeatureInputs): { rows: TrainingRows; metrics: FeatureMetrics } {
  const b = builderOf(input);
  const rows = Object.fromEntries([...LONG_COLUMNS, ...DOUBLE_COLUMNS, 'image_id', 'category', 'label_window_complete'].map((c) => [c, []])) as unknown as TrainingRows;
  for (const chunk of b.chunks()) appendRows(rows, chunk);
  return { rows, metrics: b.metrics() };
}

const decoder = new TextDecoder();
const stringsOf = (v: Utf8Values, n: number) => Array.from({ length: n }, (_, i) => decoder.decode(v.bytes.subarray(v.offsets[i]!, v.offsets[i + 1]!)));

function appendRows(rows: TrainingRows, c: TrainingChunk): void {
  for (const name of LONG_COLUMNS) {
    const words = new Int32Array(c.longs[name].buffer);
    for (let i = 0; i < c.length; i++) rows[name].push(words[2 * i + 1]! * 4294967296 + (words[2 * i]! >>> 0));
  }
  for (const name of DOUBLE_COLUMNS) for (const v of c.doubles[name]) rows[name].push(v);
  for (const v of stringsOf(c.strings.image_id, c.length)) rows.image_id.push(v);
  for (const v of stringsOf(c.strings.category, c.length)) rows.category.push(v);
  for (const v of c.booleans.label_window_complete) rows.label_window_complete.push(v);
}
