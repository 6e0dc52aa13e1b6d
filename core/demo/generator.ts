/**
 * A deterministic synthetic GourmetGram: users, images, comments, flags, milestones and the
 * matching Kafka events, from ten images to millions. Every image's activity comes from its own
 * seeded generator, so table rows and events can be produced in separate passes (or processes)
 * and still agree exactly, and memory stays bounded by one chunk of images.
 */
import { Rng } from './random.ts';
import {
  FOOD11_CATEGORIES, MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, MICROS_PER_SECOND,
  type CommentRow, type FlagRow, type ImageRow, type MilestoneRow, type Micros, type PlatformEvent,
  type SourceRow, type UserRow,
} from './model.ts';
import { commentEvent, flagEvent, viewEvent } from './events.ts';

export interface WorldOptions {
  seed: number | string;
  /** Number of images: the scale of the world. */
  images: number;
  /** Users per image (0.1: 100k users for 1M images). */
  usersPerImage: number;
  /** Upload time of the first image. */
  start: Micros;
  /** Images are uploaded evenly over this many days. */
  uploadSpanDays: number;
  /** Means per image; counts have a long tail. */
  viewsPerImage: number;
  commentsPerImage: number;
  flagsPerImage: number;
  /** Share of comments that get flagged (flags with comment_id and no image_id). */
  commentFlagRate: number;
  /** Share of images whose user_id matches no user (the pipeline must drop and count them). */
  orphanImageRate: number;
  /** Share of users with a null created_at. */
  nullUserCreatedRate: number;
}

export const DEFAULT_WORLD: WorldOptions = {
  seed: 1,
  images: 100,
  usersPerImage: 0.1,
  start: Date.UTC(2026, 2, 1) * 1000,
  uploadSpanDays: 7,
  viewsPerImage: 40,
  commentsPerImage: 3,
  flagsPerImage: 0.3,
  commentFlagRate: 0.03,
  orphanImageRate: 0.01,
  nullUserCreatedRate: 0.02,
};

/** Everything one image brings into the world. */
export interface ImageActivity {
  image: ImageRow;
  comments: CommentRow[];
  flags: FlagRow[];
  milestones: MilestoneRow[];
  /** Event times of the image's views, ascending. */
  viewTimes: Micros[];
}

const FIVE_MINUTES = 5 * MICROS_PER_MINUTE;
const VIEW_MILESTONES = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
const COMMENT_MILESTONES = [5, 10, 25, 50];
const FLAG_REASONS = ['spam', 'inappropriate', 'offensive', 'misleading', 'not food'];
// Captions and comments cover what breaks naive code: emoji outside the BMP, CJK, Cyrillic,
// accents, and the characters COPY and CSV must escape (tab, newline, backslash, quotes).
const CAPTIONS = [
  '🍜 ramen', 'Homemade sourdough', '寿司の盛り合わせ', 'Борщ по-домашнему', 'Crème brûlée 🔥',
  'Tacos al pastor 🌮🌮', 'Pad thai', 'बिरयानी', 'Pho bò', 'Late night 🍕\twith friends',
  'Grandma\'s "secret" lasagna', 'Back\\slash soup', 'Two lines\nof pancakes', '🥗',
  'Shakshuka for brunch', '김치찌개', 'Falafel wrap', 'Ceviche 🐟 fresh', 'ข้าวผัด', 'Churros',
];
const COMMENTS = [
  'Looks delicious!', 'Recipe please 🙏', 'I want this now', 'Где это?', '美味しそう！',
  'Too much salt?', 'Wow 😍😍', 'Tab\there', 'Line one\nline two', 'Quote "this"', 'Back\\slash',
  'Not food...', 'spam spam spam', '🔥🔥🔥', 'Best in town',
];

export class World {
  readonly options: WorldOptions;
  readonly users: UserRow[];
  private readonly uploadSlot: number;

  constructor(options: Partial<WorldOptions> = {}) {
    this.options = { ...DEFAULT_WORLD, ...options };
    const { images, usersPerImage, uploadSpanDays } = this.options;
    if (!Number.isInteger(images) || images < 1) throw new Error(`World: images must be a positive integer, got ${images}`);
    this.users = makeUsers(this.options, Math.max(1, Math.ceil(images * usersPerImage)));
    this.uploadSlot = Math.max(1, Math.floor((uploadSpanDays * MICROS_PER_DAY) / images));
  }

