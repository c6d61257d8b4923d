#!/usr/bin/env bash
# HAMT directory import: `cortex ipfs add -n` of one directory of N small
# files (50000 by default, so it shards) against ipfs-unixfs-importer in
# Node configured like Kubo (fanout 256, threshold 262144). Both must print
# the same root CID. Best of three runs each, in entries per second.
#   CORTEX_BIN   the cortex binary (default build/cortex)
#   CX_BUILD_DIR where npm/ipfs holds ipfs-unixfs-importer (installed if missing)
#   BENCH_FILES  number of entries (50000)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=${CORTEX_BIN:-$src/build/cortex}
build=${CX_BUILD_DIR:-$src/build}
n=${BENCH_FILES:-50000}
npmdir=$build/npm/ipfs
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [[ ! -d $npmdir/node_modules/ipfs-unixfs-importer ]]; then
    npm install --no-audit --no-fund --prefix "$npmdir" ipfs-unixfs-importer@17.1.1 >/dev/null
fi
dir=$work/dir
mkdir -p "$dir"
python3 -c "
import os
for i in range($n):
    with open(os.path.join('$dir', 'entry-%06d.txt' % i), 'wb') as f:
        f.write(b'%d\n' % i)
"
cat >"$work/ref.mjs" <<'JS'
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
const pkg = (p) => import(pathToFileURL(path.join(process.env.NPMDIR, 'node_modules/ipfs-unixfs-importer/dist/src', p)).href)
const { importer } = await pkg('index.js')
const { fixedSize } = await pkg('chunker/index.js')
const { balanced } = await pkg('layout/index.js')
const dir = process.argv[2]
const base = path.basename(dir)
const names = fs.readdirSync(dir).sort()
const src = [{ path: base }, ...names.map((n) => ({ path: base + '/' + n, content: fs.readFileSync(path.join(dir, n)) }))]
const opts = { cidVersion: 0, rawLeaves: false, chunker: fixedSize({ chunkSize: 262144 }),
  layout: balanced({ maxChildrenPerNode: 174 }), reduceSingleLeafToSelf: true, leafType: 'file',
  shardSplitThresholdBytes: 262144 }
const t0 = process.hrtime.bigint()
let root
for await (const e of importer(src, { put: async (c) => c }, opts)) if (e.path === base) root = e
console.log(`${Number(process.hrtime.bigint() - t0) / 1e9} ${root.cid}`)
JS
now() { date +%s.%N; }
best_c=999999 best_n=999999
for _ in 1 2 3; do
    t0=$(now)
    cid_c=$("$bin" ipfs add -n "$dir")
    t=$(python3 -c "print($(now) - $t0)")
    best_c=$(python3 -c "print(min($best_c, $t))")
    read -r t cid_n < <(NPMDIR=$npmdir node "$work/ref.mjs" "$dir")
    best_n=$(python3 -c "print(min($best_n, $t))")
done
[[ $cid_c == "$cid_n" ]] || { echo "CID mismatch: cortex $cid_c, node $cid_n" >&2; exit 1; }
python3 -c "print('cortex ipfs add -n: %d entries in %.2f s (%.0f entries/s)' % ($n, $best_c, $n / $best_c))"
python3 -c "print('ipfs-unixfs-importer: %d entries in %.2f s (%.0f entries/s), files read before the clock starts' % ($n, $best_n, $n / $best_n))"
echo "root $cid_c"
