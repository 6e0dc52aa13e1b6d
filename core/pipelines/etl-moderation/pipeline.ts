/**
 * etl_moderation: extract the five source tables to raw Parquet, compute the training features
 * from those files (and the window tables when all three can be read: source A; else the
 * milestone fallback: source B), and replace moderation.training_data in one snapshot.
 *
 * Memory: users and images are held (indexed by id); flags, windows, comments and milestones
 * stream through the feature computation one record batch at a time, and the output rows stream
 * from it into the Parquet writer, so no table is ever whole in memory.
 */
import { randomUUID } from 'node:crypto';
import type { RecordBatch } from 'apache-arrow';
import type { Catalog, TableIdentifier } from '../../iceberg/catalog/catalog.ts';
import type { FileIOFor } from '../../iceberg/catalog/metadata-files.ts';
import { ParquetReader } from '../../iceberg/parquet.ts';
import { scanTable } from '../../iceberg/read/scan.ts';
import { TrainingFeatureBuilder, type FeatureMetrics, type TrainingChunk } from '../../features/feature-builder.ts';
import type { NumberChunk, StringChunk } from '../../features/columns.ts';
import type { SqlSource } from '../../sources/sql-source.ts';
import type { TaskContext } from '../task-context.ts';
import { extractAll, type ExtractResult } from './extract.ts';
import { loadTrainingData, TRAINING_TABLE } from './training-table.ts';
import { numbersOf, stringsOf } from './read-columns.ts';

export interface EtlModerationConfig {
  /** Where raw extracts go: {rawRoot}/{table}/latest.parquet, e.g. s3://gourmetgram-datalake/raw. */
  rawRoot: string;
  windowTables: { views: TableIdentifier; comments: TableIdentifier; flags: TableIdentifier };
  trainingTable: TableIdentifier;
  decisionPointsMinutes: number[];
  labelHorizonHours: number;
}

export function defaultEtlModerationConfig(bucketRoot: string): EtlModerationConfig {
  return {
    rawRoot: `${bucketRoot.replace(/\/+$/, '')}/raw`,
    windowTables: {
      views: { namespace: ['event_aggregations'], name: 'view_windows_5min' },
      comments: { namespace: ['event_aggregations'], name: 'comment_windows_5min' },
      flags: { namespace: ['event_aggregations'], name: 'flag_windows_5min' },
    },
    trainingTable: TRAINING_TABLE, decisionPointsMinutes: [0, 5, 30], labelHorizonHours: 24,
  };
}

/** Wall time of one task of the run. */
export interface TaskTiming { task: string; ms: number }

export interface EtlModerationResult {
  runId: string;
  extracted: ExtractResult[];
  features: FeatureMetrics;
  snapshotId: string;
  rows: number;
  /**
   * extract:<table> for each table, transform, load. The transform's output streams into the load,
   * so the time spent computing output rows is counted in transform and taken out of load.
   */
  timings: TaskTiming[];
}

export type EtlModerationDeps = { catalog: Catalog; io: FileIOFor; source: SqlSource };

/** Feeds each batch to `use` (synchronously: the chunks it is handed are only valid until the next batch); the row count. */
async function forEachBatch(batches: AsyncIterable<RecordBatch>, ctx: TaskContext, use: (b: RecordBatch) => void): Promise<number> {
  let rows = 0;
  for await (const b of batches) {
    ctx.signal?.throwIfAborted();
    use(b);
    rows += b.numRows;
    ctx.advance?.(b.numRows);
  }
  return rows;
}

async function* rawBatches(io: FileIOFor, location: string, columns: string[], signal?: AbortSignal): AsyncGenerator<RecordBatch> {
  const fileIo = io(location);
  const info = await fileIo.stat(location, signal);
  if (!info) throw new Error(`${location} does not exist: the extract step did not write it`);
  yield* (await ParquetReader.open(fileIo, location, info.size, signal)).batches({ columns });
}

const WINDOW_COLUMNS = ['image_id', 'window_start', 'window_end', 'event_count'];

/** Adds the view and comment windows (source A); the reason when any of the three tables cannot be read. */
async function addWindowTables(b: TrainingFeatureBuilder, deps: EtlModerationDeps, c: EtlModerationConfig, ctx: TaskContext): Promise<string | null> {
  try {
    // All three must be readable before any is used (FEATURES.md, source A).
    const [views, comments] = await Promise.all([
      deps.catalog.loadTable(c.windowTables.views), deps.catalog.loadTable(c.windowTables.comments), deps.catalog.loadTable(c.windowTables.flags),
    ]);
    for (const [kind, table] of [['views', views], ['comments', comments]] as const) {
      const md = table.metadata;
      const what = `window table ${md.location} (${kind})`;
      const reuse = new Map<string, Float64Array>();
      // Lent: addWindows folds each batch into per-image sums and keeps none of its arrays.
      const rows = await forEachBatch(scanTable(deps.io(md.location), md, { columns: WINDOW_COLUMNS, lendBatches: true, signal: ctx.signal }), ctx, (batch) => {
        const n = (name: string) => numbersOf(batch, name, what, reuse);
        b.addWindows(kind, stringsOf(batch, 'image_id', what), n('window_start'), n('window_end'), n('event_count'));
      });
      ctx.log?.('info', `transform: read ${rows} ${kind} windows`);
    }
    return null;
  } catch (err) {
    if (ctx.signal?.aborted) throw err;
    b.resetWindowSource();
    return (err as Error).message;
  }
}

