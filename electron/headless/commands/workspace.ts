/** `floe init`, `floe connections [test [kind]]` and `floe schedule`: setting a workspace up. */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ConnectionKind, ConnectionTestResult, PipelineName } from '../../../core/api/contract.ts';
import { PIPELINE_NAMES } from '../../../core/api/contract.ts';
import { configPath } from '../../../core/engine/runtime.ts';
import { loadWorkspaceConfig, saveWorkspaceConfig } from '../../../core/engine/workspace/config-file.ts';
import { importEnvironment } from '../../../core/engine/workspace/env-import.ts';
import { FileSecretStore } from '../../../core/engine/workspace/secrets.ts';
import { UsageError, type CliContext } from '../cli-context.ts';
import { table, time } from '../terminal.ts';

export async function initCommand(ctx: CliContext): Promise<number> {
  const { values } = parseArgs({ args: ctx.args, options: {
    force: { type: 'boolean', default: false }, catalog: { type: 'string' }, warehouse: { type: 'string' },
  } });
  const file = configPath(ctx.workspaceDir);
  if (!values.force && await loadWorkspaceConfig(file).catch(() => 'unreadable')) {
    throw new UsageError(`${file} already exists: edit it, or run "floe init --force" to import the environment over it`);
  }
  const base = {
    connections: values.catalog ? { catalog: { type: 'sql' as const, uri: values.catalog } } : {},
    storage: values.warehouse ? { warehouse: values.warehouse } : {},
  };
  const secrets = new FileSecretStore(join(ctx.workspaceDir, 'secrets.json'));
  const imported = await importEnvironment(base as never, secrets);
  const saved = await saveWorkspaceConfig(file, imported.config);
  ctx.print({ file, config: saved, imported: imported.notes, secretsStored: imported.secretsStored }, () => [
    `Workspace written to ${file}`,
    ...imported.notes.map((n) => `  ${n}`),
    imported.secretsStored.length ? `Secrets kept in ${secrets.description}: ${imported.secretsStored.join(', ')}` : 'No secrets found in the environment.',
    'Check the connections with "floe connections test".',
  ].join('\n'));
  return 0;
}

export async function connectionsCommand(ctx: CliContext): Promise<number> {
  const { positionals } = parseArgs({ args: ctx.args, allowPositionals: true, options: {} });
  const service = await ctx.service();
  if (positionals[0] !== 'test') {
    const view = await service.call('connections.get', {});
    ctx.print(view, () => JSON.stringify(view, null, 2));
    return 0;
  }
  const view = await service.call('connections.get', {});
  const kinds = (positionals[1] ? [positionals[1]] : (['postgres', 'kafka', 's3', 'catalog'] as const).filter((k) => view[k] !== null)) as ConnectionKind[];
  const results: ConnectionTestResult[] = [];
  for (const kind of kinds) {
    if (!['postgres', 'kafka', 's3', 'catalog'].includes(kind)) throw new UsageError(`floe connections test [postgres|kafka|s3|catalog], not "${kind}"`);
    results.push(await service.call('connections.test', { kind }));
  }
  ctx.print(results, () => results.map((r) => [
    `${r.ok ? '✓' : '✗'} ${r.kind}`,
    ...r.steps.map((s) => `    ${s.ok ? '✓' : '✗'} ${s.step} (${s.ms} ms): ${s.detail}`),
  ].join('\n')).join('\n'));
  return results.every((r) => r.ok) ? 0 : 1;
}

export async function scheduleCommand(ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs({ args: ctx.args, allowPositionals: true, options: {
    cron: { type: 'string' }, tz: { type: 'string' }, pause: { type: 'boolean', default: false }, resume: { type: 'boolean', default: false },
  } });
  const service = await ctx.service();
  const pipeline = positionals[0] as PipelineName | undefined;
  if (pipeline !== undefined && !PIPELINE_NAMES.includes(pipeline)) throw new UsageError(`floe schedule [${PIPELINE_NAMES.join('|')}] [--cron EXPR --tz ZONE] [--pause|--resume]`);
  if (pipeline && (values.cron || values.tz)) {
    const current = (await service.call('pipelines.list', {})).find((p) => p.name === pipeline)!.schedule;
    const cron = values.cron ?? current?.cron;
    if (!cron) throw new UsageError(`${pipeline} has no schedule yet: give --cron (e.g. --cron "0 * * * *")`);
    await service.call('pipelines.schedule', { pipeline, cron, timezone: values.tz ?? current?.timezone ?? 'UTC' });
  }
  if (pipeline && (values.pause || values.resume)) await service.call('pipelines.pause', { pipeline, paused: values.pause });
  const views = (await service.call('pipelines.list', {})).filter((p) => !pipeline || p.name === pipeline);
  ctx.print(views, () => table(['pipeline', 'cron', 'time zone', 'state', 'next runs (UTC)', 'last run'], views.map((p) => [
    p.name, p.schedule?.cron ?? 'manual', p.schedule?.timezone ?? '-', p.schedule ? (p.schedule.paused ? 'paused' : 'active') : '-',
    p.schedule?.nextFireTimes.map(time).join(', ') || '-', p.lastRun ? `${p.lastRun.state} ${time(p.lastRun.createdAt)}` : '-',
  ])) + '\nSchedules fire while "floe serve" or the desktop app runs.');
  return 0;
}
