#!/usr/bin/env bash
# Builds the native Parquet codec (release) and puts it where core/iceberg/parquet-native.ts
# looks for it: native/parquet/floe_parquet.node. Safe to run again: cargo rebuilds only what
# changed, and the .node file is replaced only when the library differs. Without it, Floe uses
# parquet-wasm. Needs a Rust toolchain (cargo) and crates.io.
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR="$PWD/target"
nice -n 10 cargo build --release --locked "$@"
case "$(uname -s)" in
  Darwin) lib=libfloe_parquet.dylib ;;
  MINGW* | MSYS* | CYGWIN*) lib=floe_parquet.dll ;;
  *) lib=libfloe_parquet.so ;;
esac
built="target/release/$lib"
if ! cmp -s "$built" floe_parquet.node; then
  # Copy then rename: a process that has the old file loaded keeps its mapping intact.
  cp "$built" floe_parquet.node.tmp
  mv -f floe_parquet.node.tmp floe_parquet.node
fi
echo "native/parquet/floe_parquet.node ($(du -h floe_parquet.node | cut -f1))"
