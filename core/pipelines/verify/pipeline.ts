/**
 * verify: checks what etl_moderation and event_aggregation left in the catalog and returns a
 * report of pass / fail / warn / skip checks with figures (report.ts), which the CLI prints
 * (format.ts) and the UI renders. Every table is read in one streaming pass over only the
 * columns a check needs; the sample rows are a second, row-limited read.
 */
import { formatIdentifier, NoSuchNamespaceError, NoSuchTableError, type Catalog, type LoadedTable, type TableIdentifier } from '../../iceberg/catalog/catalog.ts';
import type { FileIOFor } from '../../iceberg/catalog/metadata-files.ts';
import { resolveSnapshot, scanTable, schemaOf } from '../../iceberg/read/scan.ts';
import type { TableMetadata } from '../../iceberg/spec/types.ts';
import { defaultEtlModerationConfig, type EtlModerationConfig } from '../etl-moderation/pipeline.ts';
import type { TaskContext } from '../task-context.ts';
import { columnData, numbersOf } from './column-values.ts';
import { jsonRow, jsonRows } from '../../iceberg/read/json-rows.ts';
import { check, countStatuses, errorText, plural, skipped, type JsonValue, type VerifyCheck, type VerifyReport } from './report.ts';
import { ROW_CHECKS, rowChecks, SNAPSHOT_CHECK, snapshotCheck } from './training-checks.ts';
import { SCHEMA_CHECK, schemaCheck } from './training-schema.ts';
import { MAX_DECISION_POINTS, planColumns, TrainingStatsCollector } from './training-stats.ts';
import {
  EVENT_COUNT, missingWindowChecks, unreadableWindowChecks, WINDOW_KINDS, windowChecks, WindowStatsCollector,
  type WindowKind, type WindowMeasurements,
} from './window-checks.ts';

export interface VerifyConfig {
  trainingTable: TableIdentifier;
  windowTables: Record<WindowKind, TableIdentifier>;
  /** The decision points etl_moderation writes: each image must have exactly one row per point. */
  decisionPointsMinutes: number[];
  /** How many of the training table's first rows the report shows. */
  sampleRows: number;
}

/** Verifies the tables an etl_moderation configuration reads and writes. */
export function verifyConfigFor(etl: Pick<EtlModerationConfig, 'trainingTable' | 'windowTables' | 'decisionPointsMinutes'>, sampleRows = 5): VerifyConfig {
  return { trainingTable: etl.trainingTable, windowTables: { ...etl.windowTables }, decisionPointsMinutes: [...etl.decisionPointsMinutes], sampleRows };
}

export function defaultVerifyConfig(): VerifyConfig {
  // Only the table names and decision points are taken: the storage root does not matter.
  return verifyConfigFor(defaultEtlModerationConfig(''));
}

type Lookup = { kind: 'loaded'; table: LoadedTable } | { kind: 'missing'; reason: string } | { kind: 'error'; message: string };

async function lookUp(catalog: Catalog, id: TableIdentifier, signal?: AbortSignal): Promise<Lookup> {
  try {
    return { kind: 'loaded', table: await catalog.loadTable(id) };
  } catch (err) {
    signal?.throwIfAborted();
    if (err instanceof NoSuchTableError || err instanceof NoSuchNamespaceError) {
      return { kind: 'missing', reason: `${formatIdentifier(id)} does not exist in catalog "${catalog.name}"` };
    }
    return { kind: 'error', message: errorText(err) };
  }
}

function summaryTotal(md: TableMetadata): number | null {
  const raw = resolveSnapshot(md)?.summary?.['total-records'];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : null;
}

interface TrainingResult { checks: VerifyCheck[]; sampleRows: Record<string, JsonValue>[] }

