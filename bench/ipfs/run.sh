#!/usr/bin/env bash
# Import throughput: `cortex ipfs add` of one file (256 MiB by default)
# against ipfs-unixfs-importer in Node configured like Kubo (same CIDv0,
# 256 KiB chunks, 174 links, UnixFS leaves). Both sides must print the same
# root CID. Three runs each, best taken.
#   CORTEX_BIN   the cortex binary (default build/cortex)
#   CX_BUILD_DIR where npm/ipfs holds ipfs-unixfs-importer (installed if missing)
#   BENCH_MIB    file size in MiB (256)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=${CORTEX_BIN:-$src/build/cortex}
build=${CX_BUILD_DIR:-$src/build}
mib=${BENCH_MIB:-256}
npmdir=$build/npm/ipfs
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [[ ! -d $npmdir/node_modules/ipfs-unixfs-importer ]]; then
    npm install --no-audit --no-fund --prefix "$npmdir" ipfs-unixfs-importer@17.1.1 >/dev/null
fi
file=$work/data.bin
python3 -c "
import random, sys
r = random.Random(42)
with open('$file', 'wb') as f:
    for _ in range($mib):
        f.write(r.randbytes(1 << 20))
"
bytes=$((mib * 1048576))

best() { sort -n | tail -1; }
rate() { python3 -c "print('%.1f' % ($bytes / 1e6 / $1))"; }
now() { date +%s.%N; }

run_cortex() { # label, args...
    local label=$1; shift
    local rates=() cid=
    for _ in 1 2 3; do
        rm -rf "$work/repo"
        local t0; t0=$(now)
        cid=$("$bin" ipfs add --repo "$work/repo" "$@" "$file")
        local t1; t1=$(now)
        rates+=("$(rate "$(python3 -c "print($t1 - $t0)")")")
    done
    echo "$label $(printf '%s\n' "${rates[@]}" | best) MB/s $cid"
}

run_cortex "cortex-add-only-hash" --only-hash
run_cortex "cortex-add-to-repo" --pin=true
rates=()
for _ in 1 2 3; do
    out=$(CX_IPFS_NPM=$npmdir node "$src/tests/ipfs/js_import.mjs" --bench "$file")
    rates+=("${out%% *}")
    jscid=${out#* }
done
echo "node-ipfs-unixfs-importer $(printf '%s\n' "${rates[@]}" | best) MB/s $jscid"
