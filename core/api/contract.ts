/**
 * The one API the UI talks to, over Electron IPC or the headless HTTP server: a flat map of
 * methods (name -> input and output) and one stream of events. Types only, and self-contained:
 * the renderer imports this file and nothing else of core, so nothing here may pull in Node.
 * Every value is plain JSON (64-bit ids and timestamps travel as strings or epoch ms numbers).
 */

export type PipelineName = 'event_aggregation' | 'etl_moderation' | 'verify';
export const PIPELINE_NAMES: readonly PipelineName[] = ['event_aggregation', 'etl_moderation', 'verify'];

export type RunState = 'queued' | 'running' | 'success' | 'failed' | 'cancelled' | 'interrupted';
export type TaskState = 'queued' | 'running' | 'success' | 'failed' | 'up_for_retry' | 'skipped' | 'cancelled' | 'interrupted';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type RunTrigger =
  | { kind: 'manual' }
  /** `scheduledFor`: the fire time (epoch ms) the run stands for. */
  | { kind: 'scheduled'; scheduledFor: number }
  /** Stands for the fires missed while the app was closed or asleep; `missed` counts them. */
  | { kind: 'catch-up'; scheduledFor: number; missed: number };

export interface Progress {
  done: number;
  total: number | null;
  unit: string;
  /** Units per second over the last few seconds. */
  rate: number | null;
  /** Seconds left at the current rate, when the total is known. */
  etaSeconds: number | null;
}

export interface TaskView {
  name: string;
  attempt: number;
  state: TaskState;
  startedAt: number | null;
  finishedAt: number | null;
  error: string | null;
  progress: Progress | null;
  metrics: Record<string, JsonValue>;
}

export interface RunSummary {
  id: string;
  pipeline: PipelineName;
  trigger: RunTrigger;
  state: RunState;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  error: string | null;
}

export interface RunDetail extends RunSummary {
  tasks: TaskView[];
  /** Rows, bytes, rejected events by reason, commit conflicts retried... */
  metrics: Record<string, JsonValue>;
  /** Iceberg snapshot ids per table, Kafka offsets per topic and partition, the verify report. */
  outputs: Record<string, JsonValue>;
  logLocation: string | null;
}

export interface LogLine {
  /** Byte offset of the line in the run's log: ask for the lines after it with `offset`. */
  offset: number;
  ts: number;
  level: LogLevel;
  task?: string;
  attempt?: number;
  message: string;
  fields?: Record<string, JsonValue>;
}

export interface Page<T> {
  items: T[];
  /** Pass back to get the next page; null at the end. */
  next: string | null;
}

export interface ScheduleView {
  cron: string;
  timezone: string;
  paused: boolean;
  /** Epoch ms of the next fire times (empty when paused). */
  nextFireTimes: number[];
}

export interface PipelineView {
  name: PipelineName;
  description: string;
  tasks: string[];
  schedule: ScheduleView | null;
  activeRun: RunSummary | null;
  lastRun: RunSummary | null;
}

/** A secret is never sent: only whether it is set. */
export interface SecretStatus {
  secret: true;
  set: boolean;
}

export type ConnectionKind = 'postgres' | 'kafka' | 's3' | 'catalog';

export interface ConnectionsView {
  postgres: { url: string; password: SecretStatus } | null;
  kafka: { brokers: string[]; ssl: boolean; sasl: { mechanism: string; username: string; password: SecretStatus } | null } | null;
  s3: { endpoint: string | null; region: string; pathStyle: boolean; accessKeyId: string | null; secretAccessKey: SecretStatus } | null;
  catalog: { type: 'sql'; name: string; uri: string } | { type: 'rest'; name: string; uri: string; credential: SecretStatus } | null;
  warehouse: string | null;
}

export interface ConnectionsInput {
  connections?: Partial<Record<ConnectionKind, { [key: string]: JsonValue } | null>>;
  storage?: { root?: string; warehouse?: string };
  /** Secret name -> value; sent once, stored apart from the configuration, never sent back. */
  secrets?: Record<string, string>;
}

export interface ConnectionTestStep {
  step: string;
  ok: boolean;
  detail: string;
  ms: number;
}

export interface ConnectionTestResult {
  kind: ConnectionKind;
  ok: boolean;
  steps: ConnectionTestStep[];
}

export interface TableRef {
  namespace: string[];
  name: string;
}

/*
 * Table browsing. These mirror core/iceberg/read/metadata-views (test/unit/api/contract-mirrors.test.ts
 * fails to compile if the two drift): the renderer cannot import those modules, so the shapes live here too.
 */
