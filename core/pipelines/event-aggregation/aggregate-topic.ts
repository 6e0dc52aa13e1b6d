/**
 * One topic into its window table, exactly once: read the offset range [stored offsets, high
 * watermarks at start), count events per (image, window), and append the rows in one Iceberg
 * commit whose snapshot summary stores the offsets the run ended at. A run killed anywhere before
 * that commit leaves the table and its stored offsets as they were, so the next run reads the
 * same range again; a concurrent run that committed first makes this one discard its result.
 */
import { formatIdentifier, type Catalog, type TableIdentifier } from '../../iceberg/catalog/catalog.ts';
import { ensureTable } from '../../iceberg/catalog/ensure.ts';
import type { FileIOFor } from '../../iceberg/catalog/metadata-files.ts';
import { writeTable } from '../../iceberg/write/commit.ts';
import { currentSchema } from '../../iceberg/write/snapshot-producer.ts';
import type { KafkaConnection } from '../../sources/kafka-config.ts';
import { fetchOffsetsForTime, fetchWatermarks, readRange, type MessageBatch, type PartitionRange } from '../../sources/kafka-range-reader.ts';
import type { TaskContext } from '../task-context.ts';
import { encodeOffsets, OFFSETS_KEY, sameOffsets, storedOffsets, type StoredOffsets } from './offsets.ts';
import { FastEventParser } from './fast-parse.ts';
import { parseEvent, type EventKind } from './parse-event.ts';
import { emptyRejectCounts, RejectSpool, type RejectCounts } from './rejects.ts';
import { WindowCounter } from './window-counter.ts';
import { checkWindowTable, WINDOW_SCHEMA, WINDOW_SPEC, windowBatches } from './window-table.ts';

export interface TopicJob {
  kind: EventKind;
  topic: string;
  table: TableIdentifier;
  runId: string;
  windowMinutes: number;
  maxEventBytes: number;
  /** Where this run's rejected messages go, e.g. s3://bucket/rejects/event_aggregation. */
  rejectsLocation: string;
  processedAtMicros: number;
  /** First run only (no offsets stored yet): start at the first message at or after this time (ms), not at the log start. */
  startTimeMs?: number;
}

export interface TopicDeps {
  catalog: Catalog;
  io: FileIOFor;
  kafka: KafkaConnection;
}

export interface TopicResult {
  kind: EventKind;
  topic: string;
  table: string;
  startOffsets: Record<number, string>;
  endOffsets: Record<number, string>;
  messages: number;
  counted: number;
  rows: number;
  rejected: RejectCounts;
  rejectsObject: string | null;
  snapshotId: string | null;
  warnings: string[];
  commitAttempts: number;
}

const WRITE_BUFFER_BYTES = 32 * 1024 * 1024;

const asRecord = (m: StoredOffsets) => Object.fromEntries([...m].map(([p, o]) => [p, o.toString()]));

