/**
 * The training features of FEATURES.md (the contract; every rule there is a test), computed in
 * O(n log n): each table is grouped by image (or user) once, sorted once, and every
 * (image, decision point) question is a binary search or a prefix-sum lookup. The seed scanned
 * whole tables per image, which is quadratic.
 */
import type { CommentsColumns, FeatureInputs, MilestonesColumns, WindowColumns } from './feature-inputs.ts';

const MINUTE = 60_000_000;
const DAY = 86_400_000_000;

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

export interface FeatureMetrics {
  images: number;
  imagesWithoutUser: number;
  rowsPerDecisionPoint: Record<string, number>;
  labelPositive: number;
  labelNegative: number;
  source: 'windows' | 'milestones';
}

/** Values grouped by key, each group sorted by `time`: positions of one key's rows, in time order. */
function groupSorted(keys: (string | null)[], times: number[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  keys.forEach((k, i) => {
    if (k === null) return;
    let g = groups.get(k);
    if (!g) { g = []; groups.set(k, g); }
    g.push(i);
  });
  for (const g of groups.values()) g.sort((a, b) => times[a]! - times[b]!);
  return groups;
}

/** Number of sorted values <= x. */
function countAtMost(sorted: Float64Array, x: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (sorted[mid]! <= x) lo = mid + 1; else hi = mid; }
  return lo;
}

/** Number of sorted values < x. */
function countBelow(sorted: Float64Array, x: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (sorted[mid]! < x) lo = mid + 1; else hi = mid; }
  return lo;
}

const sortedTimes = (positions: number[] | undefined, times: number[]) => Float64Array.from(positions ?? [], (i) => times[i]!);

/** Per image: window ends (sorted) and prefix sums of counts, over windows that started at or after upload. */
class WindowIndex {
  private readonly byImage: Map<string, number[]>;
  constructor(private readonly w: WindowColumns) {
    this.byImage = groupSorted(w.image_id, w.window_end);
  }

  forImage(imageId: string, uploadedAt: number): { ends: Float64Array; prefix: Float64Array } {
    const rows = (this.byImage.get(imageId) ?? []).filter((i) => this.w.window_start[i]! >= uploadedAt);
    const ends = Float64Array.from(rows, (i) => this.w.window_end[i]!);
    const prefix = new Float64Array(rows.length + 1);
    rows.forEach((i, k) => { prefix[k + 1] = prefix[k]! + this.w.event_count[i]!; });
    return { ends, prefix };
  }
}

/** Sum of counts of windows with C - span < window_end <= C. */
function sumEnding(ix: { ends: Float64Array; prefix: Float64Array }, cutoff: number, span: number): number {
  return ix.prefix[countAtMost(ix.ends, cutoff)]! - ix.prefix[countAtMost(ix.ends, cutoff - span)]!;
}

