/**
 * The `floe` command: the same engine and API as the desktop app, from a terminal.
 * Every command takes --workspace DIR (default $FLOE_WORKSPACE or ~/.config/floe) and --json.
 */
import { cliContext, UsageError, workspaceDir, type CliContext } from './cli-context.ts';
import { demoCommand } from './commands/demo.ts';
import { logsCommand, runsCommand } from './commands/history.ts';
import { maintenanceCommand, previewCommand, tableCommand, tablesCommand } from './commands/browse.ts';
import { cancelCommand, runCommand, verifyCommand } from './commands/run.ts';
import { serveCommand } from './commands/serve.ts';
import { connectionsCommand, initCommand, scheduleCommand } from './commands/workspace.ts';

const USAGE = `usage: floe <command> [options] [--workspace DIR] [--json]

  demo [--images N]              the embedded demo: no services needed (npm run demo)
  init [--catalog URI] [--warehouse LOCATION] [--force]
                                 create the workspace from your environment (PG*, AWS_*, KAFKA_BROKERS, ~/.pyiceberg.yaml)
  connections [test [postgres|kafka|s3|catalog]]
  run <event_aggregation|etl_moderation|verify>
  cancel <run id>                stop a run (also one another process is running)
  verify                         run the checks and print the report
  runs [--pipeline P] [--state S] [--limit N] [--cursor C]
  logs <run id> [--follow]
  tables [namespace]
  table <namespace.table>        schema, partitioning, snapshots
  preview <namespace.table> [--limit N] [--snapshot ID] [--columns a,b]
  schedule [<pipeline> [--cron EXPR] [--tz ZONE] [--pause|--resume]]
  maintenance <expire-snapshots|rewrite-data-files|remove-orphan-files> <namespace.table> [--dry-run]
  serve [--port N] [--no-schedule]
                                 the API over HTTP on 127.0.0.1 (token printed at start) with the scheduler`;

const COMMANDS: Record<string, (ctx: CliContext) => Promise<number>> = {
  init: initCommand, connections: connectionsCommand, run: runCommand, cancel: cancelCommand, verify: verifyCommand, runs: runsCommand, logs: logsCommand,
  tables: tablesCommand, table: tableCommand, preview: previewCommand, schedule: scheduleCommand, maintenance: maintenanceCommand, serve: serveCommand,
};

/** Takes the global options out of argv wherever they are; the rest goes to the command's own parser. */
function globalOptions(argv: string[]): { workspace?: string; json: boolean; help: boolean; rest: string[] } {
  const out: { workspace?: string; json: boolean; help: boolean; rest: string[] } = { json: false, help: false, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') out.json = true;
    else if (a === '--help' || a === '-h') out.help = true;
    else if (a === '--workspace') out.workspace = argv[++i];
    else if (a.startsWith('--workspace=')) out.workspace = a.slice('--workspace='.length);
    else out.rest.push(a);
  }
  return out;
}

export async function main(argv: string[]): Promise<number> {
  const { workspace, json, help, rest } = globalOptions(argv);
  const [command, ...args] = rest;
  if (help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return help ? 0 : 2;
  }
  const ctx = cliContext(args, json, workspaceDir(workspace));
  try {
    if (command === 'demo') return await demoCommand(ctx, workspace);
    const run = COMMANDS[command];
    if (!run) throw new UsageError(`unknown command "${command}"`);
    return await run(ctx);
  } catch (err) {
    const e = err as Error;
    if (json) process.stdout.write(`${JSON.stringify({ error: { kind: e.name, message: e.message } })}\n`);
    process.stderr.write(`floe ${command}: ${e.message}\n`);
    if (e instanceof UsageError) process.stderr.write(`\n${USAGE}\n`);
    return e instanceof UsageError ? 2 : 1;
  } finally {
    await ctx.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (err: Error) => {
    process.stderr.write(`floe: ${err.message}\n`);
    process.exit(1);
  });
}
