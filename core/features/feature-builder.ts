/**
 * The training features of FEATURES.md (the contract; every rule there is a test), computed in
 * one pass over each table. Users and images are held (indexed by id: the hash join); every other
 * table streams through in chunks, each row added straight into its image's per-decision-point
 * totals, so a table of any size costs only the chunk being read. Per image, only
 * user_image_count needs an order: each user's upload times are sorted once and binary-searched.
 * The seed scanned whole tables per image, which is quadratic.
 *
 * Order of use: addUsers*, addImages*, then flags and one window source in any order, then
 * chunks() (and metrics()).
 */
import { BytesIndex } from './bytes-index.ts';
import { codePointsOf, grown, isValid, type NumberChunk, type StringChunk } from './columns.ts';
import { IdIndex } from './id-index.ts';
import { copyBytes, DOUBLE_COLUMNS, LONG_COLUMNS, setLong, type DoubleColumn, type LongColumn, type TrainingChunk } from './training-chunk.ts';

export type { TrainingChunk } from './training-chunk.ts';

const MINUTE = 60_000_000;
const DAY = 86_400_000_000;
const VIEWS = new TextEncoder().encode('views');

export interface FeatureOptions {
  /** The run's reference time (micros): labels of images uploaded before it minus the horizon are final. */
  referenceTime: number;
  decisionPointsMinutes: number[];
  labelHorizonMicros: number;
}

export interface FeatureMetrics {
  images: number;
  imagesWithoutUser: number;
  rowsPerDecisionPoint: Record<string, number>;
  labelPositive: number;
  labelNegative: number;
  source: 'windows' | 'milestones';
}

export class TrainingFeatureBuilder {
  private readonly users = new IdIndex();
  private userCreated = new Float64Array(1024);
  private userCreatedValid = new Uint8Array(1024);
  private readonly imageIds = new IdIndex();
  // Per distinct image id: its first image row; per row: the next row with the same id, or -1.
  // Ids are the table's primary key, so normally id number = row and these are never followed.
  private firstRow = new Int32Array(1024);
  private nextRow = new Int32Array(1024);
  private duplicateIds = false;
  private rowKey = new Int32Array(1024);
  private rowUser = new Int32Array(1024);
  private uploaded = new Float64Array(1024);
  private captionLength = new Int32Array(1024);
  private hasCaption = new Uint8Array(1024);
  private rowCategory = new Int32Array(1024);
  private readonly categories = new BytesIndex(64);
  private readonly dp: number[];
  /** The decision points' offsets from upload, micros. */
  private readonly dpMicros: Float64Array;
  private images = 0;
  private indexed = false;
  /** Per (image row, decision point k): [5-minute, 1-hour] totals at 2 * (row * dp.length + k). */
  private views = new Float64Array(0);
  private comments = new Float64Array(0);
  private label = new Uint8Array(0);
  private source: 'windows' | 'milestones' | null = null;
  /** Joined images' uploads grouped by user (CSR: user u's are uploadsByUser[userStart[u], userStart[u + 1]), sorted). */
  private userStart = new Int32Array(0);
  private uploadsByUser = new Float64Array(0);
  private joined = 0;
  private keys = new Int32Array(0);

  constructor(private readonly o: FeatureOptions) {
    this.dp = [...o.decisionPointsMinutes];
    this.dpMicros = Float64Array.from(this.dp, (m) => m * MINUTE);
  }

  addUsers(id: StringChunk, createdAt: NumberChunk): void {
    if (this.images > 0) throw new Error('TrainingFeatureBuilder: add every user before the first image');
    for (let i = 0; i < id.length; i++) {
      if (!isValid(id, i)) continue; // no image can join a null id
      const before = this.users.size;
      // A repeated id keeps its first row's created_at (ids are the primary key; this only fixes the rule).
      if (this.users.add(id.bytes, id.offsets[i]!, id.offsets[i + 1]!) === before) {
        if (before === this.userCreated.length) {
          this.userCreated = grown(this.userCreated, before * 2);
          this.userCreatedValid = grown(this.userCreatedValid, before * 2);
        }
        this.userCreated[before] = createdAt.values[i]!;
        this.userCreatedValid[before] = isValid(createdAt, i) ? 1 : 0;
      }
    }
  }

