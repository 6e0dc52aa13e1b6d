#!/usr/bin/env bash
# Bring up the whole test bed: install what is missing, start private instances on free loopback
# ports, and write their addresses to $FLOE_SERVICES_DIR/services.env and services.json.
#   bash test/services/up.sh [service...]     (default: every service)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
state="${FLOE_SERVICES_DIR:-$here/../../.floe-services}"
mkdir -p "$state"; state="$(cd "$state" && pwd)"
services=("$@"); [ ${#services[@]} -gt 0 ] || services=(postgres kafka s3 pyiceberg tools iceberg-java iceberg-rest)

# iceberg-rest reads s3.env when it starts, so it starts in a second wave, after the others.
first=(); second=()
for svc in "${services[@]}"; do
  if [ "$svc" = iceberg-rest ]; then second+=("$svc"); else first+=("$svc"); fi
done

# Run one step for every service at once (2 cores, but most of a cold install is download and
# most of a start is a JVM waiting): each step's log goes to a file, printed only on failure.
#   each <step> <service...>
each() {
  local step=$1 pids=() svc failed=""
  shift
  for svc in "$@"; do
    ( t0=$SECONDS
      bash "$here/$svc.sh" "$step" "$state" >"$state/$svc.$step.log" 2>&1
      echo "$svc $step: $((SECONDS - t0)) s" >>"$state/timings" ) &
    pids+=($!)
  done
  local i=0
  for svc in "$@"; do
    if ! wait "${pids[$i]}"; then
      echo "floe test bed: $svc $step failed; its log ($state/$svc.$step.log):" >&2
      tail -n 30 "$state/$svc.$step.log" >&2
      failed=1
    fi
    i=$((i + 1))
  done
  [ -z "$failed" ]
}

: >"$state/timings"
each install "${services[@]}"
each start "${first[@]}"
each start "${second[@]}"
cat "$state/timings" >&2

# services.env for shells, services.json for the tests.
: >"$state/services.env"
for svc in "${services[@]}"; do cat "$state/$svc.env" >>"$state/services.env"; done
python3 - "$state/services.env" "$state/services.json" <<'PY'
import json, sys
pairs = (line.rstrip("\n").split("=", 1) for line in open(sys.argv[1]) if "=" in line)
json.dump(dict(pairs), open(sys.argv[2], "w"), indent=2)
PY
echo "floe test bed: up; addresses in $state/services.env" >&2
