#!/usr/bin/env bash
# bench/graphql/http.sh — GraphQL-over-HTTP endpoint throughput: Cortex's
# cx_gql_http against Node.js with graphql-http + graphql 16, same schema,
# root value and queries (those of bench_graphql.c), POST application/json.
#
# Each server runs one worker (Cortex: one thread; node is single-threaded)
# pinned to SERVER_CPU, wrk runs one thread pinned to CLIENT_CPU, traffic on
# 127.0.0.1. Prints a markdown table per case: median wall-clock requests/s,
# and median requests per second of the server process's own CPU time
# (utime + stime from /proc, all its threads) — the figure to trust on a
# shared, loaded machine, where a server gets only part of its core — and
# the ratios. The script stops every process it started on exit.
#
# Settings (environment; defaults in brackets):
#   BUILD_DIR  a Release build dir with libcortex.a [/tmp/build-gqlnext-rel]
#   NPM_DIR    where graphql@16 and graphql-http are installed
#              [$ROOT/build/npm/graphql-http]
#   RUNS [3]  DURATION [5] seconds  CONNS [32]  PORT_CX [18091]  PORT_JS [18092]
#   SERVER_CPU [1]  CLIENT_CPU [0]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-/tmp/build-gqlnext-rel}
NPM_DIR=${NPM_DIR:-$ROOT/build/npm/graphql-http}
RUNS=${RUNS:-3}
DURATION=${DURATION:-5}
CONNS=${CONNS:-32}
PORT_CX=${PORT_CX:-18091}
PORT_JS=${PORT_JS:-18092}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}

WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

[[ -f $BUILD_DIR/libcortex.a ]] || {
    echo "no $BUILD_DIR/libcortex.a: cmake -S $ROOT -B $BUILD_DIR -DCMAKE_BUILD_TYPE=Release &&" \
        "cmake --build $BUILD_DIR --target cortex_static" >&2
    exit 1
}
gcc -std=c17 -O2 -D_GNU_SOURCE -I"$ROOT/include" -o "$WORK/http_server" "$HERE/http_server.c" \
    "$BUILD_DIR/libcortex.a" -lyaml -lssl -lcrypto -lnghttp2 -lcurl -lsecp256k1 -lpthread -lm
if [[ ! -f $NPM_DIR/node_modules/graphql-http/package.json ]]; then
    npm install --no-audit --no-fund --prefix "$NPM_DIR" graphql@16.11.0 graphql-http@1.22.4 \
        >/dev/null
fi

# wrk POST scripts, one per query
for c in simple list1000; do
    case $c in
    simple) q='{ hero { name } }' ;;
    list1000) q='{ items { id name price tags count owner { id name } } }' ;;
    esac
    cat >"$WORK/$c.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/graphql-response+json"
wrk.body = '{"query":"$q"}'
LUA
done

wait_port() {
    for _ in $(seq 100); do
        curl -s -o /dev/null -X POST -H 'Content-Type: application/json' \
            -d '{"query":"{ hero { name } }"}' "http://127.0.0.1:$1/graphql" && return 0
        sleep 0.1
    done
    echo "server on port $1 did not start" >&2
    exit 1
}

taskset -c "$SERVER_CPU" "$WORK/http_server" "$PORT_CX" &
PIDS+=($!)
taskset -c "$SERVER_CPU" node "$HERE/http_server.js" "$NPM_DIR/node_modules" "$PORT_JS" &
PIDS+=($!)
wait_port "$PORT_CX"
wait_port "$PORT_JS"

# the two servers must give the same bodies
for c in simple list1000; do
    body=$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" "$WORK/$c.lua")
    a=$(curl -s -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$PORT_CX/graphql")
    b=$(curl -s -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$PORT_JS/graphql")
    [[ $a == "$b" ]] || echo "warning: $c: responses differ (${#a} vs ${#b} bytes)" >&2
done

TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# pid port case -> "wall_rps cpu_rps"
measure() {
    local t0 t1 out n secs
    t0=$(cpu_ticks "$1")
    out=$(taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"${DURATION}s" -s "$WORK/$3.lua" \
        "http://127.0.0.1:$2/graphql")
    t1=$(cpu_ticks "$1")
    n=$(echo "$out" | awk '/requests in/ {print $1}')
    secs=$(echo "$out" | awk '/requests in/ {sub(/s,$/, "", $4); print $4}')
    if echo "$out" | grep -q 'Non-2xx'; then echo "warning: non-2xx answers on $2" >&2; fi
    awk -v n="$n" -v s="$secs" -v d=$((t1 - t0)) -v k="$TCK" \
        'BEGIN {printf "%d %d\n", n / s, (d > 0 ? n / (d / k) : 0)}'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1fx", b ? a / b : 0}'; }

CX_PID=${PIDS[0]}
JS_PID=${PIDS[1]}
echo "| case | Cortex req/s (wall) | node req/s (wall) | ratio | Cortex req/CPU-s | node req/CPU-s | ratio |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for c in simple list1000; do
    cw="" cc="" jw="" jc=""
    measure "$CX_PID" "$PORT_CX" "$c" >/dev/null # warm-up
    measure "$JS_PID" "$PORT_JS" "$c" >/dev/null
    for _ in $(seq "$RUNS"); do
        read -r w u < <(measure "$CX_PID" "$PORT_CX" "$c")
        cw+="$w " cc+="$u "
        read -r w u < <(measure "$JS_PID" "$PORT_JS" "$c")
        jw+="$w " jc+="$u "
    done
    a=$(echo $cw | tr ' ' '\n' | median) b=$(echo $jw | tr ' ' '\n' | median)
    e=$(echo $cc | tr ' ' '\n' | median) f=$(echo $jc | tr ' ' '\n' | median)
    echo "| $c | $a | $b | $(ratio "$a" "$b") | $e | $f | $(ratio "$e" "$f") |"
    echo "  runs: cortex wall [$cw] cpu [$cc]; node wall [$jw] cpu [$jc]" >&2
done
echo
echo "wrk -t1 -c$CONNS -d${DURATION}s, RUNS=$RUNS; graphql $(node -p "require('$NPM_DIR/node_modules/graphql/package.json').version")," \
    "graphql-http $(node -p "require('$NPM_DIR/node_modules/graphql-http/package.json').version"), node $(node --version);" \
    "$(nproc) cores (shared): $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load average $(cut -d' ' -f1-3 /proc/loadavg)"
