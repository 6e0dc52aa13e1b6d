/**
 * Kafka offsets stored in the window table's snapshot summaries: the next offset to read per
 * partition, committed in the same snapshot as the rows counted from the messages before it.
 * Snapshots written by others (compaction, a PyIceberg append) carry no offsets, so the stored
 * position is the one of the nearest ancestor that has them.
 */
import type { TableMetadata } from '../../iceberg/spec/types.ts';
import { branchSnapshot } from '../../iceberg/write/snapshot-producer.ts';

export const OFFSETS_KEY = 'floe.kafka.offsets';

/** partition -> next offset to read */
export type StoredOffsets = Map<number, bigint>;

export function encodeOffsets(topic: string, offsets: StoredOffsets): string {
  const partitions: Record<string, string> = {};
  for (const [p, o] of [...offsets].sort((a, b) => a[0] - b[0])) partitions[String(p)] = o.toString();
  return JSON.stringify({ topic, partitions });
}

/** The offsets stored for `topic` by the latest snapshot (or ancestor) that has them; null if none. */
export function storedOffsets(md: TableMetadata, topic: string): { offsets: StoredOffsets; snapshotId: bigint } | null {
  const byId = new Map(md.snapshots.map((s) => [s['snapshot-id'], s]));
  for (let s = branchSnapshot(md); s; s = s['parent-snapshot-id'] === undefined ? undefined : byId.get(s['parent-snapshot-id'])) {
    const raw = s.summary[OFFSETS_KEY];
    if (!raw) continue;
    let parsed: { topic?: unknown; partitions?: Record<string, string> };
    try {
      parsed = JSON.parse(raw) as typeof parsed;
    } catch {
      throw new Error(`Snapshot ${s['snapshot-id']} of ${md.location} has an unreadable ${OFFSETS_KEY} (${raw.slice(0, 80)})`);
    }
    if (parsed.topic !== topic) continue; // the table was fed from another topic before
    const offsets: StoredOffsets = new Map();
    for (const [p, o] of Object.entries(parsed.partitions ?? {})) offsets.set(Number(p), BigInt(o));
    return { offsets, snapshotId: s['snapshot-id'] };
  }
  return null;
}

export function sameOffsets(a: StoredOffsets | null, b: StoredOffsets | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.size !== b.size) return false;
  for (const [p, o] of a) if (b.get(p) !== o) return false;
  return true;
}
