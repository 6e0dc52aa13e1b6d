/**
 * The tables the training features are computed from, as columns (one array per column, rows
 * aligned by index), in the forms the raw Parquet extracts and the window tables give. Times are
 * microseconds since the epoch (UTC) as numbers: exact far beyond any real date.
 */
export interface UsersColumns {
  id: string[];
  created_at: (number | null)[];
}

export interface ImagesColumns {
  id: string[];
  user_id: string[];
  caption: (string | null)[];
  category: (string | null)[];
  uploaded_at: number[];
}

export interface FlagsColumns {
  image_id: (string | null)[];
  created_at: number[];
}

export interface CommentsColumns {
  image_id: string[];
  created_at: number[];
}

export interface MilestonesColumns {
  image_id: string[];
  milestone_type: string[];
  milestone_value: number[];
  reached_at: number[];
}

export interface WindowColumns {
  image_id: string[];
  window_start: number[];
  window_end: number[];
  event_count: number[];
}

/** Source A (window tables) when all three could be read; otherwise source B (milestones). */
export type WindowSource =
  | { kind: 'windows'; views: WindowColumns; comments: WindowColumns }
  | { kind: 'milestones'; comments: CommentsColumns; milestones: MilestonesColumns };

export interface FeatureInputs {
  users: UsersColumns;
  images: ImagesColumns;
  flags: FlagsColumns;
  source: WindowSource;
  /** The run's reference time: labels of images uploaded before it minus the horizon are final. */
  referenceTime: number;
  decisionPointsMinutes: number[];
  labelHorizonMicros: number;
}
