/**
 * `floe demo` (`npm run demo`): the embedded default end to end with no services: a generated
 * GourmetGram in PGlite, etl_moderation (milestone fallback, there is no Kafka) into a SQLite
 * catalog and a local warehouse, then verify; prints the report, where the table is, and the
 * PyIceberg lines that open it.
 */
import { parseArgs } from 'node:util';
import type { VerifyReportView } from '../../../core/api/contract.ts';
import { embeddedWorkspace, pyicebergSnippet } from '../../../core/demo/embedded-workspace.ts';
import { Runtime } from '../../../core/engine/runtime.ts';
import { formatVerifyReport } from '../../../core/pipelines/verify/format.ts';
import type { VerifyReport } from '../../../core/pipelines/verify/report.ts';
import { cliContext, UsageError, type CliContext } from '../cli-context.ts';
import { runPipeline } from './run.ts';
import { count, duration } from '../terminal.ts';

export async function demoCommand(ctx: CliContext, dirFlag: string | undefined): Promise<number> {
  const { values } = parseArgs({ args: ctx.args, options: { images: { type: 'string', default: '2000' } } });
  const images = Number(values.images);
  if (!Number.isInteger(images) || images < 1) throw new UsageError(`--images must be a positive whole number, not "${values.images}"`);
  const dir = dirFlag ?? '.floe/demo';
  const started = performance.now();
  const ws = await embeddedWorkspace(dir, { images });
  const demo = cliContext([], ctx.json, ws.dir, () => Runtime.open({ dir: ws.dir }));
  try {
    if (!ctx.json) {
      ctx.err(`Floe demo workspace: ${ws.dir}`);
      ctx.err(`  source: PGlite in ${ws.sourceDir} (${ws.generated ? 'generated' : 'reused'}): ${Object.entries(ws.counts).map(([t, n]) => `${t} ${count(n)}`).join(', ')}`);
    }
    const etl = await runPipeline(demo, 'etl_moderation');
    if (etl.state !== 'success') {
      ctx.print(etl, () => `etl_moderation ${etl.state}: ${etl.error ?? ''}\n  log: ${etl.logLocation}`);
      return 1;
    }
    const verify = await runPipeline(demo, 'verify');
    const report = verify.outputs.verify as unknown as VerifyReportView | undefined;
    const training = await (await demo.service()).call('catalog.table', { table: { namespace: ['moderation'], name: 'training_data' } });
    ctx.print({ workspace: ws.dir, etl, verify, report, table: training.summary.location, metadata: training.metadataLocation }, () => [
      report ? formatVerifyReport(report as VerifyReport) : `verify ${verify.state}: ${verify.error ?? ''}`,
      '',
      `moderation.training_data: ${count(training.summary.currentSnapshot?.totals.totalRecords ?? 0)} rows at ${training.summary.location}`,
      `  catalog: SQLite ${ws.catalogFile} (catalog name "floe_demo")`,
      `  metadata: ${training.metadataLocation}`,
      '',
      'Open it with PyIceberg:',
      pyicebergSnippet(ws).split('\n').map((l) => `  ${l}`).join('\n'),
      '',
      `Done in ${duration(Math.round(performance.now() - started))}. Browse it: npx floe tables --workspace ${dir}; npx floe preview moderation.training_data --workspace ${dir}`,
    ].join('\n'));
    return verify.state === 'success' ? 0 : 1;
  } finally {
    await demo.close();
  }
}
