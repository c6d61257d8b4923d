#!/usr/bin/env bash
# bench/graphql/run.sh — GraphQL request throughput of Cortex against
# graphql-js 16 (node), same schema, root value and queries, one core each.
#
# Builds bench_graphql.c with -O2 from the library's sources (src/graphql
# without the HTTP glue, src/json, src/core/{arena,buf,error}.c), installs
# graphql@16 into $NPM_DIR if missing, runs both sides RUNS times and
# prints the median requests/s and the ratio as a markdown table. Both sides
# count process CPU time (not wall time), so a busy machine skews less.
# Settings: RUNS [3], SECONDS [2] per case and run, CC [gcc],
#           NPM_DIR [$ROOT/build/npm/graphql]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RUNS=${RUNS:-3}
SECONDS_PER=${SECONDS:-2}
CC=${CC:-gcc}
NPM_DIR=${NPM_DIR:-$ROOT/build/npm/graphql}
BIN=$(mktemp -d)/bench_graphql
trap 'rm -rf "$(dirname "$BIN")"' EXIT

srcs=$(ls "$ROOT"/src/graphql/*.c | grep -v '/http\.c$')
$CC -std=c17 -O2 -DNDEBUG -D_GNU_SOURCE -I"$ROOT/include" -o "$BIN" "$HERE/bench_graphql.c" \
    $srcs "$ROOT"/src/json/*.c "$ROOT"/src/core/arena.c "$ROOT"/src/core/buf.c \
    "$ROOT"/src/core/error.c -lm
if [[ ! -f $NPM_DIR/node_modules/graphql/package.json ]]; then
    npm install --no-audit --no-fund --prefix "$NPM_DIR" graphql@16 >/dev/null
fi
GJS=$NPM_DIR/node_modules/graphql

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A cx js
for i in $(seq "$RUNS"); do
    while read -r name rps _; do cx[$name]+="$rps "; done < <("$BIN" "$SECONDS_PER")
    while read -r name rps _; do js[$name]+="$rps "; done < <(node "$HERE/bench_graphql.js" "$GJS" "$SECONDS_PER")
done
echo "| case | Cortex req/s | graphql-js req/s | ratio |"
echo "|---|---:|---:|---:|"
for name in simple list1000; do
    c=$(echo ${cx[$name]} | tr ' ' '\n' | median)
    j=$(echo ${js[$name]} | tr ' ' '\n' | median)
    echo "| $name | $c | $j | $(awk -v c="$c" -v j="$j" 'BEGIN {printf "%.1fx", c / j}') |"
done
echo
echo "graphql-js $(node -p "require('$GJS/package.json').version"), node $(node --version), $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
