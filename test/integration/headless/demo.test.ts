import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { floe } from './workspace-on-testbed.ts';
import { testBed } from '../../services/testbed.ts';

const run = promisify(execFile);

describe('npm run demo: the embedded default with no services', () => {
  it('runs etl_moderation and verify on PGlite + SQLite + a local folder, and PyIceberg opens the table with the printed lines', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'floe-demo-')), 'demo');
    // No service address reaches the demo: the environment is emptied of everything but the basics.
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, FLOE_WORKSPACE: '' };
    const first = await floe(['demo', '--images', '300', '--workspace', dir], { env, timeoutMs: 180_000 });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stderr).toMatch(/source: PGlite .* \(generated\)/);
    expect(first.stdout).toMatch(/Floe verify: PASSED/);
    expect(first.stdout).toMatch(/moderation\.training_data: [\d,]+ rows at file:\/\//);
    const snippet = first.stdout.split('Open it with PyIceberg:\n')[1]!.split('\n\n')[0]!.split('\n').map((l) => l.trim()).join('\n');
    expect(snippet).toContain('SqlCatalog("floe_demo"');

    const rows = Number(/training_data: ([\d,]+) rows/.exec(first.stdout)![1]!.replace(/,/g, ''));
    const py = await run(testBed().python, ['-c', `${snippet.replace('print(rows.num_rows, rows.slice(0, 3).to_pylist())', "print(rows.num_rows, sorted(set(rows['decision_point_minutes'].to_pylist())))")}`]);
    expect(py.stdout.trim()).toBe(`${rows} [0, 5, 30]`);

    // A second demo reuses the generated source and replaces the table's contents: same rows, a new snapshot.
    const second = await floe(['demo', '--images', '300', '--workspace', dir], { env, timeoutMs: 180_000 });
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stderr).toMatch(/\(reused\)/);
    expect(second.stdout).toContain(`training_data: ${rows.toLocaleString('en-US')} rows`);
    const runs = JSON.parse((await floe(['runs', '--json', '--workspace', dir], { env })).stdout) as { items: { pipeline: string; state: string }[] };
    expect(runs.items.map((r) => `${r.pipeline}:${r.state}`)).toEqual(['verify:success', 'etl_moderation:success', 'verify:success', 'etl_moderation:success']);
  });
});
