/**
 * Every input that crosses the API boundary (IPC or HTTP) is checked here before anything acts
 * on it: unknown methods, wrong types, out-of-range numbers and unexpected keys are refused with
 * a message naming the field.
 */
import { z } from 'zod';
import { PIPELINE_NAMES, type ApiInput, type ApiMethod } from './contract.ts';

const pipeline = z.enum(PIPELINE_NAMES as [string, ...string[]]);
const identifierPart = z.string().min(1).max(255).regex(/^[^.\u0000]+$/, 'must not contain dots or NUL');
const table = z.strictObject({ namespace: z.array(identifierPart).min(1).max(16), name: identifierPart });
const snapshotId = z.string().regex(/^-?\d{1,20}$/, 'must be a snapshot id (a whole number)');
const runId = z.string().regex(/^[0-9a-f-]{36}$/i, 'must be a run id (a UUID)');
const empty = z.strictObject({});

const schemas: { [M in ApiMethod]: z.ZodType<ApiInput<M>> } = {
  'connections.get': empty,
  'connections.set': z.strictObject({
    connections: z.partialRecord(z.enum(['postgres', 'kafka', 's3', 'catalog']), z.record(z.string(), z.json()).nullable()).optional(),
    storage: z.strictObject({ root: z.string().max(2000).optional(), warehouse: z.string().max(2000).optional() }).optional(),
    secrets: z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'must be a secret name such as s3.secretAccessKey'), z.string().max(64 * 1024)).optional(),
  }) as z.ZodType<ApiInput<'connections.set'>>,
  'connections.test': z.strictObject({ kind: z.enum(['postgres', 'kafka', 's3', 'catalog']) }),
  'pipelines.list': empty,
  'pipelines.run': z.strictObject({ pipeline }) as z.ZodType<ApiInput<'pipelines.run'>>,
  'pipelines.cancel': z.strictObject({ runId }),
  'pipelines.schedule': z.strictObject({ pipeline, cron: z.string().min(1).max(200), timezone: z.string().min(1).max(64) }) as z.ZodType<ApiInput<'pipelines.schedule'>>,
  'pipelines.pause': z.strictObject({ pipeline, paused: z.boolean() }) as z.ZodType<ApiInput<'pipelines.pause'>>,
  'runs.list': z.strictObject({
    pipeline: pipeline.optional(),
    state: z.enum(['queued', 'running', 'success', 'failed', 'cancelled', 'interrupted']).optional(),
    since: z.number().int().nonnegative().optional(),
    until: z.number().int().nonnegative().optional(),
    limit: z.number().int().min(1).max(500).optional(),
    cursor: z.string().max(500).optional(),
  }) as z.ZodType<ApiInput<'runs.list'>>,
  'runs.get': z.strictObject({ runId }),
  'runs.logs': z.strictObject({ runId, offset: z.number().int().nonnegative().optional(), limit: z.number().int().min(1).max(10_000).optional() }),
  'catalog.namespaces': empty,
  'catalog.tables': z.strictObject({ namespace: z.array(identifierPart).min(1).max(16) }),
  'catalog.table': z.strictObject({ table }),
  'catalog.files': z.strictObject({
    table, snapshotId: snapshotId.optional(), content: z.enum(['data', 'deletes']).optional(),
    offset: z.number().int().nonnegative().optional(), limit: z.number().int().min(1).max(1000).optional(),
  }),
  'catalog.partitions': z.strictObject({ table, snapshotId: snapshotId.optional() }),
  'preview': z.strictObject({
    table, columns: z.array(z.string().min(1).max(255)).max(1000).optional(),
    limit: z.number().int().min(1).max(10_000).optional(), snapshotId: snapshotId.optional(),
  }),
  'verify.latest': empty,
  'maintenance.run': z.strictObject({
    table, action: z.enum(['expire-snapshots', 'rewrite-data-files', 'remove-orphan-files']),
    olderThanHours: z.number().positive().max(24 * 3650).optional(), retainLast: z.number().int().min(1).max(10_000).optional(),
    targetFileSizeBytes: z.number().int().min(1024 * 1024).max(16 * 1024 ** 3).optional(), dryRun: z.boolean().optional(),
  }),
};

export class InvalidInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidInputError';
  }
}

export function isApiMethod(name: string): name is ApiMethod {
  return Object.hasOwn(schemas, name);
}

/** The input, checked; InvalidInputError naming the method and each bad field otherwise. */
export function validateInput<M extends ApiMethod>(method: string, input: unknown): ApiInput<M> {
  if (!isApiMethod(method)) throw new InvalidInputError(`Unknown API method "${method}"; the methods are ${Object.keys(schemas).join(', ')}`);
  const result = schemas[method].safeParse(input ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((i) => {
      // A bad record key's own message (what a name must look like) sits one level down.
      const inner = i.code === 'invalid_key' ? i.issues[0]?.message : undefined;
      return `${i.path.length ? i.path.join('.') : 'input'}: ${inner ?? i.message}`;
    });
    throw new InvalidInputError(`Invalid input for ${method}: ${problems.join('; ')}`);
  }
  return result.data as ApiInput<M>;
}
