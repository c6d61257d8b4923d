#!/usr/bin/env bash
# bench/json/run.sh — JSON parse and serialise speed of Cortex against jansson
# and cJSON (Debian's libjansson-dev and libcjson-dev).
#
# Builds bench_json.c with -O2 against the library's own sources (src/json,
# src/core/{arena,buf,error}.c) and pkg-config's jansson and libcjson, then
# runs it: four documents generated from a fixed seed (see bench_json.c),
# each operation repeated for RUNS runs of at least SECONDS, median MB/s and
# the ratios printed as a markdown table. The table also goes to
# $OUT_DIR/json-<date>-<time>.md, with the machine and the command.
#
# Settings (environment; defaults in brackets):
#   RUNS [7]        runs per figure (the median is reported)
#   WALL=1          time with the wall clock instead of the thread's CPU time
#   GLIBC_DEFAULTS=1  leave glibc's heap trimming on (see bench_json.c)
#   COLD=1          parse only, glibc defaults, each library alone in a child (bench_json -c)
#   BLOCK           block size of Cortex's parse arena in bytes [the default, 8 KiB]
#   SECONDS_PER_RUN [0.3]  minimum seconds per run
#   SIZE_MB [2]     size of the single documents (the small ones total half)
#   CPU             pin the benchmark to this CPU with taskset [not pinned]
#   CC [gcc]        OUT_DIR [$ROOT/bench/results]
#   KEEP_DOCS=1     also write the generated documents to $OUT_DIR/json-docs/
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RUNS=${RUNS:-7}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-0.3}
SIZE_MB=${SIZE_MB:-2}
CC=${CC:-gcc}
OUT_DIR=${OUT_DIR:-$ROOT/bench/results}

for pc in jansson libcjson; do
    if ! pkg-config --exists "$pc"; then
        echo "run.sh: pkg-config cannot find $pc (apt-get install libjansson-dev libcjson-dev)" >&2
        exit 1
    fi
done

build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
# shellcheck disable=SC2046  # pkg-config output is meant to split
"$CC" -O2 -std=c17 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter \
    -I"$ROOT/include" -I"$ROOT/src" \
    "$HERE/bench_json.c" "$ROOT"/src/json/*.c \
    "$ROOT/src/core/arena.c" "$ROOT/src/core/buf.c" "$ROOT/src/core/error.c" \
    $(pkg-config --cflags --libs jansson libcjson) -lm -o "$build/bench_json"

mkdir -p "$OUT_DIR"
report="$OUT_DIR/json-$(date -u +%Y%m%d-%H%M%S).md"
args=(-r "$RUNS" -t "$SECONDS_PER_RUN" -s "$SIZE_MB")
[[ ${WALL:-0} == 1 ]] && args+=(-w)
[[ ${GLIBC_DEFAULTS:-0} == 1 ]] && args+=(-g)
[[ ${COLD:-0} == 1 ]] && args+=(-c)
[[ -n ${BLOCK:-} ]] && args+=(-b "$BLOCK")
if [[ ${KEEP_DOCS:-0} == 1 ]]; then
    mkdir -p "$OUT_DIR/json-docs"
    args+=(-o "$OUT_DIR/json-docs")
fi
pin=()
[[ -n ${CPU:-} ]] && pin=(taskset -c "$CPU")

{
    echo "Run of $(date -u '+%Y-%m-%d %H:%M UTC'): RUNS=$RUNS SECONDS_PER_RUN=$SECONDS_PER_RUN" \
        "SIZE_MB=$SIZE_MB WALL=${WALL:-0} GLIBC_DEFAULTS=${GLIBC_DEFAULTS:-0} COLD=${COLD:-0} BLOCK=${BLOCK:-default} CPU=${CPU:-any} $CC $("$CC" -dumpfullversion 2>/dev/null || true) -O2"
    echo
    echo '```'
    lscpu | head -20
    echo '```'
    echo
    "${pin[@]}" "$build/bench_json" "${args[@]}"
} | tee "$report"
echo "report: $report" >&2
