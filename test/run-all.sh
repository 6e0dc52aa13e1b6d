#!/usr/bin/env bash
# `npm test`: type-check and lint (the layering rules live there), bring up the real-service
# test bed, run every test, and always take the test bed down again.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run --silent typecheck
npm run --silent lint
bash test/services/up.sh
trap 'bash test/services/down.sh' EXIT
npx vitest run "$@"
