/** Snapshot retention defaults when neither a ref nor the table properties set them (Java's). */
export const DEFAULT_MAX_SNAPSHOT_AGE_MS = 5 * 24 * 60 * 60 * 1000; // history.expire.max-snapshot-age-ms
export const DEFAULT_MIN_SNAPSHOTS_TO_KEEP = 1; // history.expire.min-snapshots-to-keep
