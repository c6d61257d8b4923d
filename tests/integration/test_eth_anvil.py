#!/usr/bin/env python3
"""`cortex eth` network commands against a real local chain: Foundry's anvil
(npm @foundry-rs/anvil, the same 1.7.1 release as the cast used in
test_eth_cast.py), started by this test on a free loopback port.

Set-up: installs anvil, cast and solc (solcjs 0.8.28) into
$CX_BUILD_DIR/npm/web3/{anvil,cast,solc} (cached), compiles a small Solidity
contract (storage, an event with indexed fields, a revert path; the output
is cached by source hash), starts anvil. Then, through `cortex eth --rpc`:
chain-id, block-number, gas-price, balance, nonce, deploy, call (decoded and
raw), send (EIP-1559, legacy, a plain value transfer), receipt, block, logs
(address, event signature, null and OR topics, block range), error paths
(revert on call and send, unknown receipt, unreachable node). Wherever cast
has the same command, its output on the same chain is compared: byte for
byte for one-line results, field by field for JSON (cast adds fields of its
own). Last, the C-level contract client test (test_web3_rpc
anvil_contract_client) is run against the same anvil.

SKIPPED (exit 0) when npm, the registry or the binaries are unavailable.
"""
import fcntl
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time

BUILD = os.environ.get("CX_BUILD_DIR", "/tmp")
CLI = os.environ.get("CORTEX_BIN", "cortex")
NPM_DIR = os.path.join(BUILD, "npm", "web3")
ANVIL_PKG = "@foundry-rs/anvil@1.7.1"
CAST_PKG = "@foundry-rs/cast@1.7.1"
SOLC_PKG = "solc@0.8.28"

KEY0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
ADDR0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
KEY1 = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
ADDR1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"

SOURCE = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