  /** Times that are null count as the epoch (a null upload time has no better meaning here). */
  addImages(id: StringChunk, userId: StringChunk, caption: StringChunk, category: StringChunk, uploadedAt: NumberChunk): void {
    if (this.indexed) throw new Error('TrainingFeatureBuilder: add every image before the first flag, window, comment or milestone');
    this.reserveImages(this.images + id.length);
    const users = this.scratch(id.length);
    this.users.lookup(userId, users);
    for (let i = 0; i < id.length; i++) {
      if (!isValid(id, i)) throw new Error(`images: row ${this.images + 1} has a null id`);
      const row = this.images++;
      const keys = this.imageIds.size;
      const key = this.imageIds.add(id.bytes, id.offsets[i]!, id.offsets[i + 1]!);
      if (key === keys) {
        if (key === this.firstRow.length) this.firstRow = grown(this.firstRow, key * 2);
        this.firstRow[key] = row;
      } else {
        this.duplicateIds = true;
        let last = this.firstRow[key]!;
        while (this.nextRow[last]! >= 0) last = this.nextRow[last]!;
        this.nextRow[last] = row;
      }
      this.nextRow[row] = -1;
      this.rowKey[row] = key;
      this.rowUser[row] = users[i]!;
      this.uploaded[row] = isValid(uploadedAt, i) ? uploadedAt.values[i]! : 0;
      const captionNull = !isValid(caption, i);
      const start = caption.offsets[i]!, end = caption.offsets[i + 1]!;
      this.captionLength[row] = captionNull ? 0 : codePointsOf(caption.bytes, start, end);
      this.hasCaption[row] = !captionNull && end > start ? 1 : 0;
      this.rowCategory[row] = isValid(category, i) ? this.categories.add(category.bytes, category.offsets[i]!, category.offsets[i + 1]!) : -1;
    }
  }

  /** Flags on images (a null image_id is a flag on a comment: never a label). */
  addFlags(imageId: StringChunk, createdAt: NumberChunk): void {
    this.index();
    const horizon = this.o.labelHorizonMicros, up = this.uploaded, label = this.label, times = createdAt.values;
    const keys = this.imageKeys(imageId);
    for (let i = 0; i < imageId.length; i++) {
      const key = keys[i]!;
      if (key < 0 || !isValid(createdAt, i)) continue;
      const t = times[i]!;
      for (let r = this.firstOf(key); r >= 0; r = this.nextOf(r)) {
        const u = up[r]!;
        if (t >= u && t <= u + horizon) label[r] = 1;
      }
    }
  }

  /** Source A: rows of a window table (additive: rows of one window add up). */
  addWindows(kind: 'views' | 'comments', imageId: StringChunk, windowStart: NumberChunk, windowEnd: NumberChunk, eventCount: NumberChunk): void {
    this.useSource('windows');
    const sums = kind === 'views' ? this.views : this.comments;
    const dp = this.dpMicros, m = dp.length, up = this.uploaded;
    const starts = windowStart.values, ends = windowEnd.values, counts = eventCount.values;
    const noNulls = windowStart.valid === null && windowEnd.valid === null && eventCount.valid === null;
    const keys = this.imageKeys(imageId);
    for (let i = 0; i < imageId.length; i++) {
      const key = keys[i]!;
      if (key < 0 || (!noNulls && (!isValid(windowStart, i) || !isValid(windowEnd, i)))) continue;
      const start = starts[i]!, end = ends[i]!;
      const count = noNulls || isValid(eventCount, i) ? counts[i]! : 0;
      for (let r = this.firstOf(key); r >= 0; r = this.nextOf(r)) {
        const u = up[r]!;
        if (start < u) continue; // only windows that started at or after upload
        for (let k = 0; k < m; k++) {
          const cutoff = u + dp[k]!;
          if (end > cutoff) continue; // only fully elapsed windows
          const at = 2 * (r * m + k);
          if (end > cutoff - 5 * MINUTE) sums[at]! += count;
          if (end > cutoff - 60 * MINUTE) sums[at + 1]! += count;
        }
      }
    }
  }

  /** Source B: comments on images, counted in [U, C]. */
  addComments(imageId: StringChunk, createdAt: NumberChunk): void {
    this.useSource('milestones');
    const dp = this.dpMicros, m = dp.length, up = this.uploaded, sums = this.comments, times = createdAt.values;
    const keys = this.imageKeys(imageId);
    for (let i = 0; i < imageId.length; i++) {
      const key = keys[i]!;
      if (key < 0 || !isValid(createdAt, i)) continue;
      const t = times[i]!;
      for (let r = this.firstOf(key); r >= 0; r = this.nextOf(r)) {
        const u = up[r]!;
        if (t < u) continue;
        for (let k = 0; k < m; k++) if (t <= u + dp[k]!) sums[2 * (r * m + k) + 1]!++;
      }
    }
  }