  /** The activity of image `index` (0-based), always the same for the same seed. */
  activity(index: number): ImageActivity {
    const o = this.options;
    const rng = new Rng(o.seed, 'image', index);
    const slotStart = o.start + index * this.uploadSlot;
    let uploadedAt = slotStart + rng.int(this.uploadSlot);
    // Some uploads land exactly on a 5-minute boundary (FEATURES.md's m = 5 rule differs there),
    // when one falls inside this image's slot, so upload order is kept.
    const boundary = Math.ceil(slotStart / FIVE_MINUTES) * FIVE_MINUTES;
    if (rng.chance(0.03) && boundary < slotStart + this.uploadSlot) uploadedAt = boundary;
    const id = rng.uuid();
    // Skewed toward the first users, so a few users post many images (user_image_count > 1).
    const owner = this.users[Math.floor(this.users.length * rng.next() ** 2)]!;
    const userId = rng.chance(o.orphanImageRate) ? rng.uuid() : owner.id;
    const r = rng.next();
    const caption = r < 0.1 ? null : r < 0.15 ? '' : rng.pick(CAPTIONS);
    const category = rng.chance(0.08) ? null : rng.pick(FOOD11_CATEGORIES);

    const viewTimes: Micros[] = [];
    const views = rng.count(o.viewsPerImage);
    for (let v = 0; v < views; v++) viewTimes.push(uploadedAt + activityDelay(rng, 40 * MICROS_PER_MINUTE));
    viewTimes.sort((a, b) => a - b);

    const comments: CommentRow[] = [];
    const nComments = rng.count(o.commentsPerImage);
    for (let c = 0; c < nComments; c++) {
      comments.push({
        id: rng.uuid(), image_id: id, user_id: rng.pick(this.users).id, content: rng.pick(COMMENTS),
        created_at: uploadedAt + activityDelay(rng, 90 * MICROS_PER_MINUTE),
      });
    }
    comments.sort((a, b) => a.created_at - b.created_at);

    const flags: FlagRow[] = [];
    const nFlags = rng.count(o.flagsPerImage);
    for (let f = 0; f < nFlags; f++) {
      // Half inside the 24 h label horizon, half after, and some exactly on its inclusive edge.
      const at = rng.chance(0.05) ? uploadedAt + MICROS_PER_DAY : uploadedAt + rng.int(2 * MICROS_PER_DAY);
      flags.push({ id: rng.uuid(), user_id: rng.pick(this.users).id, image_id: id, comment_id: null, reason: rng.pick(FLAG_REASONS), created_at: at });
    }
    for (const comment of comments) {
      if (!rng.chance(o.commentFlagRate)) continue;
      flags.push({
        id: rng.uuid(), user_id: rng.pick(this.users).id, image_id: null, comment_id: comment.id,
        reason: rng.pick(FLAG_REASONS), created_at: comment.created_at + activityDelay(rng, 2 * MICROS_PER_HOUR),
      });
    }

    const milestones: MilestoneRow[] = [];
    for (const value of VIEW_MILESTONES) {
      if (value > viewTimes.length) break;
      milestones.push({ id: rng.uuid(), image_id: id, milestone_type: 'views', milestone_value: value, reached_at: viewTimes[value - 1]! });
    }
    for (const value of COMMENT_MILESTONES) {
      if (value > comments.length) break;
      milestones.push({ id: rng.uuid(), image_id: id, milestone_type: 'comments', milestone_value: value, reached_at: comments[value - 1]!.created_at });
    }

    const image: ImageRow = {
      id, user_id: userId, s3_url: `s3://gourmetgram-images/${id}.jpg`, caption, category, uploaded_at: uploadedAt, views,
    };
    return { image, comments, flags, milestones, viewTimes };
  }

  /** Every source-table row: all users first, then each image with its comments, flags, milestones. */
  *tableRows(): Generator<SourceRow> {
    for (const row of this.users) yield { table: 'users', row };
    for (let i = 0; i < this.options.images; i++) {
      const a = this.activity(i);
      yield { table: 'images', row: a.image };
      for (const row of a.comments) yield { table: 'comments', row };
      for (const row of a.flags) yield { table: 'flags', row };
      for (const row of a.milestones) yield { table: 'image_milestones', row };
    }
  }

  /**
   * Every platform event, in event-time order within chunks of `chunkImages` images. Real logs
   * are roughly time ordered; across chunks, an image's tail of activity is produced before the
   * next chunk's earlier events, so late events occur naturally while memory stays bounded.
   */
  *events(chunkImages = 256): Generator<PlatformEvent> {
    for (let first = 0; first < this.options.images; first += chunkImages) {
      const chunk: PlatformEvent[] = [];
      const last = Math.min(this.options.images, first + chunkImages);
      for (let i = first; i < last; i++) {
        const a = this.activity(i);
        for (const t of a.viewTimes) chunk.push(viewEvent(a.image.id, t));
        for (const c of a.comments) chunk.push(commentEvent(c));
        for (const f of a.flags) chunk.push(flagEvent(f));
      }
      chunk.sort((x, y) => x.time - y.time);
      yield* chunk;
    }
  }
}

/** A delay after upload: mostly soon (exponential), never beyond 48 h, whole microseconds. */
function activityDelay(rng: Rng, mean: number): Micros {
  const d = rng.exponential(mean);
  const delay = d < 2 * MICROS_PER_DAY ? d : rng.next() * 2 * MICROS_PER_DAY;
  // One event in ten lands on a whole second, so formats without a fraction are produced too.
  return rng.chance(0.1) ? Math.floor(delay / MICROS_PER_SECOND) * MICROS_PER_SECOND : Math.floor(delay);
}

function makeUsers(o: WorldOptions, n: number): UserRow[] {
  const rng = new Rng(o.seed, 'users');
  const users: UserRow[] = [];
  for (let i = 0; i < n; i++) {
    const created = rng.chance(o.nullUserCreatedRate) ? null : o.start - rng.int(400 * MICROS_PER_DAY);
    users.push({ id: rng.uuid(), username: `foodie_${i}`, created_at: created });
  }
  return users;
}
