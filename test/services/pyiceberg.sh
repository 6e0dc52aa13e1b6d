#!/usr/bin/env bash
# PyIceberg in a Python virtualenv: the independent Iceberg implementation the interop tests use.
# Nothing runs; start only checks the venv and says where its python is.
# Usage: pyiceberg.sh install | start <state_dir> | stop <state_dir>   (contract: lib.sh)
source "$(dirname "$0")/lib.sh"
SERVICE=pyiceberg

REQUIREMENTS="$SERVICES_DIR/pyiceberg/requirements.txt"
# The pins were tested on 3.11; another minor version may lack wheels for them.
PYTHON="${FLOE_PYTHON:-$(command -v python3.11 || command -v python3 || true)}"
[ -n "$PYTHON" ] || die "no python3.11 found; install Python 3.11 or set FLOE_PYTHON"

# The venv's path holds a hash of the pins and the interpreter's version: an edit to either
# gets a new venv, and an unchanged pair finds the one already built.
venv_dir() {
  local key
  key=$({ cat "$REQUIREMENTS"; "$PYTHON" -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-12)
  echo "$FLOE_CACHE_DIR/pyiceberg-venv-$key"
}
VENV=$(venv_dir)

install() {
  [ -f "$VENV/.installed" ] && return 0
  # Two installs at once (parallel CI steps) would pip into the same venv.
  exec 9>"$VENV.lock"
  flock 9
  [ -f "$VENV/.installed" ] && return 0
  log "building $VENV"
  rm -rf "$VENV" # a venv without the marker is a half-done install
  "$PYTHON" -m venv "$VENV" || die "could not create a venv with $PYTHON (Debian's python3 needs python3-venv)"
  "$VENV/bin/pip" install -q --disable-pip-version-check --no-input -r "$REQUIREMENTS" \
    || die "pip could not install $REQUIREMENTS (see its output above); check access to PyPI"
  touch "$VENV/.installed"
}

start() {
  local state=$1
  [ -f "$VENV/.installed" ] || die "not installed: run 'bash test/services/pyiceberg.sh install' first"
  "$VENV/bin/python" -c 'import pyiceberg.catalog.sql, pyarrow.fs, psycopg2' \
    || die "the venv at $VENV is broken; delete it and run 'pyiceberg.sh install' again"
  mkdir -p "$state"
  echo "FLOE_TEST_PYTHON=$VENV/bin/python" >"$state/pyiceberg.env"
}

stop() {
  rm -f "$1/pyiceberg.env"
}

case "${1:-}" in
  install) install ;;
  start) [ -n "${2:-}" ] || die "usage: pyiceberg.sh start <state_dir>"; start "$2" ;;
  stop) [ -n "${2:-}" ] || die "usage: pyiceberg.sh stop <state_dir>"; stop "$2" ;;
  *) die "usage: pyiceberg.sh install | start <state_dir> | stop <state_dir>" ;;
esac
