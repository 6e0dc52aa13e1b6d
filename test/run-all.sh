#!/usr/bin/env bash
# `npm test`: type-check and lint (the layering rules live there), bring up the real-service
# test bed, run every test, and always take the test bed down again.
set -euo pipefail
cd "$(dirname "$0")/.."

# The native Parquet codec (Rust, cargo): the tests run Floe as it ships, with it.
bash native/parquet/build.sh
npm run --silent typecheck
npm run --silent lint
bash test/services/up.sh
trap 'bash test/services/down.sh' EXIT
npx vitest run "$@"
