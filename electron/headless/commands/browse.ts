/** `floe tables`, `floe table`, `floe preview` and `floe maintenance`: the catalog from a terminal. */
import { parseArgs } from 'node:util';
import type { JsonValue, MaintenanceRequest, TableRef } from '../../../core/api/contract.ts';
import { tableArg, UsageError, type CliContext } from '../cli-context.ts';
import { count, table, time } from '../terminal.ts';

const name = (t: TableRef) => [...t.namespace, t.name].join('.');

export async function tablesCommand(ctx: CliContext): Promise<number> {
  const { positionals } = parseArgs({ args: ctx.args, allowPositionals: true, options: {} });
  const service = await ctx.service();
  const namespaces = positionals[0] ? [positionals[0].split('.')] : await service.call('catalog.namespaces', {});
  const tables: TableRef[] = [];
  for (const namespace of namespaces) tables.push(...await service.call('catalog.tables', { namespace }));
  ctx.print(tables, () => (tables.length === 0 ? 'No tables yet.' : tables.map(name).join('\n')));
  return 0;
}

export async function tableCommand(ctx: CliContext): Promise<number> {
  const { positionals } = parseArgs({ args: ctx.args, allowPositionals: true, options: {} });
  const detail = await (await ctx.service()).call('catalog.table', { table: tableArg(positionals[0]) });
  ctx.print(detail, () => {
    const s = detail.summary;
    const totals = s.currentSnapshot?.totals;
    const lines = [
      `${name(detail.ref)}  (format v${s.formatVersion}, ${s.location})`,
      `metadata: ${detail.metadataLocation}`,
      totals ? `current snapshot ${s.currentSnapshot!.snapshotId}: ${count(totals.totalRecords ?? 0)} rows in ${count(totals.totalDataFiles ?? 0)} files` : 'no snapshot yet (empty table)',
      '',
      table(['id', 'column', 'type', 'required'], s.currentSchema.fields.map((f) => [String(f.id), f.name, f.type, f.required ? 'yes' : ''])),
      '',
      `partitioned by: ${s.partitionSpecs.find((p) => p.isDefault)?.fields.map((f) => `${f.transform}(${f.sourceColumn ?? f.sourceId})`).join(', ') || 'nothing'}`,
      '',
      table(['snapshot', 'when (UTC)', 'operation', 'summary'], detail.snapshots.slice(-10).map((x) => [
        x.snapshotId + (x.isCurrent ? ' *' : ''), time(x.timestampMs), x.operation ?? '',
        Object.entries(x.summary).filter(([k]) => k.startsWith('floe.') || k === 'added-records').map(([k, v]) => `${k}=${v.length > 60 ? `${v.slice(0, 57)}...` : v}`).join(' '),
      ])),
    ];
    return lines.join('\n');
  });
  return 0;
}

const cell = (v: JsonValue): string => (v === null ? 'null' : typeof v === 'object' ? JSON.stringify(v) : String(v));

export async function previewCommand(ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs({ args: ctx.args, allowPositionals: true, options: {
    limit: { type: 'string', default: '20' }, snapshot: { type: 'string' }, columns: { type: 'string' },
  } });
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive whole number, not "${values.limit}"`);
  const result = await (await ctx.service()).call('preview', {
    table: tableArg(positionals[0]), limit, snapshotId: values.snapshot, columns: values.columns?.split(',').map((c) => c.trim()).filter(Boolean),
  });
  ctx.print(result, () => {
    const clip = (s: string) => (s.length > 40 ? `${s.slice(0, 37)}...` : s).replace(/[\t\n\r]/g, ' ');
    const body = table(result.columns.map((c) => c.name), result.rows.map((r) => r.map((v) => clip(cell(v)))));
    return `${body}\n(${result.rows.length} rows${result.truncated ? ', more not shown' : ''}; snapshot ${result.snapshotId ?? 'none'})`;
  });
  return 0;
}

export async function maintenanceCommand(ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs({ args: ctx.args, allowPositionals: true, options: {
    'older-than-hours': { type: 'string' }, 'retain-last': { type: 'string' }, 'target-mb': { type: 'string' }, 'dry-run': { type: 'boolean', default: false },
  } });
  const actions = ['expire-snapshots', 'rewrite-data-files', 'remove-orphan-files'];
  const action = positionals[0];
  if (!action || !actions.includes(action)) throw new UsageError(`floe maintenance <${actions.join('|')}> <namespace.table> [--older-than-hours N] [--retain-last N] [--target-mb N] [--dry-run]`);
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const result = await (await ctx.service()).call('maintenance.run', {
    table: tableArg(positionals[1]), action: action as MaintenanceRequest['action'], dryRun: values['dry-run'],
    olderThanHours: num(values['older-than-hours']), retainLast: num(values['retain-last']),
    targetFileSizeBytes: values['target-mb'] === undefined ? undefined : Number(values['target-mb']) * 1024 * 1024,
  });
  ctx.print(result, () => `${result.action}${result.dryRun ? ' (dry run)' : ''}: ${JSON.stringify(result.figures, null, 2)}`);
  return 0;
}