contract Store {
    uint256 public value;
    address public owner;

    event Stored(address indexed who, uint256 indexed value, string note);

    constructor(uint256 v) {
        value = v;
        owner = msg.sender;
    }

    function set(uint256 v, string calldata note) external {
        require(v != 13, "unlucky number");
        value = v;
        emit Stored(msg.sender, v, note);
    }

    function both() external view returns (uint256, address) {
        return (value, owner);
    }

    function fail() external pure {
        revert("always fails");
    }
}
"""


def skip(why):
    print("SKIPPED: " + why)
    print("0 passed, 0 failed")
    sys.exit(0)


def npm_install(sub, pkg):
    if not shutil.which("npm") or not shutil.which("node"):
        skip("node/npm not installed")
    prefix = os.path.join(NPM_DIR, sub)
    os.makedirs(NPM_DIR, exist_ok=True)
    # Other web3 tests install into the same tree: one npm at a time.
    with open(os.path.join(NPM_DIR, ".install.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = os.path.join(prefix, "node_modules", pkg.rsplit("@", 1)[0], "package.json")
        if os.path.exists(marker):
            with open(marker) as f:
                if json.load(f).get("version") == pkg.rsplit("@", 1)[1]:
                    return prefix
        os.makedirs(prefix, exist_ok=True)
        try:
            r = subprocess.run(["npm", "install", "--prefix", prefix, "--no-audit", "--no-fund",
                                pkg], capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            skip("npm install %s timed out (registry unreachable?)" % pkg)
        if r.returncode != 0:
            skip("npm install %s failed (registry unreachable?): %s" % (pkg, r.stderr[-300:]))
    return prefix


def find_tool(prefix, tool):
    """The platform binary the wrapper package depends on, as test_eth_cast does."""
    base = os.path.join(prefix, "node_modules", "@foundry-rs")
    if os.path.isdir(base):
        for d in sorted(os.listdir(base)):
            p = os.path.join(base, d, "bin", tool)
            if d.startswith(tool + "-") and os.access(p, os.X_OK):
                return p
    p = os.path.join(prefix, "node_modules", ".bin", tool)
    return p if os.path.exists(p) else None


def compile_contract(solc_prefix):
    """solcjs --bin --abi, cached under the source's hash."""
    digest = hashlib.sha256((SOLC_PKG + SOURCE).encode()).hexdigest()[:16]
    out = os.path.join(NPM_DIR, "solc-out-" + digest)
    abi = os.path.join(out, "Store_sol_Store.abi")
    binf = os.path.join(out, "Store_sol_Store.bin")
    if os.path.exists(abi) and os.path.exists(binf):
        return abi, binf
    solcjs = os.path.join(solc_prefix, "node_modules", ".bin", "solcjs")
    tmp = out + ".tmp%d" % os.getpid()
    os.makedirs(tmp, exist_ok=True)
    with open(os.path.join(tmp, "Store.sol"), "w") as f:
        f.write(SOURCE)
    r = subprocess.run([solcjs, "--bin", "--abi", "--optimize", "-o", ".", "Store.sol"], cwd=tmp,
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0 or not os.path.exists(os.path.join(tmp, "Store_sol_Store.bin")):
        print("solcjs failed: " + r.stdout[-500:] + r.stderr[-500:])
        print("0 passed, 1 failed")
        sys.exit(1)
    try:
        os.rename(tmp, out)
    except OSError:  # another run got there first
        shutil.rmtree(tmp, ignore_errors=True)
    return abi, binf


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_anvil(anvil):
    for _ in range(3):
        port = free_port()
        p = subprocess.Popen([anvil, "--host", "127.0.0.1", "--port", str(port), "--silent"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 20
        while time.time() < deadline and p.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return p, "http://127.0.0.1:%d" % port
            except OSError:
                time.sleep(0.1)
        p.kill()
        p.wait()
    skip("anvil did not start")


class Run:
    def __init__(self, url, cast):
        self.url, self.cast = url, cast
        self.passed = self.failed = 0

    def ours(self, *args, ok=True):
        r = subprocess.run([CLI, "eth", "--rpc", self.url] + list(args), capture_output=True,
                           text=True, timeout=60)
        if ok and r.returncode != 0:
            raise AssertionError("cortex eth %s failed (%d): %s" % (" ".join(args), r.returncode,
                                                                  r.stderr.strip()))
        return r

    def theirs(self, *args):
        r = subprocess.run([self.cast] + list(args) + ["--rpc-url", self.url],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise AssertionError("cast %s failed: %s" % (" ".join(args), r.stderr.strip()))
        return r.stdout

    def case(self, name, fn):
        try:
            fn()
            self.passed += 1
            print("ok   " + name)
        except AssertionError as e:
            self.failed += 1
            print("FAIL %s: %s" % (name, e))
        except subprocess.TimeoutExpired as e:
            self.failed += 1
            print("FAIL %s: timeout: %s" % (name, e))


HINT = re.compile(r" \[-?[0-9.]+e[0-9]+\]")


def eq(ours, theirs, what):
    if ours != theirs:
        raise AssertionError("%s: cortex %r != cast %r" % (what, ours, theirs))


def main():
    anvil = find_tool(npm_install("anvil", ANVIL_PKG), "anvil")
    cast = find_tool(npm_install("cast", CAST_PKG), "cast")
    solc = npm_install("solc", SOLC_PKG)
    if not anvil or not cast:
        skip("anvil/cast binary not found after npm install")
    for tool in (anvil, cast):
        try:
            v = subprocess.run([tool, "--version"], capture_output=True, text=True, timeout=30)
        except OSError as e:
            skip("%s does not run here: %s" % (tool, e))
        if v.returncode != 0:
            skip("%s does not run here: %s" % (tool, v.stderr[-200:]))
    abi_path, bin_path = compile_contract(solc)
    with open(bin_path) as f:
        bytecode = "0x" + f.read().strip()

    proc, url = start_anvil(anvil)
    t = Run(url, cast)
    st = {}
    try:
        def chain_id():
            eq(t.ours("chain-id").stdout, t.theirs("chain-id"), "chain-id")
            eq(t.ours("chain-id").stdout, "31337\n", "chain-id")

        def block_number():
            eq(t.ours("block-number").stdout, t.theirs("block-number"), "block-number")

        def balance():
            eq(t.ours("balance", ADDR0).stdout, t.theirs("balance", ADDR0), "balance")
            eq(t.ours("balance", ADDR0, "--block", "0").stdout, "10000000000000000000000\n",
               "balance at 0")
            # --rpc-url after the command, as cast takes it
            r = subprocess.run([CLI, "eth", "balance", ADDR1.lower(), "--rpc-url", url],
                               capture_output=True, text=True, timeout=30)
            eq(r.stdout, t.theirs("balance", ADDR1), "balance --rpc-url")

        def nonce():
            eq(t.ours("nonce", ADDR0).stdout, t.theirs("nonce", ADDR0), "nonce")

        def gas_price():
            eq(t.ours("gas-price").stdout, t.theirs("gas-price"), "gas-price")

        def deploy():
            r = t.ours("deploy", "--private-key", KEY0, bytecode, "--constructor",
                       "constructor(uint256)", "7")
            lines = r.stdout.split("\n")
            if len(lines) != 3 or not re.fullmatch(r"0x[0-9a-f]{64}", lines[0]):
                raise AssertionError("deploy output: %r" % r.stdout)
            st["addr"] = lines[1]
            rc = json.loads(t.theirs("receipt", lines[0], "--json"))
            eq(lines[1].lower(), rc["contractAddress"], "contract address")
            if len(t.theirs("code", st["addr"]).strip()) < 10:
                raise AssertionError("no code at the contract address")

        def call():
            a = st["addr"]
            for sig in ("value()(uint256)", "both()(uint256,address)", "owner()(address)"):
                ours = t.ours("call", "--to", a, sig).stdout
                eq(ours, HINT.sub("", t.theirs("call", a, sig)), "call " + sig)
            eq(t.ours("call", "--to", a, "both()(uint256,address)").stdout,
               "7\n%s\n" % ADDR0, "both()")
            # without outputs: raw hex, like cast; cast's positional address form too
            eq(t.ours("call", a, "value()").stdout, t.theirs("call", a, "value()"), "raw call")
            eq(t.ours("call", "--to", a, "value()(uint256)", "--block", "latest").stdout, "7\n",
               "call --block")

        def receipt_matches(h, want_type):
            ours = json.loads(t.ours("receipt", h).stdout)
            theirs = json.loads(t.theirs("receipt", h, "--json"))
            for k in ("transactionHash", "blockHash", "blockNumber", "status", "gasUsed", "from",
                      "to", "cumulativeGasUsed", "effectiveGasPrice", "contractAddress", "type"):
                if k in theirs or k in ours:
                    eq(str(ours.get(k)).lower(), str(theirs.get(k)).lower(), "receipt " + k)
            eq(len(ours["logs"]), len(theirs["logs"]), "receipt logs")
            for lo, lt in zip(ours["logs"], theirs["logs"]):
                for k in ("address", "topics", "data", "logIndex"):
                    eq(lo[k], lt[k], "receipt log " + k)
            eq(ours["type"], want_type, "tx type")
            return ours

        def send_1559():
            r = t.ours("send", "--private-key", KEY0, "--to", st["addr"], "set(uint256,string)",
                       "42", "hello, chain")
            h = r.stdout.strip()
            if not re.fullmatch(r"0x[0-9a-f]{64}", h):
                raise AssertionError("send output: %r" % r.stdout)
            rc = receipt_matches(h, "0x2")
            eq(rc["status"], "0x1", "status")
            eq(t.ours("call", "--to", st["addr"], "value()(uint256)").stdout, "42\n", "value")
            st["h1"] = h

        def send_legacy():
            h = t.ours("send", "--legacy", "--private-key", KEY0, "--to", st["addr"],
                       "set(uint256,string)", "43", "legacy").stdout.strip()
            receipt_matches(h, "0x0")
            eq(t.ours("call", "--to", st["addr"], "value()(uint256)").stdout,
               HINT.sub("", t.theirs("call", st["addr"], "value()(uint256)")), "value")

        def send_value():
            before = int(t.theirs("balance", ADDR1))
            t.ours("send", "--private-key", KEY0, "--to", ADDR1, "--value", "1.5ether")
            after = int(t.theirs("balance", ADDR1))
            eq(after - before, 1500000000000000000, "value transferred")
            # another sender, async then receipt
            h = t.ours("send", "--async", "--private-key", KEY1, "--to", ADDR0, "--value",
                       "1000").stdout.strip()
            for _ in range(50):
                r = t.ours("receipt", h, ok=False)
                if r.returncode == 0:
                    break
                time.sleep(0.1)
            eq(json.loads(r.stdout)["status"], "0x1", "async status")
            eq(t.ours("nonce", ADDR1).stdout, t.theirs("nonce", ADDR1), "nonce after sends")
            eq(t.ours("nonce", ADDR0).stdout, t.theirs("nonce", ADDR0), "nonce after sends")

        def reverts():
            r = t.ours("call", "--to", st["addr"], "fail()", ok=False)
            if r.returncode == 0 or "always fails" not in r.stderr:
                raise AssertionError("call fail(): rc %d, %r" % (r.returncode, r.stderr))
            r = t.ours("send", "--private-key", KEY0, "--to", st["addr"], "set(uint256,string)",
                       "13", "x", ok=False)
            if r.returncode == 0 or "unlucky number" not in r.stderr:
                raise AssertionError("send set(13): rc %d, %r" % (r.returncode, r.stderr))
            # with a gas limit given, it is mined and fails: status 0, exit 1
            r = t.ours("send", "--private-key", KEY0, "--gas-limit", "100000", "--to",
                       st["addr"], "set(uint256,string)", "13", "x", ok=False)
            if r.returncode != 1 or "reverted" not in r.stderr:
                raise AssertionError("mined revert: rc %d, %r" % (r.returncode, r.stderr))
            rc = json.loads(t.ours("receipt", r.stdout.strip()).stdout)
            eq(rc["status"], "0x0", "reverted status")

        def logs():
            a = st["addr"]
            ev = "Stored(address,uint256,string)"
            ours = [json.loads(x) for x in t.ours("logs", "--address", a, "--from-block", "0",
                                                 ev).stdout.splitlines()]
            theirs = json.loads(t.theirs("logs", "--address", a, "--from-block", "0", "--json",
                                         ev))
            eq(len(ours), 2, "log count")
            eq(len(ours), len(theirs), "log count vs cast")
            for lo, lt in zip(ours, theirs):
                for k in ("address", "topics", "data", "transactionHash", "logIndex",
                          "blockNumber"):
                    eq(lo[k], lt[k], "log " + k)
            eq(ours[0]["transactionHash"], st["h1"], "first log's tx")
            topic0 = ours[0]["topics"][0]
            v42 = "0x" + "%064x" % 42
            v43 = "0x" + "%064x" % 43
            v99 = "0x" + "%064x" % 99
            one = t.ours("logs", "--from-block", "0", "null", "null", v43).stdout.splitlines()
            eq(len(one), 1, "logs by 3rd topic")
            both = t.ours("logs", "--from-block", "0", topic0, "", v99 + "," + v42 + "," + v43)
            eq(len(both.stdout.splitlines()), 2, "logs by OR topics")
            none = t.ours("logs", "--from-block", "0", "--to-block", "1", ev).stdout
            eq(none, "", "logs before the contract")
            who = "0x" + "0" * 24 + ADDR0[2:].lower()
            mine = t.ours("logs", "--address", a, "--from-block", "0", ev, who).stdout
            eq(len(mine.splitlines()), 2, "logs by sender topic")

        def block():
            ours = json.loads(t.ours("block", "latest").stdout)
            theirs = json.loads(t.theirs("block", "latest", "--json"))
            for k in ("hash", "number", "parentHash", "stateRoot", "gasUsed", "baseFeePerGas"):
                eq(ours[k], theirs[k], "block " + k)
            by_hash = json.loads(t.ours("block", ours["hash"]).stdout)
            eq(by_hash["number"], ours["number"], "block by hash")
            eq(t.ours("block-number").stdout, "%d\n" % int(ours["number"], 16), "block-number")

        def errors():
            r = t.ours("receipt", "0x" + "ab" * 32, ok=False)
            if r.returncode != 1 or "no receipt" not in r.stderr:
                raise AssertionError("unknown receipt: %d %r" % (r.returncode, r.stderr))
            r = subprocess.run([CLI, "eth", "--rpc", "http://127.0.0.1:%d" % free_port(),
                                "chain-id"], capture_output=True, text=True, timeout=30)
            if r.returncode != 1 or "connect" not in r.stderr:
                raise AssertionError("unreachable node: %d %r" % (r.returncode, r.stderr))
            r = t.ours("balance", "0x1234", ok=False)
            if r.returncode != 2 or "address" not in r.stderr:
                raise AssertionError("bad address: %d %r" % (r.returncode, r.stderr))
            env = dict(os.environ)
            env.pop("ETH_RPC_URL", None)
            r = subprocess.run([CLI, "eth", "chain-id"], capture_output=True, text=True,
                               timeout=30, env=env)
            if r.returncode != 2 or "--rpc" not in r.stderr:
                raise AssertionError("no node given: %d %r" % (r.returncode, r.stderr))
            env["ETH_RPC_URL"] = url
            r = subprocess.run([CLI, "eth", "chain-id"], capture_output=True, text=True,
                               timeout=30, env=env)
            eq(r.stdout, "31337\n", "ETH_RPC_URL")

        def c_client():
            exe = os.path.join(BUILD, "tests", "test_web3_rpc")
            if not os.path.exists(exe):
                raise AssertionError("%s not built" % exe)
            env = dict(os.environ, ANVIL_URL=url, ANVIL_ABI=abi_path, ANVIL_BIN=bin_path)
            r = subprocess.run([exe, "anvil_contract_client"], capture_output=True, text=True,
                               timeout=60, env=env)
            if r.returncode != 0 or "1 passed, 0 failed" not in r.stdout:
                raise AssertionError("C client test: %s %s" % (r.stdout, r.stderr))

        for name, fn in [("chain-id", chain_id), ("block-number", block_number),
                         ("balance", balance), ("nonce", nonce), ("gas-price", gas_price),
                         ("deploy", deploy), ("call", call), ("send 1559", send_1559),
                         ("send legacy", send_legacy), ("send value", send_value),
                         ("reverts", reverts), ("logs", logs), ("block", block),
                         ("errors", errors), ("C contract client", c_client)]:
            if name in ("call", "send 1559", "send legacy", "reverts", "logs") and \
                    "addr" not in st:
                t.failed += 1
                print("FAIL %s: no contract (deploy failed)" % name)
                continue
            t.case(name, fn)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    print("%d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
