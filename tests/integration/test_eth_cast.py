#!/usr/bin/env python3
"""`cortex eth` against Foundry's `cast` (npm @foundry-rs/cast, a prebuilt
binary): the same random vectors as test_eth_vectors.py (so ethers is the
generator) are also run through cast for the commands cast has offline --
keccak, abi-encode, calldata, abi-decode, to-rlp, from-rlp, wallet address,
wallet sign, mktx (types 0 and 2) -- and all three answers must agree.

cast's abi-decode pretty-prints (numbers get a " [1e18]" hint, strings are
quoted); the brief's format is the raw one, so the hint is stripped and
vectors with strings are left to the ethers test. Two deliberate differences
are skipped: cast strips the quotes of a top-level argument that starts with
'"' (the brief says top-level strings are verbatim), and cast fails on an empty
output list where cortex prints nothing. SKIPPED (exit 0) when npm
or the cast binary is unavailable or does not run here.
"""
import concurrent.futures
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys

SRC = os.environ.get("CX_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("CX_BUILD_DIR", "/tmp")
CLI = os.environ.get("CORTEX_BIN", "cortex")
NPM_DIR = os.path.join(BUILD, "npm", "web3")
CAST_DIR = os.path.join(NPM_DIR, "cast")
ETHERS = "ethers@6.13.4"
CAST = "@foundry-rs/cast@1.7.1"
SEED = os.environ.get("CX_ETH_SEED", "424242")
COUNT = os.environ.get("CX_ETH_CAST_COUNT", "8")


def skip(why):
    print("SKIPPED: " + why)
    print("0 passed, 0 failed")
    sys.exit(0)


def npm_install(prefix, pkg, marker):
    if not shutil.which("npm") or not shutil.which("node"):
        skip("node/npm not installed")
    os.makedirs(NPM_DIR, exist_ok=True)
    # test_eth_vectors installs ethers into the same tree: one npm at a time.
    with open(os.path.join(NPM_DIR, ".install.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _npm_install(prefix, pkg, marker)


def _npm_install(prefix, pkg, marker):
    if os.path.exists(marker):
        return
    os.makedirs(prefix, exist_ok=True)
    try:
        r = subprocess.run(["npm", "install", "--prefix", prefix, "--no-audit", "--no-fund", pkg],
                           capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        skip("npm install %s timed out (registry unreachable?)" % pkg)
    if r.returncode != 0:
        skip("npm install %s failed (registry unreachable?): %s" % (pkg, r.stderr[-300:]))


def find_cast():
    base = os.path.join(CAST_DIR, "node_modules", "@foundry-rs")
    if os.path.isdir(base):
        for d in sorted(os.listdir(base)):
            p = os.path.join(base, d, "bin", "cast")
            if d.startswith("cast-") and os.access(p, os.X_OK):
                return p
    p = os.path.join(CAST_DIR, "node_modules", ".bin", "cast")
    return p if os.path.exists(p) else None


def cast_args(kind, args):
    """Our argv (after 'eth') -> cast's argv, or None if cast has no offline twin."""
    if kind in ("abi-encode", "calldata") and any(a.startswith('"') for a in args[2:]):
        return None  # cast unquotes a top-level "..." string; the brief says verbatim
    if kind in ("keccak", "abi-encode", "calldata", "to-rlp", "from-rlp"):
        return list(args)
    if kind == "abi-decode":
        # cast refuses to decode an empty output list; strings it quotes.
        return None if "string" in args[1] or args[1].endswith("()") else list(args)
    if kind == "address":
        return ["wallet", "address", "--private-key", args[2]]
    if kind == "sign-message":
        return ["wallet", "sign", "--private-key", args[2], args[3]]
    if kind in ("sign-tx-0", "sign-tx-2"):
        return mktx_args(args[2], json.loads(args[4]))
    return None


def mktx_args(key, tx):
    """cast mktx (offline: every field given) for type 0 and 2 without an
    access list; contract creation via --create."""
    if tx.get("accessList") or tx.get("chainId") == "0":
        return None
    a = ["mktx", "--private-key", key, "--chain", tx["chainId"], "--nonce", tx["nonce"],
         "--gas-limit", tx["gasLimit"]]
    if tx["type"] == 0:
        a += ["--legacy", "--gas-price", tx["gasPrice"]]
    else:
        a += ["--gas-price", tx["maxFeePerGas"], "--priority-gas-price",
              tx["maxPriorityFeePerGas"]]
    a += ["--value", tx.get("value", "0")]
    data = tx.get("data", "0x")
    if tx.get("to"):
        a += [tx["to"]] + ([data] if data != "0x" else [])
    else:
        if data == "0x":
            return None
        a += ["--create", data]
    return a


HINT = re.compile(r" \[-?[0-9.]+e[0-9]+\]")


def main():
    npm_install(NPM_DIR, ETHERS, os.path.join(NPM_DIR, "node_modules", "ethers"))
    npm_install(CAST_DIR, CAST, os.path.join(CAST_DIR, "node_modules", "@foundry-rs", "cast"))
    cast = find_cast()
    if not cast:
        skip("the %s package has no cast binary for this platform" % CAST)
    try:
        v = subprocess.run([cast, "--version"], capture_output=True, text=True, timeout=30)
    except OSError as e:
        skip("cast does not run here: %s" % e)
    if v.returncode != 0:
        skip("cast does not run here: %s" % v.stderr[:200])
    print("using " + v.stdout.splitlines()[0])
    gen = os.path.join(SRC, "tests", "web3", "gen_vectors.mjs")
    r = subprocess.run(["node", gen, NPM_DIR, SEED, COUNT], capture_output=True, text=True,
                       timeout=120)
    if r.returncode != 0:
        print("vector generator failed: " + r.stderr[-2000:])
        print("0 passed, 1 failed")
        return 1
    passed = failed = 0
    kinds = {}
    jobs = []
    for line in r.stdout.splitlines():
        if line:
            vec = json.loads(line)
            ca = cast_args(vec["kind"], vec["args"])
            if ca is not None:
                jobs.append((vec, ca))

    def both(job):
        vec, ca = job
        ours = subprocess.run([CLI, "eth"] + vec["args"], capture_output=True, timeout=30)
        theirs = subprocess.run([cast] + ca, capture_output=True, timeout=60)
        return ours, theirs

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(both, jobs))
    for (vec, ca), (ours, theirs) in zip(jobs, results):
        t_out = theirs.stdout.decode("utf-8", "replace")
        if vec["kind"] == "abi-decode":
            t_out = HINT.sub("", t_out)
        o_out = ours.stdout.decode("utf-8", "replace")
        k = kinds.setdefault(vec["kind"], [0, 0])
        if ours.returncode == 0 and theirs.returncode == 0 and o_out == t_out:
            passed += 1
            k[0] += 1
        else:
            failed += 1
            k[1] += 1
            print("FAIL %s: args=%r\n  cast   rc=%d %r %r\n  cortex rc=%d %r %r\n  ethers %r" % (
                vec["kind"], vec["args"], theirs.returncode, t_out[:300],
                theirs.stderr[:200], ours.returncode, o_out[:300], ours.stderr[:200],
                vec["expect"][:300]))
    for name in sorted(kinds):
        print("  %-14s %4d agree %4d differ" % (name, kinds[name][0], kinds[name][1]))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
