/**
 * The training table's rows as the feature computation hands them out: a chunk of rows as
 * Arrow-ready buffers per column (the load turns a chunk into a record batch of the table's own
 * schema without touching the values again).
 */

export const LONG_COLUMNS = [
  'decision_point_minutes', 'time_since_upload_seconds', 'hour_of_day', 'day_of_week', 'is_weekend',
  'views_5min', 'views_1hr', 'comments_5min', 'comments_1hr',
  'caption_length', 'has_caption', 'user_image_count', 'user_age_days', 'label_needs_moderation_24h',
] as const;
export const DOUBLE_COLUMNS = ['view_velocity_per_min', 'comment_to_view_ratio', 'recent_engagement_score'] as const;
export type LongColumn = (typeof LONG_COLUMNS)[number];
export type DoubleColumn = (typeof DOUBLE_COLUMNS)[number];

/** Strings in Arrow's layout. */
export interface Utf8Values { offsets: Int32Array; bytes: Uint8Array }

/** Rows of the training table for a run of images, three (one per decision point) per image, as Arrow-ready buffers. */
export interface TrainingChunk {
  length: number;
  /** Long columns: int64 values, written through 32-bit words (no BigInt per value). */
  longs: Record<LongColumn, BigInt64Array>;
  doubles: Record<DoubleColumn, Float64Array>;
  strings: { image_id: Utf8Values; category: Utf8Values };
  booleans: { label_window_complete: boolean[] };
}

// Int64 through two int32 words assumes little-endian memory, which is every platform Node runs on
// that Floe ships for; a big-endian one fails here, loudly, instead of writing wrong numbers.
if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new Error('Floe\'s feature computation needs a little-endian platform');

/** A whole number (safe integer) as int64 through its two little-endian 32-bit words. */
export function setLong(words: Int32Array, i: number, v: number): void {
  const hi = Math.floor(v / 4294967296);
  words[2 * i] = (v - hi * 4294967296) | 0;
  words[2 * i + 1] = hi;
}

export function copyBytes(from: Uint8Array, start: number, end: number, to: Uint8Array, at: number): number {
  for (let i = start; i < end; i++) to[at++] = from[i]!;
  return at;
}
