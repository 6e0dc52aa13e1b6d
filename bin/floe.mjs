#!/usr/bin/env node
// `npx floe` from the repository: the CLI runs from its TypeScript source through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../electron/headless/cli.ts');
process.exit(await main(process.argv.slice(2)));
