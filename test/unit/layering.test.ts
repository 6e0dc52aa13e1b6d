import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function violations(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(root, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layering rules (DESIGN.md, Layout) fail the lint step', () => {
  it('keeps Electron and UI code out of core/', async () => {
    expect(await violations('core/engine/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
    expect(await violations('core/engine/x.ts', "import React from 'react';\nexport const r = React;\n")).toHaveLength(1);
    expect(await violations('core/engine/x.ts', "import { x } from '../../renderer/store.ts';\nexport const y = x;\n")).toHaveLength(1);
    expect(await violations('core/engine/x.ts', "import { readFile } from 'node:fs/promises';\nexport const r = readFile;\n")).toEqual([]);
  });

  it('keeps Node modules and core internals out of the renderer, except the API contract', async () => {
    expect(await violations('renderer/x.ts', "import { readFile } from 'node:fs';\nexport const r = readFile;\n")).toHaveLength(1);
    expect(await violations('renderer/x.ts', "import fs from 'fs';\nexport const r = fs;\n")).toHaveLength(1);
    expect(await violations('renderer/x.ts', "import { scanTable } from '../core/iceberg/read/scan.ts';\nexport const s = scanTable;\n")).toHaveLength(1);
    expect(await violations('renderer/x.ts', "import type { Api } from '../core/api/contract.ts';\nexport type A = Api;\n")).toEqual([]);
  });

  it('keeps the main process from reaching into the renderer', async () => {
    expect(await violations('electron/main.ts', "import { App } from '../renderer/App.tsx';\nexport const a = App;\n")).toHaveLength(1);
  });
});
