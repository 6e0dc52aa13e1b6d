#!/usr/bin/env bash
# An Iceberg REST catalog for the test bed: Apache Iceberg's RESTCatalogServer (the REST spec's
# reference server) over a JdbcCatalog on a SQLite file, with its warehouse on the test S3 server.
# Needs s3 running first (it reads <state>/s3.env): up.sh starts it in a second wave.
# Usage: iceberg-rest.sh install | start <state_dir> | stop <state_dir>   (contract in lib.sh)
SERVICE=iceberg-rest
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Pinned: 1.10.1 is the last release whose main jar is a runnable fat jar (Main-Class
# RESTCatalogServer, with S3FileIO, the AWS SDK and the SQLite driver inside); later releases
# publish the test fixtures without their dependencies.
ICEBERG_VERSION=1.10.1
JAR="$FLOE_CACHE_DIR/iceberg-rest-$ICEBERG_VERSION/iceberg-open-api-$ICEBERG_VERSION.jar"
CATALOG_NAME=gourmetgram

install() {
  command -v curl >/dev/null || apt_install curl
  maven_jar "org.apache.iceberg:iceberg-open-api:$ICEBERG_VERSION:jar" "$JAR"
}

# The value of KEY in an env file written by another service script.
env_value() {
  sed -n "s/^$2=//p" "$1" | tail -n 1
}

start() {
  local state=$1
  local dir="$state/iceberg-rest"
  [ -f "$JAR" ] || die "not installed; run test/services/iceberg-rest.sh install"
  local s3env="$state/s3.env"
  [ -f "$s3env" ] || die "no $s3env: start s3 first (bash test/services/up.sh does, in the right order)"
  stop "$state"
  # A fresh catalog every start, like the other services: its tables live in the fresh S3 data.
  rm -rf "$dir" && mkdir -p "$dir"
  local port; port=$(free_port)
  local warehouse="s3://$(env_value "$s3env" FLOE_TEST_S3_BUCKET)/rest-warehouse"

  # Every CATALOG_* variable becomes a catalog property: prefix removed, "__" -> "-", "_" -> ".",
  # lower-cased (CATALOG_S3_PATH__STYLE__ACCESS -> s3.path-style-access).
  # The server binds 0.0.0.0 and has no setting for the address: the port is reachable from
  # other hosts while it runs. It holds only test data, and the tests only use 127.0.0.1.
  # C1-only JIT and serial GC: start-up on 2 cores matters more than peak speed here.
  env CATALOG_CATALOG_NAME="$CATALOG_NAME" \
    CATALOG_URI="jdbc:sqlite:file:$dir/catalog.db" \
    CATALOG_WAREHOUSE="$warehouse" \
    CATALOG_IO__IMPL=org.apache.iceberg.aws.s3.S3FileIO \
    CATALOG_S3_ENDPOINT="$(env_value "$s3env" FLOE_TEST_S3_ENDPOINT)" \
    CATALOG_S3_PATH__STYLE__ACCESS=true \
    CATALOG_S3_ACCESS__KEY__ID="$(env_value "$s3env" FLOE_TEST_S3_ACCESS_KEY)" \
    CATALOG_S3_SECRET__ACCESS__KEY="$(env_value "$s3env" FLOE_TEST_S3_SECRET_KEY)" \
    CATALOG_CLIENT_REGION="$(env_value "$s3env" FLOE_TEST_S3_REGION)" \
    CATALOG_REST_PORT="$port" \
    java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx512m -jar "$JAR" >"$dir/server.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$dir/server.pid"

  local uri="http://127.0.0.1:$port"
  # A dead process ends the wait early instead of polling for the full minute.
  up() { ! alive "$pid" || curl -sf -o /dev/null "$uri/v1/config"; }
  wait_for 90 up && alive "$pid" || die "RESTCatalogServer did not start on port $port; see $dir/server.log"

  cat >"$state/iceberg-rest.env" <<EOF
FLOE_TEST_ICEBERG_REST_URI=$uri
FLOE_TEST_ICEBERG_REST_WAREHOUSE=$warehouse
EOF
}

stop() {
  stop_pidfile "$1/iceberg-rest/server.pid"
  rm -f "$1/iceberg-rest.env"
}

case "${1:-}:${2:-}" in
  install:*) install ;;
  start:?*) start "$2" ;;
  stop:?*) stop "$2" ;;
  *) die "usage: iceberg-rest.sh install | start <state_dir> | stop <state_dir>" ;;
esac