export type ReadableValue = string | null;

export interface SchemaFieldView {
  id: number;
  /** Full dotted name: `location.lat`, `tags.element`, `counts.key`. */
  name: string;
  shortName: string;
  parentId: number | null;
  /** A primitive type (`decimal(9, 2)`), or struct, list or map (their parts follow as fields). */
  type: string;
  required: boolean;
  doc: string | null;
}

export interface PartitionSpecView {
  specId: number;
  isDefault: boolean;
  fields: { fieldId: number; name: string; sourceId: number; sourceColumn: string | null; transform: string; resultType: string | null }[];
}

export interface SortOrderView {
  orderId: number;
  fields: { sourceId: number; sourceColumn: string | null; transform: string; direction: string; nullOrder: string }[];
}

export interface SnapshotTotals {
  totalRecords: number | null;
  totalDataFiles: number | null;
  totalDeleteFiles: number | null;
  totalFilesSize: number | null;
  totalPositionDeletes: number | null;
  totalEqualityDeletes: number | null;
}

export interface TableSummaryView {
  formatVersion: number;
  tableUuid: string;
  location: string;
  lastUpdatedMs: number;
  lastUpdated: string;
  lastSequenceNumber: string;
  currentSchema: { schemaId: number; identifierFieldIds: number[]; fields: SchemaFieldView[] };
  schemaCount: number;
  partitionSpecs: PartitionSpecView[];
  defaultSortOrder: SortOrderView | null;
  /** Values of keys that look like credentials are redacted. */
  properties: Record<string, string>;
  snapshotCount: number;
  currentSnapshot: { snapshotId: string; timestampMs: number; timestamp: string; operation: string | null; totals: SnapshotTotals } | null;
}

export interface SnapshotView {
  snapshotId: string;
  parentId: string | null;
  sequenceNumber: string;
  timestampMs: number;
  timestamp: string;
  operation: string | null;
  summary: Record<string, string>;
  manifestList: string;
  schemaId: number | null;
  isCurrent: boolean;
  refs: string[];
}

export interface TableRef {
  namespace: string[];
  name: string;
}

export interface TableDetail {
  ref: TableRef;
  metadataLocation: string;
  summary: TableSummaryView;
  snapshots: SnapshotView[];
}

export interface ColumnMetricsView {
  fieldId: number;
  columnSize: number | null;
  valueCount: number | null;
  nullValueCount: number | null;
  nanValueCount: number | null;
  lowerBound: ReadableValue;
  upperBound: ReadableValue;
}

export interface FileView {
  content: 'data' | 'position-deletes' | 'equality-deletes';
  path: string;
  format: string;
  specId: number;
  partition: Record<string, ReadableValue>;
  recordCount: number;
  fileSizeInBytes: number;
  status: 'added' | 'existing';
  snapshotId: string | null;
  sequenceNumber: string | null;
  fileSequenceNumber: string | null;
  sortOrderId: number | null;
  equalityIds: number[] | null;
  splitOffsets: number[] | null;
  columns: Record<string, ColumnMetricsView>;
}

export interface FilesPage {
  snapshotId: string | null;
  offset: number;
  files: FileView[];
  nextOffset: number | null;
  total: number | null;
}

export interface PartitionView {
  specId: number;
  partition: Record<string, ReadableValue>;
  recordCount: number;
  fileCount: number;
  totalDataFileSizeInBytes: number;
  positionDeleteRecordCount: number;
  positionDeleteFileCount: number;
  equalityDeleteRecordCount: number;
  equalityDeleteFileCount: number;
  lastUpdatedAtMs: number | null;
  lastUpdatedAt: string | null;
  lastUpdatedSnapshotId: string | null;
}

export interface PreviewRequest {
  table: TableRef;
  columns?: string[];
  limit?: number;
  snapshotId?: string;
}

export interface PreviewResult {
  snapshotId: string | null;
  columns: { name: string; type: string }[];
  /** Row-major; longs and timestamps as strings so no precision is lost. */
  rows: JsonValue[][];
  /** More rows exist beyond the limit. */
  truncated: boolean;
}

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

export interface VerifyCheck {
  /** Stable across versions (`training.rows-per-image`): UIs and tests key on it. */
  id: string;
  /** The table the check is about, as namespace.table. */
  table: string;
  title: string;
  status: CheckStatus;
  /** One line with the figures that matter. */
  detail: string;
  figures: Record<string, JsonValue>;
}

