#!/usr/bin/env bash
# bench/json/run.sh — JSON parse and serialise speed of Cortex against jansson
# and cJSON (Debian's libjansson-dev and libcjson-dev).
#
# Builds bench_json.c with -O2 against the library's own sources (src/json,
# src/core/{arena,buf,error}.c) and pkg-config's jansson and libcjson, then
# runs it: four documents generated from a fixed seed (see bench_json.c),
# each operation timed in RUNS runs of at least SECONDS_PER_RUN, each run in
# a child process where one library works alone, the libraries taking turns;
# median MB/s and the ratios are printed as a markdown table. The table also goes to
# $OUT_DIR/json-<date>-<time>.md, with the machine and the command.
#
# Settings (environment; defaults in brackets):
#   RUNS [7]        runs per figure (the median is reported)
#   WALL=1          time with the wall clock instead of the thread's CPU time
#   GLIBC_DEFAULTS=1  leave glibc's heap trimming on (see bench_json.c)
#   MIXED=1         all libraries in one process instead of a child per run
#   BLOCK           block size of Cortex's parse arena in bytes [the default, 8 KiB]
#   SECONDS_PER_RUN [0.3]  minimum seconds per run
#   SIZE_MB [2]     size of the single documents (the small ones total half)
#   CPU             pin the benchmark to this CPU with taskset [not pinned]
#   CC [gcc]        OUT_DIR [$ROOT/bench/results]
#   KEEP_DOCS=1     also write the generated documents to $OUT_DIR/json-docs/
#   STANDALONE=1    then also run parse_loop.c: each library parsing each big
#                   document alone in a fresh process, glibc defaults (see README)
#   STANDALONE_BLOCK [16000000]  the larger first arena block tried there
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
for prog in bench_json parse_loop; do
    "$CC" -O2 -std=c17 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter \
        -I"$ROOT/include" -I"$ROOT/src" \
        "$HERE/$prog.c" "$ROOT"/src/json/*.c \
        "$ROOT/src/core/arena.c" "$ROOT/src/core/buf.c" "$ROOT/src/core/error.c" \
        $(pkg-config --cflags --libs jansson libcjson) -lm -o "$build/$prog"
done

mkdir -p "$OUT_DIR"
report="$OUT_DIR/json-$(date -u +%Y%m%d-%H%M%S).md"
args=(-r "$RUNS" -t "$SECONDS_PER_RUN" -s "$SIZE_MB")
[[ ${WALL:-0} == 1 ]] && args+=(-w)
[[ ${GLIBC_DEFAULTS:-0} == 1 ]] && args+=(-g)
[[ ${MIXED:-0} == 1 ]] && args+=(-m)
[[ -n ${BLOCK:-} ]] && args+=(-b "$BLOCK")
docs_dir=""
if [[ ${KEEP_DOCS:-0} == 1 ]]; then
    docs_dir="$OUT_DIR/json-docs"
elif [[ ${STANDALONE:-0} == 1 ]]; then
    docs_dir="$build/docs"
fi
if [[ -n $docs_dir ]]; then
    mkdir -p "$docs_dir"
    args+=(-o "$docs_dir")
fi
pin=()
[[ -n ${CPU:-} ]] && pin=(taskset -c "$CPU")

{
    echo "Run of $(date -u '+%Y-%m-%d %H:%M UTC'): RUNS=$RUNS SECONDS_PER_RUN=$SECONDS_PER_RUN" \
        "SIZE_MB=$SIZE_MB WALL=${WALL:-0} GLIBC_DEFAULTS=${GLIBC_DEFAULTS:-0} MIXED=${MIXED:-0} BLOCK=${BLOCK:-default} CPU=${CPU:-any} $CC $("$CC" -dumpfullversion 2>/dev/null || true) -O2"
    echo
    echo '```'
    lscpu | head -20
    echo '```'
    echo
    "${pin[@]}" "$build/bench_json" "${args[@]}"
    if [[ ${STANDALONE:-0} == 1 ]]; then
        block=${STANDALONE_BLOCK:-16000000}
        echo
        echo "# parse_loop: one library, one document, alone in a fresh process, glibc defaults;"
        echo "# median MB/s of $RUNS runs of >= $SECONDS_PER_RUN s CPU time (page faults per parse)"
        echo
        echo "| document | Cortex, 8 KiB blocks | Cortex, first block $block B | jansson | cJSON |"
        echo "|---|---:|---:|---:|---:|"
        for d in api numbers strings; do
            row="| $d |"
            for cfg in "cortex 0" "cortex $block" "jansson 0" "cjson 0"; do
                read -r lib blk <<<"$cfg"
                read -r rate faults < <("${pin[@]}" "$build/parse_loop" "$lib" \
                    "$docs_dir/$d.json" "$RUNS" "$SECONDS_PER_RUN" "$blk")
                row+=" $rate ($faults) |"
            done
            echo "$row"
        done
    fi
} | tee "$report"
echo "report: $report" >&2
