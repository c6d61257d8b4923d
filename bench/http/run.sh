#!/usr/bin/env bash
# bench/http/run.sh — HTTP/1.1 throughput, CPU cost per request and memory per
# idle connection of `cortex serve` against nginx, h2o and Node.js.
#
# Every server runs with one worker pinned to SERVER_CPU; wrk runs with one
# thread pinned to CLIENT_CPU. All traffic goes to 127.0.0.1. The script
# starts every server itself and stops all of them (and anything else it
# started) on exit. See bench/README.md for what each figure means.
#
# Settings (environment; defaults in brackets):
#   QUICK=1            smoke run: RUNS=1 DURATION=2 WARMUP=1
#   RUNS [3]           measured runs per test          DURATION [5]  seconds per run
#   WARMUP [2]         unmeasured seconds before each test's runs (0: none)
#   CONNS ["64 256"]   connection counts               TESTS ["plaintext pipeline json"]
#   SERVERS ["cortex nginx h2o node"]                  PIPELINE_DEPTH [16]
#                      also: floor, floor-uring (bench/http/floor.c: the least
#                      a server can do per request, a yardstick, not a peer)
#   IDLE_CONNS [5000]  idle connections for the memory test (0: skip the test)
#   CORTEX_BIN         the cortex binary [newest of $ROOT/build*/cortex]
#   CORTEX_ARGS        extra `cortex serve` flags ["--set log.access=false"]
#   H2O_HANDLER [file] file or mruby                   PORT [18080]
#   SERVER_CPU [1]     CLIENT_CPU [0]                  WRK_TIMEOUT [5] seconds
#   OUT_DIR [$ROOT/bench/results]
#   INTERLEAVE [0]     1: run r of every server before run r+1 of any (servers
#                      restarted each round), so a pair of runs of two servers
#                      sees the same machine; the report adds per-round ratios
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
INVOCATION="$0${*:+ $*}"

if [[ ${QUICK:-0} == 1 ]]; then d_runs=1 d_dur=2 d_warm=1; else d_runs=3 d_dur=5 d_warm=2; fi
RUNS=${RUNS:-$d_runs}
DURATION=${DURATION:-$d_dur}
WARMUP=${WARMUP:-$d_warm}
CONNS=${CONNS:-64 256}
TESTS=${TESTS:-plaintext pipeline json}
SERVERS=${SERVERS:-cortex nginx h2o node}
PIPELINE_DEPTH=${PIPELINE_DEPTH:-16}
IDLE_CONNS=${IDLE_CONNS:-5000}
IDLE_SETUP_S=30  # idle_conns gives up opening connections after this
IDLE_SETTLE_S=1  # pause between "all connections open" and reading RSS
CORTEX_ARGS=${CORTEX_ARGS:---set log.access=false}
H2O_HANDLER=${H2O_HANDLER:-file}
PORT=${PORT:-18080}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
WRK_TIMEOUT=${WRK_TIMEOUT:-5}
OUT_DIR=${OUT_DIR:-$ROOT/bench/results}
INTERLEAVE=${INTERLEAVE:-0}
READY_TRIES=100  # x 0.1 s for a server to answer after start
STOP_TRIES=50    # x 0.1 s for a process to exit after SIGTERM, then SIGKILL
NOISE_PCT=10     # other processes' share of a benchmark core that marks a result noisy

STARTED=()  # pids this script started; cleanup stops them and their children
WORK=""
SRV_PID=""
WHY=""         # why start_server failed
WRK_CPU_MS=0   # CPU time of the last wrk run

say() { printf '[bench/http] %s\n' "$*" >&2; }
die() {
    say "error: $*"
    exit 1
}

# ---- settings checks ---------------------------------------------------------

int_in() {  # name value lo hi
    if ! [[ $2 =~ ^[0-9]+$ ]] || (($2 < $3 || $2 > $4)); then
        die "$1=$2: want an integer in $3..$4"
    fi
}

