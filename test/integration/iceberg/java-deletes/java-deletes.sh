#!/usr/bin/env bash
# Runs DeleteWriter.java (Apache Iceberg 1.10.1's Java library) with one JSON argument; prints its
# JSON result. The first run fetches the jars pom.xml names from Maven Central into the test-bed
# cache and compiles the program; later runs only start the JVM. Safe to run in parallel.
# Usage: java-deletes.sh '<json>' | @<json file>     (java-deletes.sh install: fetch and compile only)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${FLOE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/floe-testbed}/iceberg-java-deletes"
die() { echo "floe test: iceberg java deletes: $*" >&2; exit 1; }

install() {
  command -v java >/dev/null && command -v javac >/dev/null || die "java and javac (JDK 17+) are needed; install openjdk-17-jdk-headless"
  command -v mvn >/dev/null || die "maven is needed to fetch Iceberg's jars; install maven"
  # The stamps hold the pom's and the source's checksums: an edit reinstalls, no edit is instant.
  local libs_stamp classes_stamp
  libs_stamp=$(sha256sum <"$HERE/pom.xml")
  classes_stamp="$libs_stamp $(sha256sum <"$HERE/DeleteWriter.java")"
  [ "$(cat "$CACHE/classes/.installed" 2>/dev/null)" = "$classes_stamp" ] && return 0
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.lock"
  flock 9 # another test process may be installing: wait for it, then re-check
  [ "$(cat "$CACHE/classes/.installed" 2>/dev/null)" = "$classes_stamp" ] && return 0
  if [ "$(cat "$CACHE/libs/.installed" 2>/dev/null)" != "$libs_stamp" ]; then
    rm -rf "$CACHE/libs" && mkdir -p "$CACHE/libs"
    mvn -B -f "$HERE/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$CACHE/libs" >"$CACHE/maven.log" 2>&1 \
      || { tail -n 30 "$CACHE/maven.log" >&2; die "maven could not fetch Iceberg's jars (log: $CACHE/maven.log); check access to Maven Central"; }
    echo "$libs_stamp" >"$CACHE/libs/.installed"
  fi
  rm -rf "$CACHE/classes" && mkdir -p "$CACHE/classes"
  javac -nowarn -d "$CACHE/classes" -cp "$CACHE/libs/*" "$HERE/DeleteWriter.java" >"$CACHE/javac.log" 2>&1 \
    || { cat "$CACHE/javac.log" >&2; die "DeleteWriter.java does not compile (log: $CACHE/javac.log)"; }
  echo "$classes_stamp" >"$CACHE/classes/.installed"
}

install
[ "${1:-}" = install ] && exit 0
# C1 only and a small heap: each run is a few seconds of work on a shared 2-core machine.
exec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx512m -cp "$CACHE/classes:$CACHE/libs/*" DeleteWriter "$1"
