#!/usr/bin/env bash
# Stop every service that up.sh started. Safe to run when nothing is running.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
state="${FLOE_SERVICES_DIR:-$here/../../.floe-services}"
[ -d "$state" ] || exit 0
# iceberg-rest first: it uses s3, so it goes before s3 does.
for svc in iceberg-rest postgres kafka s3 pyiceberg tools iceberg-java; do
  [ -f "$here/$svc.sh" ] && bash "$here/$svc.sh" stop "$state" || true
done
rm -f "$state/services.env" "$state/services.json"
