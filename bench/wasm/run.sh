#!/usr/bin/env bash
# Build and run the wasm benchmarks: kernels natively vs the Cortex
# interpreter vs node, the raw-bytecode switch baseline, plugin instantiation.
#   bench/wasm/run.sh [BUILD_DIR]     (default /tmp/build-wasm-bench, Release)
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-/tmp/build-wasm-bench}
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCX_WERROR=OFF >/dev/null
cmake --build "$build" -j2 --target bench_wasm >/dev/null
echo "== cortex interpreter vs native (bench_wasm) =="
"$build/bench_wasm" "$build/wasm"
if command -v node >/dev/null; then
    echo "== node $(node --version) on the same kernels.wasm =="
    node "$src/bench/wasm/node_bench.mjs" "$build/wasm/kernels.wasm"
fi
