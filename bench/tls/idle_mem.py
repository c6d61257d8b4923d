#!/usr/bin/env python3
"""Memory of idle TLS keep-alive connections on `cortex serve`.

Starts the server (TLS, the given cert/key), opens N connections with
Python's ssl module, makes one request on each (HTTP/1.1, or h2 by ALPN with
--h2: preface, SETTINGS, one GET), leaves them all open, and reports the
server's RSS growth divided by N. A warm-up batch first, so that one-time
allocations (worker arenas, the TLS context) are not counted.

  idle_mem.py CORTEX_BIN CERT KEY [-n 1000] [--h2] [--port 0]
"""
import argparse
import os
import socket
import ssl
import subprocess
import sys
import time


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def h2_get(streams=1):
    # SETTINGS (empty), then HEADERS END_STREAM|END_HEADERS for GET /plaintext
    # with static-table indexes: :method GET (2), :scheme https (7), :path / (4)
    # and :authority as a literal without indexing (name index 1).
    settings = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
    auth = b"localhost"
    block = b"\x82\x87\x84" + b"\x01" + bytes([len(auth)]) + auth
    out = H2_PREFACE + settings
    for i in range(streams):
        out += len(block).to_bytes(3, "big") + b"\x01\x05" + (2 * i + 1).to_bytes(4, "big") + block
    return out


def open_conns(ctx, port, n, h2, streams=1):
    conns = []
    for _ in range(n):
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        s = ctx.wrap_socket(raw, server_hostname="localhost")
        if h2:
            s.sendall(h2_get(streams))
            got = b""
            last = b"\x00\x01" + (2 * streams - 1).to_bytes(4, "big")
            while last not in got:  # DATA with END_STREAM on the last stream
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
        else:
            s.sendall(b"GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n")
            got = b""
            while b"Hello, World!" not in got:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
        conns.append(s)
    return conns


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cortex")
    ap.add_argument("cert")
    ap.add_argument("key")
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--h2", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--streams", type=int, default=1, help="requests per h2 connection first")
    a = ap.parse_args()
    port = free_port()
    wrap = os.environ.get("CX_WRAP", "").split()  # e.g. a heap profiler
    proc = subprocess.Popen(wrap + [a.cortex, "serve", "--port", str(port), "--threads", str(a.threads),
                             "--tls-cert", a.cert, "--tls-key", a.key,
                             "--set", "limits.idle_timeout=10m", "--set", "log.level=error"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_alpn_protocols(["h2"] if a.h2 else ["http/1.1"])
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        warm = open_conns(ctx, port, min(200, a.n), a.h2, a.streams)
        for s in warm:
            s.close()
        time.sleep(0.5)
        before = rss_kib(proc.pid)
        conns = open_conns(ctx, port, a.n, a.h2, a.streams)
        time.sleep(1.0)
        after = rss_kib(proc.pid)
        per = (after - before) * 1024 / a.n
        print("%s idle TLS connections: %d  RSS before %d KiB, after %d KiB: %.1f KiB each" %
              ("h2" if a.h2 else "http/1.1", a.n, before, after, per / 1024))
        for s in conns:
            s.close()
        time.sleep(1.0)
        print("  after closing them all: RSS %d KiB (what stays: caches, allocator)" %
              rss_kib(proc.pid))
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    sys.exit(main())
