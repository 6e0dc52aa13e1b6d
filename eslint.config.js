// One lint setup for the whole repo. The import rules below are the layering of
// DESIGN.md "Layout": they make a wrong-way import fail `npm test`, not just a review.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', '.floe-services/**', '.floe/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['electron', 'react', 'react-dom', 'zustand'].map((name) => ({
          name, message: 'core/ is the engine: it never imports Electron or UI code (DESIGN.md, Layout).',
        })),
        patterns: [{
          group: ['**/electron/**', '**/renderer/**'],
          message: 'core/ never imports electron/ or renderer/ (DESIGN.md, Layout).',
        }],
      }],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodeBuiltins.map((name) => ({ name, message: 'The renderer runs sandboxed: no Node modules.' })),
        patterns: [
          { regex: '(^|/)core/(?!api/contract(\\.ts)?$)', message: 'The renderer sees core only through core/api/contract.ts.' },
          { group: ['**/electron/**'], message: 'The renderer talks to the main process only over the API contract.' },
        ],
      }],
    },
  },
  {
    files: ['electron/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/renderer/**'], message: 'electron/ talks to the renderer only over the API contract.' }],
      }],
    },
  },
);
