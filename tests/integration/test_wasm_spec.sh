#!/usr/bin/env bash
# WebAssembly conformance and CLI checks:
#  1. every assertion of the mvp+2.0 spec group passes (`cortex wasm spec`);
#     no exclusions are needed (docs/WASM.md); text-format assert_malformed
#     commands do not apply to a binary engine and are reported as skipped;
#  2. every assertion of the simd group (fixed-width SIMD) passes too;
#  3. `cortex wasm run` runs a WASI program built from C (examples/wasm_hello)
#     and an exported function with typed arguments (v128 too);
#  4. the benchmark kernels built with -msimd128 give the scalar build's results.
# Parts 1-2 are SKIPPED (with the reason) when the shared conformance folder is
# absent; the rest still runs.
set -u
bin=${CORTEX_BIN:?CORTEX_BIN not set}
src=${CX_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${CX_BUILD_DIR:-}
shared=${CX_SHARED:-$src/../shared}
corpus=$shared/conformance/wasm
passed=0 failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }

if [[ ! -d $corpus/mvp+2.0 ]]; then
    echo "SKIPPED spec groups: $corpus/mvp+2.0 not found (shared conformance corpus absent)"
else
    # each group twice: the JIT where it applies (the default), then the
    # interpreter alone (--interp), so that both engines stay conformant
    for engine in jit interp; do
        flag=; [[ $engine == interp ]] && flag=--interp
        out=$("$bin" wasm spec $flag "$corpus"/mvp+2.0/*.json 2>&1)
        last=$(tail -1 <<<"$out")
        echo "mvp+2.0 ($engine): $last ($(grep skipped <<<"$out" | head -1))"
        if [[ $last =~ ^([0-9]+)\ passed,\ 0\ failed$ ]] && (( BASH_REMATCH[1] > 20000 )); then
            ok "spec mvp+2.0 ($engine)"
        else
            grep FAIL <<<"$out" | head -30
            bad "spec mvp+2.0 ($engine)"
        fi
        [[ -d $corpus/simd ]] || continue
        out=$("$bin" wasm spec $flag "$corpus"/simd/*.json 2>&1)
        last=$(tail -1 <<<"$out")
        echo "simd ($engine): $last"
        if [[ $last =~ ^([0-9]+)\ passed,\ 0\ failed$ ]] && (( BASH_REMATCH[1] > 20000 )); then
            ok "spec simd ($engine)"
        else
            grep FAIL <<<"$out" | head -30
            bad "spec simd ($engine)"
        fi
    done
    [[ -d $corpus/simd ]] || bad "spec simd: $corpus/simd missing beside mvp+2.0"
fi

# CLI: an exported function with typed arguments
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if command -v wat2wasm >/dev/null; then
    cat >"$tmp/add.wat" <<'WAT'
(module (func (export "add") (param i32 i64) (result i64)
  local.get 0 i64.extend_i32_s local.get 1 i64.add)
  (func (export "spin") (loop br 0)))
WAT
    wat2wasm "$tmp/add.wat" -o "$tmp/add.wasm"
    r=$("$bin" wasm run "$tmp/add.wasm" --invoke add -- -5 7 2>&1)
    [[ $r == 2 ]] && ok "run --invoke add" || bad "run --invoke add: got '$r'"
    cat >"$tmp/v.wat" <<'WAT'
(module (func (export "addv") (param v128 v128) (result v128 i32)
  local.get 0 local.get 1 i32x4.add
  local.get 0 i32x4.extract_lane 3))
WAT
    wat2wasm "$tmp/v.wat" -o "$tmp/v.wasm"
    r=$("$bin" wasm run "$tmp/v.wasm" --invoke addv -- 0x00000007000000030000000200000001 \
        0x0000000100000001000000010000ffff 2>&1)
    [[ $r == $'0x00000008000000040000000300010000\n7' ]] && ok "run --invoke with v128" \
        || bad "run v128: got '$r'"
    r=$("$bin" wasm run "$tmp/v.wasm" --invoke addv -- 0x12 0x34 2>&1)
    [[ $? -eq 2 && $r == *"bad argument"* ]] && ok "a malformed v128 argument is refused" \
        || bad "bad v128 arg: '$r'"
    r=$("$bin" wasm run "$tmp/add.wasm" --invoke add -- 1 2>&1)
    [[ $? -eq 2 && $r == *"add takes 2 arguments, 1 given"* ]] \
        && ok "a wrong argument count is refused with the count" || bad "arg count: '$r'"
    r=$("$bin" wasm run "$tmp/add.wasm" --fuel 100000 --invoke spin 2>&1)
    [[ $? -ne 0 && $r == *"fuel"* ]] && ok "run with fuel limit traps" || bad "fuel: '$r'"
else
    echo "(wat2wasm missing: typed-invoke checks skipped)"
fi

# A WASI program compiled from C by cmake/modules/wasm.cmake
hello=${build:+$build/wasm/hello.wasm}
if [[ -n $hello && -f $hello ]]; then
    echo "line one" >"$tmp/data.txt"
    r=$(cd "$tmp" && CX_WASM_WHO=tester "$bin" wasm run "$hello" @ data.txt 2>&1)
    rc=$?
    if [[ $rc -eq 3 && $r == *"argc=3"* && $r == *"who=tester"* && $r == *"first line: line one"* ]]; then
        ok "WASI hello (args, environ, preopened dir, exit code)"
    else
        bad "WASI hello: rc=$rc out='$r'"
    fi
    r=$(cd "$tmp" && "$bin" wasm run "$hello" @ ../etc/passwd 2>&1)
    [[ $r == *"cannot open"* ]] && ok "WASI refuses paths outside the directory" || bad "escape: '$r'"
    # a symbolic link inside the directory must not lead out of it, wherever
    # it stands on the path; a FIFO must not stall the open
    mkdir -p "$tmp/sub"
    ln -s /etc "$tmp/sub/etc"
    ln -s /etc/passwd "$tmp/passwd"
    mkfifo "$tmp/fifo"
    for path in sub/etc/passwd passwd ./sub/etc/passwd sub//etc/hostname; do
        r=$(cd "$tmp" && timeout 10 "$bin" wasm run "$hello" @ "$path" 2>&1)
        [[ $r == *"cannot open"* ]] && ok "WASI does not follow the link in $path" \
            || bad "link escape via $path: '$r'"
    done
    r=$(cd "$tmp" && timeout 10 "$bin" wasm run "$hello" @ fifo 2>&1)
    [[ $? -ne 124 && $r == *"cannot open"* ]] && ok "WASI refuses a FIFO without waiting on it" \
        || bad "fifo: '$r'"
    mkdir -p "$tmp/sub/deeper" && echo "deep line" >"$tmp/sub/deeper/d.txt"
    r=$(cd "$tmp" && "$bin" wasm run "$hello" @ sub/./deeper//d.txt 2>&1)
    [[ $r == *"first line: deep line"* ]] && ok "WASI opens a file in a subdirectory" \
        || bad "subdir: '$r'"
else
    echo "(hello.wasm not built: WASI checks skipped)"
fi

# The benchmark kernels as clang builds them with and without -msimd128
# (cmake/modules/wasm.cmake): the vectorised build must compute the same
# results, end to end through real compiler output.
if [[ -n $build && -f $build/wasm/kernels.wasm && -f $build/wasm/kernels_simd.wasm ]]; then
    for ka in "fib 20" "matmul 24" "sha256 16" "sort 2000" "coremark 50"; do
        set -- $ka
        want=$("$bin" wasm run "$build/wasm/kernels.wasm" --invoke "$1" -- "$2" 2>&1)
        got=$("$bin" wasm run "$build/wasm/kernels_simd.wasm" --invoke "$1" -- "$2" 2>&1)
        [[ -n $want && $got == "$want" ]] && ok "kernel $1: SIMD build = scalar build ($got)" \
            || bad "kernel $1: scalar '$want', SIMD '$got'"
    done
else
    echo "(kernels_simd.wasm not built: SIMD kernel checks skipped)"
fi

# The embedding example runs the C plugin through the plugin ABI
if [[ -n $build && -x $build/example_wasm && -f $build/wasm/plugin.wasm ]]; then
    r=$("$build/example_wasm" "$build/wasm/plugin.wasm" 2>&1)
    [[ $r == *"hello from a wasm plugin: GET /greet (body 4 bytes)"* ]] && ok "plugin ABI example" \
        || bad "plugin example: '$r'"
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
