#!/usr/bin/env python3
"""`cortex ipfs add` gives the same root CIDs as ipfs-unixfs-importer
configured like Kubo's `ipfs add`, for the boundary sizes around one chunk
and one full node (174 links), in both CID versions, with and without raw
leaves, and with several chunk sizes (deeper trees). Also the CIDs Kubo's
docs publish, and a round trip through the blockstore. SKIPPED when npm is
unreachable (the fixed vectors then still run in unit.test_ipfs)."""
import atexit
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ipfs"))
import cxtest  # noqa: E402
from cxtest import case, check, check_eq  # noqa: E402
import npm  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
JS = os.path.join(HERE, "..", "ipfs", "js_import.mjs")
CHUNK = 262144
TMP = tempfile.mkdtemp(prefix="cx-ipfs-import-")
atexit.register(shutil.rmtree, TMP, True)
NPM = None


def data_file(size):
    path = os.path.join(TMP, "f%d" % size)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(random.Random(size).randbytes(size))
    return path


def cortex(*args, input_path=None):
    r = subprocess.run([cxtest.cortex_bin(), "ipfs"] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120,
                       env=dict(os.environ, CORTEX_IPFS_REPO=os.path.join(TMP, "repo")))
    return r


def compare(cases):
    """cases: (size, cid_version, raw_leaves or None, chunk). Both sides."""
    spec = []
    for size, ver, raw, chunk in cases:
        spec.append({"path": data_file(size), "cidVersion": ver,
                     "rawLeaves": (ver == 1) if raw is None else raw, "chunkSize": chunk})
    cases_json = os.path.join(TMP, "cases.json")
    with open(cases_json, "w") as f:
        json.dump(spec, f)
    r = subprocess.run(["node", JS, cases_json], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=300, env=dict(os.environ, CX_IPFS_NPM=NPM))
    check(r.returncode == 0, "node importer failed: %s" % r.stderr.decode()[-500:])
    want = r.stdout.decode().split()
    check_eq(len(want), len(cases), "reference CID count")
    for (size, ver, raw, chunk), ref in zip(cases, want):
        args = ["add", "--only-hash", "--cid-version", str(ver), "--chunker", "size-%d" % chunk]
        if raw is not None:
            args.append("--raw-leaves=%s" % ("true" if raw else "false"))
        r = cortex(*(args + [data_file(size)]))
        check(r.returncode == 0, "add failed: %s" % r.stderr.decode())
        got = r.stdout.decode()
        check_eq(got, ref + "\n", "root CID of %d bytes, cid-version %d, raw-leaves %s, size-%d"
                 % (size, ver, raw, chunk))
        cxtest.note("note", "%d bytes v%d raw=%s size-%d -> %s" % (size, ver, raw, chunk, ref))


SIZES = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 174 * CHUNK, 174 * CHUNK + 1]


@case
@cxtest.timeout(120)
def default_chunker_both_versions():
    compare([(s, v, None, CHUNK) for s in SIZES for v in (0, 1)])


@case
@cxtest.timeout(120)
def raw_leaves_set_explicitly():
    # v0 with raw leaves: one-chunk files become bafkrei... leaves, as in Kubo.
    compare([(s, 0, True, CHUNK) for s in (0, 1, CHUNK, CHUNK + 1, 174 * CHUNK + 1)] +
            [(s, 1, False, CHUNK) for s in (0, 1, CHUNK + 1, 174 * CHUNK + 1)])


@case
@cxtest.timeout(120)
def small_chunks_make_deep_trees():
    # size-1 over 174*174+1 bytes: three levels; size-100 over 174*174
    # chunks + 1: the second level overflows.
    compare([(0, 0, None, 1), (1, 0, None, 1), (175, 0, None, 1), (174 * 174 + 1, 0, None, 1),
             (174 * 174 * 100 + 1, 0, None, 100),
             (174 * 174 * 100 + 1, 1, None, 100), (CHUNK + 1, 0, None, 65536),
             (174 * 65536 + 1, 1, False, 65536), (1000003, 0, True, 4096)])


