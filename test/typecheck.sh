#!/usr/bin/env bash
# Type-check each runtime with its own tsconfig: core and electron without DOM types, renderer
# without Node types, so a wrong-way import fails here. A project with no sources yet is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
for project in core electron renderer test; do
  if [ -z "$(find "$project" -name '*.ts' -o -name '*.tsx' | grep -v node_modules | head -n 1)" ]; then
    echo "typecheck: $project has no sources yet" >&2
    continue
  fi
  npx tsc -p "$project"
done