check_settings() {
    int_in RUNS "$RUNS" 1 20
    int_in DURATION "$DURATION" 1 60
    int_in WARMUP "$WARMUP" 0 30
    int_in PIPELINE_DEPTH "$PIPELINE_DEPTH" 2 256
    int_in IDLE_CONNS "$IDLE_CONNS" 0 100000
    int_in PORT "$PORT" 1024 65535
    int_in SERVER_CPU "$SERVER_CPU" 0 4095
    int_in CLIENT_CPU "$CLIENT_CPU" 0 4095
    int_in WRK_TIMEOUT "$WRK_TIMEOUT" 1 60
    int_in INTERLEAVE "$INTERLEAVE" 0 1
    local c t s
    for c in $CONNS; do int_in CONNS "$c" 1 10000; done
    for t in $TESTS; do
        [[ $t =~ ^(plaintext|pipeline|json)$ ]] || die "TESTS: unknown test '$t'"
    done
    for s in $SERVERS; do
        [[ $s =~ ^(cortex|nginx|h2o|node|floor|floor-uring)$ ]] ||
            die "SERVERS: unknown server '$s'"
    done
    [[ $H2O_HANDLER =~ ^(file|mruby)$ ]] || die "H2O_HANDLER: file or mruby"
    for t in wrk taskset curl cc ps ss; do
        command -v "$t" >/dev/null || die "'$t' is not installed (scripts/bootstrap.sh bench)"
    done
}

# ---- processes ---------------------------------------------------------------

alive() {  # pid: running (a zombie does not count)
    local st
    st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n $st && ${st%% *} != Z ]]
}

# The pid and all its descendants, but only when the pid is still a child of
# this shell: a recycled pid must never be signalled.
tree_pids() {
    local root=$1 ppid
    alive "$root" || return 0
    ppid=$(sed 's/.*) //' "/proc/$root/stat" 2>/dev/null | awk '{print $2}')
    [[ $ppid == "$$" ]] || return 0
    ps -e -o pid=,ppid= | awk -v r="$root" '
        { parent[$1] = $2 }
        END {
            seen[r] = 1; print r
            for (grew = 1; grew; ) {
                grew = 0
                for (p in parent)
                    if (!(p in seen) && (parent[p] in seen)) { seen[p] = 1; print p; grew = 1 }
            }
        }'
}

stop_pids() {
    local p i left
    (($# == 0)) && return 0
    for p in "$@"; do kill -TERM "$p" 2>/dev/null; done
    for ((i = 0; i < STOP_TRIES; i++)); do
        left=0
        for p in "$@"; do alive "$p" && left=1; done
        ((left)) || break
        sleep 0.1
    done
    for p in "$@"; do alive "$p" && kill -KILL "$p" 2>/dev/null; done
    return 0
}

# Stops one started process tree and reaps it.
stop_tree() {
    local root=$1 pids
    mapfile -t pids < <(tree_pids "$root")
    stop_pids "${pids[@]}"
    wait "$root" 2>/dev/null
    local keep=() p
    for p in "${STARTED[@]}"; do [[ $p == "$root" ]] || keep+=("$p"); done
    STARTED=("${keep[@]}")
}

cleanup() {
    local p
    for p in "${STARTED[@]}"; do stop_tree "$p"; done
    [[ -n $WORK && -d $WORK ]] && rm -rf "$WORK"
}

# ---- /proc readings ----------------------------------------------------------

stat_ticks() {  # awk-sum pids...: that sum of /proc/PID/stat fields, over the pids
    local sum_of=$1 p sum=0 t
    shift
    for p in "$@"; do
        t=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk "{print $sum_of}")
        sum=$((sum + ${t:-0}))
    done
    echo "$sum"
}
cpu_ticks() { stat_ticks '$12 + $13' "$@"; } # utime + stime (each over all its threads)
sys_ticks() { stat_ticks '$13' "$@"; }       # stime alone: the kernel's share

rss_kib() {  # pids...: VmRSS summed
    local p sum=0 t
    for p in "$@"; do
        t=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null)
        sum=$((sum + ${t:-0}))
    done
    echo "$sum"
}

core_ticks() {  # cpu number: "busy total" in clock ticks (steal counts as busy)
    awk -v c="cpu$1" '$1 == c {
        busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6 }' /proc/stat
}

# ---- servers -----------------------------------------------------------------

find_cortex() {
    if [[ -n ${CORTEX_BIN:-} ]]; then
        [[ -x $CORTEX_BIN ]] && echo "$CORTEX_BIN"
        return 0
    fi
    # shellcheck disable=SC2012  # newest first; build directory names are plain
    ls -t "$ROOT"/build*/cortex 2>/dev/null | head -n 1
}

