#!/usr/bin/env bash
# The plugin through the HTTP path: wrk against examples/wasm_mount, which
# serves build/wasm/plugin.wasm (examples/wasm_plugin) on /plugin/*rest.
# Every request: router → serialise the request → thread pool → (fresh
# instance: instantiate + _initialize) → cx_plugin_alloc + cx_plugin_handle
# → parse the response → write it. A C handler on / is the baseline.
#   bench/wasm/plugin_http.sh [BUILD_DIR]   (default /tmp/build-wasm-bench, Release)
#   env: DURATION (10s), CONNS (32), WORKERS (1), PORT (18431)
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-/tmp/build-wasm-bench}
dur=${DURATION:-10s}
conns=${CONNS:-32}
workers=${WORKERS:-1}
port=${PORT:-18431}
command -v wrk >/dev/null || { echo "wrk not installed"; exit 1; }
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCX_WERROR=OFF >/dev/null
cmake --build "$build" -j2 --target example_wasm_mount wasm_guests >/dev/null
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; pid=; }
trap cleanup EXIT
run() { # label, server flags..., then the path after "--"
    local label=$1; shift
    local flags=() path
    while [ "$1" != "--" ]; do flags+=("$1"); shift; done
    path=$2
    PORT=$port "$build/example_wasm_mount" "$build/wasm/plugin.wasm" --threads "$workers" \
        ${flags[@]+"${flags[@]}"} 2>/dev/null &
    pid=$!
    for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done
    curl -fs "http://127.0.0.1:$port$path" | head -c 200 >/dev/null
    local out
    out=$(wrk -t2 -c"$conns" -d"$dur" --latency "http://127.0.0.1:$port$path")
    printf '%-34s %10s req/s  p50 %8s  p99 %8s\n' "$label" \
        "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
        "$(awk '$1=="50%" {print $2}' <<<"$out")" "$(awk '$1=="99%" {print $2}' <<<"$out")"
    grep -q "Non-2xx" <<<"$out" && grep "Non-2xx" <<<"$out"
    cleanup
}
echo "wrk -t2 -c$conns -d$dur; $workers worker(s), pool of 4 threads; $(nproc) cores (shared)"
run "C handler (baseline)" -- /
run "plugin, fresh instance, pool" -- /plugin/hi
run "plugin, fresh instance, inline" --inline -- /plugin/hi
run "plugin, reused instance, pool" --reuse -- /plugin/hi
run "plugin, reused instance, inline" --reuse --inline -- /plugin/hi
