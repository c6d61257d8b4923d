#!/bin/sh
# Instantiation cost of a small module and of the example plugin, default
# and mount limits, 1 and 2 threads (bench/wasm/instantiate.c). Builds an
# optimised tree in $BUILD (default /tmp/build-wasminst-bench).
#   bench/wasm/instantiate.sh [ITERATIONS]
set -e
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-/tmp/build-wasminst-bench}
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j2 --target bench_wasm_instantiate >/dev/null
"$BUILD/bench_wasm_instantiate" "$BUILD/wasm/plugin.wasm" "${1:-2000}"