server_missing() {  # name: prints why it cannot run, if it cannot
    case $1 in
    cortex) [[ -n $CORTEX_BIN_FOUND ]] ||
        echo "no cortex binary (looked for \$CORTEX_BIN, then $ROOT/build*/cortex)" ;;
    nginx) command -v nginx >/dev/null || echo "nginx is not installed" ;;
    h2o) command -v h2o >/dev/null || echo "h2o is not installed" ;;
    node) command -v node >/dev/null || echo "node is not installed" ;;
    floor-uring) [[ $FLOOR_URING == 1 ]] || echo "floor.c needs liburing (liburing-dev)" ;;
    esac
}

server_version() {
    case $1 in
    cortex)
        local rev
        rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')
        echo "$CORTEX_BIN_FOUND (source tree at $rev), serve --threads 1 $CORTEX_ARGS"
        ;;
    nginx) nginx -v 2>&1 | sed 's/.*: //' ;;
    h2o) echo "$(h2o --version 2>/dev/null | head -n 1 | sed 's/ version / /'), $H2O_HANDLER handler" ;;
    node) echo "node $(node --version 2>/dev/null), http module" ;;
    floor) echo "bench/http/floor.c, one recv and one send per ready connection" ;;
    floor-uring) echo "bench/http/floor.c, each epoll batch's reads and writes through io_uring" ;;
    esac
}

# The yardstick of floor.c, with io_uring where liburing is installed.
FLOOR_URING=0
build_floor() {
    [[ " $SERVERS " == *" floor"* ]] || return 0
    local cc_floor=(cc -std=c17 -O2 -Wall -Wextra -o "$WORK/floor" "$HERE/floor.c")
    if "${cc_floor[@]}" -DFLOOR_URING -luring 2>/dev/null; then
        FLOOR_URING=1
    else
        "${cc_floor[@]}" || die "building floor"
    fi
}

fill_template() {  # template output (distinct files)
    # shellcheck disable=SC2094  # dirname only names the output's folder
    sed -e "s#@DIR@#$(dirname "$2")#g" -e "s#@PORT@#$PORT#g" \
        -e "s#@MAXCONN@#$MAXCONN#g" -e "s#@NOFILE@#$NOFILE#g" "$1" >"$2"
}

launch() {  # name: starts the server in the background, pinned
    local dir="$WORK/$1" log="$WORK/$1.log"
    mkdir -p "$dir" && chmod 755 "$dir"
    case $1 in
    cortex)
        # shellcheck disable=SC2086  # CORTEX_ARGS is a list of flags
        taskset -c "$SERVER_CPU" "$CORTEX_BIN_FOUND" serve --host 127.0.0.1 --port "$PORT" \
            --threads 1 $CORTEX_ARGS >"$log" 2>&1 &
        ;;
    nginx)
        mkdir -p "$dir/tmp"
        fill_template "$HERE/nginx.conf.in" "$dir/nginx.conf"
        taskset -c "$SERVER_CPU" nginx -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" \
            >"$log" 2>&1 &
        ;;
    h2o)
        mkdir -p "$dir/www"
        printf 'Hello, World!' >"$dir/www/plaintext.txt"
        printf '{"message":"Hello, World!"}' >"$dir/www/message.json"
        chmod -R a+rX "$dir"  # h2o started as root serves as nobody
        fill_template "$HERE/h2o-$H2O_HANDLER.conf.in" "$dir/h2o.conf"
        taskset -c "$SERVER_CPU" h2o -c "$dir/h2o.conf" >"$log" 2>&1 &
        ;;
    node)
        taskset -c "$SERVER_CPU" node "$HERE/node_server.js" 127.0.0.1 "$PORT" >"$log" 2>&1 &
        ;;
    floor | floor-uring)
        local mode=direct
        [[ $1 == floor-uring ]] && mode=uring
        taskset -c "$SERVER_CPU" "$WORK/floor" "$mode" "$PORT" >"$log" 2>&1 &
        ;;
    esac
    SRV_PID=$!
    STARTED+=("$SRV_PID")
}

wait_ready() {
    local i
    for ((i = 0; i < READY_TRIES; i++)); do
        alive "$SRV_PID" || return 1
        [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 \
            "http://127.0.0.1:$PORT/plaintext") == 200 ]] && return 0
        sleep 0.1
    done
    return 1
}