/** transform: the feature computation fed from the raw extracts and the window tables (or the fallback). */
export async function transformFeatures(c: EtlModerationConfig, deps: EtlModerationDeps, ctx: TaskContext, now: number): Promise<TrainingFeatureBuilder> {
  const b = new TrainingFeatureBuilder({
    referenceTime: now * 1000, decisionPointsMinutes: c.decisionPointsMinutes, labelHorizonMicros: c.labelHorizonHours * 3_600_000_000,
  });
  type Columns = { s: (name: string) => StringChunk; n: (name: string) => NumberChunk };
  const raw = async (table: string, columns: string[], use: (c: Columns) => void) => {
    const location = `${c.rawRoot}/${table}/latest.parquet`;
    const reuse = new Map<string, Float64Array>();
    const rows = await forEachBatch(rawBatches(deps.io, location, columns, ctx.signal), ctx, (batch) => use({
      s: (name) => stringsOf(batch, name, location), n: (name) => numbersOf(batch, name, location, reuse),
    }));
    ctx.log?.('info', `transform: read ${rows} ${table} rows`);
  };
  await raw('users', ['id', 'created_at'], ({ s, n }) => b.addUsers(s('id'), n('created_at')));
  await raw('images', ['id', 'user_id', 'caption', 'category', 'uploaded_at'], ({ s, n }) => b.addImages(s('id'), s('user_id'), s('caption'), s('category'), n('uploaded_at')));
  await raw('flags', ['image_id', 'created_at'], ({ s, n }) => b.addFlags(s('image_id'), n('created_at')));
  const unreadable = await addWindowTables(b, deps, c, ctx);
  if (unreadable !== null) {
    ctx.log?.('info', `window tables not readable (${unreadable}); using the milestone fallback (source B)`);
    await raw('comments', ['image_id', 'created_at'], ({ s, n }) => b.addComments(s('image_id'), n('created_at')));
    await raw('image_milestones', ['image_id', 'milestone_type', 'milestone_value', 'reached_at'], ({ s, n }) => b.addMilestones(
      s('image_id'), s('milestone_type'), n('milestone_value'), n('reached_at'),
    ));
  }
  return b;
}

/** Passes chunks through, adding up the time spent computing them. */
function* timed(chunks: Iterable<TrainingChunk>, spent: { ms: number }): Generator<TrainingChunk> {
  const it = chunks[Symbol.iterator]();
  for (;;) {
    const t0 = performance.now();
    const next = it.next();
    spent.ms += performance.now() - t0;
    if (next.done) return;
    yield next.value;
  }
}

export async function runEtlModeration(
  c: EtlModerationConfig, deps: EtlModerationDeps, ctx: TaskContext = {}, runId: string = randomUUID(), now = Date.now(),
): Promise<EtlModerationResult> {
  const timings: TaskTiming[] = [];
  const t0 = performance.now();
  const extracted = await extractAll(deps.source, c.rawRoot, deps.io, ctx, (r, ms) => {
    timings.push({ task: `extract:${r.table}`, ms });
    ctx.log?.('info', `extracted ${r.table}: ${r.rows} rows to ${r.location}`);
  });
  timings.push({ task: 'extract', ms: performance.now() - t0 });

  const t1 = performance.now();
  const builder = await transformFeatures(c, deps, ctx, now);
  const metrics = builder.metrics();
  const inputsMs = performance.now() - t1;
  ctx.log?.('info', `transform: ${metrics.images} images, window source ${metrics.source}; writing ${metrics.images * c.decisionPointsMinutes.length} rows`);
  if (metrics.imagesWithoutUser > 0) ctx.log?.('warn', `${metrics.imagesWithoutUser} images have no user and were left out`);

  const t2 = performance.now();
  const computing = { ms: 0 };
  const loaded = await loadTrainingData(deps.catalog, deps.io, timed(builder.chunks(), computing), {
    'floe.run-id': runId, 'floe.pipeline': 'etl_moderation', 'floe.window-source': metrics.source,
    'floe.images-without-user': String(metrics.imagesWithoutUser),
  }, c.trainingTable, ctx.signal, (files, bytes) => ctx.log?.('info', `load: ${files} data files written (${bytes} bytes); committing`));
  timings.push({ task: 'transform', ms: inputsMs + computing.ms }, { task: 'load', ms: performance.now() - t2 - computing.ms });
  ctx.log?.('info', `load: committed snapshot ${loaded.snapshotId} of ${loaded.records} rows`);
  return { runId, extracted, features: metrics, snapshotId: loaded.snapshotId.toString(), rows: Number(loaded.records), timings };
}
