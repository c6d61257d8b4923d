#!/usr/bin/env python3
"""cx_ipfs_client (src/ipfs/client.c) against a real Kubo-RPC server, Cortex's
own `cortex ipfs serve`, driven through examples/ipfs_client: version, id,
add (bytes and a streamed 3 MB file, whose root CID must equal `cortex ipfs
add -n`), cat (buffered, ranged, over the max_cat limit, streamed and
compared byte for byte), block put/get (raw v1 and dag-pb v0, verified),
pin add/ls/rm, and the error paths (an invalid CID gives Kubo's message, a
missing block CX_ENOTFOUND, nobody listening a connect error)."""
import os
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cxtest  # noqa: E402
from cxtest import case, check, check_eq  # noqa: E402

TMP = tempfile.mkdtemp(prefix="cx-ipfs-client-")
REPO = os.path.join(TMP, "repo")
srv = None


def example():
    build = os.environ.get("CX_BUILD_DIR") or os.path.join(cxtest.ROOT, "build")
    return os.path.join(build, "example_ipfs_client")


def setup():
    global srv
    srv = cxtest.Server(name="ipfs", argv=lambda port: [
        cxtest.cortex_bin(), "ipfs", "serve", "--host", cxtest.HOST, "--port", str(port),
        "--threads", "1", "--repo", REPO]).start()


def teardown():
    if srv:
        srv.stop()
    shutil.rmtree(TMP, ignore_errors=True)


@case
@cxtest.timeout(60)
def selftest_against_cortex_rpc():
    big = os.path.join(TMP, "big.bin")
    with open(big, "wb") as f:
        f.write(random.Random(5).randbytes(3000000))
    r = subprocess.run([example(), "http://%s:%d" % (cxtest.HOST, srv.port), "--selftest", big],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    out = r.stdout.decode()
    cxtest.note("recv", out.encode())
    check_eq(r.returncode, 0, "example exit status (output: %s)" % out[-1500:])
    check("FAIL" not in out, "no failed check")
    for what in ("ok add \"hello world\\n\" -> QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o",
                 "ok cat of an invalid CID: Invalid argument (invalid CID:",
                 "ok block/get of a missing block: not found",
                 "ok cat over max_cat: limit exceeded",
                 "ok cat_stream gives the file back (3000000 bytes)",
                 "ok pin/add of a missing DAG fails"):
        check(what in out, "output has %r" % what)
    want = subprocess.run([cxtest.cortex_bin(), "ipfs", "add", "-n", big, "--repo", REPO],
                          stdout=subprocess.PIPE, timeout=60).stdout.decode().strip()
    check("root %s\n" % want in out, "add_file gives the CID of `cortex ipfs add` (%s)" % want)


@case
@cxtest.timeout(30)
def nobody_listening():
    port = cxtest.free_port()
    r = subprocess.run([example(), "http://%s:%d" % (cxtest.HOST, port)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    check_eq(r.returncode, 1, "exit status")
    check(b"FAIL version" in r.stdout, "the first call fails: %r" % r.stdout[-300:])


if __name__ == "__main__":
    if not os.path.exists(example()):
        print("SKIPPED: %s not built (CX_EXAMPLES off?)" % example())
        print("0 passed, 0 failed")
        sys.exit(0)
    sys.exit(cxtest.main(setup=setup, teardown=teardown, budget=100))
