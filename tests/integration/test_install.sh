#!/usr/bin/env bash
# `make install` into a temporary prefix, then build examples/hello against
# it both ways — pkg-config (shared library) and CMake's find_package (static)
# — and check that each binary answers a request.
set -u
src=${CX_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${CX_BUILD_DIR:-$src/build}
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
passed=0 failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Start a hello binary on a free port and fetch /; $1 = binary, $2 = label.
check_runs() {
    local port; port=$(free_port)
    PORT=$port "$1" >"$tmp/$2.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 50); do
        out=$(curl -s --max-time 2 "http://127.0.0.1:$port/") && break
        sleep 0.1
    done
    kill "${pids[-1]}" 2>/dev/null
    if [[ ${out:-} == "Hello, World!" ]]; then ok "$2 answers"; else bad "$2 answers (got '${out:-}')"; cat "$tmp/$2.log"; fi
}

if cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1; then
    ok "cmake --install"
else
    bad "cmake --install"; cat "$tmp/install.log"
fi
for f in include/cortex/cortex.h lib/pkgconfig/cortex.pc lib/cmake/cortex/cortexConfig.cmake \
         lib/libcortex.a lib/libcortex.so bin/cortex; do
    if [[ -e $tmp/prefix/$f ]]; then ok "installed $f"; else bad "installed $f"; fi
done

# pkg-config, shared library.
if PKG_CONFIG_PATH=$tmp/prefix/lib/pkgconfig make -s -C "$src/examples/hello" -f Makefile \
        hello CC=cc >"$tmp/pc.log" 2>&1 && mv "$src/examples/hello/hello" "$tmp/hello-pc"; then
    ok "build with pkg-config"
    LD_LIBRARY_PATH=$tmp/prefix/lib check_runs "$tmp/hello-pc" hello-pkgconfig
    if LD_LIBRARY_PATH=$tmp/prefix/lib ldd "$tmp/hello-pc" | grep -q "$tmp/prefix/lib/libcortex.so"; then
        ok "pkg-config build links the shared library"
    else
        bad "pkg-config build links the shared library"
    fi
else
    bad "build with pkg-config"; cat "$tmp/pc.log"
fi

# CMake find_package, static library.
if cmake -S "$src/examples/hello" -B "$tmp/hello-cmake" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
        >"$tmp/cm.log" 2>&1 && cmake --build "$tmp/hello-cmake" >>"$tmp/cm.log" 2>&1; then
    ok "build with CMake find_package"
    check_runs "$tmp/hello-cmake/hello" hello-cmake
else
    bad "build with CMake find_package"; cat "$tmp/cm.log"
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
