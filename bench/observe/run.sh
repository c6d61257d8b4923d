#!/usr/bin/env bash
# bench/observe/run.sh — what observability costs.
#
#  1. Metric updates: bench_metrics.c (built with -O2 against the library's
#     sources) prints ns per update, single-threaded and with 2 threads on
#     one series, next to a plain shared atomic for comparison.
#  2. GET /json throughput of `cortex serve` (one worker pinned to
#     SERVER_CPU, wrk with one thread pinned to CLIENT_CPU, 64 connections)
#     in three set-ups, alternating, RUNS runs each; medians are reported:
#       off      metrics and tracing off
#       metrics  the built-in metrics on
#       traced   metrics on and tracing at 1% (tracing.sample_permille=10)
#                with the OTLP/HTTP exporter posting to a local receiver
#                (a small Python server that answers 200 and drops the body) Next to req/s, the
#     server's CPU time per request (utime+stime from /proc over the run,
#     divided by the requests wrk completed): on a shared machine whose other
#     load moves req/s around, CPU per request is the steadier measure of
#     what the metrics cost.
#
# Settings (environment; defaults in brackets):
#   OPS [20000000]  updates per thread      RUNS [5]   DURATION [5] seconds
#   CONNS [64]      SERVER_CPU [1]  CLIENT_CPU [0]      PORT [18090]
#   CORTEX_BIN      the cortex binary [newest of $ROOT/build*/cortex]
#   CC [gcc]        SKIP_HTTP=1 (only the micro benchmark)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OPS=${OPS:-20000000}
RUNS=${RUNS:-5}
DURATION=${DURATION:-5}
CONNS=${CONNS:-64}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
PORT=${PORT:-18090}
CC=${CC:-gcc}
WORK=$(mktemp -d)
SRV=""
cleanup() {
    [[ -n $SRV ]] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "command: $0 (OPS=$OPS RUNS=$RUNS DURATION=$DURATION CONNS=$CONNS)"
echo
echo "## metric update cost"
echo
srcs="$ROOT/src/observe/metrics.c $(ls "$ROOT"/src/core/{buf,error,log}.c)"
$CC -std=c17 -D_GNU_SOURCE -O2 -DNDEBUG -I"$ROOT/include" -I"$ROOT/src" \
    "$HERE/bench_metrics.c" $srcs -o "$WORK/bench_metrics" -lpthread -lm
"$WORK/bench_metrics" "$OPS" 2 2>/dev/null

[[ ${SKIP_HTTP:-0} == 1 ]] && exit 0
BIN=${CORTEX_BIN:-$(ls -t "$ROOT"/build*/cortex 2>/dev/null | head -1)}
[[ -x $BIN ]] || { echo "no cortex binary (set CORTEX_BIN)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 1; }

# A do-nothing OTLP receiver for the traced set-up.
RECV_PORT=$((PORT + 1))
python3 - "$RECV_PORT" >"$WORK/receiver.log" 2>&1 <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
RECV=$!
trap 'kill $RECV 2>/dev/null; cleanup' EXIT

start() { # $1: off | metrics | traced
    local args=(--set log.access=false --set metrics.enabled=true)
    [[ $1 == off ]] && args=(--set log.access=false --set metrics.enabled=false)
    [[ $1 == traced ]] && args+=(--set tracing.exporter=otlp --set tracing.sample_permille=10
        --set "tracing.endpoint=http://127.0.0.1:$RECV_PORT/v1/traces")
    taskset -c "$SERVER_CPU" "$BIN" serve --host 127.0.0.1 --port "$PORT" --threads 1 \
        "${args[@]}" >"$WORK/server.log" 2>&1 &
    SRV=$!
    for _ in $(seq 100); do
        curl -fs "http://127.0.0.1:$PORT/json" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "server did not start:" >&2
    cat "$WORK/server.log" >&2
    exit 1
}
stop() {
    kill "$SRV" && wait "$SRV" 2>/dev/null || true
    SRV=""
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SRV/stat"; }
# Prints "req/s cpu_us_per_request" for one run.
measure() {
    local t0 t1 out
    t0=$(cpu_ticks)
    out=$(taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"$DURATION"s "http://127.0.0.1:$PORT/json")
    t1=$(cpu_ticks)
    echo "$out" | awk -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" '
        / requests in / {n = $1}
        /Requests\/sec/ {r = $2}
        END {printf "%s %.2f\n", r, t / hz * 1e6 / n}'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo
MODES="off metrics traced"
echo "## GET /json, 1 worker, wrk -t1 -c$CONNS -d${DURATION}s, median of $RUNS"
echo
for mode in $MODES; do : >"$WORK/$mode"; done
for i in $(seq "$RUNS"); do
    for mode in $MODES; do
        start "$mode"
        taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d1s "http://127.0.0.1:$PORT/json" >/dev/null
        r=$(measure)
        stop
        echo "$r" >>"$WORK/$mode"
        echo "  run $i $mode: req/s, server CPU us/request = $r" >&2
    done
done
col() { awk -v c="$1" '{print $c}' "$2" | median; }
echo "| set-up | req/s (median) | server CPU us/request (median) | runs (req/s, us) |"
echo "|---|---|---|---|"
for mode in $MODES; do
    echo "| $mode | $(col 1 "$WORK/$mode") | $(col 2 "$WORK/$mode") | $(awk '{printf "%s/%s ", $1, $2}' "$WORK/$mode")|"
done
echo
for mode in metrics traced; do
    awk -v m="$mode" -v ra="$(col 1 "$WORK/$mode")" -v rb="$(col 1 "$WORK/off")" \
        -v ca="$(col 2 "$WORK/$mode")" -v cb="$(col 2 "$WORK/off")" \
        'BEGIN {printf "%s vs off: req/s %+.1f%%, server CPU per request %+.1f%%\n", m,
                (ra - rb) * 100 / rb, (ca - cb) * 100 / cb}'
done
