#!/usr/bin/env bash
# bench/web3/run.sh — Keccak-256 and secp256k1 signing throughput of Cortex's
# web3 module against ethers v6 in Node.
#
# Builds bench_web3.c with -O2 against the module's sources (src/web3,
# src/json, src/core/{arena,buf,error}.c, libsecp256k1, OpenSSL), installs
# ethers into $NPM_DIR when missing, runs both, and prints a markdown table
# (CPU time, median of RUNS runs of >= SECONDS each), also written to
# $OUT_DIR/web3-<date>-<time>.md.
#
# Settings (environment; defaults in brackets):
#   RUNS [5]  SECS [0.5] (seconds per run)  CC [gcc]  OUT_DIR [$ROOT/bench/results]
#   NPM_DIR [$ROOT/build/npm/web3]  ETHERS [ethers@6.13.4]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RUNS=${RUNS:-5}
SECONDS_PER_RUN=${SECS:-0.5}
CC=${CC:-gcc}
OUT_DIR=${OUT_DIR:-$ROOT/bench/results}
NPM_DIR=${NPM_DIR:-$ROOT/build/npm/web3}
ETHERS=${ETHERS:-ethers@6.13.4}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck disable=SC2046
$CC -std=c17 -O2 -I"$ROOT/include" -I"$ROOT/src" -o "$work/bench_web3" "$HERE/bench_web3.c" \
    "$ROOT"/src/web3/*.c "$ROOT"/src/json/*.c "$ROOT"/src/core/{arena,buf,error}.c \
    $(pkg-config --cflags --libs libsecp256k1 openssl) -lm
"$work/bench_web3" "$RUNS" "$SECONDS_PER_RUN" >"$work/cortex.tsv"

have_ethers=0
if [[ -d $NPM_DIR/node_modules/ethers ]] ||
    npm install --prefix "$NPM_DIR" --no-audit --no-fund "$ETHERS" >/dev/null 2>&1; then
    node "$HERE/bench_web3.mjs" "$NPM_DIR" "$RUNS" "$SECONDS_PER_RUN" >"$work/ethers.tsv" && have_ethers=1
fi
[[ $have_ethers = 1 ]] || echo "ethers not available: Cortex figures only" >&2

mkdir -p "$OUT_DIR"
out="$OUT_DIR/web3-$(date +%Y%m%d-%H%M%S).md"
{
    echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), shared; $(node --version 2>/dev/null || true), $(pkg-config --modversion libsecp256k1 | sed 's/^/libsecp256k1 /')"
    echo "Command: RUNS=$RUNS SECS=$SECONDS_PER_RUN bench/web3/run.sh (CPU time, median of $RUNS)"
    echo
    echo "| operation | Cortex ops/s | Cortex MB/s | ethers ops/s | ethers MB/s | Cortex / ethers |"
    echo "|---|---:|---:|---:|---:|---:|"
    while IFS=$'\t' read -r name ops mb; do
        e_ops=- e_mb=- ratio=-
        if [[ $have_ethers = 1 ]]; then
            line=$(grep -P "^$name\t" "$work/ethers.tsv" || true)
            if [[ -n $line ]]; then
                e_ops=$(cut -f2 <<<"$line"); e_mb=$(cut -f3 <<<"$line")
                ratio=$(awk -v a="$ops" -v b="$e_ops" 'BEGIN{printf "%.1fx", a/b}')
            fi
        fi
        [[ $mb == 0 ]] && mb=- && e_mb=-
        echo "| $name | $ops | $mb | $e_ops | $e_mb | $ratio |"
    done <"$work/cortex.tsv"
} | tee "$out"
echo "(written to $out)" >&2
