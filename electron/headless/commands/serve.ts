/** `floe serve`: the API over HTTP on 127.0.0.1 with the scheduler running, until Ctrl-C. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { once } from 'node:events';
import { UsageError, type CliContext } from '../cli-context.ts';
import { serve } from '../server.ts';

export async function serveCommand(ctx: CliContext): Promise<number> {
  const { values } = parseArgs({ args: ctx.args, options: {
    port: { type: 'string', default: '0' }, 'no-schedule': { type: 'boolean', default: false }, static: { type: 'string' },
  } });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, not "${values.port}"`);
  const runtime = await ctx.runtime();
  const service = await ctx.service();
  if (!values['no-schedule']) await runtime.startScheduler((m) => ctx.err(m));
  const built = resolve(import.meta.dirname, '../../../out/renderer');
  const staticDir = values.static ?? (existsSync(built) ? built : undefined);
  const server = await serve({ client: service, port, staticDir, redact: (t) => runtime.redact(t) });
  ctx.print({ url: server.url, token: server.token }, () => [
    `Floe API on ${server.url} (workspace ${ctx.workspaceDir})`,
    `token: ${server.token}`,
    `e.g. curl -s -X POST -H "Authorization: Bearer ${server.token}" ${server.url}/api/pipelines.list`,
    values['no-schedule'] ? 'Scheduler off (--no-schedule).' : 'Scheduler on. Ctrl-C stops.',
  ].join('\n'));
  await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  ctx.err('stopping: cancelling runs in progress...');
  await server.close();
  return 0;
}
