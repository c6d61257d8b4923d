#!/usr/bin/env python3
"""`cortex ipfs serve`: the path gateway (GET/HEAD /ipfs/{cid}[/path],
immutable caching, ETag/If-None-Match, ranges, X-Ipfs-Path/-Roots, raw
block responses, directories, 400/404, damaged blocks never served) over
raw HTTP and curl, and the Kubo RPC subset driven by kubo-rpc-client
(that case SKIPs when npm is unreachable)."""
import glob
import hashlib
import os
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ipfs"))
import cxtest  # noqa: E402
from cxtest import case, check, check_eq, request  # noqa: E402
import npm  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TMP = tempfile.mkdtemp(prefix="cx-ipfs-gw-")
REPO = os.path.join(TMP, "repo")
IMMUTABLE = "public, max-age=29030400, immutable"
HELLO = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
srv = None
site = {}


def cortex(*args):
    r = subprocess.run([cxtest.cortex_bin(), "ipfs"] + list(args) + ["--repo", REPO], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    check(r.returncode == 0, "cortex ipfs %s: %s" % (" ".join(args), r.stderr.decode()))
    return r.stdout.decode().strip()


def get(path, headers=None, method="GET"):
    return request(srv.port, method, path, headers=headers, timeout=10)


def setup():
    global srv
    d = os.path.join(TMP, "site")
    os.makedirs(os.path.join(d, "sub"))
    os.makedirs(os.path.join(d, "www"))
    with open(os.path.join(d, "sub", "hello.txt"), "wb") as f:
        f.write(b"hello world\n")
    with open(os.path.join(d, "www", "index.html"), "wb") as f:
        f.write(b"<!doctype html><p>home</p>\n")
    big = random.Random(7).randbytes(1000003)
    with open(os.path.join(d, "big.bin"), "wb") as f:
        f.write(big)
    site["big"] = big
    site["root"] = cortex("add", d)
    site["bigcid"] = cortex("add", os.path.join(d, "big.bin"))
    with open(os.path.join(TMP, "lonely"), "wb") as f:
        f.write(b"a file that will be damaged\n")
    site["damaged"] = cortex("add", "--cid-version", "1", os.path.join(TMP, "lonely"))
    for path in glob.glob(os.path.join(REPO, "blocks", "*", "*.data")):
        with open(path, "rb") as f:
            if f.read() == b"a file that will be damaged\n":
                with open(path, "wb") as w:
                    w.write(b"a file that WILL be damaged\n")
    srv = cxtest.Server(name="ipfs", argv=lambda port: [
        cxtest.cortex_bin(), "ipfs", "serve", "--host", cxtest.HOST, "--port", str(port),
        "--threads", "2", "--repo", REPO]).start()


def teardown():
    if srv:
        srv.stop()
    shutil.rmtree(TMP, ignore_errors=True)


@case
def file_with_immutable_headers():
    r = get("/ipfs/%s/sub/hello.txt" % site["root"])
    check_eq(r.status, 200, "status")
    check_eq(r.body, b"hello world\n", "body")
    check_eq(r.header("cache-control"), IMMUTABLE, "Cache-Control")
    check_eq(r.header("etag"), '"%s"' % HELLO, "ETag")
    check_eq(r.header("content-type"), "text/plain; charset=utf-8", "Content-Type")
    check_eq(r.header("x-ipfs-path"), "/ipfs/%s/sub/hello.txt" % site["root"], "X-Ipfs-Path")
    roots = r.header("x-ipfs-roots").split(",")
    check_eq(len(roots), 3, "X-Ipfs-Roots has one CID per path segment")
    check_eq(roots[0], site["root"], "first root")
    check_eq(roots[2], HELLO, "last root")


@case
def head_and_if_none_match():
    r = get("/ipfs/%s" % site["bigcid"], method="HEAD")
    check_eq(r.status, 200, "HEAD status")
    check_eq(r.header("content-length"), str(len(site["big"])), "HEAD Content-Length")
    check_eq(r.body, b"", "HEAD has no body")
    r = get("/ipfs/%s" % site["bigcid"], headers={"If-None-Match": '"%s"' % site["bigcid"]})
    check_eq(r.status, 304, "If-None-Match with the CID")
    check_eq(r.header("etag"), '"%s"' % site["bigcid"], "ETag on 304")
    r = get("/ipfs/%s" % site["bigcid"], headers={"If-None-Match": '"other", W/"%s"' % site["bigcid"]})
    check_eq(r.status, 304, "weak match in a list")


@case
def big_file_and_ranges():
    r = get("/ipfs/%s" % site["bigcid"])
    check_eq(r.status, 200, "status")
    check(r.body == site["big"], "the whole 1000003-byte file streams intact")
    check_eq(r.header("content-type"), "application/octet-stream", "sniffed binary type")
    r = get("/ipfs/%s" % site["bigcid"], headers={"Range": "bytes=262140-262150"})
    check_eq(r.status, 206, "range status")
    check_eq(r.body, site["big"][262140:262151], "range across a leaf boundary")
    check_eq(r.header("content-range"), "bytes 262140-262150/1000003", "Content-Range")
    r = get("/ipfs/%s" % site["bigcid"], headers={"Range": "bytes=-5"})
    check_eq(r.body, site["big"][-5:], "suffix range")
    r = get("/ipfs/%s" % site["bigcid"], headers={"Range": "bytes=2000000-"})
    check_eq(r.status, 416, "unsatisfiable range")
    check_eq(r.header("content-range"), "bytes */1000003", "416 Content-Range")


@case
def raw_block_responses():
    for path, hdrs in (("/ipfs/%s?format=raw" % HELLO, None),
                       ("/ipfs/%s" % HELLO, {"Accept": "application/vnd.ipld.raw"})):
        r = get(path, headers=hdrs)
        check_eq(r.status, 200, "raw status")
        check_eq(r.header("content-type"), "application/vnd.ipld.raw", "raw Content-Type")
        check_eq(r.body, b"\x0a\x12\x08\x02\x12\x0chello world\n\x18\x0c", "the block's bytes")
        check_eq(r.header("etag"), '"%s.raw"' % HELLO, "raw ETag")
        check_eq(r.header("x-content-type-options"), "nosniff", "nosniff")
    r = get("/ipfs/%s?format=tar" % HELLO)
    check_eq(r.status, 400, "unsupported format")


@case
def directories():
    r = get("/ipfs/%s/sub" % site["root"])
    check_eq(r.status, 301, "redirect to the slash form")
    check_eq(r.header("location"), "/ipfs/%s/sub/" % site["root"], "Location")
    r = get("/ipfs/%s/sub/" % site["root"])
    check_eq(r.status, 200, "listing")
    check(b'href="./hello.txt"' in r.body and HELLO.encode() in r.body, "listing names the file")
    r = get("/ipfs/%s/www/" % site["root"])
    check_eq(r.body, b"<!doctype html><p>home</p>\n", "index.html served for its directory")
    check_eq(r.header("content-type"), "text/html; charset=utf-8", "index.html type")


@case
def errors():
    r = get("/ipfs/not-a-cid")
    check_eq(r.status, 400, "invalid CID")
    check(b"invalid CID" in r.body, "the reason is given")
    r = get("/ipfs/QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n")
    check_eq(r.status, 404, "missing block")
    r = get("/ipfs/%s/nope.txt" % site["root"])
    check_eq(r.status, 404, "missing name")
    r = get("/ipfs/%s" % site["damaged"])
    check(r.status >= 500 and b"a file that" not in r.body, "a damaged block is not served (%d)" % r.status)
    r = get("/ipfs/%s?format=raw" % site["damaged"])
    check(r.status >= 500 and b"a file that" not in r.body, "nor as a raw block")


@case
def curl_client():
    if not shutil.which("curl"):
        cxtest.note("note", "curl not installed; skipped")
        return
    out = subprocess.run(["curl", "-sS", "-D", "-", "http://%s:%d/ipfs/%s/sub/hello.txt"
                          % (cxtest.HOST, srv.port, site["root"])], stdout=subprocess.PIPE, timeout=10)
    text = out.stdout.decode("latin-1")
    check("200 OK" in text and text.endswith("hello world\n"), "curl gets the file")
    check("X-Ipfs-Roots:" in text, "curl sees X-Ipfs-Roots")


@case
def rpc_basics():
    r = get("/api/v0/version", method="POST")
    check_eq(r.status, 200, "POST version")
    check(b'"Version"' in r.body, "version body")
    r = get("/api/v0/version")
    check_eq(r.status, 405, "GET is refused, as Kubo does")
    r = get("/api/v0/cat?arg=junk", method="POST")
    check_eq(r.status, 400, "bad arg")
    check(b'"Type":"error"' in r.body, "Kubo-style error body")
    body = (b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"h.txt\"\r\n"
            b"Content-Type: application/octet-stream\r\n\r\nhello world\n\r\n--XyZ--\r\n")
    r = request(srv.port, "POST", "/api/v0/add", headers={
        "Content-Type": "multipart/form-data; boundary=XyZ"}, body=body)
    check_eq(r.status, 200, "add status")
    check(('"Hash":"%s"' % HELLO).encode() in r.body and b'"Name":"h.txt"' in r.body,
          "add answers Name/Hash/Size: %r" % r.body)


@case
def rpc_upload_limit():
    small = cxtest.Server(name="ipfs-small", argv=lambda port: [
        cxtest.cortex_bin(), "ipfs", "serve", "--host", cxtest.HOST, "--port", str(port),
        "--threads", "1", "--repo", REPO, "--max-upload", "1000"]).start()
    try:
        body = (b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n\r\n"
                + b"x" * 2000 + b"\r\n--XyZ--\r\n")
        r = request(small.port, "POST", "/api/v0/add", headers={
            "Content-Type": "multipart/form-data; boundary=XyZ"}, body=body)
        check_eq(r.status, 413, "an upload over --max-upload")
    finally:
        small.stop()


def vm_hwm_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


@case
@cxtest.timeout(90)
def rpc_add_streams_in_constant_memory():
    if not shutil.which("curl"):
        cxtest.note("note", "curl not installed; skipped")
        return
    size = 96 << 20
    path = os.path.join(TMP, "upload.bin")
    with open(path, "wb") as f:
        rnd = random.Random(11)
        for _ in range(size >> 20):
            f.write(rnd.randbytes(1 << 20))
    want = cortex("add", "-n", "--cid-version", "1", path)
    before = vm_hwm_kib(srv.proc.pid)
    out = subprocess.run(["curl", "-sS", "-XPOST", "-F", "file=@%s;filename=upload.bin" % path,
                          "-F", "file=@%s;filename=hello.txt" % os.path.join(TMP, "lonely"),
                          "http://%s:%d/api/v0/add?cid-version=1" % (cxtest.HOST, srv.port)],
                         stdout=subprocess.PIPE, timeout=80)
    lines = out.stdout.decode().splitlines()
    check_eq(len(lines), 2, "one answer line per file: %r" % out.stdout[:300])
    check(('"Hash":"%s"' % want) in lines[0] and '"Name":"upload.bin"' in lines[0],
          "the 96 MiB upload gets the CLI's CID: %s" % lines[0])
    grown = vm_hwm_kib(srv.proc.pid) - before
    cxtest.note("note", "peak RSS grew by %d KiB during a %d MiB upload" % (grown, size >> 20))
    check(grown < 32 * 1024, "memory stays bounded (peak grew %d KiB)" % grown)
    r = request(srv.port, "POST", "/api/v0/add", headers={
        "Content-Type": "multipart/form-data; boundary=XyZ"}, body=b"--XyZ\r\nbroken")
    check_eq(r.status, 400, "a truncated multipart body")


@case
@cxtest.timeout(90)
def kubo_rpc_client_round_trip():
    d = npm.install()
    if d is None:
        cxtest.note("note", "SKIPPED: npm unreachable")
        print("SKIPPED kubo_rpc_client_round_trip: npm unreachable")
        return
    r = subprocess.run(["node", os.path.join(HERE, "..", "ipfs", "rpc_client.mjs"),
                        "http://%s:%d" % (cxtest.HOST, srv.port)], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=80, env=dict(os.environ, CX_IPFS_NPM=d))
    out = r.stdout.decode()
    cxtest.note("note", out)
    check(r.returncode == 0 and out.rstrip().endswith("done"), "kubo-rpc-client:\n%s" % out[-1500:])


if __name__ == "__main__":
    sys.exit(cxtest.main(setup=setup, teardown=teardown, budget=170))