@case
@cxtest.timeout(60)
def directories_match():
    # Nested, empty and upper-case names (links sorted bytewise), a
    # multi-chunk file, and a hidden file that both sides skip.
    root = os.path.join(TMP, "tree")
    os.makedirs(os.path.join(root, "sub", "deeper"), exist_ok=True)
    os.makedirs(os.path.join(root, "empty"), exist_ok=True)
    files = {"a.txt": b"hello world\n", "B": b"B", "sp ace.txt": b"x", "sub/z": b"zz",
             "sub/deeper/d.txt": b"deep", ".hidden": b"h",
             "big.bin": random.Random(3).randbytes(600000)}
    for name, content in files.items():
        with open(os.path.join(root, name), "wb") as f:
            f.write(content)
    spec = [{"path": root, "cidVersion": v, "rawLeaves": v == 1, "chunkSize": c}
            for v, c in ((0, CHUNK), (1, CHUNK), (0, 1000))]
    cases_json = os.path.join(TMP, "dcases.json")
    with open(cases_json, "w") as f:
        json.dump(spec, f)
    r = subprocess.run(["node", JS, cases_json], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=120, env=dict(os.environ, CX_IPFS_NPM=NPM))
    check(r.returncode == 0, "node importer failed: %s" % r.stderr.decode()[-500:])
    want = r.stdout.decode().split()
    for s, ref in zip(spec, want):
        got = cortex("add", "-n", "--cid-version", str(s["cidVersion"]), "--chunker",
                     "size-%d" % s["chunkSize"], root).stdout.decode().strip()
        check_eq(got, ref, "directory CID, cid-version %d size-%d" % (s["cidVersion"], s["chunkSize"]))


@case
def kubo_published_vectors():
    # From Kubo's docs and sharness tests.
    vectors = [(b"hello world\n", [], "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"),
               (b"", [], "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"),
               (b"hello world\n", ["--cid-version", "1"],
                "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"),
               (b"", ["--cid-version", "1"],
                "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku")]
    for content, args, want in vectors:
        path = os.path.join(TMP, "v")
        with open(path, "wb") as f:
            f.write(content)
        r = cortex(*(["add", "-n"] + args + [path]))
        check_eq(r.stdout.decode(), want + "\n", "CID of %r %s" % (content, args))
    empty = os.path.join(TMP, "emptydir")
    os.makedirs(empty, exist_ok=True)
    r = cortex("add", "-n", empty)
    check_eq(r.stdout.decode(), "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn\n", "empty dir")


@case
@cxtest.timeout(60)
def add_cat_round_trip():
    for size, args in ((174 * CHUNK + 1, []), (CHUNK + 1, ["--cid-version", "1"]), (0, []),
                       (1000003, ["--chunker", "size-4096", "--raw-leaves=false"])):
        path = data_file(size)
        r = cortex(*(["add"] + args + [path]))
        check(r.returncode == 0, "add: %s" % r.stderr.decode())
        cid = r.stdout.decode().strip()
        r = cortex("cat", cid)
        check(r.returncode == 0, "cat: %s" % r.stderr.decode())
        with open(path, "rb") as f:
            check(r.stdout == f.read(), "cat %s returns the file (%d bytes)" % (cid, size))


@case
def cli_errors_and_gc():
    r = cortex("add", "--chunker", "size-0", data_file(1))
    check_eq(r.returncode, 2, "size-0 is bad usage")
    r = cortex("add", "--cid-version", "2", data_file(1))
    check_eq(r.returncode, 2, "cid-version 2 is bad usage")
    r = cortex("cat", "QmNotACid")
    check_eq(r.returncode, 2, "cat of an invalid CID")
    check(b"invalid CID" in r.stderr, "says why: %r" % r.stderr)
    r = cortex("cat", "QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n")
    check_eq(r.returncode, 1, "cat of a missing block")
    cid = cortex("add", "--pin=false", data_file(CHUNK + 1)).stdout.decode().strip()
    r = cortex("gc")
    check(r.returncode == 0 and r.stdout.startswith(b"removed "), "gc runs")
    r = cortex("cat", cid)
    check_eq(r.returncode, 1, "an unpinned file is collected")
    cid = cortex("add", data_file(CHUNK + 1)).stdout.decode().strip()
    check(("%s recursive" % cid).encode() in cortex("pin", "ls").stdout, "add pins recursively")
    cortex("gc")
    check_eq(cortex("cat", cid).returncode, 0, "a pinned file survives gc")
    check_eq(cortex("pin", "rm", cid).returncode, 0, "pin rm")
    cortex("gc")
    check_eq(cortex("cat", cid).returncode, 1, "gone after unpin + gc")


if __name__ == "__main__":
    NPM = npm.install()
    if NPM is None:
        print("0 passed, 0 failed")
        sys.exit(0)
    sys.exit(cxtest.main(budget=280))
