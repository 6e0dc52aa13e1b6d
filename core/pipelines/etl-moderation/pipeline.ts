/**
 * etl_moderation: extract the five source tables to raw Parquet, compute the training features
 * from those files (and the window tables when all three can be read: source A; else the
 * milestone fallback: source B), and replace moderation.training_data in one snapshot.
 */
import { randomUUID } from 'node:crypto';
import type { RecordBatch } from 'apache-arrow';
import type { Catalog, TableIdentifier } from '../../iceberg/catalog/catalog.ts';
import type { FileIOFor } from '../../iceberg/catalog/metadata-files.ts';
import { ParquetReader } from '../../iceberg/parquet.ts';
import { scanTable } from '../../iceberg/read/scan.ts';
import { computeTrainingFeatures, type FeatureMetrics } from '../../features/training-features.ts';
import type {
  CommentsColumns, FeatureInputs, FlagsColumns, ImagesColumns, MilestonesColumns, UsersColumns, WindowColumns,
} from '../../features/feature-inputs.ts';
import type { SqlSource } from '../../sources/sql-source.ts';
import type { TaskContext } from '../task-context.ts';
import { extractTable, SOURCE_TABLES, type ExtractResult } from './extract.ts';
import { loadTrainingData, TRAINING_TABLE } from './training-table.ts';
import { readColumns, type ColumnKind } from './read-columns.ts';

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

export interface EtlModerationResult {
  runId: string;
  extracted: ExtractResult[];
  features: FeatureMetrics;
  snapshotId: string;
  rows: number;
}

async function* parquetBatches(io: FileIOFor, location: string): AsyncGenerator<RecordBatch> {
  const fileIo = io(location);
  const info = await fileIo.stat(location);
  if (!info) throw new Error(`${location} does not exist: the extract step did not write it`);
  yield* (await ParquetReader.open(fileIo, location, info.size)).batches();
}

const WINDOW_COLUMNS: Record<keyof WindowColumns, ColumnKind> = { image_id: 'string', window_start: 'micros', window_end: 'micros', event_count: 'number' };

/** The three window tables, or null (with the reason) when any cannot be read. */
async function readWindowTables(catalog: Catalog, io: FileIOFor, c: EtlModerationConfig): Promise<{ views: WindowColumns; comments: WindowColumns } | string> {
  const read = async (id: TableIdentifier) => {
    const md = (await catalog.loadTable(id)).metadata;
    return await readColumns(scanTable(io(md.location), md, { columns: Object.keys(WINDOW_COLUMNS) }), WINDOW_COLUMNS) as unknown as WindowColumns;
  };
  try {
    const [views, comments] = await Promise.all([read(c.windowTables.views), read(c.windowTables.comments)]);
    await catalog.loadTable(c.windowTables.flags); // must be readable too (FEATURES.md, source A)
    return { views, comments };
  } catch (err) {
    return (err as Error).message;
  }
}

export async function runEtlModeration(
  c: EtlModerationConfig, deps: { catalog: Catalog; io: FileIOFor; source: SqlSource }, ctx: TaskContext = {}, runId: string = randomUUID(), now = Date.now(),
): Promise<EtlModerationResult> {
  const extracted: ExtractResult[] = [];
  for (const table of Object.keys(SOURCE_TABLES)) {
    const location = `${c.rawRoot}/${table}/latest.parquet`;
    extracted.push(await extractTable(deps.source, table, deps.io(location), location, ctx));
    ctx.log?.('info', `extracted ${table}: ${extracted.at(-1)!.rows} rows to ${location}`);
  }
  const raw = (table: string, columns: Record<string, ColumnKind>) => readColumns(parquetBatches(deps.io, `${c.rawRoot}/${table}/latest.parquet`), columns);
  const users = await raw('users', { id: 'string', created_at: 'micros' });
  const images = await raw('images', { id: 'string', user_id: 'string', caption: 'string', category: 'string', uploaded_at: 'micros' });
  const flags = await raw('flags', { image_id: 'string', created_at: 'micros' });
  const windows = await readWindowTables(deps.catalog, deps.io, c);
  let source: FeatureInputs['source'];
  if (typeof windows === 'string') {
    ctx.log?.('info', `window tables not readable (${windows}); using the milestone fallback (source B)`);
    source = {
      kind: 'milestones',
      comments: await raw('comments', { image_id: 'string', created_at: 'micros' }) as unknown as CommentsColumns,
      milestones: await raw('image_milestones', { image_id: 'string', milestone_type: 'string', milestone_value: 'number', reached_at: 'micros' }) as unknown as MilestonesColumns,
    };
  } else {
    source = { kind: 'windows', ...windows };
  }
  const { rows, metrics } = computeTrainingFeatures({
    // The column kinds asked of readColumns give exactly these element types.
    users: users as unknown as UsersColumns, images: images as unknown as ImagesColumns, flags: flags as unknown as FlagsColumns, source,
    referenceTime: now * 1000, decisionPointsMinutes: c.decisionPointsMinutes, labelHorizonMicros: c.labelHorizonHours * 3_600_000_000,
  });
  if (metrics.imagesWithoutUser > 0) ctx.log?.('warn', `${metrics.imagesWithoutUser} images have no user and were left out`);
  const loaded = await loadTrainingData(deps.catalog, deps.io, rows, {
    'floe.run-id': runId, 'floe.pipeline': 'etl_moderation', 'floe.window-source': metrics.source,
    'floe.images-without-user': String(metrics.imagesWithoutUser),
  }, c.trainingTable, ctx.signal);
  return { runId, extracted, features: metrics, snapshotId: loaded.snapshotId.toString(), rows: rows.image_id.length };
}
