#!/usr/bin/env python3
"""HTTP/2 of `cortex serve`: h2c (prior knowledge and Upgrade), the same
handler suite over HTTP/1.1 and HTTP/2, trailers, flow control with a large
body, limits, abuse (rapid reset, SETTINGS/PING/empty-DATA/CONTINUATION
floods) written as raw frames, and GOAWAY on graceful shutdown.

Peers: curl (--http2, --http2-prior-knowledge), nghttp, and a tiny raw-frame
client below (HPACK literals without indexing, enough to send requests; the
checks on the server's frames only read types, flags and error codes).

Run alone:  CORTEX_BIN=build/cortex python3 tests/integration/test_h2.py [case ...]
"""

import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cxtest  # noqa: E402
from cxtest import Fail, case, check, check_eq, check_in  # noqa: E402

HELLO = b"Hello, World!"
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, PRIORITY, RST, SETTINGS, PUSH, PING, GOAWAY, WINDOW, CONT = range(10)
END_STREAM, ACK, END_HEADERS = 0x1, 0x1, 0x4
NO_ERROR, PROTOCOL_ERROR, ENHANCE_YOUR_CALM = 0x0, 0x1, 0xb


def frame(ftype, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(
        ">I", stream) + payload


def hpack_int(n, prefix_bits, first=0):
    limit = (1 << prefix_bits) - 1
    if n < limit:
        return bytes([first | n])
    out = [first | limit]
    n -= limit
    while n >= 128:
        out.append((n & 127) | 128)
        n >>= 7
    out.append(n)
    return bytes(out)


def hpack(headers):
    """Literal header fields without indexing, new names, no Huffman."""
    out = b""
    for k, v in headers:
        k, v = k.encode(), v.encode()
        out += b"\x00" + hpack_int(len(k), 7) + k + hpack_int(len(v), 7) + v
    return out


def req_headers(method="GET", path="/plaintext", extra=()):
    return [(":method", method), (":scheme", "http"), (":path", path),
            (":authority", "127.0.0.1")] + list(extra)


class H2:
    """A raw HTTP/2 connection."""

    def __init__(self, port, timeout=5.0):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        self.s.sendall(PREFACE + frame(SETTINGS, 0, 0))

    def send(self, data):
        try:
            self.s.sendall(data)
            return True
        except OSError:
            return False

    def read_frame(self, timeout=5.0):
        self.s.settimeout(timeout)
        while len(self.buf) < 9 or len(self.buf) < 9 + int.from_bytes(self.buf[:3], "big"):
            try:
                chunk = self.s.recv(65536)
            except (socket.timeout, OSError):
                return None
            if not chunk:
                return None
            self.buf += chunk
        n = int.from_bytes(self.buf[:3], "big")
        f = (self.buf[3], self.buf[4], int.from_bytes(self.buf[5:9], "big") & 0x7fffffff,
             self.buf[9:9 + n])
        self.buf = self.buf[9 + n:]
        return f

    def until_goaway(self, timeout=5.0):
        """Read frames until GOAWAY (returns its error code) or the end
        (None)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            f = self.read_frame(max(0.1, deadline - time.monotonic()))
            if f is None:
                return None
            if f[0] == GOAWAY:
                return struct.unpack(">II", f[3][:8])[1]
        return None

    def settings(self, timeout=5.0):
        while True:
            f = self.read_frame(timeout)
            if f is None:
                raise Fail("no SETTINGS from the server")
            if f[0] == SETTINGS and not f[1] & ACK:
                p = f[3]
                return {struct.unpack(">H", p[i:i + 2])[0]: struct.unpack(">I", p[i + 2:i + 6])[0]
                        for i in range(0, len(p), 6)}

    def close(self):
        self.s.close()


class S:
    main = None
    lim = None
    slow = None
    www = None
    dir = None


def setup():
    S.dir = tempfile.mkdtemp(prefix="cx-h2-")
    S.www = os.path.join(S.dir, "www")
    os.mkdir(S.www)
    with open(os.path.join(S.www, "big.bin"), "wb") as f:
        f.write(os.urandom(1 << 20) * 16)
    S.slow = cxtest.Server(name="h2-wtimeout", static=S.www, args=[
        "--set", "limits.write_timeout=1s"]).start()
    S.main = cxtest.Server(name="h2-main", args=["--set", "limits.max_body=64MiB"]).start()
    S.lim = cxtest.Server(name="h2-lim", args=[
        "--set", "http2.max_concurrent_streams=8", "--set", "http2.max_header_list=4KiB"]).start()


def teardown():
    if S.dir:
        shutil.rmtree(S.dir, ignore_errors=True)


def before_each():
    for srv in (S.main, S.lim, S.slow):
        if srv and not srv.alive():
            srv.start()


def h2url(srv, path):
    return "http://127.0.0.1:%d%s" % (srv.port, path)


def curl_full(args, timeout=60):
    """curl returning (rc, status, headers dict, body, http_version)."""
    hfile = os.path.join(S.dir, "h.txt")
    rc, out, err = cxtest.curl(["-D", hfile, "-w", "\n%{http_version}"] + args, timeout=timeout)
    body, _, ver = out.rpartition(b"\n")
    status, headers = 0, {}
    if os.path.exists(hfile):
        for line in open(hfile, "rb").read().decode("latin-1").split("\r\n"):
            if line.startswith("HTTP/"):
                status, headers = int(line.split()[1]), {}
            elif ":" in line:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
        os.unlink(hfile)
    return rc, status, headers, body, ver.decode()


# --------------------------------------------------------------------------- cases


@case
def prior_knowledge():
    rc, status, h, body, ver = curl_full(["--http2-prior-knowledge", h2url(S.main, "/plaintext")])
    check_eq((rc, status, body, ver), (0, 200, HELLO, "2"), "h2c prior knowledge")
    check_eq(h.get("content-length"), "13", "content-length")
    check("date" in h and h.get("server") == "cortex", "date and server headers")


@case
def upgrade_h2c():
    rc, status, h, body, ver = curl_full(["--http2", h2url(S.main, "/json")])
    check_eq((rc, status, ver), (0, 200, "2"), "Upgrade: h2c switches to HTTP/2")
    check_eq(json.loads(body), {"message": "Hello, World!"}, "stream 1 answers the request")
    rc, status, h, body, ver = curl_full(["--http2", "-I", h2url(S.main, "/plaintext")])
    check_eq((rc, status, ver), (0, 200, "2"), "HEAD via upgrade")
    check_eq(h.get("content-length"), "13", "HEAD content-length")


SUITE = [
    ("GET", "/plaintext", None),
    ("GET", "/json", None),
    ("POST", "/echo", b"x" * 100000),
    ("PUT", "/echo", b""),
    ("GET", "/stream?n=4", None),
    ("GET", "/stream?n=bad", None),
    ("GET", "/sleep?ms=20", None),
    ("HEAD", "/plaintext", None),
    ("GET", "/no/such/route", None),
    ("DELETE", "/echo", None),
]


@case
def same_suite_h1_and_h2():
    body_file = os.path.join(S.dir, "body")
    for method, path, body in SUITE:
        results = []
        for flag in ("--http1.1", "--http2-prior-knowledge"):
            args = [flag, "-X", method, h2url(S.main, path)]
            if method == "HEAD":
                args = [flag, "-I", h2url(S.main, path)]
            if body is not None:
                with open(body_file, "wb") as f:
                    f.write(body)
                args += ["--data-binary", "@" + body_file, "-H", "Content-Type:"]
            rc, status, h, out, ver = curl_full(args)
            check_eq(rc, 0, "%s %s %s: curl exit" % (flag, method, path))
            results.append((status, h.get("content-type"), out, ver))
        (s1, t1, b1, v1), (s2, t2, b2, v2) = results
        check_eq((v1, v2), ("1.1", "2"), "%s %s: protocols" % (method, path))
        check_eq(s2, s1, "%s %s: same status" % (method, path))
        check_eq(t2, t1, "%s %s: same content type" % (method, path))
        if method != "HEAD":
            check_eq(b2, b1, "%s %s: same body" % (method, path))


@case
def trailers_both_ways():
    if not shutil.which("nghttp"):
        print("      SKIPPED part: nghttp not installed")
        return
    small = os.path.join(S.dir, "small")
    with open(small, "wb") as f:
        f.write(b"hello\n")
    p = subprocess.run(["nghttp", "-v", "-d", small, "--trailer=x-checksum: abc",
                        h2url(S.main, "/echo")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=20)
    out = p.stdout.decode("utf-8", "replace")
    check("x-checksum-echo: abc" in out, "request trailer came back as a response trailer:\n" + out[-800:])
    p = subprocess.run(["nghttp", "-v", h2url(S.main, "/stream?n=3&trailer=1")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=20)
    out = p.stdout.decode("utf-8", "replace")
    check("x-stream-chunks: 3" in out, "streamed response trailer:\n" + out[-800:])


@case
def large_echo_flow_control():
    body = os.urandom(50 * 1024 * 1024)
    path = os.path.join(S.dir, "big")
    with open(path, "wb") as f:
        f.write(body)
    rc, status, h, out, ver = curl_full(["--http2-prior-knowledge", "--data-binary", "@" + path,
                                         h2url(S.main, "/echo")], timeout=120)
    os.unlink(path)
    check_eq((rc, status, ver), (0, 200, "2"), "50 MB echo")
    check(out == body, "echo body intact (%d of %d bytes)" % (len(out), len(body)))


@case
def many_streams_one_connection():
    if not shutil.which("nghttp"):
        return
    urls = ([h2url(S.main, "/plaintext?i=%d" % i) for i in range(30)]
            + [h2url(S.main, "/sleep?ms=50&i=%d" % i) for i in range(10)])
    p = subprocess.run(["nghttp", "-n", "-s"] + urls, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=30)
    out = p.stdout.decode("utf-8", "replace")
    check_eq(p.returncode, 0, "nghttp exit:\n" + out[-600:])
    check_eq(sum(1 for line in out.splitlines() if " 200 " in line), 40,
             "40 streams answered 200")


@case
def settings_announced():
    c = H2(S.lim.port)
    st = c.settings()
    c.close()
    check_eq(st.get(3), 8, "SETTINGS_MAX_CONCURRENT_STREAMS")
    check_eq(st.get(6), 4096, "SETTINGS_MAX_HEADER_LIST_SIZE")
    check_eq(st.get(1), 4096, "SETTINGS_HEADER_TABLE_SIZE")


@case
def header_list_too_large():
    c = H2(S.lim.port)
    big = [("x-big-%d" % i, "v" * 200) for i in range(40)]
    c.send(frame(HEADERS, END_HEADERS | END_STREAM, 1, hpack(req_headers(extra=big))))
    c.send(frame(HEADERS, END_HEADERS | END_STREAM, 3, hpack(req_headers())))
    got = {}
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(got) < 2:
        f = c.read_frame(2)
        if f is None:
            break
        if f[0] == RST:
            got[f[2]] = "rst"
        elif f[0] == HEADERS:
            got[f[2]] = "headers"
    c.close()
    check_eq(got.get(1), "rst", "oversized header list: stream reset")
    check_eq(got.get(3), "headers", "the connection goes on")


def stalled_reader(open_windows):
    """Three streams asking for a 16 MiB file, and then not one byte read.
    With open_windows the client announces huge windows, so the server fills
    the socket (not writable); without, the 64 KiB default windows shut.
    Either way the connection must end about write_timeout (1 s) later."""
    c = H2(S.slow.port)
    if open_windows:
        c.send(frame(SETTINGS, 0, 0, struct.pack(">HI", 4, 0x7fffffff)) +
               frame(WINDOW, 0, 0, struct.pack(">I", 0x7fffffff - 65535)))
    c.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    for sid in (1, 3, 5):
        c.send(frame(HEADERS, END_HEADERS | END_STREAM, sid, hpack(req_headers(path="/big.bin"))))
    time.sleep(3.5)  # write_timeout 1 s, checked every 250 ms; handlers give up at 1 s too
    data, ended, goaway, eof = 0, set(), None, False
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        f = c.read_frame(3)
        if f is None:
            eof = True
            break
        if f[0] == DATA:
            data += len(f[3])
            if f[1] & END_STREAM:
                ended.add(f[2])
        elif f[0] == GOAWAY:
            goaway = struct.unpack(">II", f[3][:8])
    c.close()
    check(eof, "the server closed the connection")
    check(data < 3 * 16 * (1 << 20), "the responses were cut short (%d bytes)" % data)
    check_eq(ended, set(), "no stream finished")
    if not open_windows:
        check(goaway is not None, "GOAWAY sent while the socket still took bytes")
    rc, status, h, body, ver = curl_full(["--http2-prior-knowledge", h2url(S.slow, "/plaintext")])
    check_eq((status, body), (200, HELLO), "server alive after a stalled reader")


@case
def write_timeout_window_shut():
    stalled_reader(open_windows=False)


@case
def write_timeout_socket_full():
    stalled_reader(open_windows=True)


def attack(port, build, what, max_frames=5000):
    """Send attack frames in batches; expect GOAWAY ENHANCE_YOUR_CALM (or
    at least the end of the connection), then a live server."""
    c = H2(port)
    c.settings()
    sent = 0
    code = None
    while sent < max_frames:
        batch = b"".join(build(sent + i) for i in range(100))
        sent += 100
        if not c.send(batch):
            break
    code = c.until_goaway(5.0)
    c.close()
    check_eq(code, ENHANCE_YOUR_CALM, "%s: GOAWAY ENHANCE_YOUR_CALM" % what)
    rc, status, h, body, ver = curl_full(["--http2-prior-knowledge", h2url(S.main, "/plaintext")])
    check_eq((status, body), (200, HELLO), "server alive after %s" % what)


@case
def rapid_reset():
    def build(i):
        sid = 2 * i + 1
        return (frame(HEADERS, END_HEADERS | END_STREAM, sid, hpack(req_headers(path="/sleep?ms=100")))
                + frame(RST, 0, sid, struct.pack(">I", 8)))
    attack(S.main.port, build, "rapid reset (CVE-2023-44487)")


@case
def settings_flood():
    attack(S.main.port, lambda i: frame(SETTINGS, 0, 0), "SETTINGS flood")


@case
def ping_flood():
    attack(S.main.port, lambda i: frame(PING, 0, 0, struct.pack(">Q", i)), "PING flood")


@case
def empty_data_flood():
    first = [True]

    def build(i):
        out = b""
        if first[0]:
            first[0] = False
            out = frame(HEADERS, END_HEADERS, 1, hpack(req_headers("POST", "/echo")))
        return out + frame(DATA, 0, 1)
    attack(S.main.port, build, "empty DATA flood")


@case
def continuation_flood():
    first = [True]

    def build(i):
        if first[0]:
            first[0] = False
            return frame(HEADERS, 0, 1, hpack(req_headers()))
        return frame(CONT, 0, 1, hpack([("x-c%d" % i, "v")]))
    c = H2(S.main.port)
    c.settings()
    for i in range(20):
        if not c.send(b"".join(build(i * 50 + j) for j in range(50))):
            break
    code = c.until_goaway(5.0)
    c.close()
    check_eq(code, ENHANCE_YOUR_CALM, "CONTINUATION flood: GOAWAY ENHANCE_YOUR_CALM")
    rc, status, h, body, ver = curl_full(["--http2-prior-knowledge", h2url(S.main, "/plaintext")])
    check_eq((status, body), (200, HELLO), "server alive after CONTINUATION flood")


@case
def bad_frames_protocol_error():
    c = H2(S.main.port)
    c.settings()
    # DATA on stream 0 is a connection error.
    c.send(frame(DATA, 0, 0, b"x"))
    code = c.until_goaway(5.0)
    c.close()
    check_eq(code, PROTOCOL_ERROR, "DATA on stream 0: GOAWAY PROTOCOL_ERROR")


@case
def priorities_ignored():
    c = H2(S.main.port)
    c.settings()
    c.send(frame(PRIORITY, 0, 5, struct.pack(">IB", 3, 200)) +
           frame(HEADERS, END_HEADERS | END_STREAM | 0x20, 1,
                 struct.pack(">IB", 0x80000005, 10) + hpack(req_headers())))
    got = None
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        f = c.read_frame(2)
        if f is None:
            break
        if f[0] == DATA and f[2] == 1:
            got = f[3]
            break
    c.close()
    check_eq(got, HELLO, "a request with priority information is answered")


@case
def goaway_on_shutdown():
    srv = cxtest.Server(name="h2-stop").start()
    try:
        c = H2(srv.port)
        c.settings()
        c.send(frame(HEADERS, END_HEADERS | END_STREAM, 1, hpack(req_headers(path="/sleep?ms=500"))))
        time.sleep(0.1)
        srv.signal(signal.SIGTERM)
        got_goaway, got_data = None, False
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            f = c.read_frame(2)
            if f is None:
                break
            if f[0] == GOAWAY:
                got_goaway = struct.unpack(">II", f[3][:8])
            if f[0] == DATA and f[2] == 1 and f[1] & END_STREAM:
                got_data = True
        c.close()
        check(got_goaway is not None, "GOAWAY on SIGTERM")
        check_eq(got_goaway[1], NO_ERROR, "GOAWAY NO_ERROR")
        check(got_data, "the stream in flight was finished")
        check_eq(srv.wait(10), 0, "clean exit")
    finally:
        srv.kill()


if __name__ == "__main__":
    if not shutil.which("curl"):
        print("SKIPPED: curl is needed")
        print("0 passed, 0 failed")
        sys.exit(0)
    sys.exit(cxtest.main(setup=setup, teardown=teardown, before_each=before_each, budget=150.0))
