/**
 * The event window tables' checks: the table exists (a missing one is a warning: etl_moderation
 * then uses the milestone fallback), its row count, the Kafka offsets its last event_aggregation
 * commit stored, and that every window counted at least one event.
 */
import type { RecordBatch } from 'apache-arrow';
import type { Snapshot, TableMetadata } from '../../iceberg/spec/types.ts';
import { branchSnapshot } from '../../iceberg/write/snapshot-producer.ts';
import { OFFSETS_KEY } from '../event-aggregation/offsets.ts';
import { columnData, numbersOf } from './column-values.ts';
import { check, plural, skipped, type JsonValue, type VerifyCheck } from './report.ts';

export type WindowKind = 'views' | 'comments' | 'flags';
export const WINDOW_KINDS: readonly WindowKind[] = ['views', 'comments', 'flags'];
export const EVENT_COUNT = 'event_count';

const NOUN: Record<WindowKind, string> = { views: 'view', comments: 'comment', flags: 'flag' };

export function windowCheckList(kind: WindowKind): [id: string, title: string][] {
  const noun = NOUN[kind];
  return [
    [`${kind}-windows.exists`, `${noun} windows table exists`],
    [`${kind}-windows.rows`, `${noun} windows row count`],
    [`${kind}-windows.offsets`, `${noun} windows committed Kafka offsets`],
    [`${kind}-windows.event-counts`, `${noun} windows event_count > 0`],
  ];
}

export interface WindowStats {
  rows: number;
  totalEvents: number;
  nonPositiveRows: number;
  nullRows: number;
  minEventCount: number | null;
}

/** Tallies event_count over streamed batches; other columns are not read. */
export class WindowStatsCollector {
  readonly stats: WindowStats = { rows: 0, totalEvents: 0, nonPositiveRows: 0, nullRows: 0, minEventCount: null };
  constructor(private readonly countsReadable: boolean) {}

  add(batch: RecordBatch): void {
    const s = this.stats;
    s.rows += batch.numRows;
    if (!this.countsReadable) return;
    const counts = numbersOf(columnData(batch, EVENT_COUNT)!);
    if (!counts) throw new Error(`column ${EVENT_COUNT} arrived as ${batch.getChild(EVENT_COUNT)!.type}, not a number`);
    for (let i = 0; i < batch.numRows; i++) {
      const c = counts(i);
      if (c === null) { s.nullRows++; continue; }
      s.totalEvents += c;
      if (c <= 0) s.nonPositiveRows++;
      if (s.minEventCount === null || c < s.minEventCount) s.minEventCount = c;
    }
  }
}

export interface CommittedOffsets {
  topic: string;
  /** partition -> next offset to read, as decimal strings. */
  partitions: Record<string, string>;
  snapshotId: string;
  committedAt: string;
  /** The offsets come from an ancestor: later snapshots (compaction, other writers) carry none. */
  fromAncestor: boolean;
}

/**
 * The offsets stored by the latest snapshot on main (or its nearest ancestor) that has them.
 * Unlike event_aggregation's own lookup this takes whatever topic the summary names, since verify
 * is not told the topics.
 */
export function latestOffsets(md: TableMetadata): CommittedOffsets | null {
  const byId = new Map(md.snapshots.map((s) => [s['snapshot-id'], s]));
  const head = branchSnapshot(md);
  const seen = new Set<bigint>();
  for (let s: Snapshot | undefined = head; s && !seen.has(s['snapshot-id']);) {
    seen.add(s['snapshot-id']);
    const raw = s.summary?.[OFFSETS_KEY];
    if (raw) {
      let parsed: { topic?: unknown; partitions?: unknown };
      try {
        parsed = JSON.parse(raw) as typeof parsed;
      } catch {
        throw new Error(`snapshot ${s['snapshot-id']} has an unreadable ${OFFSETS_KEY} (${raw.slice(0, 80)})`);
      }
      const partitions = parsed.partitions;
      if (typeof parsed.topic !== 'string' || typeof partitions !== 'object' || partitions === null) {
        throw new Error(`snapshot ${s['snapshot-id']} has a ${OFFSETS_KEY} without a topic and partitions (${raw.slice(0, 80)})`);
      }
      return {
        topic: parsed.topic,
        partitions: Object.fromEntries(Object.entries(partitions).map(([p, o]) => [p, String(o)])),
        snapshotId: s['snapshot-id'].toString(),
        committedAt: new Date(s['timestamp-ms']).toISOString(),
        fromAncestor: s !== head,
      };
    }
    const parent = s['parent-snapshot-id'];
    s = parent === undefined || parent === null ? undefined : byId.get(parent);
  }
  return null;
}

