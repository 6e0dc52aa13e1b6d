/**
 * The workspace configuration on disk: one JSON file, validated on every load and save, replaced
 * atomically so the app and a CLI beside it never read half of one.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseWorkspaceConfig, WorkspaceConfigError, type WorkspaceConfig, type WorkspaceConfigInput } from './config.ts';
import { writeFileAtomically } from './secrets.ts';

/** The configuration in `path`, or undefined when there is no such file (a first start). */
export async function loadWorkspaceConfig(path: string): Promise<WorkspaceConfig | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`Cannot read the workspace configuration ${path}: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    // Node's parser message quotes the text around the error, and a hand-edited file may hold a
    // secret typed in the wrong place: report only where the error is.
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    const where = at === undefined ? '' : ` (${lineAndColumn(text, Number(at))})`;
    throw new WorkspaceConfigError([`the file is not valid JSON${where}: fix it, or remove it to start from the defaults`], `The workspace configuration ${path}`);
  }
  return parseWorkspaceConfig(json, `The workspace configuration ${path}`);
}

/**
 * Validates `config` and writes it with every default spelled out, so the file shows what Floe
 * will do. The schema admits no secret in clear (only {"secret": name} references), so whatever
 * passes validation is safe to write.
 */
export async function saveWorkspaceConfig(path: string, config: WorkspaceConfig | WorkspaceConfigInput): Promise<WorkspaceConfig> {
  const valid = parseWorkspaceConfig(config, 'The workspace configuration to save');
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomically(path, `${JSON.stringify(valid, null, 2)}\n`, 0o644);
  return valid;
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before.at(-1)!.length + 1}`;
}
