#!/usr/bin/env bash
# Build every libFuzzer target (clang, ASan+UBSan) and run each for a short
# time from its seed corpus. A crash, leak or timeout fails the run.
#   FUZZ_SECONDS  seconds per target (default 20)
#   FUZZ_JOBS     targets run at the same time (default: the number of CPUs);
#                 each libFuzzer process is single-threaded, so this keeps
#                 every core busy without shortening any target's run.
# A target may take another's seeds and dictionary (`shares` below: the
# differential fuzz_wasm_jit uses those of fuzz_wasm).
# Each target gets its own corpus directory and log; its result line is
# printed when it finishes (with the log's tail on failure), so lines come
# in finishing order, not alphabetical order.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${CX_FUZZ_BUILD:-$src/build-fuzz}
secs=${FUZZ_SECONDS:-20}
jobs=${FUZZ_JOBS:-$(nproc)}
[[ $jobs -ge 1 ]] || jobs=1

cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
    -DCX_FUZZ=ON -DCX_TESTS=OFF -DCX_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null

# Running targets: pid -> name, pid -> corpus directory.
declare -A job_name=() job_dir=()
# On any exit (including a failure of this script or a signal), stop the
# targets still running and remove their directories.
cleanup() {
    local pid
    for pid in "${!job_name[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    for pid in "${!job_dir[@]}"; do rm -rf "${job_dir[$pid]}"; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Targets that take another target's seeds and dictionary: name -> name.
declare -A shares=([wasm_jit]=wasm)
start() {
    local bin=$1 name corpus
    name=$(basename "$bin"); name=${name#fuzz_}
    corpus=$(mktemp -d)
    local seeds=() dict=() base=${shares[$name]:-$name}
    [[ -d $src/tests/fuzz/seeds/$base ]] && seeds=("$src/tests/fuzz/seeds/$base")
    [[ -f $src/tests/fuzz/$base.dict ]] && dict=(-dict="$src/tests/fuzz/$base.dict")
    (cd "$corpus" && exec "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=0 "${dict[@]}" "$corpus" "${seeds[@]}" >"$corpus/log" 2>&1) &
    job_name[$!]=$name
    job_dir[$!]=$corpus
}

passed=0 failed=0
# Waits for one target to finish and reports it.
reap() {
    local pid rc=0
    wait -n -p pid "${!job_name[@]}" || rc=$?
    local name=${job_name[$pid]} corpus=${job_dir[$pid]}
    unset "job_name[$pid]" "job_dir[$pid]"
    if [[ $rc -eq 0 ]]; then
        echo "fuzz $name: ok ($(grep -c '^#' "$corpus/log" || true) status lines)"
        passed=$((passed + 1))
    else
        echo "fuzz $name: FAILED"; tail -40 "$corpus/log"
        failed=$((failed + 1))
    fi
    rm -rf "$corpus"
}

for bin in "$build"/fuzz_*; do
    [[ -x $bin ]] || continue
    while [[ ${#job_name[@]} -ge $jobs ]]; do reap; done
    start "$bin"
done
while [[ ${#job_name[@]} -gt 0 ]]; do reap; done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
