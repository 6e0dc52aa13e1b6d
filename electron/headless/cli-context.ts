/** What every CLI command gets: its arguments, the workspace (opened on first use) and output helpers. */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { FloeService } from '../../core/api/service.ts';
import { Runtime } from '../../core/engine/runtime.ts';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CliContext {
  args: string[];
  json: boolean;
  workspaceDir: string;
  runtime(): Promise<Runtime>;
  service(): Promise<FloeService>;
  out(text: string): void;
  err(text: string): void;
  /** Prints `value` as JSON on --json, else the text. */
  print(value: unknown, text: () => string): void;
}

/** --workspace, else FLOE_WORKSPACE, else ~/.config/floe (XDG_CONFIG_HOME respected). */
export function workspaceDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.FLOE_WORKSPACE) return resolve(env.FLOE_WORKSPACE);
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'floe');
}

export function cliContext(args: string[], json: boolean, dir: string, open: () => Promise<Runtime> = () => Runtime.open({ dir })): CliContext & { close(): Promise<void> } {
  let runtime: Promise<Runtime> | undefined;
  let service: FloeService | undefined;
  const ctx = {
    args, json, workspaceDir: dir,
    runtime: () => (runtime ??= open()),
    service: async () => (service ??= new FloeService(await ctx.runtime())),
    out: (text: string) => { process.stdout.write(`${text}\n`); },
    err: (text: string) => { process.stderr.write(`${text}\n`); },
    print: (value: unknown, text: () => string) => ctx.out(json ? JSON.stringify(value, null, 2) : text()),
    close: async () => { if (runtime) await (await runtime).close(); },
  };
  return ctx;
}

/** "moderation.training_data" -> the table reference, or a usage error saying how to write it. */
export function tableArg(text: string | undefined): { namespace: string[]; name: string } {
  const parts = (text ?? '').split('.');
  if (parts.length < 2 || parts.some((p) => p === '')) throw new UsageError(`give the table as namespace.table (e.g. moderation.training_data), not "${text ?? ''}"`);
  return { namespace: parts.slice(0, -1), name: parts.at(-1)! };
}
