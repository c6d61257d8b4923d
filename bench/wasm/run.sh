#!/usr/bin/env bash
# Build and run the wasm benchmarks: kernels natively vs the Cortex
# interpreter and JIT vs the raw-bytecode switch baseline (every kernel) vs
# node, and plugin instantiation.
#   bench/wasm/run.sh [BUILD_DIR]     (default /tmp/build-wasm-bench, Release)
#   CALLGRIND=1 bench/wasm/run.sh     also count executed instructions per kernel
#                                     and engine with valgrind (slow: minutes)
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-/tmp/build-wasm-bench}
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCX_WERROR=OFF >/dev/null
cmake --build "$build" -j2 --target bench_wasm >/dev/null
echo "== cortex interpreter and JIT vs native, and vs the switch baseline (bench_wasm) =="
"$build/bench_wasm" "$build/wasm"
if command -v node >/dev/null; then
    echo "== node $(node --version) on the same kernels.wasm =="
    node "$src/bench/wasm/node_bench.mjs" "$build/wasm/kernels.wasm"
fi
if [[ ${CALLGRIND:-0} == 1 ]] && command -v valgrind >/dev/null; then
    echo "== executed instructions (callgrind, one call each; includes module load) =="
    printf '%-10s %14s %14s %14s %14s %8s %8s %8s\n' kernel native interp jit switch int/nat jit/nat sw/int
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    for k in fib matmul sha256 sort coremark; do
        declare -A n=()
        for mode in native interp jit switch; do
            valgrind --tool=callgrind --callgrind-out-file="$tmp/out" \
                "$build/bench_wasm" "$build/wasm" "$k" "$mode" >"$tmp/log" 2>&1
            n[$mode]=$(grep -o 'Collected : [0-9]*' "$tmp/log" | grep -o '[0-9]*$')
        done
        awk -v k="$k" -v a="${n[native]}" -v b="${n[interp]}" -v j="${n[jit]}" -v c="${n[switch]}" \
            'BEGIN { printf "%-10s %14.0f %14.0f %14.0f %14.0f %7.2fx %7.2fx %7.1fx\n",
                     k, a, b, j, c, b / a, j / a, c / b }'
    done
fi
