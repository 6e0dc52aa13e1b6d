#!/usr/bin/env bash
# Single-node Apache Kafka broker (KRaft, broker+controller in one JVM) from Maven Central jars.
# Usage: kafka.sh install | start <state_dir> | stop <state_dir>   (contract: lib.sh)
source "$(dirname "$0")/lib.sh"
SERVICE=kafka

KAFKA_VERSION=4.1.2
LOG4J_VERSION=2.25.3 # the log4j Kafka $KAFKA_VERSION itself resolves; keeps api/core/binding in step
KAFKA_HOME="$FLOE_CACHE_DIR/kafka-$KAFKA_VERSION"
POM="$SERVICES_DIR/kafka/pom.xml"

install() {
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_install maven
  command -v kcat >/dev/null || apt_install kcat
  # The marker holds the pom's checksum: editing the pom reinstalls, an unchanged one is instant.
  local stamp; stamp="$LOG4J_VERSION $(sha256sum <"$POM")"
  [ "$(cat "$KAFKA_HOME/.installed" 2>/dev/null)" = "$stamp" ] && return 0
  log "resolving kafka_2.13 $KAFKA_VERSION from Maven Central"
  rm -rf "$KAFKA_HOME" && mkdir -p "$KAFKA_HOME" # no stale jars from an older pom on the classpath
  # Its output goes to a file: Debian's maven 3.8 prints colour codes even with -B -q.
  mvn -B -f "$POM" dependency:copy-dependencies -DincludeScope=runtime \
    -Dkafka.version="$KAFKA_VERSION" -Dlog4j.version="$LOG4J_VERSION" \
    -DoutputDirectory="$KAFKA_HOME/libs" >"$KAFKA_HOME/maven.log" 2>&1 \
    || { tail -n 30 "$KAFKA_HOME/maven.log" >&2; die "maven could not fetch the broker's jars (log: $KAFKA_HOME/maven.log); check access to Maven Central"; }
  echo "$stamp" >"$KAFKA_HOME/.installed"
}

# An array, not a wrapper function: `func &` would put a subshell's pid, not java's, in the pid file.
# SerialGC: on 2 cores G1's concurrent threads only compete with startup for the CPU.
JAVA_OPTS=(-XX:+UseSerialGC -Djava.awt.headless=true
  -Dlog4j2.configurationFile="$SERVICES_DIR/kafka/log4j2.xml" -cp "$KAFKA_HOME/libs/*")

start() {
  local state=$1 dir=$1/kafka
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
  local cluster_id
  cluster_id=$(python3 -c 'import base64,uuid
while (c := base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()).startswith("-"): pass
print(c)')
  java "${JAVA_OPTS[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" >"$dir/format.log" 2>&1 \
    || { tail -n 20 "$dir/format.log" >&2; die "formatting the storage failed (log: $dir/format.log)"; }

  java "${JAVA_OPTS[@]}" -Xms256m -Xmx1g kafka.Kafka "$dir/server.properties" </dev/null >"$dir/kafka.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$dir/kafka.pid"

  # Ready once it serves metadata; a JVM that died also ends the wait, checked just after.
  broker_up() { ! kill -0 "$pid" 2>/dev/null || kcat -b "127.0.0.1:$port" -L -m 1; }
  if ! wait_for 60 broker_up || ! kill -0 "$pid" 2>/dev/null; then
    tail -n 30 "$dir/kafka.log" >&2
    stop_pidfile "$dir/kafka.pid"
    die "the broker did not come up within 60 s (log: $dir/kafka.log)"
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
