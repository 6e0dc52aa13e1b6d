#!/usr/bin/env bash
# Single-node Apache Kafka broker (KRaft, broker+controller in one JVM) from Maven Central jars.
# Usage: kafka.sh install | start <state_dir> | stop <state_dir>   (contract: lib.sh)
source "$(dirname "$0")/lib.sh"
SERVICE=kafka

KAFKA_VERSION=4.1.2
LOG4J_VERSION=2.25.3 # the log4j Kafka $KAFKA_VERSION itself resolves; keeps api/core/binding in step
KAFKA_HOME="$FLOE_CACHE_DIR/kafka-$KAFKA_VERSION"
POM="$SERVICES_DIR/kafka/pom.xml"
CDS="$KAFKA_HOME/classes.jsa"

install() {
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_install maven
  command -v kcat >/dev/null || apt_install kcat
  # The marker holds the pom's checksum: editing the pom reinstalls, an unchanged one is instant.
  local stamp; stamp="$LOG4J_VERSION $(sha256sum <"$POM")"
  if [ "$(cat "$KAFKA_HOME/.installed" 2>/dev/null)" != "$stamp" ]; then
    log "resolving kafka_2.13 $KAFKA_VERSION from Maven Central"
    rm -rf "$KAFKA_HOME" && mkdir -p "$KAFKA_HOME" # no stale jars (or archive) from an older pom
    # Its output goes to a file: Debian's maven 3.8 prints colour codes even with -B -q.
    mvn -B -f "$POM" dependency:copy-dependencies -DincludeScope=runtime \
      -Dkafka.version="$KAFKA_VERSION" -Dlog4j.version="$LOG4J_VERSION" \
      -DoutputDirectory="$KAFKA_HOME/libs" >"$KAFKA_HOME/maven.log" 2>&1 \
      || { tail -n 30 "$KAFKA_HOME/maven.log" >&2; die "maven could not fetch the broker's jars (log: $KAFKA_HOME/maven.log); check access to Maven Central"; }
    echo "$stamp" >"$KAFKA_HOME/.installed"
  fi
  [ -s "$CDS" ] || dump_cds
}

# Class-data sharing: an archive of the classes one real broker run loaded makes later JVM
# starts ~40% faster (measured on 2 cores: broker 1.7 -> 1.1 s to ready, format 0.7 -> 0.5 s).
# An archive from another JDK build fails the JVM's header check and is ignored (with a warning).
dump_cds() {
  log "recording a class-data archive from one broker run"
  local tmp; tmp=$(mktemp -d)
  CDS_DUMP=1 start "$tmp"
  stop "$tmp" # the JVM writes the archive as it exits
  # A truncated archive crashes the JVM (SIGBUS) rather than being ignored: map it once first.
  if "${JAVA[@]}" -XX:SharedArchiveFile="$CDS.tmp" -Xshare:on -XX:ErrorFile="$tmp/hs_err.log" -version >/dev/null 2>&1; then
    mv "$CDS.tmp" "$CDS"
  else
    rm -f "$CDS.tmp"
    log "no usable class-data archive; broker starts will be ~0.6 s slower"
  fi
  rm -rf "$tmp"
}

# An array, not a wrapper function: `func &` would put a subshell's pid, not java's, in the pid file.
JAVA=(java -Djava.awt.headless=true -Dlog4j2.configurationFile="$SERVICES_DIR/kafka/log4j2.xml"
  -cp "$KAFKA_HOME/libs/*")

start() {
  local state dir
  state=$(mkdir -p "$1" && cd "$1" && pwd) # absolute: log.dirs is resolved against the JVM's cwd
  dir=$state/kafka
  [ -f "$KAFKA_HOME/.installed" ] || die "not installed: run 'bash test/services/kafka.sh install' first"
  if [ -f "$dir/kafka.pid" ] && kill -0 "$(cat "$dir/kafka.pid")" 2>/dev/null; then
    [ -f "$state/kafka.env" ] && { log "already running ($(cat "$state/kafka.env"))"; return 0; }
    die "a broker from $dir is running but not ready; run 'kafka.sh stop $state' first"
  fi
  rm -rf "$dir" && mkdir -p "$dir" # every start is a fresh, empty cluster
  rm -f "$state/kafka.env"

  local port cport
  port=$(free_port)
  cport=$(free_port)
  [ "$port" != "$cport" ] || cport=$(free_port)
  cat >"$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.network.threads=2
num.io.threads=2
num.partitions=3
# Tests create their topics through the admin API, as production does.
auto.create.topics.enable=false
# One broker: internal topics with replication 1, and one partition each (50 is slow on 2 cores).
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
share.coordinator.state.topic.num.partitions=1
group.initial.rebalance.delay.ms=0
EOF

  # A cluster id is 16 random bytes in unpadded base64url; one starting with '-' would read as a flag.
  local cluster_id=-
  while [[ $cluster_id == -* ]]; do
    cluster_id=$(head -c 16 /dev/urandom | base64 | tr -d '=' | tr '+/' '-_')
  done
  local cds=()
  [ -s "$CDS" ] && cds=(-XX:SharedArchiveFile="$CDS")
  # C1 only: the format tool runs for half a second, C2 would never pay off.
  "${JAVA[@]}" "${cds[@]}" -XX:TieredStopAtLevel=1 kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" >"$dir/format.log" 2>&1 \
    || { tail -n 20 "$dir/format.log" >&2; die "formatting the storage failed (log: $dir/format.log)"; }

  [ -z "${CDS_DUMP:-}" ] || cds=(-XX:ArchiveClassesAtExit="$CDS.tmp")
  # Full JIT for the broker: benchmarks measure against it, and C1-only would cap its throughput.
  "${JAVA[@]}" "${cds[@]}" -Xms256m -Xmx1g kafka.Kafka "$dir/server.properties" </dev/null >"$dir/kafka.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$dir/kafka.pid"

  # Ready once it serves metadata; a JVM that died also ends the wait, checked just after.
  # The TCP check first: kcat against a closed port waits out its whole metadata timeout.
  broker_up() { ! kill -0 "$pid" 2>/dev/null || { (: </dev/tcp/127.0.0.1/"$port") && kcat -b "127.0.0.1:$port" -L -m 5; }; }
  if ! wait_for 60 broker_up || ! kill -0 "$pid" 2>/dev/null; then
    local why="did not answer on 127.0.0.1:$port within 60 s"
    kill -0 "$pid" 2>/dev/null || why="exited during startup"
    tail -n 30 "$dir/kafka.log" >&2
    stop_pidfile "$dir/kafka.pid"
    die "the broker $why; its log is above and in $dir/kafka.log"
  fi
  echo "FLOE_TEST_KAFKA_BROKERS=127.0.0.1:$port" >"$state/kafka.env"
}

stop() {
  stop_pidfile "$1/kafka/kafka.pid"
  rm -f "$1/kafka.env"
}

case "${1:-}" in
  install) install ;;
  start) [ -n "${2:-}" ] || die "usage: kafka.sh start <state_dir>"; start "$2" ;;
  stop) [ -n "${2:-}" ] || die "usage: kafka.sh stop <state_dir>"; stop "$2" ;;
  *) die "usage: kafka.sh install | start <state_dir> | stop <state_dir>" ;;
esac