export async function aggregateTopic(job: TopicJob, deps: TopicDeps, ctx: TaskContext = {}): Promise<TopicResult> {
  const tableName = formatIdentifier(job.table);
  const { table } = await ensureTable(deps.catalog, job.table, { schema: WINDOW_SCHEMA, spec: WINDOW_SPEC });
  checkWindowTable(currentSchema(table.metadata), tableName);
  const stored = storedOffsets(table.metadata, job.topic)?.offsets ?? null;
  let begin = stored;
  if (stored === null && job.startTimeMs !== undefined) {
    begin = await fetchOffsetsForTime(deps.kafka, job.topic, job.startTimeMs);
    ctx.log?.('info', `first run on ${job.topic}: starting at ${new Date(job.startTimeMs).toISOString()}, offsets ${JSON.stringify(asRecord(begin))}`, { topic: job.topic });
  }
  const { ranges, warnings } = planRanges(job.topic, begin, await fetchWatermarks(deps.kafka, job.topic));
  for (const w of warnings) ctx.log?.('warn', w, { topic: job.topic });

  const start = new Map(ranges.map((r) => [r.partition, r.from]));
  const end = new Map(ranges.map((r) => [r.partition, r.to]));
  const total = ranges.reduce((n, r) => n + Number(r.to - r.from), 0);
  ctx.setTotal?.(total, 'messages');
  const result: TopicResult = {
    kind: job.kind, topic: job.topic, table: tableName, startOffsets: asRecord(start), endOffsets: asRecord(end),
    messages: 0, counted: 0, rows: 0, rejected: emptyRejectCounts(),
    rejectsObject: null, snapshotId: null, warnings, commitAttempts: 0,
  };
  if (total === 0 && sameOffsets(start, stored)) {
    ctx.log?.('info', `no new messages on ${job.topic}; ${tableName} unchanged`);
    return result;
  }

  const counter = new WindowCounter(job.windowMinutes * 60_000_000);
  const fast = new FastEventParser(job.kind, counter.images, job.maxEventBytes);
  const spool = await RejectSpool.create();
  // Well-formed events are read from the bytes where the reader left them; the rest (rejects,
  // unusual shapes) go through parseEvent, the definition both paths agree with.
  const onBatch = (b: MessageBatch): Promise<void> | undefined => {
    const { data, valueStart, valueEnd } = b;
    let counted = 0;
    for (let i = 0; i < b.count; i++) {
      const at = valueStart[i]!;
      if (fast.parse(data, at, valueEnd[i]!)) {
        counter.addImage(fast.image, fast.time);
        counted++;
        continue;
      }
      const e = parseEvent(job.kind, at < 0 ? null : data.subarray(at, valueEnd[i]), job.maxEventBytes);
      if ('reject' in e) spool.add(b.message(i), e.reject);
      else { counter.add(e.imageId, e.time); counted++; }
    }
    result.counted += counted;
    result.messages += b.count;
    ctx.advance?.(b.count);
    return spool.needsDrain ? spool.drain() : undefined;
  };
  try {
    await readRange(deps.kafka, job.topic, ranges, {
      signal: ctx.signal, onBatch,
      onFallback: (reason) => ctx.log?.('warn', `reading ${job.topic} with kafkajs (slower): ${reason}`, { topic: job.topic }),
    });
    ctx.log?.('info', `consumed ${result.messages} messages from ${job.topic}: ${result.counted} events in ${counter.keys} windows, ${spool.size} rejected`);
    result.rejected = spool.counts;
    result.rows = counter.keys;
    result.rejectsObject = await spool.upload(deps.io(job.rejectsLocation), `${job.rejectsLocation}/${job.runId}/${job.topic}.jsonl`, ctx.signal);
  } finally {
    await spool.dispose();
  }

  const written = await writeTable(deps.catalog, job.table, deps.io, windowBatches(counter.chunks(), currentSchema(table.metadata), counter.windowMicros, job.processedAtMicros), {
    // Rows arrive sorted by window, so a day partition is complete long before this bound fills:
    // files stay one per day while the Parquet encoder's (never shrinking) wasm memory stays small.
    mode: 'append', signal: ctx.signal, bufferBytes: WRITE_BUFFER_BYTES,
    summary: {
      [OFFSETS_KEY]: encodeOffsets(job.topic, end), 'floe.run-id': job.runId, 'floe.pipeline': 'event_aggregation',
      'floe.kafka.messages': String(result.messages), 'floe.rejected-events': String(spool.size),
    },
    validate: (fresh) => {
      const now = storedOffsets(fresh.metadata, job.topic)?.offsets ?? null;
      if (!sameOffsets(now, stored)) {
        throw new Error(`another run committed ${job.topic} offsets to ${tableName} while this run was reading `
          + `(now ${JSON.stringify(now ? asRecord(now) : null)}, this run started at ${JSON.stringify(result.startOffsets)}); `
          + 'this run\'s counts are discarded so no event is counted twice. Run again to continue from there.');
      }
    },
    onDataFilesWritten: (files, bytes) => ctx.log?.('info', `wrote ${files} data files (${bytes} bytes) for ${tableName}; committing`),
    onConflict: (attempt) => ctx.log?.('info', `commit to ${tableName} conflicted with another writer; retrying (attempt ${attempt + 1})`),
  });
  result.snapshotId = written.snapshotId.toString();
  result.commitAttempts = written.attempts;
  ctx.log?.('info', `${tableName}: ${result.rows} window rows from ${result.counted} events, ${spool.size} rejected`, { snapshotId: result.snapshotId });
  return result;
}

/**
 * From the stored offsets (or the log start on a first run) up to the high watermarks. A stored
 * offset past the log end means the topic was recreated: refusing is the only safe answer. One
 * below the log start means retention deleted messages nobody read: say how many, then go on.
 */
export function planRanges(topic: string, stored: Map<number, bigint> | null, watermarks: { partition: number; low: bigint; high: bigint }[]): { ranges: PartitionRange[]; warnings: string[] } {
  const warnings: string[] = [];
  const known = new Set(watermarks.map((w) => w.partition));
  for (const p of stored?.keys() ?? []) {
    if (!known.has(p)) throw new Error(`Topic ${topic} has no partition ${p}, but offsets for it are stored: was the topic recreated with fewer partitions? Move or drop the window table to start over.`);
  }
  const ranges = watermarks.map((w) => {
    let from = stored?.get(w.partition) ?? w.low;
    if (from > w.high) {
      throw new Error(`Stored offset ${from} for ${topic} partition ${w.partition} is beyond the log end (${w.high}): `
        + 'the topic was probably deleted and recreated. Floe will not guess where to resume; move or drop the window table to start over.');
    }
    if (from < w.low) {
      warnings.push(`${topic} partition ${w.partition}: ${w.low - from} messages (offsets ${from} to ${w.low - 1n}) were deleted by Kafka retention before Floe read them; they are missing from the window counts.`);
      from = w.low;
    }
    return { partition: w.partition, from, to: w.high };
  });
  return { ranges, warnings };
}