# Both routes must answer exactly what the others answer, or the comparison
# is meaningless.
check_routes() {
    local body head
    body=$(curl -s --max-time 2 -D "$WORK/head" "http://127.0.0.1:$PORT/plaintext")
    head=$(tr -d '\r' <"$WORK/head")
    [[ $body == "Hello, World!" ]] || { say "/plaintext body: '$body'"; return 1; }
    grep -qi '^content-type: *text/plain' <<<"$head" || { say "/plaintext: $head"; return 1; }
    body=$(curl -s --max-time 2 -D "$WORK/head" "http://127.0.0.1:$PORT/json" | tr -d ' \n')
    head=$(tr -d '\r' <"$WORK/head")
    [[ $body == '{"message":"Hello,World!"}' ]] || { say "/json body: '$body'"; return 1; }
    grep -qi '^content-type: *application/json' <<<"$head" || { say "/json: $head"; return 1; }
}

start_server() {  # name: 0 when it runs and answers correctly
    if [[ -n $(ss -Htln "sport = :$PORT") ]]; then
        WHY="port $PORT is in use (set PORT)"
        return 1
    fi
    launch "$1"
    WHY=""
    if ! wait_ready; then
        WHY="did not answer on port $PORT within $((READY_TRIES / 10)) s"
    elif ! check_routes; then
        WHY="answered differently from the other servers"
    fi
    if [[ -n $WHY ]]; then
        say "$1 $WHY; its log ends:"
        tail -n 20 "$WORK/$1.log" >&2
        stop_tree "$SRV_PID"
        return 1
    fi
    local pids t=0 p
    # interleaved rounds restart each server: describe it once
    [[ " ${VERSIONS[*]} " == *" $1: "* ]] && return 0
    VERSIONS+=("$1: $(server_version "$1")")
    mapfile -t pids < <(tree_pids "$SRV_PID")
    local tasks
    for p in "${pids[@]}"; do
        tasks=("/proc/$p/task"/*)
        t=$((t + ${#tasks[@]}))
    done
    SHAPES+=("$1: ${#pids[@]} process(es), $t thread(s)")
}

# ---- load --------------------------------------------------------------------

test_path() { [[ $1 == json ]] && echo /json || echo /plaintext; }
test_depth() { [[ $1 == pipeline ]] && echo "$PIPELINE_DEPTH" || echo 1; }

# CPU time, in ms, of this shell's waited-for children, from a `times`
# snapshot (the builtin must run in this shell, not in a $(...) subshell).
times_ms() {
    awk 'NR == 2 {
        ms = 0
        for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); ms += (t[1] * 60 + t[2]) * 1000 }
        printf "%d\n", ms }' "$1"
}

# Runs wrk in the background (so that a signal reaches the EXIT trap at once)
# and waits for it. Output goes to $1; wrk's CPU time to WRK_CPU_MS.
wrk_to() {  # out conns seconds path depth
    times >"$WORK/times0"
    taskset -c "$CLIENT_CPU" timeout $(($3 + WRK_TIMEOUT + 30)) wrk -t1 -c"$2" -d"$3"s \
        --timeout "$WRK_TIMEOUT"s --latency -s "$HERE/wrk_report.lua" \
        "http://127.0.0.1:$PORT$4" -- "$5" >"$1" 2>&1 &
    local pid=$!
    STARTED+=("$pid")
    wait "$pid"
    times >"$WORK/times1"
    WRK_CPU_MS=$(($(times_ms "$WORK/times1") - $(times_ms "$WORK/times0")))
    stop_tree "$pid"
}

stat_field() { grep -o "$2=[0-9]*" "$1" | head -n 1 | cut -d= -f2; }

measure() {  # server test conns run: one measured run appended to $TSV
    local path depth out="$WORK/wrk.out" pids s0 s1 e0 e1
    path=$(test_path "$2")
    depth=$(test_depth "$2")
    mapfile -t pids < <(tree_pids "$SRV_PID")
    local srv0 srv1 sys0 sys1 t0 t1 c0 c1 f0 f1
    srv0=$(cpu_ticks "${pids[@]}")
    sys0=$(sys_ticks "${pids[@]}")
    read -r s0 e0 < <(core_ticks "$SERVER_CPU")
    read -r c0 f0 < <(core_ticks "$CLIENT_CPU")
    t0=$(date +%s%N)
    wrk_to "$out" "$3" "$DURATION" "$path" "$depth"
    t1=$(date +%s%N)
    srv1=$(cpu_ticks "${pids[@]}")
    sys1=$(sys_ticks "${pids[@]}")
    read -r s1 e1 < <(core_ticks "$SERVER_CPU")
    read -r c1 f1 < <(core_ticks "$CLIENT_CPU")
    { echo "### $1 $2 c=$3 run $4"; cat "$out"; } >>"$RAW"
    if ! grep -q '^WRKSTAT' "$out"; then
        say "wrk failed for $1 $2 c=$3: $(tail -n 3 "$out")"
        return 1
    fi
    local f
    printf '%s\t%s\t%s\t%s' "$1" "$2" "$3" "$4" >>"$TSV"
    for f in requests duration_us bytes p50_us p99_us errors; do
        printf '\t%s' "$(stat_field "$out" "$f")" >>"$TSV"
    done
    printf '\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' $((srv1 - srv0)) $(((t1 - t0) / 1000)) \
        $((s1 - s0)) $((e1 - e0)) $((c1 - c0)) $((f1 - f0)) "$CLK_TCK" "$WRK_CPU_MS" \
        $((sys1 - sys0)) >>"$TSV"
    say "  $1 $2 c=$3 run $4: $(awk '/^Requests\/sec/ {print $2}' "$out") req/s"
}

load_tests() {  # server [first_run last_run]
    local t c r first=${2:-1} last=${3:-$RUNS}
    for t in $TESTS; do
        for c in $CONNS; do
            if ((WARMUP > 0)); then
                wrk_to "$WORK/warm.out" "$c" "$WARMUP" "$(test_path "$t")" "$(test_depth "$t")"
            fi
            for ((r = first; r <= last; r++)); do measure "$1" "$t" "$c" "$r"; done
        done
    done
}

# Fresh server, a short warm-up with few connections, then RSS before and
# while IDLE_CONNS connections sit idle after one request each.
memory_test() {  # server
    ((IDLE_CONNS > 0)) || return 0
    local pids before after out="$WORK/idle.out" i
    ((WARMUP > 0)) && wrk_to "$WORK/warm.out" 8 1 /plaintext 1
    sleep 0.5
    mapfile -t pids < <(tree_pids "$SRV_PID")
    before=$(rss_kib "${pids[@]}")
    taskset -c "$CLIENT_CPU" "$WORK/idle_conns" -p "$PORT" -n "$IDLE_CONNS" \
        -t "$IDLE_SETUP_S" -H $((IDLE_SETUP_S + 30)) >"$out" 2>&1 &
    local ipid=$!
    STARTED+=("$ipid")
    for ((i = 0; i < (IDLE_SETUP_S + 5) * 10; i++)); do
        grep -q '^READY' "$out" && break
        alive "$ipid" || break
        sleep 0.1
    done
    sleep "$IDLE_SETTLE_S"
    mapfile -t pids < <(tree_pids "$SRV_PID")
    after=$(rss_kib "${pids[@]}")
    kill -TERM "$ipid" 2>/dev/null
    for ((i = 0; i < STOP_TRIES && $(grep -c '^END' "$out") == 0; i++)); do sleep 0.1; done
    stop_tree "$ipid"
    if ! grep -q '^READY' "$out"; then
        say "idle_conns failed for $1: $(tail -n 3 "$out")"
        return 1
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$before" "$after" \
        "$(stat_field "$out" open)" "$(stat_field "$out" failed)" \
        "$(grep '^END' "$out" | grep -o 'open=[0-9]*' | cut -d= -f2)" \
        "$(stat_field "$out" closed_by_server)" >>"$MEM"
    say "  $1 idle: RSS $before -> $after KiB, $(head -n 1 "$out")"
}

# ---- report ------------------------------------------------------------------

summarize() {
    awk -F'\t' -v tests="$TESTS" -v conns="$CONNS" -v servers="$SERVERS" \
        -v idle="$IDLE_CONNS" -v depth="$PIPELINE_DEPTH" -v interleave="$INTERLEAVE" \
        -v memfile="$MEM" -v noise="$NOISE_PCT" \
        -f "$HERE/summarize.awk" "$TSV"
}

machine_lines() {
    echo "- machine: $(lscpu | awk -F: '/^Model name/ {gsub(/^ +/, "", $2); print $2}'), $(nproc) CPUs; kernel $(uname -r)"
    echo "- load average at start: $LOAD0; at end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- client: $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2)"
    local s
    for s in "${VERSIONS[@]}"; do echo "- $s"; done
    for s in "${SHAPES[@]}"; do echo "- $s"; done
    for s in "${SKIPPED[@]}"; do echo "- skipped $s"; done
}

report() {
    {
        echo "# HTTP/1.1 server benchmark, $(date '+%Y-%m-%d %H:%M %Z')"
        echo
        echo "Command: \`$ENVLINE $INVOCATION\`"
        echo
        echo "- settings: $RUNS run(s) x ${DURATION}s per test after ${WARMUP}s warm-up; wrk -t1 pinned to CPU $CLIENT_CPU; each server one worker pinned to CPU $SERVER_CPU; pipeline depth $PIPELINE_DEPTH"
        machine_lines
        echo
        summarize
    } >"$MD"
    cat "$MD"
    say "wrote $MD (raw: $TSV, $RAW)"
}

# ---- main --------------------------------------------------------------------

main() {
    check_settings
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    local maxc=0 c
    for c in $CONNS; do ((c > maxc)) && maxc=$c; done
    MAXCONN=$((IDLE_CONNS + maxc + 1024))
    NOFILE=$((MAXCONN + 1024))
    if (($(ulimit -n) < NOFILE)); then
        ulimit -n "$NOFILE" 2>/dev/null || die "cannot raise the open-file limit to $NOFILE (ulimit -Hn)"
    fi
    CLK_TCK=$(getconf CLK_TCK)
    CORTEX_BIN_FOUND=$(find_cortex)
    LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
    ENVLINE="RUNS=$RUNS INTERLEAVE=$INTERLEAVE DURATION=$DURATION WARMUP=$WARMUP CONNS='$CONNS' TESTS='$TESTS' SERVERS='$SERVERS' IDLE_CONNS=$IDLE_CONNS"
    [[ $PIPELINE_DEPTH == 16 ]] || ENVLINE+=" PIPELINE_DEPTH=$PIPELINE_DEPTH"
    [[ $H2O_HANDLER == file ]] || ENVLINE+=" H2O_HANDLER=$H2O_HANDLER"
    [[ $CORTEX_ARGS == "--set log.access=false" ]] || ENVLINE+=" CORTEX_ARGS='$CORTEX_ARGS'"
    [[ -z ${CORTEX_BIN:-} ]] || ENVLINE+=" CORTEX_BIN=$CORTEX_BIN"
    WORK=$(mktemp -d /tmp/cortex-bench-http.XXXXXX) || die "mktemp"
    chmod 755 "$WORK"
    cc -std=c17 -O2 -Wall -Wextra -o "$WORK/idle_conns" "$HERE/idle_conns.c" || die "building idle_conns"
    build_floor
    mkdir -p "$OUT_DIR" || die "cannot create $OUT_DIR"
    local stamp
    stamp=$(date +%Y%m%d-%H%M%S)
    MD="$OUT_DIR/http-$stamp.md"
    TSV="$OUT_DIR/http-$stamp.tsv"
    MEM="$OUT_DIR/http-$stamp-idle.tsv"
    RAW="$OUT_DIR/http-$stamp.log"
    : >"$TSV"
    : >"$MEM"
    : >"$RAW"
    SHAPES=()
    SKIPPED=()
    VERSIONS=()
    local nt nc ns s why
    nt=$(wc -w <<<"$TESTS")
    nc=$(wc -w <<<"$CONNS")
    ns=$(wc -w <<<"$SERVERS")
    say "about $((ns * (nt * nc * (RUNS * DURATION + WARMUP + 1) + 5))) s for $ns server(s)"
    local rounds=1 per=$RUNS r live=()
    if ((INTERLEAVE)); then rounds=$RUNS per=1; fi
    for s in $SERVERS; do
        why=$(server_missing "$s")
        if [[ -n $why ]]; then
            say "skipping $s: $why"
            SKIPPED+=("$s: $why")
        else
            live+=("$s")
        fi
    done
    for ((r = 1; r <= rounds; r++)); do
        ((rounds > 1)) && say "round $r of $rounds"
        for s in "${live[@]}"; do
            [[ " ${SKIPPED[*]} " == *" $s: "* ]] && continue
            say "$s"
            if ! start_server "$s"; then
                say "skipping $s: $WHY"
                SKIPPED+=("$s: $WHY")
                continue
            fi
            ((r == 1)) && memory_test "$s"
            load_tests "$s" $(((r - 1) * per + 1)) $((r * per))
            stop_tree "$SRV_PID"
            sleep 0.5
        done
    done
    report
}

main "$@"
