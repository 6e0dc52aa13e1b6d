#!/usr/bin/env bash
# A throwaway PostgreSQL cluster from Debian's packages, never the system one.
SERVICE=postgres
source "$(dirname "$0")/lib.sh"

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

install() {
  [ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ] || apt_install postgresql
  [ -x "$(pg_bin)/initdb" ] || die "no initdb under /usr/lib/postgresql/*/bin after installing postgresql"
}

start() {
  local dir="$1/postgres" bin; bin=$(pg_bin)
  stop "$1"
  rm -rf "$dir"; mkdir -p "$dir"
  chown postgres "$dir"  # initdb and pg_ctl refuse to run as root
  runuser -u postgres -- "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 \
    || die "initdb failed: $(tail -n 5 "$dir/initdb.log")"
  local port; port=$(free_port)
  # Durability is off on purpose: a test cluster trades crash safety for speed. Unix sockets are
  # off so a long state-dir path cannot exceed the socket path limit; tests use TCP.
  runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start -o \
    "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    >/dev/null || die "pg_ctl start failed on port $port: $(tail -n 5 "$dir/postgres.log")"
  cat >"$1/postgres.env" <<ENV
FLOE_TEST_PG_URL=postgresql://postgres@127.0.0.1:$port/postgres
FLOE_TEST_PG_HOST=127.0.0.1
FLOE_TEST_PG_PORT=$port
FLOE_TEST_PG_USER=postgres
FLOE_TEST_PG_BIN=$bin
ENV
}

stop() {
  local dir="$1/postgres" bin; bin=$(pg_bin)
  [ -f "$dir/data/postmaster.pid" ] || return 0
  runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
}

"$@"