/** Mirrors core/pipelines/verify/report.ts (checked in test/unit/api/contract-mirrors.test.ts). */
export interface VerifyReportView {
  ok: boolean;
  checkedAt: number;
  durationMs: number;
  trainingTable: string;
  windowTables: { views: string; comments: string; flags: string };
  checks: VerifyCheck[];
  counts: Record<CheckStatus, number>;
  sampleRows: Record<string, JsonValue>[];
}

export interface MaintenanceRequest {
  table: TableRef;
  action: 'expire-snapshots' | 'rewrite-data-files' | 'remove-orphan-files';
  /** expire-snapshots: keep snapshots newer than this many hours (default 120) and at least `retainLast`. */
  olderThanHours?: number;
  retainLast?: number;
  /** rewrite-data-files: the target file size. */
  targetFileSizeBytes?: number;
  /** Report what would be done, change nothing. */
  dryRun?: boolean;
}

export interface MaintenanceResult {
  action: MaintenanceRequest['action'];
  dryRun: boolean;
  snapshotId: string | null;
  figures: Record<string, JsonValue>;
}

export interface RunListQuery {
  pipeline?: PipelineName;
  state?: RunState;
  /** Epoch ms bounds on the creation time. */
  since?: number;
  until?: number;
  limit?: number;
  cursor?: string;
}

/** Every method: its input and what it returns. */
export interface ApiMethods {
  'connections.get': { input: Record<string, never>; output: ConnectionsView };
  /**
   * Changes connection settings (the sections of workspace.json: postgres, kafka, s3, catalog, and
   * storage) and stores secrets by name (e.g. "s3.secretAccessKey"); a section given replaces that
   * section. The whole configuration is validated before anything is saved.
   */
  'connections.set': { input: ConnectionsInput; output: ConnectionsView };
  'connections.test': { input: { kind: ConnectionKind }; output: ConnectionTestResult };
  'pipelines.list': { input: Record<string, never>; output: PipelineView[] };
  'pipelines.run': { input: { pipeline: PipelineName }; output: RunSummary };
  'pipelines.cancel': { input: { runId: string }; output: RunSummary };
  'pipelines.schedule': { input: { pipeline: PipelineName; cron: string; timezone: string }; output: PipelineView };
  'pipelines.pause': { input: { pipeline: PipelineName; paused: boolean }; output: PipelineView };
  'runs.list': { input: RunListQuery; output: Page<RunSummary> };
  'runs.get': { input: { runId: string }; output: RunDetail };
  'runs.logs': { input: { runId: string; offset?: number; limit?: number }; output: { lines: LogLine[]; nextOffset: number; end: boolean } };
  'catalog.namespaces': { input: Record<string, never>; output: string[][] };
  'catalog.tables': { input: { namespace: string[] }; output: TableRef[] };
  'catalog.table': { input: { table: TableRef }; output: TableDetail };
  'catalog.files': { input: { table: TableRef; snapshotId?: string; content?: 'data' | 'deletes'; offset?: number; limit?: number }; output: FilesPage };
  'catalog.partitions': { input: { table: TableRef; snapshotId?: string }; output: PartitionView[] };
  'preview': { input: PreviewRequest; output: PreviewResult };
  'verify.latest': { input: Record<string, never>; output: { run: RunSummary; report: VerifyReportView } | null };
  'maintenance.run': { input: MaintenanceRequest; output: MaintenanceResult };
}

export type ApiMethod = keyof ApiMethods;
export type ApiInput<M extends ApiMethod> = ApiMethods[M]['input'];
export type ApiOutput<M extends ApiMethod> = ApiMethods[M]['output'];

/** What the UI hears without asking. */
export type ApiEvent =
  | { type: 'run'; run: RunSummary }
  | { type: 'task'; runId: string; task: TaskView }
  | { type: 'progress'; runId: string; task: string; progress: Progress }
  | { type: 'log'; runId: string; line: Omit<LogLine, 'offset'> }
  | { type: 'schedule'; pipeline: PipelineView };

/** The same client shape for the IPC bridge and the HTTP client. */
export interface FloeClient {
  call<M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiOutput<M>>;
  /** Returns the function that stops listening. */
  subscribe(listener: (event: ApiEvent) => void): () => void;
}

/** Errors cross the boundary as this shape; `kind` lets a UI choose how to show them. */
export interface ApiErrorBody {
  error: {
    kind: 'invalid-input' | 'not-found' | 'conflict' | 'failed';
    message: string;
  };
}
