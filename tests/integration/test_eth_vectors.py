#!/usr/bin/env python3
"""`cortex eth` against ethers v6: random vectors, compared byte for byte.

ethers@6 is installed (once) into $CX_BUILD_DIR/npm/web3; tests/web3/
gen_vectors.mjs draws random inputs from a seeded PRNG (CX_ETH_SEED, default
a fixed value; CX_ETH_COUNT scales the count) across keccak, every ABI type
(nested arrays and tuples, calldata, decoding), RLP shapes, keys, EIP-191
messages, transactions of types 0/1/2 and EIP-712 typed data, and records
what ethers produces. Each vector is then run through the CLI and stdout must
equal ethers' answer exactly. A second part checks that malformed input
fails with a non-zero exit and a message. SKIPPED (exit 0) when npm or node
is unavailable.
"""
import concurrent.futures
import fcntl
import json
import os
import shutil
import subprocess
import sys

SRC = os.environ.get("CX_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("CX_BUILD_DIR", "/tmp")
CLI = os.environ.get("CORTEX_BIN", "cortex")
NPM_DIR = os.path.join(BUILD, "npm", "web3")
ETHERS = "ethers@6.13.4"
SEED = os.environ.get("CX_ETH_SEED", "20261129")
COUNT = os.environ.get("CX_ETH_COUNT", "50")


class Skip(Exception):
    """A peer (node, npm, ethers) is unavailable; the message says why."""


def skip(why):
    raise Skip(why)


def ensure_ethers():
    if not shutil.which("npm") or not shutil.which("node"):
        skip("node/npm not installed")
    os.makedirs(NPM_DIR, exist_ok=True)
    # The cast test installs into the same tree: one npm at a time.
    with open(os.path.join(NPM_DIR, ".install.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _install_ethers()


def _install_ethers():
    if os.path.isdir(os.path.join(NPM_DIR, "node_modules", "ethers")):
        return
    try:
        r = subprocess.run(["npm", "install", "--prefix", NPM_DIR, "--no-audit", "--no-fund",
                            ETHERS], capture_output=True, text=True, timeout=180)
    except subprocess.TimeoutExpired:
        skip("npm install %s timed out (registry unreachable?)" % ETHERS)
    if r.returncode != 0:
        skip("npm install %s failed (registry unreachable?): %s" % (ETHERS, r.stderr[-300:]))


def run_cli(args):
    return subprocess.run([CLI, "eth"] + args, capture_output=True, timeout=30)


BAD = [
    (["keccak", "0x123"], "odd number"),
    (["keccak", "0xzz"], "non-hex"),
    (["from-rlp", "0x8105"], "non-canonical"),
    (["from-rlp", "0xb801ff"], "non-canonical"),
    (["from-rlp", "0xb90001" + "00"], "leading zero"),
    (["from-rlp", "0x83aabb"], "truncated"),
    (["from-rlp", "0xbf0100000000000000"], "oversized"),
    (["from-rlp", "0xc0c0"], "trailing"),
    (["from-rlp", "0xc3c2c1"], "truncated"),
    (["to-rlp", "[\"0x1\"]"], "odd number"),
    (["to-rlp", "[1]"], "expected"),
    (["abi-encode", "f(uint8)", "256"], "does not fit"),
    (["abi-encode", "f(int8)", "-129"], "does not fit"),
    (["abi-encode", "f(uint256)", "-1"], "negative"),
    (["abi-encode", "f(uint7)", "1"], "multiple of 8"),
    (["abi-encode", "f(bytes33)", "0x00"], "bytesN"),
    (["abi-encode", "f(address)", "0x123"], "address"),
    (["abi-encode", "f(address)", "0x7e5F4552091A69125d5DfCb7b8C2659029395Bdf"], "EIP-55"),
    (["abi-encode", "f(bool)", "yes"], "bool"),
    (["abi-encode", "f(uint256[2])", "[1]"], "expected 2 items"),
    (["abi-encode", "f(string[])", "[abc]"], "double quotes"),
    (["abi-encode", "f(uint256,bool)", "1"], "argument"),
    (["abi-encode", "f(uint256", "1"], "unterminated"),
    (["abi-decode", "f()(uint256)", "0x00"], "too short"),
    (["abi-decode", "f()(bytes)", "0x" + "00" * 31 + "20" + "00" * 31 + "40"], "runs past"),
    (["abi-decode", "f()(string)", "0x" + "00" * 31 + "ff"], "offset"),
    (["abi-decode", "f()(uint256[])", "0x" + "00" * 31 + "20" + "ff" * 32], "exceeds"),
    (["abi-decode", "f()(uint8)", "0x" + "00" * 30 + "0100"], "does not fit"),
    (["abi-decode", "f()(bool)", "0x" + "00" * 31 + "02"], "bool"),
    (["address", "--private-key", "0x" + "00" * 32], "invalid private key"),
    (["address", "--private-key", "0x" + "ff" * 32], "invalid private key"),
    (["address", "--private-key", "0x1234"], "32 bytes"),
    (["sign-tx", "--private-key", "0x" + "01" * 32, "--json", "{\"type\":3}"], "type"),
    (["sign-tx", "--private-key", "0x" + "01" * 32, "--json", "{\"type\":2,\"nonce\":-1}"], "nonce"),
    (["sign-tx", "--private-key", "0x" + "01" * 32, "--json", "{\"type\":2,\"to\":\"0x12\"}"], "to"),
    (["sign-tx", "--private-key", "0x" + "01" * 32, "--json", "{\"type\":2,\"bogus\":1}"], "unknown"),
    (["sign-tx", "--private-key", "0x" + "01" * 32, "--json", "{"], "JSON"),
    (["hash-typed-data", "--json", "{\"types\":{},\"primaryType\":\"X\",\"domain\":{},\"message\":{}}"], "primaryType"),
    (["hash-typed-data", "--json", "{\"types\":{\"M\":[{\"name\":\"a\",\"type\":\"uint8\"}]},\"primaryType\":\"M\",\"domain\":{\"name\":\"x\"},\"message\":{\"a\":300}}"], "does not fit"),
    (["hash-typed-data", "--json", "{\"types\":{\"M\":[{\"name\":\"a\",\"type\":\"uint8\"}]},\"primaryType\":\"M\",\"domain\":{\"name\":\"x\"},\"message\":{}}"], "missing field"),
    (["nonsense"], "unknown command"),
]


def main():
    if not os.path.exists(CLI) and not shutil.which(CLI):
        print("CORTEX_BIN not found: %s" % CLI)
        print("0 passed, 1 failed")
        return 1
    passed = failed = 0
    # Part 1: malformed input fails loudly (needs no npm). Two workers, as
    # for the vectors below; results are checked in order.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        bad_results = list(pool.map(lambda c: run_cli(c[0]), BAD))
    for (args, needle), r in zip(BAD, bad_results):
        err = r.stderr.decode("utf-8", "replace")
        if r.returncode != 0 and needle.lower() in err.lower() and not r.stdout:
            passed += 1
        else:
            failed += 1
            print("FAIL bad input %r: rc=%d stderr=%r (wanted %r) stdout=%r"
                  % (args, r.returncode, err[:200], needle, r.stdout[:100]))
    # Part 2: random vectors against ethers (skipped, with the reason, when
    # npm cannot provide it; the bad-input results above still count).
    try:
        ensure_ethers()
    except Skip as e:
        print("SKIPPED the ethers vectors: %s" % e)
        print("%d passed, %d failed" % (passed, failed))
        return 1 if failed else 0
    gen = os.path.join(SRC, "tests", "web3", "gen_vectors.mjs")
    r = subprocess.run(["node", gen, NPM_DIR, SEED, COUNT], capture_output=True, text=True,
                       timeout=120)
    if r.returncode != 0:
        print("vector generator failed: " + r.stderr[-2000:])
        print("%d passed, %d failed" % (passed, failed + 1))
        return 1
    kinds = {}
    shown = 0
    vectors = [json.loads(line) for line in r.stdout.splitlines() if line]
    # Two workers: each vector is one short CLI process.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda v: run_cli(v["args"]), vectors))
    for v, res in zip(vectors, results):
        want = (v["expect"] + "\n").encode() if v["expect"] != "" else b""
        k = kinds.setdefault(v["kind"], [0, 0])
        if res.returncode == 0 and res.stdout == want:
            passed += 1
            k[0] += 1
        else:
            failed += 1
            k[1] += 1
            if shown < 15:
                shown += 1
                print("FAIL %s: args=%r\n  want %r\n  got  %r rc=%d %s" % (
                    v["kind"], v["args"], want[:400], res.stdout[:400], res.returncode,
                    res.stderr.decode("utf-8", "replace")[:300]))
    for name in sorted(kinds):
        print("  %-18s %5d ok %5d failed" % (name, kinds[name][0], kinds[name][1]))
    print("seed %s, count %s, %d bad-input cases" % (SEED, COUNT, len(BAD)))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