  /** Source B: the largest 'views' milestone value reached by C. */
  addMilestones(imageId: StringChunk, milestoneType: StringChunk, milestoneValue: NumberChunk, reachedAt: NumberChunk): void {
    this.useSource('milestones');
    const dp = this.dpMicros, m = dp.length, up = this.uploaded, best = this.views;
    const keys = this.imageKeys(imageId);
    for (let i = 0; i < imageId.length; i++) {
      const key = keys[i]!;
      if (key < 0 || !isValid(reachedAt, i) || !isValid(milestoneValue, i) || !isValid(milestoneType, i) || !isViews(milestoneType, i)) continue;
      const t = reachedAt.values[i]!, value = milestoneValue.values[i]!;
      for (let r = this.firstOf(key); r >= 0; r = this.nextOf(r)) {
        const u = up[r]!;
        for (let k = 0; k < m; k++) {
          const at = 2 * (r * m + k) + 1;
          if (t <= u + dp[k]! && value > best[at]!) best[at] = value;
        }
      }
    }
  }

  private firstOf(key: number): number {
    return this.duplicateIds ? this.firstRow[key]! : key;
  }

  private nextOf(row: number): number {
    return this.duplicateIds ? this.nextRow[row]! : -1;
  }

  private scratch(n: number): Int32Array {
    if (this.keys.length < n) this.keys = new Int32Array(n);
    return this.keys;
  }

  private imageKeys(imageId: StringChunk): Int32Array {
    const keys = this.scratch(imageId.length);
    this.imageIds.lookup(imageId, keys);
    return keys;
  }

  private reserveImages(n: number): void {
    if (n <= this.uploaded.length) return;
    const size = Math.max(n, this.uploaded.length * 2);
    this.nextRow = grown(this.nextRow, size); this.rowKey = grown(this.rowKey, size); this.rowUser = grown(this.rowUser, size);
    this.uploaded = grown(this.uploaded, size); this.captionLength = grown(this.captionLength, size);
    this.hasCaption = grown(this.hasCaption, size); this.rowCategory = grown(this.rowCategory, size);
  }

  /** Forgets what a window source added (it failed half way: the other source is used instead). */
  resetWindowSource(): void {
    this.index();
    this.views.fill(0);
    this.comments.fill(0);
    this.source = null;
  }

  metrics(): FeatureMetrics {
    this.index();
    let positive = 0;
    for (let r = 0; r < this.images; r++) if (this.rowUser[r]! >= 0 && this.label[r]) positive++;
    const m = this.dp.length;
    return {
      images: this.joined, imagesWithoutUser: this.images - this.joined,
      rowsPerDecisionPoint: Object.fromEntries(this.dp.map((d) => [String(d), this.joined])),
      labelPositive: positive * m, labelNegative: (this.joined - positive) * m, source: this.source ?? 'milestones',
    };
  }

  /** The rows, image by image in input order (images without a user left out), `imagesPerChunk` images at a time. */
  *chunks(imagesPerChunk = 21_846): Generator<TrainingChunk> {
    this.index();
    if (this.source === null) throw new Error('TrainingFeatureBuilder: no window source was added (window tables, or comments and milestones)');
    let row = 0;
    do {
      const rows: number[] = [];
      for (; row < this.images && rows.length < imagesPerChunk; row++) if (this.rowUser[row]! >= 0) rows.push(row);
      yield this.chunkOf(rows);
    } while (row < this.images);
  }