export function computeTrainingFeatures(input: FeatureInputs): { rows: TrainingRows; metrics: FeatureMetrics } {
  const { users, images, flags } = input;
  const userCreated = new Map<string, number | null>();
  users.id.forEach((id, i) => userCreated.set(id, users.created_at[i]!));

  const joined: number[] = [];
  images.id.forEach((_, i) => { if (userCreated.has(images.user_id[i]!)) joined.push(i); });
  const imagesByUser = groupSorted(joined.map((i) => images.user_id[i]!), joined.map((i) => images.uploaded_at[i]!));
  const uploadsByUser = new Map<string, Float64Array>();
  for (const [user, positions] of imagesByUser) uploadsByUser.set(user, Float64Array.from(positions, (k) => images.uploaded_at[joined[k]!]!));
  const flagsByImage = groupSorted(flags.image_id, flags.created_at);

  const source = input.source;
  const views = source.kind === 'windows' ? new WindowIndex(source.views) : null;
  const commentWindows = source.kind === 'windows' ? new WindowIndex(source.comments) : null;
  const commentsByImage = source.kind === 'milestones' ? groupSorted(source.comments.image_id, source.comments.created_at) : null;
  const milestonesByImage = source.kind === 'milestones' ? viewMilestones(source.milestones) : null;

  const rows: TrainingRows = {
    image_id: [], decision_point_minutes: [], time_since_upload_seconds: [], hour_of_day: [], day_of_week: [], is_weekend: [],
    views_5min: [], views_1hr: [], comments_5min: [], comments_1hr: [], view_velocity_per_min: [], comment_to_view_ratio: [],
    recent_engagement_score: [], caption_length: [], has_caption: [], user_image_count: [], user_age_days: [], category: [],
    label_needs_moderation_24h: [], label_window_complete: [],
  };
  const metrics: FeatureMetrics = {
    images: joined.length, imagesWithoutUser: images.id.length - joined.length, labelPositive: 0, labelNegative: 0,
    rowsPerDecisionPoint: Object.fromEntries(input.decisionPointsMinutes.map((m) => [String(m), 0])), source: source.kind,
  };

  for (const i of joined) {
    const id = images.id[i]!;
    const u = images.uploaded_at[i]!;
    const userId = images.user_id[i]!;
    const created = userCreated.get(userId) ?? null;
    const caption = images.caption[i]!;
    const date = new Date(u / 1000);
    const dayOfWeek = (date.getUTCDay() + 6) % 7; // Monday = 0
    const flagTimes = sortedTimes(flagsByImage.get(id), flags.created_at);
    // A flag in [U, U + horizon], both ends inclusive.
    const label = countAtMost(flagTimes, u + input.labelHorizonMicros) - countBelow(flagTimes, u) > 0 ? 1 : 0;
    const viewIx = views?.forImage(id, u);
    const commentIx = commentWindows?.forImage(id, u);
    const commentTimes = commentsByImage ? sortedTimes(commentsByImage.get(id), (source as { comments: CommentsColumns }).comments.created_at) : null;
    const milestones = milestonesByImage?.get(id);

    for (const m of input.decisionPointsMinutes) {
      const cutoff = u + m * MINUTE;
      let v5: number, v60: number, c5: number, c60: number;
      if (viewIx && commentIx) {
        v5 = sumEnding(viewIx, cutoff, 5 * MINUTE);
        v60 = sumEnding(viewIx, cutoff, 60 * MINUTE);
        c5 = sumEnding(commentIx, cutoff, 5 * MINUTE);
        c60 = sumEnding(commentIx, cutoff, 60 * MINUTE);
      } else {
        c60 = countAtMost(commentTimes!, cutoff) - countBelow(commentTimes!, u);
        v60 = milestones ? milestones.maxAt(cutoff) : 0;
        v5 = m === 0 ? v60 : Math.floor(v60 / (m / 5));
        c5 = m === 0 ? c60 : Math.floor(c60 / (m / 5));
      }
      rows.image_id.push(id);
      rows.decision_point_minutes.push(m);
      rows.time_since_upload_seconds.push(m * 60);
      rows.hour_of_day.push(date.getUTCHours());
      rows.day_of_week.push(dayOfWeek);
      rows.is_weekend.push(dayOfWeek >= 5 ? 1 : 0);
      rows.views_5min.push(v5);
      rows.views_1hr.push(v60);
      rows.comments_5min.push(c5);
      rows.comments_1hr.push(c60);
      rows.view_velocity_per_min.push(v5 / 5);
      rows.comment_to_view_ratio.push(c60 / Math.max(v60, 1));
      rows.recent_engagement_score.push(v5 + 5 * c5);
      rows.caption_length.push(caption === null ? 0 : codePoints(caption));
      rows.has_caption.push(caption !== null && caption !== '' ? 1 : 0);
      rows.user_image_count.push(countAtMost(uploadsByUser.get(userId)!, cutoff));
      rows.user_age_days.push(created === null ? 0 : Math.trunc((u - created) / DAY));
      rows.category.push(images.category[i] ?? 'Unknown');
      rows.label_needs_moderation_24h.push(label);
      rows.label_window_complete.push(input.referenceTime >= u + input.labelHorizonMicros);
      metrics.rowsPerDecisionPoint[String(m)]!++;
      if (label) metrics.labelPositive++; else metrics.labelNegative++;
    }
  }
  return { rows, metrics };
}

/** Unicode code points, not UTF-16 units: an emoji counts 1. */
function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** Per image, the largest 'views' milestone value reached at or before a time. */
function viewMilestones(ms: MilestonesColumns): Map<string, { maxAt(t: number): number }> {
  const views = ms.image_id.map((id, i) => (ms.milestone_type[i] === 'views' ? id : null));
  const out = new Map<string, { maxAt(t: number): number }>();
  for (const [id, positions] of groupSorted(views, ms.reached_at)) {
    const times = Float64Array.from(positions, (i) => ms.reached_at[i]!);
    const prefixMax = new Float64Array(positions.length);
    positions.forEach((p, k) => { prefixMax[k] = Math.max(k > 0 ? prefixMax[k - 1]! : 0, ms.milestone_value[p]!); });
    out.set(id, { maxAt: (t) => { const n = countAtMost(times, t); return n === 0 ? 0 : prefixMax[n - 1]!; } });
  }
  return out;
}
