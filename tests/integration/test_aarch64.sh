#!/usr/bin/env bash
# The aarch64 side of the runtime, on an x86-64 machine: cross-compile the
# core runtime (loop, timers, coroutines with their hand-written aarch64
# context switch, the thread pool, arenas, logging) and the JSON module with
# Debian's aarch64-linux-gnu-gcc, then run their unit tests under
# qemu-aarch64 (user-mode emulation). This is what proves the assembly
# switch keeps every callee-saved register and the FPCR, and that the
# portable (non-SSE2) paths of the JSON code are right.
#
# The configuration module needs libyaml for aarch64, and the HTTP modules
# OpenSSL, nghttp2 and libcurl: their aarch64 development packages are not
# installed, so those tests run on x86-64 only.
set -u
src=${CX_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
shared=${CX_SHARED:-$src/../shared}
cc=aarch64-linux-gnu-gcc
qemu=qemu-aarch64
sysroot=/usr/aarch64-linux-gnu

# It builds its own binaries, so one pass of `make test` is enough: the
# sanitizer pass leaves it to the Release pass.
cache=${CX_BUILD_DIR:-}/CMakeCache.txt
if [[ -n ${CX_BUILD_DIR:-} ]] && grep -q '^CX_SANITIZE:BOOL=ON' "$cache" 2>/dev/null; then
    echo "SKIPPED: independent of this build; it runs in the non-sanitizer pass"
    echo "0 passed, 0 failed"
    exit 0
fi
for tool in $cc $qemu; do
    if ! command -v $tool >/dev/null; then
        echo "SKIPPED: $tool is not installed (Debian gcc-aarch64-linux-gnu, qemu-user)"
        echo "0 passed, 0 failed"
        exit 0
    fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }

cflags=(-std=c17 -O2 -g -Wall -Wextra -Wno-unused-parameter -fno-strict-aliasing -Werror
        -D_GNU_SOURCE -I"$src/include" -I"$src/src" -I"$src/tests")
core=()
for f in "$src"/src/core/*.c "$src"/src/core/*.S; do
    case $(basename "$f") in config*.c) continue ;; esac
    core+=("$f")
done

# The runtime and the JSON module are compiled once into an archive; each
# test binary links what it needs from it.
mkdir -p "$tmp/obj"
objs=()
for f in "${core[@]}" "$src"/src/json/*.c; do
    o=$tmp/obj/$(basename "${f%.*}").o
    if ! $cc "${cflags[@]}" -c -o "$o" "$f" >>"$tmp/cc.log" 2>&1; then
        bad "$(basename "$f") compiles for aarch64"
        continue
    fi
    objs+=("$o")
done
[[ -s $tmp/cc.log ]] && cat "$tmp/cc.log"
aarch64-linux-gnu-ar rcs "$tmp/libcore.a" "${objs[@]}"

for t in coro loop pool core_mem log json; do
    bin=$tmp/test_$t
    if ! $cc "${cflags[@]}" -o "$bin" "$src/tests/unit/test_$t.c" "$tmp/libcore.a" \
        -lpthread -lm >"$tmp/$t.cc.log" 2>&1; then
        bad "test_$t compiles for aarch64"
        cat "$tmp/$t.cc.log"
        continue
    fi
    out=$(CX_SHARED=$shared timeout 300 $qemu -L $sysroot "$bin" 2>&1)
    rc=$?
    last=$(tail -n 1 <<<"$out")
    if [[ $rc -eq 0 && $last =~ ^[0-9]+\ passed,\ 0\ failed ]]; then
        ok "test_$t under qemu-aarch64: $last"
    else
        bad "test_$t under qemu-aarch64 (exit $rc)"
        grep -E "FAIL|failed" <<<"$out" | head -20
    fi
done

# The switch in use must be the assembly one, not the ucontext fallback.
if $cc -E -dM "${cflags[@]}" -include "$src/src/core/coro_ctx.h" - </dev/null 2>/dev/null |
    grep -q 'define CX_CTX_NAME "aarch64 assembly"'; then
    ok "aarch64 builds use the assembly context switch"
else
    bad "aarch64 builds use the assembly context switch"
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