  private chunkOf(rows: number[]): TrainingChunk {
    const m = this.dp.length, n = rows.length * m;
    const words = Object.fromEntries(LONG_COLUMNS.map((c) => [c, new Int32Array(2 * n)])) as Record<LongColumn, Int32Array>;
    const doubles = Object.fromEntries(DOUBLE_COLUMNS.map((c) => [c, new Float64Array(n)])) as Record<DoubleColumn, Float64Array>;
    const complete: boolean[] = new Array<boolean>(n);
    const ids = this.imageIds.keyBytes(), cats = this.categories.keyBytesOf();
    const idOffsets = new Int32Array(n + 1), catOffsets = new Int32Array(n + 1);
    let idBytes = 0, catBytes = 0;
    for (const r of rows) {
      const key = this.rowKey[r]!, cat = this.rowCategory[r]!;
      idBytes += m * (this.imageIds.keyEnd(key) - this.imageIds.keyStart(key));
      catBytes += m * (cat < 0 ? UNKNOWN.length : this.categories.keyEnd(cat) - this.categories.keyStart(cat));
    }
    const idOut = new Uint8Array(idBytes), catOut = new Uint8Array(catBytes);
    let at = 0;
    for (const r of rows) {
      const u = this.uploaded[r]!, user = this.rowUser[r]!, key = this.rowKey[r]!, cat = this.rowCategory[r]!;
      const ms = Math.trunc(u / 1000); // as new Date(u / 1000) reads it
      const days = Math.floor(ms / 86_400_000);
      const hour = Math.floor((ms - days * 86_400_000) / 3_600_000);
      const dow = (((days + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday; Monday = 0
      const age = this.userCreatedValid[user] ? Math.trunc((u - this.userCreated[user]!) / DAY) : 0;
      const uploads = this.uploadsByUser, from = this.userStart[user]!, to = this.userStart[user + 1]!;
      const complete24h = this.o.referenceTime >= u + this.o.labelHorizonMicros;
      for (let k = 0; k < m; k++, at++) {
        const d = this.dp[k]!, cutoff = u + d * MINUTE, acc = 2 * (r * m + k);
        const v60 = this.views[acc + 1]!, c60 = this.comments[acc + 1]!;
        let v5: number, c5: number;
        if (this.source === 'windows') {
          v5 = this.views[acc]!; c5 = this.comments[acc]!;
        } else {
          v5 = d === 0 ? v60 : Math.floor(v60 / (d / 5));
          c5 = d === 0 ? c60 : Math.floor(c60 / (d / 5));
        }
        setLong(words.decision_point_minutes, at, d);
        setLong(words.time_since_upload_seconds, at, d * 60);
        setLong(words.hour_of_day, at, hour);
        setLong(words.day_of_week, at, dow);
        setLong(words.is_weekend, at, dow >= 5 ? 1 : 0);
        setLong(words.views_5min, at, v5);
        setLong(words.views_1hr, at, v60);
        setLong(words.comments_5min, at, c5);
        setLong(words.comments_1hr, at, c60);
        setLong(words.caption_length, at, this.captionLength[r]!);
        setLong(words.has_caption, at, this.hasCaption[r]!);
        setLong(words.user_image_count, at, countAtMost(uploads, from, to, cutoff) - from);
        setLong(words.user_age_days, at, age);
        setLong(words.label_needs_moderation_24h, at, this.label[r]!);
        doubles.view_velocity_per_min[at] = v5 / 5;
        doubles.comment_to_view_ratio[at] = c60 / Math.max(v60, 1);
        doubles.recent_engagement_score[at] = v5 + 5 * c5;
        complete[at] = complete24h;
        idOffsets[at + 1] = copyBytes(ids, this.imageIds.keyStart(key), this.imageIds.keyEnd(key), idOut, idOffsets[at]!);
        catOffsets[at + 1] = cat < 0
          ? copyBytes(UNKNOWN, 0, UNKNOWN.length, catOut, catOffsets[at]!)
          : copyBytes(cats, this.categories.keyStart(cat), this.categories.keyEnd(cat), catOut, catOffsets[at]!);
      }
    }
    const longs = Object.fromEntries(LONG_COLUMNS.map((c) => [c, new BigInt64Array(words[c].buffer)])) as Record<LongColumn, BigInt64Array>;
    return {
      length: n, longs, doubles, booleans: { label_window_complete: complete },
      strings: { image_id: { offsets: idOffsets, bytes: idOut }, category: { offsets: catOffsets, bytes: catOut } },
    };
  }

  private useSource(kind: 'windows' | 'milestones'): void {
    this.index();
    if (this.source !== null && this.source !== kind) throw new Error(`TrainingFeatureBuilder: ${kind} added after ${this.source}; a run uses one window source`);
    this.source = kind;
  }

  /** Once every image is in: the per-(image, decision point) totals and each user's sorted uploads. */
  private index(): void {
    if (this.indexed) return;
    this.indexed = true;
    const n = this.images * this.dp.length;
    this.views = new Float64Array(2 * n);
    this.comments = new Float64Array(2 * n);
    this.label = new Uint8Array(this.images);
    const users = this.users.size;
    const start = new Int32Array(users + 1);
    for (let r = 0; r < this.images; r++) { const u = this.rowUser[r]!; if (u >= 0) { start[u + 1]!++; this.joined++; } }
    for (let u = 0; u < users; u++) start[u + 1]! += start[u]!;
    const fill = start.slice(0, users);
    const uploads = new Float64Array(this.joined);
    for (let r = 0; r < this.images; r++) { const u = this.rowUser[r]!; if (u >= 0) uploads[fill[u]!++] = this.uploaded[r]!; }
    for (let u = 0; u < users; u++) if (start[u + 1]! - start[u]! > 1) uploads.subarray(start[u]!, start[u + 1]!).sort();
    this.userStart = start;
    this.uploadsByUser = uploads;
  }
}

const UNKNOWN = new TextEncoder().encode('Unknown');

function isViews(c: StringChunk, i: number): boolean {
  const start = c.offsets[i]!;
  if (c.offsets[i + 1]! - start !== VIEWS.length) return false;
  for (let j = 0; j < VIEWS.length; j++) if (c.bytes[start + j] !== VIEWS[j]) return false;
  return true;
}

/** The end of sorted[from, to) values <= x (binary search). */
function countAtMost(sorted: Float64Array, from: number, to: number, x: number): number {
  let lo = from, hi = to;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (sorted[mid]! <= x) lo = mid + 1; else hi = mid; }
  return lo;
}
