# Shared helpers for the test-bed service scripts. Sourced, never run.
#
# Contract every service script (test/services/<svc>.sh) follows:
#   <svc>.sh install            install what is missing into $FLOE_CACHE_DIR; idempotent, fast when warm
#   <svc>.sh start <state_dir>  start a private instance on free loopback ports, data under
#                               <state_dir>/<svc>/, wait until it serves, then write
#                               <state_dir>/<svc>.env (KEY=VALUE lines, FLOE_TEST_* keys)
#   <svc>.sh stop <state_dir>   stop it (no error when it is not running)
# On failure a script prints "floe test bed: <svc>: <cause and what to do>" and exits non-zero.

set -euo pipefail

FLOE_CACHE_DIR="${FLOE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/floe-testbed}"
mkdir -p "$FLOE_CACHE_DIR"
SERVICES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

die() { echo "floe test bed: ${SERVICE:-?}: $*" >&2; exit 1; }
log() { echo "floe test bed: ${SERVICE:-?}: $*" >&2; }

# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_for <seconds> <command...>: poll a readiness probe instead of sleeping blindly.
wait_for() {
  local limit=$1; shift
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# Debian packages, installed only when a command is missing. apt-get update runs once per process.
APT_UPDATED=""
apt_install() {
  if [ -z "$APT_UPDATED" ]; then
    # up.sh installs services in parallel: wait for another apt-get's lock instead of failing.
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null || die "apt-get update failed"
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq "$@" >/dev/null || die "apt-get install $* failed"
}

# A zombie is gone for our purposes: this sandbox's init reaps exited processes only every ~2 s.
alive() { kill -0 "$1" 2>/dev/null && [ "$(ps -o stat= -p "$1" | cut -c1)" != Z ]; }

# kill the process in a pid file, then wait for it to go (SIGKILL after a grace period).
stop_pidfile() {
  local pidfile=$1
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile")
  if alive "$pid"; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

# maven_jar <group:artifact:version[:type[:classifier]]> <dest.jar>: one jar from Maven Central,
# through a temporary folder so an interrupted download never looks installed. Needs java + mvn.
maven_jar() {
  local coords=$1 dest=$2
  [ -f "$dest" ] && return 0
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_install maven
  log "fetching $coords from Maven Central"
  local tmp; tmp="$(dirname "$dest").tmp"
  rm -rf "$tmp" && mkdir -p "$tmp"
  mvn -B -q dependency:copy -Dartifact="$coords" -DoutputDirectory="$tmp" >"$tmp/mvn.log" 2>&1 ||
    die "maven could not fetch $coords (Maven Central reachable?); see $tmp/mvn.log"
  local jar; jar=$(find "$tmp" -name '*.jar' | head -n 1)
  [ -n "$jar" ] || die "maven fetched no jar for $coords; see $tmp/mvn.log"
  mkdir -p "$(dirname "$dest")" && mv "$jar" "$dest" && rm -rf "$tmp"
}