async function verifyTraining(config: VerifyConfig, deps: { io: FileIOFor }, found: Lookup, ctx: TaskContext): Promise<TrainingResult> {
  const table = formatIdentifier(config.trainingTable);
  const existsTitle = 'training table exists';
  const dependents = [SCHEMA_CHECK, SNAPSHOT_CHECK, ...ROW_CHECKS];
  if (found.kind === 'missing') {
    return { checks: [check('training.exists', table, existsTitle, 'fail', `${found.reason}: run etl_moderation to create and fill it`), ...skipped(table, dependents, 'the table does not exist')], sampleRows: [] };
  }
  if (found.kind === 'error') {
    return { checks: [check('training.exists', table, existsTitle, 'fail', `the table could not be loaded: ${found.message}`), ...skipped(table, dependents, 'the table could not be loaded')], sampleRows: [] };
  }
  const md = found.table.metadata;
  const snapshot = resolveSnapshot(md);
  const checks = [
    check('training.exists', table, existsTitle, 'pass', `format v${md['format-version']}, ${plural(md.snapshots.length, 'snapshot')}`,
      { formatVersion: md['format-version'], snapshots: md.snapshots.length, tableUuid: md['table-uuid'] }),
    schemaCheck(table, md.schemas.find((s) => s['schema-id'] === md['current-schema-id']) ?? schemaOf(md, snapshot)),
    snapshotCheck(table, snapshot),
  ];
  const schema = schemaOf(md, snapshot);
  const plan = planColumns(schema);
  const io = deps.io(md.location);
  try {
    const stats = new TrainingStatsCollector(plan, config.decisionPointsMinutes);
    // Lent batches: the collectors count and copy out what they keep (image ids as strings).
    for await (const batch of scanTable(io, md, { columns: plan.read, lendBatches: true, signal: ctx.signal })) {
      stats.add(batch);
      ctx.advance?.(batch.numRows);
    }
    const sample: Record<string, JsonValue>[] = [];
    if (config.sampleRows > 0) {
      for await (const batch of scanTable(io, md, { limit: config.sampleRows, signal: ctx.signal })) {
        sample.push(...jsonRows(batch, schema.fields));
      }
    }
    const result = stats.finish();
    ctx.log?.('info', `verify: ${table} has ${result.rows} rows for ${result.images} images`);
    const measured = rowChecks(table, result, plan, config.decisionPointsMinutes, summaryTotal(md), { columns: schema.fields.map((f) => f.name), rows: sample });
    return { checks: [...checks, ...measured], sampleRows: sample };
  } catch (err) {
    ctx.signal?.throwIfAborted();
    const [[rowsId, rowsTitle], ...rest] = ROW_CHECKS as [[string, string], ...[string, string][]];
    return { checks: [...checks, check(rowsId, table, rowsTitle, 'fail', `reading the rows failed: ${errorText(err)}`), ...skipped(table, rest, 'the rows could not be read')], sampleRows: [] };
  }
}

/** Why event_count cannot be checked, or null when it can. */
function eventCountProblem(md: TableMetadata): string | null {
  const f = schemaOf(md, resolveSnapshot(md)).fields.find((x) => x.name === EVENT_COUNT);
  if (!f) return `the table has no column ${EVENT_COUNT}`;
  return f.type === 'long' || f.type === 'int' ? null : `column ${EVENT_COUNT} is ${typeof f.type === 'string' ? f.type : f.type.type}`;
}

/** A second pass for a few offending rows, only when the first found some. */
async function badWindowExamples(io: ReturnType<FileIOFor>, md: TableMetadata, limit: number, signal?: AbortSignal): Promise<Record<string, JsonValue>[]> {
  const fields = schemaOf(md, resolveSnapshot(md)).fields.filter((f) => ['image_id', 'window_start', EVENT_COUNT].includes(f.name));
  const out: Record<string, JsonValue>[] = [];
  for await (const batch of scanTable(io, md, { columns: fields.map((f) => f.name), lendBatches: true, signal })) {
    const counts = numbersOf(columnData(batch, EVENT_COUNT)!)!; // eventCountProblem made sure it is a number
    for (let i = 0; i < batch.numRows && out.length < limit; i++) {
      const c = counts(i);
      if (c === null || c <= 0) out.push(jsonRow(batch, fields, i));
    }
    if (out.length >= limit) break; // ends the scan: no further files are opened
  }
  return out;
}

