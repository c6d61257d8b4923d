#!/usr/bin/env bash
# Build every libFuzzer target (clang, ASan+UBSan) and run each for a short
# time from its seed corpus. A crash, leak or timeout fails the run.
#   FUZZ_SECONDS  seconds per target (default 20)
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${CX_FUZZ_BUILD:-$src/build-fuzz}
secs=${FUZZ_SECONDS:-20}

cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
    -DCX_FUZZ=ON -DCX_TESTS=OFF -DCX_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null

passed=0 failed=0
for bin in "$build"/fuzz_*; do
    [[ -x $bin ]] || continue
    name=$(basename "$bin"); name=${name#fuzz_}
    corpus=$(mktemp -d)
    seeds=()
    [[ -d $src/tests/fuzz/seeds/$name ]] && seeds=("$src/tests/fuzz/seeds/$name")
    dict=()
    [[ -f $src/tests/fuzz/$name.dict ]] && dict=(-dict="$src/tests/fuzz/$name.dict")
    if (cd "$corpus" && "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=0 "${dict[@]}" "$corpus" "${seeds[@]}" >"$corpus/log" 2>&1); then
        echo "fuzz $name: ok ($(grep -c '^#' "$corpus/log" || true) status lines)"
        passed=$((passed + 1))
    else
        echo "fuzz $name: FAILED"; tail -40 "$corpus/log"
        failed=$((failed + 1))
    fi
    rm -rf "$corpus"
done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