export function missingWindowChecks(kind: WindowKind, table: string, reason: string): VerifyCheck[] {
  const [exists, ...rest] = windowCheckList(kind);
  return [
    check(exists![0], table, exists![1], 'warn', `${reason}: etl_moderation will use the milestone fallback (source B); run event_aggregation to create it`),
    ...skipped(table, rest, 'the table does not exist'),
  ];
}

export function unreadableWindowChecks(kind: WindowKind, table: string, message: string): VerifyCheck[] {
  const [exists, ...rest] = windowCheckList(kind);
  return [
    check(exists![0], table, exists![1], 'fail', `the table could not be read: ${message}`),
    ...skipped(table, rest, 'the table could not be read'),
  ];
}

export interface WindowMeasurements {
  md: TableMetadata;
  stats: WindowStats;
  /** Why event_count could not be checked (absent or not a number); null when it was. */
  countsProblem: string | null;
  /** A few rows with event_count <= 0 or null, JSON-safe. */
  badExamples: Record<string, JsonValue>[];
}

export function windowChecks(kind: WindowKind, table: string, m: WindowMeasurements): VerifyCheck[] {
  const [[existsId, existsTitle], [rowsId, rowsTitle], [offsetsId, offsetsTitle], [countsId, countsTitle]] = windowCheckList(kind) as [[string, string], [string, string], [string, string], [string, string]];
  const head = branchSnapshot(m.md);
  const s = m.stats;
  const checks: VerifyCheck[] = [];
  const snapshotFigures = {
    snapshotId: head ? head['snapshot-id'].toString() : null,
    snapshotAt: head ? new Date(head['timestamp-ms']).toISOString() : null,
    runId: head?.summary?.['floe.run-id'] ?? null,
    snapshots: m.md.snapshots.length,
  };
  checks.push(check(existsId, table, existsTitle, 'pass',
    head ? `current snapshot ${snapshotFigures.snapshotId} at ${snapshotFigures.snapshotAt}` : 'exists, with no snapshot yet', snapshotFigures));

  const rowFigures = { rows: s.rows, totalEvents: m.countsProblem ? null : s.totalEvents };
  checks.push(s.rows > 0
    ? check(rowsId, table, rowsTitle, 'pass', `${plural(s.rows, 'window row')}${m.countsProblem ? '' : `, ${plural(s.totalEvents, 'event')}`}`, rowFigures)
    : check(rowsId, table, rowsTitle, 'warn', 'the table has no rows: no events were aggregated yet', rowFigures));

  try {
    const offsets = latestOffsets(m.md);
    if (offsets) {
      const parts = Object.entries(offsets.partitions).map(([p, o]) => `p${p}=${o}`).join(', ');
      const where = offsets.fromAncestor ? `ancestor snapshot ${offsets.snapshotId}` : `snapshot ${offsets.snapshotId}`;
      checks.push(check(offsetsId, table, offsetsTitle, 'pass', `${offsets.topic}: ${parts} (${where} at ${offsets.committedAt})`, { ...offsets }));
    } else if (head) {
      checks.push(check(offsetsId, table, offsetsTitle, 'warn',
        `no snapshot stores ${OFFSETS_KEY}: the rows were not written by event_aggregation, whose next run would read its topic from the earliest offset`, {}));
    } else {
      checks.push(check(offsetsId, table, offsetsTitle, 'skip', 'the table has no snapshot yet'));
    }
  } catch (err) {
    checks.push(check(offsetsId, table, offsetsTitle, 'fail', `${(err as Error).message}: event_aggregation cannot resume from it either`, {}));
  }

  if (m.countsProblem) {
    checks.push(check(countsId, table, countsTitle, 'fail', `${m.countsProblem}: etl_moderation reads it as a long`, {}));
  } else {
    const figures = { nonPositiveRows: s.nonPositiveRows, nullRows: s.nullRows, minEventCount: s.minEventCount, examples: m.badExamples };
    const bad = s.nonPositiveRows + s.nullRows;
    checks.push(bad > 0
      ? check(countsId, table, countsTitle, 'fail', `event_count <= 0 in ${plural(s.nonPositiveRows, 'row')}, null in ${s.nullRows} (minimum ${s.minEventCount ?? 'n/a'})`, figures)
      : check(countsId, table, countsTitle, s.rows > 0 ? 'pass' : 'skip', s.rows > 0 ? `all ${s.rows} rows count at least one event (minimum ${s.minEventCount})` : 'no rows to check', figures));
  }
  return checks;
}