async function verifyWindows(kind: WindowKind, config: VerifyConfig, deps: { io: FileIOFor }, found: Lookup, ctx: TaskContext): Promise<VerifyCheck[]> {
  const table = formatIdentifier(config.windowTables[kind]);
  if (found.kind === 'missing') return missingWindowChecks(kind, table, found.reason);
  if (found.kind === 'error') return unreadableWindowChecks(kind, table, found.message);
  const md = found.table.metadata;
  const io = deps.io(md.location);
  const countsProblem = eventCountProblem(md);
  try {
    const collector = new WindowStatsCollector(countsProblem === null);
    for await (const batch of scanTable(io, md, { columns: countsProblem ? [] : [EVENT_COUNT], lendBatches: true, signal: ctx.signal })) {
      collector.add(batch);
      ctx.advance?.(batch.numRows);
    }
    const s = collector.stats;
    const badExamples = s.nonPositiveRows + s.nullRows > 0 ? await badWindowExamples(io, md, 3, ctx.signal) : [];
    ctx.log?.('info', `verify: ${table} has ${s.rows} window rows`);
    const m: WindowMeasurements = { md, stats: s, countsProblem, badExamples };
    return windowChecks(kind, table, m);
  } catch (err) {
    ctx.signal?.throwIfAborted();
    return unreadableWindowChecks(kind, table, errorText(err));
  }
}

function validate(config: VerifyConfig): void {
  if (!Number.isInteger(config.sampleRows) || config.sampleRows < 0) {
    throw new Error(`verify's sampleRows must be a whole number >= 0, got ${config.sampleRows}`);
  }
  const points = config.decisionPointsMinutes;
  const bad = points.filter((p) => !Number.isInteger(p) || p < 0);
  if (bad.length > 0) throw new Error(`verify's decision points must be whole minutes >= 0; got ${bad.join(', ')}`);
  if (points.length === 0 || points.length > MAX_DECISION_POINTS || new Set(points).size !== points.length) {
    throw new Error(`verify takes 1 to ${MAX_DECISION_POINTS} distinct decision points, got [${points.join(', ')}]`);
  }
}

export async function runVerify(config: VerifyConfig, deps: { catalog: Catalog; io: FileIOFor }, ctx: TaskContext = {}): Promise<VerifyReport> {
  validate(config);
  const started = Date.now();
  const training = await lookUp(deps.catalog, config.trainingTable, ctx.signal);
  const windows = await Promise.all(WINDOW_KINDS.map((k) => lookUp(deps.catalog, config.windowTables[k], ctx.signal)));
  const known = [training, ...windows].map((l) => (l.kind === 'loaded' ? summaryTotal(l.table.metadata) ?? 0 : 0));
  ctx.setTotal?.(known.reduce((a, b) => a + b, 0), 'rows');

  // The four reads overlap: on S3 each is mostly waiting for small files, and each holds at most
  // a batch and its own tallies.
  const [{ checks: trainingChecks, sampleRows }, ...windowResults] = await Promise.all([
    verifyTraining(config, deps, training, ctx),
    ...WINDOW_KINDS.map((kind, i) => verifyWindows(kind, config, deps, windows[i]!, ctx)),
  ]);
  const checks = [...trainingChecks, ...windowResults.flat()];
  const counts = countStatuses(checks);
  ctx.log?.(counts.fail > 0 ? 'warn' : 'info', `verify: ${counts.pass} passed, ${counts.fail} failed, ${counts.warn} warnings, ${counts.skip} skipped`);
  return {
    ok: counts.fail === 0,
    checkedAt: started,
    durationMs: Date.now() - started,
    trainingTable: formatIdentifier(config.trainingTable),
    windowTables: {
      views: formatIdentifier(config.windowTables.views),
      comments: formatIdentifier(config.windowTables.comments),
      flags: formatIdentifier(config.windowTables.flags),
    },
    checks,
    counts,
    sampleRows,
  };
}
