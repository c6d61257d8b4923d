#!/usr/bin/env bash
# Install the Debian packages Cortex needs to build and test, if any are
# missing. Idempotent and quiet when everything is there.
#   scripts/bootstrap.sh          build + test dependencies
#   scripts/bootstrap.sh bench    also the benchmark peers (nginx, h2o, wrk, ...)
set -euo pipefail

build_pkgs=(build-essential cmake pkg-config libyaml-dev libssl-dev libnghttp2-dev
            libcurl4-openssl-dev libsecp256k1-dev libprotobuf-c-dev protobuf-c-compiler)
test_pkgs=(clang libclang-rt-14-dev curl python3 valgrind openssl nghttp2-client nodejs npm
           lld wasi-libc libclang-rt-14-dev-wasm32 wabt prometheus
           gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user)
bench_pkgs=(wrk nginx-light h2o nodejs libjansson-dev libcjson-dev liburing-dev util-linux)

want=("${build_pkgs[@]}" "${test_pkgs[@]}")
if [[ "${1:-}" == bench ]]; then want+=("${bench_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
    # nodejs may come from elsewhere than Debian; a working `node` is enough.
    # nodejs and npm may come from elsewhere than Debian (NodeSource's nodejs
    # conflicts with Debian's npm); working commands are enough.
    if [[ $p == nodejs ]] && command -v node >/dev/null; then continue; fi
    if [[ $p == npm ]] && command -v npm >/dev/null; then continue; fi
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing+=("$p")
    fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "bootstrap: installing ${missing[*]}" >&2
if [[ $(id -u) -eq 0 ]]; then
    sudo=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo=(sudo)
else
    echo "bootstrap: missing Debian packages: ${missing[*]}" >&2
    echo "bootstrap: run as root, or: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q >&2
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
