#!/usr/bin/env bash
# Tools the tests drive but never start as services: Chromium for the browser tests, kcat as the
# raw-consumption baseline of the benchmarks.
SERVICE=tools
source "$(dirname "$0")/lib.sh"

install() {
  local missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  command -v kcat >/dev/null || missing+=(kcat)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}
start() { printf 'FLOE_TEST_CHROMIUM=%s\n' "$(command -v chromium)" >"$1/tools.env"; }
stop() { :; }

"$@"
