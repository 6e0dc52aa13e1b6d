/**
 * The synthetic GourmetGram world, in the shapes of the production contracts (DESIGN.md,
 * "Data contracts"). Times are integer microseconds since the Unix epoch, UTC: Postgres keeps
 * microseconds and the production events carry them, so milliseconds would lose data.
 */
export type Micros = number;

export const MICROS_PER_SECOND = 1_000_000;
export const MICROS_PER_MINUTE = 60 * MICROS_PER_SECOND;
export const MICROS_PER_HOUR = 60 * MICROS_PER_MINUTE;
export const MICROS_PER_DAY = 24 * MICROS_PER_HOUR;

export const FOOD11_CATEGORIES = [
  'Bread', 'Dairy product', 'Dessert', 'Egg', 'Fried food', 'Meat',
  'Noodles/Pasta', 'Rice', 'Seafood', 'Soup', 'Vegetable/Fruit',
] as const;

export interface UserRow {
  id: string;
  username: string;
  created_at: Micros | null;
}

export interface ImageRow {
  id: string;
  user_id: string;
  s3_url: string;
  caption: string | null;
  category: string | null;
  uploaded_at: Micros;
  views: number;
}

export interface CommentRow {
  id: string;
  image_id: string;
  user_id: string;
  content: string;
  created_at: Micros;
}

export interface FlagRow {
  id: string;
  user_id: string;
  image_id: string | null;
  comment_id: string | null;
  reason: string;
  created_at: Micros;
}

export interface MilestoneRow {
  id: string;
  image_id: string;
  milestone_type: string;
  milestone_value: number;
  reached_at: Micros;
}

export interface SourceTables {
  users: UserRow;
  images: ImageRow;
  comments: CommentRow;
  flags: FlagRow;
  image_milestones: MilestoneRow;
}
export type SourceTableName = keyof SourceTables;
export const SOURCE_TABLES: readonly SourceTableName[] = ['users', 'images', 'comments', 'flags', 'image_milestones'];

/** One row of one source table, tagged with its table. */
export type SourceRow = { [T in SourceTableName]: { table: T; row: SourceTables[T] } }[SourceTableName];

export type EventTopic = 'views' | 'comments' | 'flags';

/** A platform event as the producer sends it: a topic, a partition key and a JSON value. */
export interface PlatformEvent {
  topic: EventTopic;
  key: string;
  value: string;
  /** Event time, for ordering and ground truth. Absent on malformed events. */
  time: Micros;
  /** The image the event counts toward, or null when it counts toward no window (flags on comments). */
  imageId: string | null;
}
