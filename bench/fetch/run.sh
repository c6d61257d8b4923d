#!/usr/bin/env bash
# bench/fetch/run.sh — requests per second of cx_fetch against nginx on
# loopback, next to a blocking libcurl easy loop and Node.js's fetch.
#
# nginx (started here, with a CA and certificate made by the openssl CLI)
# serves an 11-byte file over plain HTTP/1.1 and over TLS with http2 on.
# Settings (environment; defaults in brackets):
#   RUNS [3]  DURATION [5] seconds per run  WARMUP [1]  CONC [32]
#   CLIENT_CPU [0]  SERVER_CPU [1]  NODE [node]  CC [gcc]
#   OUT_DIR [$ROOT/bench/results]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CC=${CC:-gcc}
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
# shellcheck disable=SC2046
"$CC" -O2 -std=c17 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter \
    -I"$ROOT/include" -I"$ROOT/src" \
    "$HERE/bench_fetch.c" "$ROOT"/src/fetch/*.c "$ROOT"/src/core/*.c "$ROOT"/src/core/*.S \
    "$ROOT"/src/json/*.c $(pkg-config --cflags --libs libcurl yaml-0.1) -lpthread -lm \
    -o "$build/bench_fetch"
python3 "$HERE/run.py" "$build/bench_fetch"
