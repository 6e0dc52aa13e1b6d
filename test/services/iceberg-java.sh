#!/usr/bin/env bash
# Apache Iceberg's Java library (1.10.1, jars from Maven Central) as an independent writer of
# merge-on-read delete files, which PyIceberg cannot write. Nothing to start: the tests run it.
SERVICE=iceberg-java
source "$(dirname "$0")/lib.sh"

install() { bash "$(dirname "$0")/../integration/iceberg/java-deletes/java-deletes.sh" install; }
start() { : >"$1/iceberg-java.env"; }
stop() { :; }

"$@"
