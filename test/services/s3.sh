#!/usr/bin/env bash
# S3 for the test bed: s3proxy (Apache-2.0) on its filesystem store. MinIO is AGPL, so not used.
# Usage: s3.sh install | start <state_dir> | stop <state_dir>   (contract in lib.sh)
SERVICE=s3
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Pinned: 4.x dropped jclouds; its filesystem store (the old filesystem-nio2) answers 412 to
# If-None-Match: * on existing keys and stores the decoded bytes of the SDKs' aws-chunked uploads.
S3PROXY_VERSION=4.1.0
JAR="$FLOE_CACHE_DIR/s3proxy-$S3PROXY_VERSION/s3proxy-$S3PROXY_VERSION-jar-with-dependencies.jar"
ACCESS_KEY=floe-test
SECRET_KEY=floe-test-secret
REGION=us-east-1
BUCKET=gourmetgram-datalake

install() {
  command -v curl >/dev/null || apt_install curl
  maven_jar "org.gaul:s3proxy:$S3PROXY_VERSION:jar:jar-with-dependencies" "$JAR"
}

# s3-signed curl; curl 7.88 does not send x-amz-content-sha256 itself and s3proxy insists on it.
s3curl() {
  curl -s --aws-sigv4 "aws:amz:$REGION:s3" --user "$ACCESS_KEY:$SECRET_KEY" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"
}

start() {
  local state=$1
  local dir="$state/s3"
  [ -f "$JAR" ] || die "s3proxy is not installed; run test/services/s3.sh install"
  stop "$state"
  mkdir -p "$dir/data"
  local port; port=$(free_port)
  local endpoint="http://127.0.0.1:$port"
  # No s3proxy.virtual-host: requests are path-style only (clients need forcePathStyle).
  cat >"$dir/s3proxy.conf" <<EOF
s3proxy.endpoint=$endpoint
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$ACCESS_KEY
s3proxy.credential=$SECRET_KEY
jclouds.provider=filesystem
jclouds.filesystem.basedir=$dir/data
EOF
  # Serial GC: one thread on 2 cores. The full JIT (C2): a C1-only s3proxy starts ~0.7 s sooner
  # but spends twice the CPU per byte uploaded (2.4 s instead of 1.2 s for a 246 MB file, hashes
  # and all), which on 2 cores slows whatever runs beside it, Floe included.
  java -XX:+UseSerialGC -Xmx1g \
    -jar "$JAR" --properties "$dir/s3proxy.conf" >"$dir/s3proxy.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$dir/s3proxy.pid"

  # Any HTTP answer (403 without credentials) means it serves; a dead process ends the wait early.
  up() { ! kill -0 "$pid" 2>/dev/null || curl -s -o /dev/null "$endpoint/"; }
  wait_for 60 up && kill -0 "$pid" 2>/dev/null ||
    die "s3proxy did not start; see $dir/s3proxy.log"

  local code; code=$(s3curl -o /dev/null -w '%{http_code}' -X PUT "$endpoint/$BUCKET")
  # 409 = bucket kept from an earlier run in the same state dir.
  [ "$code" = 200 ] || [ "$code" = 409 ] ||
    die "creating bucket $BUCKET answered HTTP $code; see $dir/s3proxy.log"

  cat >"$state/s3.env" <<EOF
FLOE_TEST_S3_ENDPOINT=$endpoint
FLOE_TEST_S3_REGION=$REGION
FLOE_TEST_S3_ACCESS_KEY=$ACCESS_KEY
FLOE_TEST_S3_SECRET_KEY=$SECRET_KEY
FLOE_TEST_S3_BUCKET=$BUCKET
EOF
}

stop() {
  stop_pidfile "$1/s3/s3proxy.pid"
}

case "${1:-}:${2:-}" in
  install:*) install ;;
  start:?*) start "$2" ;;
  stop:?*) stop "$2" ;;
  *) die "usage: s3.sh install | start <state_dir> | stop <state_dir>" ;;
esac
