#!/usr/bin/env python3
"""HTTP/1.1 behaviour of `cortex serve`, over real sockets.

Two servers run for the whole file: MAIN with default limits and a --static
directory, and LIM with small limits and short timeouts set through CORTEX_*
environment variables (which also checks that those variables are applied).
A server that dies is restarted before the next case, and the case that
killed it fails on its own liveness check.

Run alone:  CORTEX_BIN=build/cortex python3 tests/integration/test_http1.py [case ...] [-k SUBSTR]
"""

import json
import os
import random
import re
import shutil
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cxtest  # noqa: E402
from cxtest import Closed, Fail, build, case, check, check_eq, check_in, chunked  # noqa: E402

HELLO = b"Hello, World!"
DATE_RE = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} "
                     r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$")

# LIM's settings. Timeouts are short so that the cases that wait for them
# stay short; the checks allow generous slack above them.
LIM_ENV = {
    "CORTEX_LIMITS_MAX_REQUEST_LINE": "1024",
    "CORTEX_LIMITS_MAX_HEADER_BYTES": "4096",
    "CORTEX_LIMITS_MAX_HEADERS": "20",
    "CORTEX_LIMITS_MAX_BODY": "65536",
    "CORTEX_LIMITS_HEADER_TIMEOUT": "1s",
    "CORTEX_LIMITS_BODY_TIMEOUT": "1s",
    "CORTEX_LIMITS_IDLE_TIMEOUT": "1s",
}
LIM_TIMEOUT = 1.0
SLACK = 4.0  # seconds allowed above a configured timeout on a busy machine


class State:
    main = None
    lim = None
    static_dir = None
    files = {}


S = State()


def setup():
    d = tempfile.mkdtemp(prefix="cx-it-static-")
    S.static_dir = d
    rnd = random.Random(7)
    S.files = {
        "index.html": b"<!doctype html><title>cortex</title><h1>index</h1>\n",
        "hello.txt": b"hello from a static file\n",
        "sub/index.html": b"<p>sub index</p>\n",
        "data.bin": rnd.randbytes(100000),
    }
    for name, data in S.files.items():
        path = os.path.join(d, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    S.main = cxtest.Server(static=d, name="main").start()
    S.lim = cxtest.Server(env=LIM_ENV, name="lim").start()


def teardown():
    for srv in (S.main, S.lim):
        if srv:
            code = srv.stop()
            if code != 0:
                raise Fail("server %s exited with %s on SIGTERM; log tail:\n%s"
                           % (srv.name, code, srv.log_tail()))
    if S.static_dir:
        shutil.rmtree(S.static_dir, ignore_errors=True)


def before_each():
    # A crash in one case must not fail every later one.
    for attr in ("main", "lim"):
        srv = getattr(S, attr)
        if not srv.alive():
            cxtest.note("note", "restarting %s (it exited with %s)" % (srv.name, srv.proc.returncode))
            fresh = cxtest.Server(env=srv.env_extra, static=srv.static, name=srv.name).start()
            setattr(S, attr, fresh)


def get(path, srv=None, method="GET", headers=(), body=b"", version="HTTP/1.1", timeout=5.0):
    srv = srv or S.main
    hdrs = list(headers)
    if not any(k.lower() == "connection" for k, _ in hdrs):
        hdrs.append(("Connection", "close"))
    with srv.connect(timeout=timeout) as c:
        c.send(build(method, path, hdrs, body, version))
        return c.response(head=(method == "HEAD"), timeout=timeout)


def std_headers(r, what):
    """Every response carries Date (IMF-fixdate) and Server."""
    date = r.header("Date")
    check(date is not None, "%s: no Date header in %r" % (what, r.headers))
    check(DATE_RE.match(date) is not None, "%s: Date %r is not an IMF-fixdate" % (what, date))
    check(r.header("Server"), "%s: no Server header in %r" % (what, r.headers))
    check_eq(len(r.header_all("Date")), 1, "%s: number of Date headers" % what)


def content_type(r):
    return (r.header("Content-Type") or "").split(";")[0].strip().lower()


def problem(r, status, what):
    """An RFC 9457 problem document with the given status."""
    check_eq(content_type(r), "application/problem+json", "%s: Content-Type" % what)
    try:
        doc = json.loads(r.body)
    except ValueError:
        raise Fail("%s: problem body is not JSON: %s" % (what, cxtest.show(r.body)))
    check(isinstance(doc, dict), "%s: problem body is not an object" % what)
    for key in ("type", "title", "status", "detail"):
        check(key in doc, "%s: problem body lacks %r: %r" % (what, key, doc))
    check_eq(doc["status"], status, "%s: problem 'status' member" % what)
    return doc


def allow_set(r):
    return {t.upper() for t in r.tokens("Allow")}


# ==========================================================================
# Routes


@case
def plaintext():
    r = get("/plaintext")
    check_eq(r.status, 200, "status")
    check_eq(r.body, HELLO, "body")
    check_eq(content_type(r), "text/plain", "Content-Type")
    check_eq(r.header("Content-Length"), "13", "Content-Length")
    check_eq(r.version, "HTTP/1.1", "version")
    std_headers(r, "GET /plaintext")


@case
def json_route():
    r = get("/json")
    check_eq(r.status, 200, "status")
    check_eq(content_type(r), "application/json", "Content-Type")
    check_eq(json.loads(r.body), {"message": "Hello, World!"}, "JSON body")
    std_headers(r, "GET /json")


@case
def echo_post_and_put():
    for method in ("POST", "PUT"):
        body = b"some body \x00\xff\r\n bytes"
        r = get("/echo", method=method, body=body)
        check_eq(r.status, 200, "%s /echo status" % method)
        check_eq(r.body, body, "%s /echo body" % method)
        check_eq(content_type(r), "application/octet-stream", "%s /echo Content-Type" % method)
        std_headers(r, "%s /echo" % method)


@case
def echo_all_byte_values():
    body = bytes(range(256)) * 64
    r = get("/echo", method="POST", body=body)
    check_eq(r.status, 200, "status")
    check(r.body == body, "echoed body differs (%d bytes back, %d sent)" % (len(r.body), len(body)))


@case
def echo_empty_body():
    r = get("/echo", method="POST", headers=[("Content-Length", "0")])
    check_eq(r.status, 200, "status")
    check_eq(r.body, b"", "body")


@case
def echo_without_length_is_empty():
    # No Content-Length and no Transfer-Encoding: a request has no body.
    with S.main.connect() as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: t\r\n\r\nGET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n")
        r1 = c.response()
        r2 = c.response()
    check_eq(r1.status, 200, "POST /echo status")
    check_eq(r1.body, b"", "POST /echo body")
    check_eq((r2.status, r2.body), (200, HELLO), "the next request is a request, not body")


@case
def echo_one_mebibyte_streamed():
    # The server echoes while the client still sends: send from a thread.
    body = random.Random(3).randbytes(1 << 20)
    with S.main.connect(timeout=20) as c:
        head = b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % len(body)
        cxtest.note("sent", head + b"<1 MiB of random bytes>")
        errors = []

        def sender():
            try:
                c.sock.sendall(head + body)
            except OSError as e:
                errors.append(e)

        t = threading.Thread(target=sender, daemon=True)
        t.start()
        saved = cxtest._transcript[:]
        r = c.response(timeout=20)
        cxtest._transcript[:] = saved  # keep the report readable
        t.join(10)
    check(not errors, "sending failed: %s" % errors)
    check_eq(r.status, 200, "status")
    check(r.body == body, "echoed 1 MiB differs (%d bytes back)" % len(r.body))


@case
def stream_is_chunked():
    r = get("/stream")
    check_eq(r.status, 200, "status")
    te = r.tokens("Transfer-Encoding")
    check(te and te[-1] == "chunked", "Transfer-Encoding %r, expected chunked" % r.header("Transfer-Encoding"))
    check(not r.has("Content-Length"), "chunked response also has Content-Length")
    check(len(r.chunks) >= 2, "expected several chunks, got sizes %r" % r.chunks)
    check(len(r.body) > 0, "empty stream body")
    std_headers(r, "GET /stream")


@case
def stream_to_http10_is_not_chunked():
    ref = get("/stream").body
    r = get("/stream", version="HTTP/1.0")
    check_eq(r.status, 200, "status")
    check(not r.tokens("Transfer-Encoding"),
          "chunked sent to an HTTP/1.0 client: %r" % r.header("Transfer-Encoding"))
    check_eq(r.body, ref, "body (delimited by Content-Length or close)")


@case
def sleep_route():
    t0 = time.monotonic()
    r = get("/sleep?ms=200")
    check_eq(r.status, 200, "status")
    check_eq(r.body.strip(), b"slept 200", "body")
    check(time.monotonic() - t0 >= 0.19, "answered before the sleep ended")


@case
def sleep_does_not_block_other_requests():
    # Coroutine sleep: other connections on the same threads keep going.
    with S.main.connect() as slow:
        slow.send(b"GET /sleep?ms=1500 HTTP/1.1\r\nHost: t\r\n\r\n")
        t0 = time.monotonic()
        for _ in range(10):
            r = get("/plaintext")
            check_eq(r.status, 200, "status during a sleep")
        check(time.monotonic() - t0 < 1.4, "requests waited for the sleeping one")
        r = slow.response(timeout=10)
        check_eq(r.status, 200, "sleep status")


@case
def bad_sleep_argument():
    r = get("/sleep?ms=abc")
    check_eq(r.status, 400, "status for ms=abc")
    std_headers(r, "GET /sleep?ms=abc")


# ==========================================================================
# Static files


@case
def static_index_and_files():
    r = get("/")
    check_eq((r.status, r.body), (200, S.files["index.html"]), "GET /")
    check_eq(content_type(r), "text/html", "Content-Type of /")
    r = get("/hello.txt")
    check_eq((r.status, r.body), (200, S.files["hello.txt"]), "GET /hello.txt")
    check_eq(content_type(r), "text/plain", "Content-Type of /hello.txt")
    std_headers(r, "static file")
    r = get("/sub/")
    check_eq((r.status, r.body), (200, S.files["sub/index.html"]), "GET /sub/")
    r = get("/sub")
    check_eq(r.status, 301, "GET /sub (directory without slash)")
    check_eq(r.header("Location"), "/sub/", "Location")
    r = get("/data.bin")
    check_eq(r.status, 200, "GET /data.bin")
    check(r.body == S.files["data.bin"], "100 kB file differs (%d bytes)" % len(r.body))


@case
def static_head_and_range():
    r = get("/data.bin", method="HEAD")
    check_eq(r.status, 200, "HEAD status")
    check_eq(r.header("Content-Length"), "100000", "HEAD Content-Length")
    r = get("/hello.txt", headers=[("Range", "bytes=0-4")])
    check_eq(r.status, 206, "Range status")
    check_eq(r.body, S.files["hello.txt"][:5], "Range body")


@case
def static_traversal_is_404():
    for path in ("/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                 "/sub/..%2f..%2f..%2fetc/passwd", "/sub/../hello.txt", "/missing.txt"):
        r = get(path)
        check_in(r.status, (400, 404), "status for %s" % path)
        check(b"root:" not in r.body, "%s leaked /etc/passwd" % path)
        if r.status == 404:
            problem(r, 404, "GET %s" % path)


# ==========================================================================
# Methods, errors, standard headers


@case
def head_matches_get():
    for path in ("/plaintext", "/json", "/hello.txt"):
        g = get(path)
        with S.main.connect() as c:
            # A body after HEAD would be read as the next response's head.
            c.send(build("HEAD", path) + build("GET", "/plaintext", [("Connection", "close")]))
            h = c.response(head=True)
            after = c.response()
        check_eq(h.status, g.status, "HEAD %s status" % path)
        # GET asked for Connection: close and HEAD did not: compare the rest.
        gn = {k.lower() for k, _ in g.headers} - {"date", "connection"}
        hn = {k.lower() for k, _ in h.headers} - {"date", "connection"}
        check_eq(hn, gn, "HEAD %s header names (GET had these)" % path)
        check_eq(h.header("Content-Length"), g.header("Content-Length"), "HEAD %s Content-Length" % path)
        check_eq(h.header("Content-Type"), g.header("Content-Type"), "HEAD %s Content-Type" % path)
        check_eq((after.status, after.body), (200, HELLO),
                 "the response after HEAD %s (a HEAD body would corrupt it)" % path)
        std_headers(h, "HEAD %s" % path)


@case
def head_stream_has_no_body():
    with S.main.connect() as c:
        c.send(build("HEAD", "/stream") + build("GET", "/plaintext", [("Connection", "close")]))
        h = c.response(head=True)
        after = c.response()
    check_eq(h.status, 200, "HEAD /stream status")
    check_eq((after.status, after.body), (200, HELLO), "response after HEAD /stream")


@case
def not_found_is_problem_json():
    for srv, label in ((S.lim, "router 404"), (S.main, "static 404")):
        r = get("/no/such/path", srv=srv)
        check_eq(r.status, 404, "%s status" % label)
        problem(r, 404, label)
        std_headers(r, label)


@case
def wrong_method_is_405_with_allow():
    r = get("/plaintext", method="DELETE")
    check_eq(r.status, 405, "DELETE /plaintext")
    check("GET" in allow_set(r), "Allow for /plaintext lacks GET: %r" % r.header("Allow"))
    std_headers(r, "405")
    r = get("/plaintext", method="POST", body=b"xyz", srv=S.lim)
    check_eq(r.status, 405, "POST /plaintext")
    # On LIM: with --static (MAIN), every GET path belongs to the static files.
    r = get("/echo", srv=S.lim)
    check_eq(r.status, 405, "GET /echo")
    check({"POST", "PUT"} <= allow_set(r), "Allow for /echo lacks POST or PUT: %r" % r.header("Allow"))
    r = get("/json", method="PATCH", srv=S.lim)
    check_eq(r.status, 405, "PATCH /json")
    check(r.has("Allow"), "405 without Allow")


@case
def options_is_204_with_allow():
    for path, want in (("/plaintext", {"GET"}), ("/echo", {"POST", "PUT"}), ("/json", {"GET"})):
        r = get(path, method="OPTIONS")
        check_eq(r.status, 204, "OPTIONS %s" % path)
        check(want <= allow_set(r), "OPTIONS %s Allow %r lacks %r" % (path, r.header("Allow"), want))
        check_eq(r.body, b"", "OPTIONS %s body" % path)
        std_headers(r, "OPTIONS %s" % path)


@case
def unknown_method_is_answered():
    # A well-formed but unknown method: 405 (known path) or 404/501; never a crash.
    r = get("/plaintext", method="FROBNICATE")
    check_in(r.status, (405, 501), "FROBNICATE /plaintext")
    std_headers(r, "unknown method")


@case
def query_string_is_ignored_by_routes():
    r = get("/plaintext?a=1&b=%20x")
    check_eq((r.status, r.body), (200, HELLO), "GET /plaintext?query")


@case
def absolute_form_target():
    with S.main.connect() as c:
        c.send(b"GET http://127.0.0.1/plaintext HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        r = c.response()
    check_eq((r.status, r.body), (200, HELLO), "absolute-form GET")


@case
def header_names_case_insensitive():
    with S.main.connect() as c:
        c.send(b"POST /echo HTTP/1.1\r\nhOsT: t\r\ncontent-LENGTH: 3\r\nCONNECTION: close\r\n\r\nabc")
        r = c.response()
    check_eq((r.status, r.body), (200, b"abc"), "mixed-case header names")


@case
def leading_empty_lines_are_skipped():
    with S.main.connect() as c:
        c.send(b"\r\n\r\nGET /plaintext HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        r = c.response()
    check_eq((r.status, r.body), (200, HELLO), "request after leading CRLFs (RFC 9112 2.2)")


@case
def obs_text_in_header_value_is_accepted():
    with S.main.connect() as c:
        c.send(b"GET /plaintext HTTP/1.1\r\nHost: t\r\nX-Name: caf\xe9 \t ok\r\nConnection: close\r\n\r\n")
        r = c.response()
    check_eq(r.status, 200, "header value with obs-text and inner HTAB (RFC 9110 5.5)")


@case
def large_header_below_default_limit():
    big = "v" * 30000  # the head stays under the default 32 KiB
    r = get("/plaintext", headers=[("X-Big", big)])
    check_eq(r.status, 200, "30 kB header with the default 32 KiB max_header_bytes")


@case
def body_on_get_is_skipped():
    # The handler ignores the body; the server must skip it, not parse it.
    smuggle = b"GET /json HTTP/1.1\r\nHost: t\r\n\r\n"
    with S.main.connect() as c:
        c.send(b"GET /plaintext HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % len(smuggle)
               + smuggle + build("GET", "/plaintext", [("Connection", "close")]))
        r1 = c.response()
        r2 = c.response()
        check(c.wait_closed(3), "connection not closed after Connection: close")
        check_eq(c.buf, b"", "bytes after the last response (the body was run as a request?)")
    check_eq((r1.status, r1.body), (200, HELLO), "first response")
    check_eq((r2.status, r2.body), (200, HELLO), "second response (the body must not be a request)")


@case
def body_on_error_response_is_skipped():
    with S.lim.connect() as c:
        c.send(b"POST /plaintext HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n0123456789"
               + build("GET", "/plaintext", [("Connection", "close")]))
        r1 = c.response()
        r2 = c.response()
    check_eq(r1.status, 405, "first response")
    check_eq((r2.status, r2.body), (200, HELLO), "request after a 405 with a body")


# ==========================================================================
# Connection management


@case
def keep_alive_default_in_11():
    with S.main.connect() as c:
        for i in range(5):
            c.send(build("GET", "/plaintext"))
            r = c.response()
            check_eq((r.status, r.body), (200, HELLO), "request %d on one connection" % (i + 1))
            check("close" not in r.tokens("Connection"), "HTTP/1.1 response %d says close" % (i + 1))
        check(not c.wait_closed(0.3), "server closed an HTTP/1.1 connection without being asked")


@case
def connection_close_in_11():
    with S.main.connect() as c:
        c.send(build("GET", "/plaintext", [("Connection", "close")]) + build("GET", "/json"))
        r = c.response()
        check_eq(r.status, 200, "status")
        check("close" in r.tokens("Connection"), "no Connection: close in the answer: %r" % r.headers)
        check(c.wait_closed(3), "connection still open after Connection: close")
        check_eq(c.buf, b"", "answered a request sent after Connection: close")


@case
def http10_closes_by_default():
    with S.main.connect() as c:
        c.send(b"GET /plaintext HTTP/1.0\r\n\r\n")
        r = c.response()
        check_eq((r.status, r.body), (200, HELLO), "HTTP/1.0 GET without Host")
        check_in(r.version, ("HTTP/1.1", "HTTP/1.0"), "response version")
        check(c.wait_closed(3), "HTTP/1.0 connection not closed after the response")


@case
def http10_keep_alive():
    with S.main.connect() as c:
        for i in range(3):
            c.send(b"GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            r = c.response()
            check_eq((r.status, r.body), (200, HELLO), "HTTP/1.0 keep-alive request %d" % (i + 1))
            check("keep-alive" in r.tokens("Connection"),
                  "HTTP/1.0 keep-alive answer lacks Connection: keep-alive: %r" % r.headers)
        c.send(b"GET /plaintext HTTP/1.0\r\n\r\n")
        r = c.response()
        check_eq(r.status, 200, "last HTTP/1.0 request")
        check(c.wait_closed(3), "not closed after an HTTP/1.0 request without keep-alive")


@case
def eof_after_request_on_reused_connection():
    # A client that half-closes after its last request (shutdown(SHUT_WR),
    # as `nc -N` does) must see the connection close right after the answer,
    # not after idle_timeout (1 min on MAIN); and a partial head followed by
    # FIN must be dropped at once, not after header_timeout (10 s). Repeated
    # because the two can arrive in one segment or in two.
    for i in range(20):
        for tail, want in ((build("GET", "/plaintext"), 200), (b"GET /plaintext HTTP/1.1\r\nHost: t\r\n", None)):
            with S.main.connect() as c:
                c.send(build("GET", "/plaintext"))
                check_eq(c.response().status, 200, "warm-up request")
                c.send(tail)
                c.shutdown_write()
                if want:
                    check_eq(c.response().status, want, "request before the FIN")
                t0 = time.monotonic()
                closed = c.wait_closed(2.5)
                check(closed, "round %d: FIN after %s on a reused connection: the server did not close "
                              "within 2.5 s" % (i + 1, "a whole request" if want else "a partial head"))
                check(not c.buf, "round %d: bytes after a FIN: %s" % (i + 1, cxtest.show(c.buf)))
                cxtest._transcript.clear()  # keep only the failing round in the report


@case
def pipelining_in_order():
    reqs, want = [], []
    for i in range(30):
        k = i % 6
        if k == 0:
            reqs.append(build("GET", "/plaintext")); want.append((200, HELLO))
        elif k == 1:
            reqs.append(build("GET", "/json")); want.append((200, b'{"message":"Hello, World!"}'))
        elif k == 2:
            b = b"body-%d" % i
            reqs.append(build("POST", "/echo", body=b)); want.append((200, b))
        elif k == 3:
            reqs.append(build("GET", "/nope-%d" % i)); want.append((404, None))
        elif k == 4:
            reqs.append(build("HEAD", "/plaintext")); want.append((200, b""))
        else:
            reqs.append(build("GET", "/sleep?ms=20")); want.append((200, b"slept 20\n"))
    with S.main.connect(timeout=10) as c:
        c.send(b"".join(reqs))
        for i, (status, body) in enumerate(want):
            r = c.response(head=(i % 6 == 4), timeout=10)
            check_eq(r.status, status, "pipelined response %d status" % (i + 1))
            if body is not None:
                check_eq(r.body.strip(), body.strip(), "pipelined response %d body" % (i + 1))


@case
def pipelining_many():
    n = 300  # above the default max_pipelined (64): back-pressure, not loss
    with S.main.connect(timeout=15) as c:
        c.send(build("GET", "/plaintext") * n)
        for i in range(n):
            r = c.response(timeout=15)
            check_eq((r.status, r.body), (200, HELLO), "pipelined response %d of %d" % (i + 1, n))


@case
def request_split_byte_by_byte():
    data = build("POST", "/echo", body=b"abcdef") + build("GET", "/plaintext", [("Connection", "close")])
    with S.main.connect() as c:
        for i in range(len(data)):
            c.send(data[i:i + 1], record=False)
        cxtest.note("sent", data)
        r1 = c.response()
        r2 = c.response()
    check_eq((r1.status, r1.body), (200, b"abcdef"), "echo sent one byte per write")
    check_eq((r2.status, r2.body), (200, HELLO), "next request sent one byte per write")


@case
def concurrent_keep_alive_clients():
    errors = []

    def client(k):
        try:
            with cxtest.Conn(S.main.port, timeout=10, quiet=True) as c:
                for i in range(40):
                    body = b"client %d request %d" % (k, i)
                    c.send(build("POST", "/echo", body=body), record=False)
                    r = c.response(timeout=10)
                    if r.status != 200 or r.body != body:
                        errors.append("client %d req %d: %r %r" % (k, i, r.status, r.body[:60]))
                        return
        except Exception as e:
            errors.append("client %d: %s" % (k, e))

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    check(not any(t.is_alive() for t in threads), "clients still running after 30 s")
    check(not errors, "%d client(s) failed, first: %s" % (len(errors), errors[:3]))


# ==========================================================================
# Request bodies: chunked, trailers, 100-continue


@case
def chunked_upload():
    body = b"The quick brown fox jumps over the lazy dog. " * 50
    with S.main.connect() as c:
        c.send(build("POST", "/echo", [("Transfer-Encoding", "chunked")]) + chunked(body, 13))
        r = c.response()
    check_eq(r.status, 200, "status")
    check_eq(r.body, body, "echoed chunked body")


@case
def chunked_upload_with_trailers_and_extensions():
    body = b"0123456789abcdef" * 10
    enc = b"10;name=value\r\n" + body[:16] + b"\r\n" + b"90 ; ext\r\n" + body[16:] + b"\r\n" \
        + b"0\r\nX-Checksum: 42\r\nX-Other: yes\r\n\r\n"
    # The trailers end the body exactly; a pipelined request follows.
    with S.main.connect() as c:
        c.send(build("PUT", "/echo", [("Transfer-Encoding", "chunked"), ("Trailer", "X-Checksum")]) + enc
               + build("GET", "/plaintext", [("Connection", "close")]))
        r = c.response()
        r2 = c.response()
    check_eq((r.status, r.body), (200, body), "echo of a chunked body with extensions and trailers")
    check_eq((r2.status, r2.body), (200, HELLO), "request after the trailers")


@case
def chunked_coding_name_case_insensitive():
    with S.main.connect() as c:
        c.send(build("POST", "/echo", [("Transfer-Encoding", "Chunked"), ("Connection", "close")])
               + chunked(b"abc"))
        r = c.response()
    check_eq((r.status, r.body), (200, b"abc"), "Transfer-Encoding: Chunked (codings are case-insensitive)")


@case
def chunked_pipelined_after_body():
    with S.main.connect() as c:
        c.send(build("POST", "/echo", [("Transfer-Encoding", "chunked")]) + chunked(b"x" * 1000, 100)
               + build("POST", "/echo", body=b"second")
               + build("POST", "/echo", [("Transfer-Encoding", "chunked"), ("Connection", "close")])
               + chunked(b"third", 1))
        rs = [c.response() for _ in range(3)]
    check_eq([(r.status, r.body) for r in rs], [(200, b"x" * 1000), (200, b"second"), (200, b"third")],
             "three pipelined bodies")


@case
def expect_100_continue():
    with S.main.connect() as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        r = c.response(interim=True, timeout=3)
        check_eq(r.status, 100, "interim status before the body was sent")
        check_eq(r.version, "HTTP/1.1", "interim version")
        c.send(b"hello")
        r = c.response()
        check_eq((r.status, r.body), (200, b"hello"), "final response")
        # Again on the same connection, chunked this time.
        c.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
               b"Expect: 100-continue\r\n\r\n")
        r = c.response(interim=True, timeout=3)
        check_eq(r.status, 100, "interim status (chunked)")
        c.send(chunked(b"chunky", 2))
        r = c.response()
        check_eq((r.status, r.body), (200, b"chunky"), "final response (chunked)")


@case
def expect_100_not_sent_when_body_too_large():
    # The server knows the answer is 413 without reading the body; asking for
    # it would waste the client's upload (RFC 9110 10.1.1).
    with S.lim.connect() as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\n\r\n")
        r = c.response(interim=True, timeout=5)
    check_eq(r.status, 413, "status for Expect: 100-continue with a body above max_body")


@case
def expect_100_not_sent_for_unknown_path():
    with S.lim.connect() as c:
        c.send(b"POST /nope HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        r = c.response(interim=True, timeout=5)
        if r.status == 100:  # allowed, if wasteful; the final answer must still come
            c.send(b"hello")
            r = c.response(timeout=5)
    check_eq(r.status, 404, "final status for POST /nope with Expect")


# ==========================================================================
# Limits (LIM server, small limits set through CORTEX_* variables)


def expect_status(srv, data, statuses, what, must_close=True, timeout=5.0):
    """Send data on a new connection; the first response must have one of
    statuses; with must_close, the server closes afterwards without sending
    anything else. Then the server must still answer."""
    with srv.connect(timeout=timeout) as c:
        ok = c.try_send(data)
        try:
            r = c.response(timeout=timeout)
        except Closed as e:
            raise Fail("%s: no response, the connection closed (%s)%s"
                       % (what, e, "" if ok else " (send failed: the server closed first)"))
        check_in(r.status, statuses, "%s: status" % what)
        std_headers(r, what)
        if must_close:
            check(c.wait_closed(3), "%s: connection still open 3 s after the %d" % (what, r.status))
            check_eq(c.buf, b"", "%s: bytes after the error response" % what)
    srv.check_alive("after: %s" % what)
    return r


@case
def request_line_too_long_414():
    line = b"GET /" + b"a" * 1100 + b" HTTP/1.1\r\nHost: t\r\n\r\n"
    r = expect_status(S.lim, line, (414,), "1.1 kB request line with max_request_line=1024 "
                      "(CORTEX_LIMITS_MAX_REQUEST_LINE)")
    check_eq(content_type(r), "application/problem+json", "414 Content-Type")


@case
def request_line_too_long_default_414():
    line = b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: t\r\n\r\n"
    expect_status(S.main, line, (414,), "9 kB request line with the default 8 KiB")


@case
def request_line_endless_414():
    # No CRLF at all: the limit must apply to a partial line too.
    with S.lim.connect() as c:
        c.try_send(b"GET /" + b"a" * 3000)
        r = c.response(timeout=5)
    check_eq(r.status, 414, "endless request line")


@case
def too_many_headers_431():
    hdrs = [("X-H%d" % i, "v") for i in range(25)]
    expect_status(S.lim, build("GET", "/plaintext", hdrs), (431,),
                  "26 header fields with max_headers=20 (CORTEX_LIMITS_MAX_HEADERS)")
    # At the limit: 19 + Host = 20 fields.
    r = get("/plaintext", srv=S.lim, headers=[("X-H%d" % i, "v") for i in range(18)])
    check_eq(r.status, 200, "20 header fields (Host, 18, Connection) with max_headers=20")


@case
def too_many_headers_default_431():
    hdrs = [("X-H%d" % i, "v") for i in range(120)]
    expect_status(S.main, build("GET", "/plaintext", hdrs), (431,), "121 header fields with the default 100")


@case
def head_too_large_431():
    hdrs = [("X-Big%d" % i, "v" * 1500) for i in range(4)]
    expect_status(S.lim, build("GET", "/plaintext", hdrs), (431,),
                  "6 kB head with max_header_bytes=4096 (CORTEX_LIMITS_MAX_HEADER_BYTES)")
    expect_status(S.main, build("GET", "/plaintext", [("X-Big", "v" * 40000)]), (431,),
                  "40 kB head with the default 32 KiB")


@case
def body_too_large_413():
    # Content-Length known up front: 413 without reading the body.
    with S.lim.connect() as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 65537\r\n\r\n")
        r = c.response(timeout=5)
    check_eq(r.status, 413, "Content-Length 65537 with max_body=65536 (CORTEX_LIMITS_MAX_BODY)")
    std_headers(r, "413")
    r = get("/echo", srv=S.lim, method="POST", body=b"z" * 65536, timeout=10)
    check_eq(r.status, 200, "body of exactly max_body")
    check_eq(len(r.body), 65536, "echoed length")
    S.lim.check_alive()


@case
def body_too_large_huge_length_413():
    with S.main.connect() as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 9223372036854775807\r\n\r\n")
        r = c.response(timeout=5)
    check_eq(r.status, 413, "Content-Length 2^63-1")


@case
def body_too_large_chunked_413():
    # Unknown length: the server finds out while reading.
    body = chunked(b"q" * 100000, 4096)
    with S.lim.connect(timeout=10) as c:
        ok = c.try_send(build("POST", "/echo", [("Transfer-Encoding", "chunked")]) + body)
        try:
            r = c.response(timeout=10)
        except Closed as e:
            raise Fail("no response to a 100 kB chunked body with max_body=65536 (send %s): %s"
                       % ("completed" if ok else "failed", e))
    check_eq(r.status, 413, "100 kB chunked body with max_body=65536")
    S.lim.check_alive()


@case
def slowloris_partial_head():
    with S.lim.connect(timeout=10) as c:
        c.send(b"GET /plaintext HTTP/1.1\r\nHost: t\r\nX-Slow: ")
        t0 = time.monotonic()
        closed = c.wait_closed(LIM_TIMEOUT + SLACK)
        dt = time.monotonic() - t0
        check(closed, "partial head still open after %.1fs (header_timeout=1s, "
                      "CORTEX_LIMITS_HEADER_TIMEOUT)" % dt)
        if c.buf:
            check(c.buf.startswith(b"HTTP/1.1 408 "), "answer to a stalled head: %s" % cxtest.show(c.buf))
    S.lim.check_alive()


@case
def slowloris_trickle():
    # A byte every 100 ms keeps the connection busy but never finishes the
    # head: header_timeout bounds the whole head, not the gap between bytes.
    with S.lim.connect(timeout=10) as c:
        c.send(b"GET /plaintext HTTP/1.1\r\nHost: t\r\nX-Trickle: ")
        t0 = time.monotonic()
        closed = False
        while time.monotonic() - t0 < LIM_TIMEOUT + SLACK:
            if not c.try_send(b"b"):
                closed = True
                break
            if c.wait_closed(0.1):
                closed = True
                break
        check(closed, "trickled head still open after %.1fs (header_timeout=1s)" % (time.monotonic() - t0))
        if c.buf:
            check(c.buf.startswith(b"HTTP/1.1 408 "), "answer to a trickled head: %s" % cxtest.show(c.buf))
    S.lim.check_alive()


def with_server(env, fn):
    """Run fn(srv) against a server of its own (default limits plus env)."""
    srv = cxtest.Server(env=env, static=S.static_dir, name="own").start()
    try:
        fn(srv)
        srv.check_alive()
    finally:
        srv.kill()


@case
def slow_body_times_out():
    # Its own server: body_timeout=1s and the default (1 min) idle timeout,
    # so that only the body timeout can end the connection in time.
    def run(srv):
        with srv.connect(timeout=10) as c:
            c.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n12345")
            t0 = time.monotonic()
            closed = c.wait_closed(LIM_TIMEOUT + SLACK)
            dt = time.monotonic() - t0
            if c.buf:
                check(c.buf.startswith(b"HTTP/1.1 408 "), "answer to a stalled body: %s" % cxtest.show(c.buf))
            check(closed, "connection with a stalled body still open %.1fs after the body stopped "
                          "(body_timeout=1s, CORTEX_LIMITS_BODY_TIMEOUT)%s"
                  % (dt, "; the 408 was sent, but the connection stays open" if c.buf else ""))
            check(b"\r\nconnection: close\r\n" in c.buf.lower(),
                  "408 for a stalled body without Connection: close (RFC 9110 15.5.9)")

    with_server({"CORTEX_LIMITS_BODY_TIMEOUT": "1s"}, run)


@case
def write_timeout_closes_stalled_reader():
    # The client asks for 20 MB and reads nothing: once the socket buffers
    # are full the server may wait write_timeout, then must close.
    path = os.path.join(S.static_dir, "big.bin")
    with open(path, "wb") as f:
        f.write(b"\0" * (1 << 20))

    def run(srv):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
        s.settimeout(5)
        s.connect((cxtest.HOST, srv.port))
        try:
            req = b"GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n" * 20
            cxtest.note("sent", req)
            s.sendall(req)
            time.sleep(LIM_TIMEOUT + SLACK)
            total, closed = 0, False
            end = time.monotonic() + 10
            while time.monotonic() < end:
                try:
                    data = s.recv(1 << 20)
                except ConnectionResetError:
                    closed = True
                    break
                except socket.timeout:
                    break
                if not data:
                    closed = True
                    break
                total += len(data)
            cxtest.note("note", "received %d bytes before %s" % (total, "the close" if closed else "giving up"))
            check(closed and total < 20 * (1 << 20),
                  "a client that stopped reading kept its connection (write_timeout=1s, "
                  "CORTEX_LIMITS_WRITE_TIMEOUT): %d bytes arrived, closed=%s" % (total, closed))
        finally:
            s.close()

    try:
        with_server({"CORTEX_LIMITS_WRITE_TIMEOUT": "1s"}, run)
    finally:
        os.unlink(path)


@case
def idle_keep_alive_closed():
    with S.lim.connect(timeout=10) as c:
        c.send(build("GET", "/plaintext"))
        r = c.response()
        check_eq(r.status, 200, "first request")
        time.sleep(0.2)
        c.send(build("GET", "/plaintext"))  # well within idle_timeout: still served
        r = c.response()
        check_eq(r.status, 200, "request 0.2 s after the previous one")
        t0 = time.monotonic()
        closed = c.wait_closed(LIM_TIMEOUT + SLACK)
        check(closed, "idle keep-alive connection open after %.1fs (idle_timeout=1s, "
                      "CORTEX_LIMITS_IDLE_TIMEOUT)" % (time.monotonic() - t0))
        check_eq(c.buf, b"", "bytes sent on an idle connection before closing it")


@case
def silent_connection_closed():
    # Connects and never sends a byte.
    with S.lim.connect(timeout=10) as c:
        closed = c.wait_closed(LIM_TIMEOUT + SLACK)
        check(closed, "silent connection open after %.1fs" % (LIM_TIMEOUT + SLACK))


# ==========================================================================
# Smuggling and strict parsing: 400 (or the named status), then close.

FOLLOW = b"GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n"


def reject(raw, statuses=(400,), what=None, srv=None):
    """raw, with a valid request pipelined behind it, must get one of
    statuses and a close — the follow-up must never be answered."""
    what = what or cxtest.show(raw, 80)
    srv = srv or S.main
    with srv.connect() as c:
        c.try_send(raw + FOLLOW)
        try:
            r = c.response(timeout=5)
        except Closed as e:
            raise Fail("%s: no response before the close (%s)" % (what, e))
        check_in(r.status, statuses, "%s: status" % what)
        check(c.wait_closed(3), "%s: connection open 3 s after the %d" % (what, r.status))
        check(b"HTTP/1.1" not in c.buf, "%s: the request behind it was answered: %s"
              % (what, cxtest.show(c.buf, 200)))
    srv.check_alive("after: %s" % what)
    return r


def H(extra, method=b"POST", path=b"/echo", version=b"HTTP/1.1", host=b"Host: t\r\n"):
    return method + b" " + path + b" " + version + b"\r\n" + host + extra + b"\r\n"


@case
def reject_cl_and_te():
    reject(H(b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n") + b"0\r\n\r\n", what="CL then TE")
    reject(H(b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n") + b"0\r\n\r\n", what="TE then CL")
    reject(H(b"Content-Length: 0\r\nTransfer-Encoding: chunked\r\n") + b"0\r\n\r\n", what="CL 0 with TE")


@case
def reject_conflicting_content_length():
    reject(H(b"Content-Length: 5\r\nContent-Length: 6\r\n") + b"hello!", what="two different CLs")
    reject(H(b"Content-Length: 5, 6\r\n") + b"hello!", what="CL list '5, 6'")
    reject(H(b"Content-Length:  5,6\r\n") + b"hello!", what="CL ' 5,6'")


@case
def reject_bad_content_length():
    for v in (b"+5", b"0x5", b"-1", b"5 5", b"5a", b"", b"1e3", b"\xd9\xa5",
              b"99999999999999999999999999", b"18446744073709551621"):
        reject(H(b"Content-Length: " + v + b"\r\n") + b"hello", what="Content-Length %r" % v)


@case
def reject_bad_chunk_sizes():
    head = H(b"Transfer-Encoding: chunked\r\n")
    for body in (b"zz\r\nhello\r\n0\r\n\r\n",            # not hex
                 b"-5\r\nhello\r\n0\r\n\r\n",            # sign
                 b"0x5\r\nhello\r\n0\r\n\r\n",           # 0x prefix
                 b"+5\r\nhello\r\n0\r\n\r\n",
                 b" 5\r\nhello\r\n0\r\n\r\n",            # leading space
                 b"\r\nhello\r\n0\r\n\r\n",              # empty size
                 b"ffffffffffffffffff1\r\nhello\r\n0\r\n\r\n",  # overflow
                 b"3\r\nhello\r\n0\r\n\r\n",             # data longer than the size
                 b"5\r\nhelloXX0\r\n\r\n",               # no CRLF after the data
                 b"5\r\nhello\r\n0\r\nbad trailer\r\n\r\n"):  # trailer without a colon
        r = reject(head + body, what="chunked body %r" % body)


@case
def reject_obs_fold():
    reject(H(b"X-Folded: a\r\n b\r\n"), what="obs-fold (continuation line)")
    reject(H(b"X-Folded: a\r\n\tb\r\n"), what="obs-fold with HTAB")
    reject(b"GET /plaintext HTTP/1.1\r\n Host: t\r\n\r\n", what="first header line starts with a space")


@case
def reject_bare_cr_and_lf_tricks():
    reject(H(b"X-A: a\rb\r\n"), what="bare CR in a value")
    reject(b"GET /plaintext HTTP/1.1\rHost: t\r\n\r\n", what="bare CR ending the request line")
    reject(b"GET /plain\rtext HTTP/1.1\r\nHost: t\r\n\r\n", what="bare CR in the target")


@case
def reject_nul_and_ctl():
    reject(H(b"X-A: a\x00b\r\n"), what="NUL in a header value")
    reject(H(b"X-\x00A: b\r\n"), what="NUL in a header name")
    reject(b"GET /plain\x00text HTTP/1.1\r\nHost: t\r\n\r\n", what="NUL in the target")
    reject(H(b"X-A: a\x01b\r\n"), what="CTL 0x01 in a value")
    reject(H(b"X-A: a\x7fb\r\n"), what="DEL in a value")


@case
def reject_space_before_colon():
    reject(H(b"Content-Length : 5\r\n") + b"hello", what="space before the colon (Content-Length)")
    reject(b"GET /plaintext HTTP/1.1\r\nHost : t\r\n\r\n", what="space before the colon (Host)")
    reject(H(b"X-A\t: b\r\n"), what="tab before the colon")


@case
def reject_bad_tokens():
    for m in (b"G(T", b"GE@T", b"GET\x7f", b"G\xc3\xa9T", b"GE,T", b"GE/T"):
        reject(m + b" /plaintext HTTP/1.1\r\nHost: t\r\n\r\n", what="method %r" % m)
    for name in (b"X@A", b"X A", b"X\"A", b"X(A)", b"X/A", b"", b"X\xffA", b"X[A]"):
        reject(H(name + b": v\r\n"), what="header name %r" % name)


@case
def reject_bad_request_lines():
    reject(b"GET  /plaintext HTTP/1.1\r\nHost: t\r\n\r\n", what="two spaces after the method")
    reject(b"GET /plaintext  HTTP/1.1\r\nHost: t\r\n\r\n", what="two spaces before the version")
    reject(b"GET /plaintext HTTP/1.1 \r\nHost: t\r\n\r\n", what="space after the version")
    reject(b"GET /plaintext http/1.1\r\nHost: t\r\n\r\n", what="lower-case version")
    reject(b"GET /plaintext HTTP/1.1x\r\nHost: t\r\n\r\n", what="junk after the version")
    reject(b"GET /plaintext\r\nHost: t\r\n\r\n", what="no version (HTTP/0.9 style)")
    reject(b"GET /plain text HTTP/1.1\r\nHost: t\r\n\r\n", what="space in the target")
    reject(b"GET plaintext HTTP/1.1\r\nHost: t\r\n\r\n", what="target without a leading slash")


@case
def reject_bad_transfer_encoding():
    reject(H(b"Transfer-Encoding: gzip\r\n") + b"hello", statuses=(501,), what="Transfer-Encoding: gzip")
    reject(H(b"Transfer-Encoding: chunked, identity\r\n") + b"0\r\n\r\n", statuses=(400, 501),
           what="Transfer-Encoding: chunked, identity")
    reject(H(b"Transfer-Encoding: chunked, chunked\r\n") + b"0\r\n\r\n", statuses=(400, 501),
           what="Transfer-Encoding: chunked, chunked")
    reject(H(b"Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n") + b"0\r\n\r\n",
           statuses=(400, 501), what="two TE headers, gzip last")
    reject(H(b"Transfer-Encoding: xchunked\r\n") + b"0\r\n\r\n", statuses=(400, 501),
           what="Transfer-Encoding: xchunked")
    reject(H(b"Transfer-Encoding: \x0bchunked\r\n") + b"0\r\n\r\n", statuses=(400, 501),
           what="Transfer-Encoding with a vertical tab")


@case
def reject_host_problems():
    reject(b"GET /plaintext HTTP/1.1\r\nX-A: b\r\n\r\n", what="HTTP/1.1 without Host")
    reject(b"GET /plaintext HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", what="two Host headers")
    reject(b"GET /plaintext HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", what="two identical Host headers")
    reject(b"GET /plaintext HTTP/1.1\r\nHost: a b\r\n\r\n", what="Host with a space")


@case
def reject_versions_505():
    for v in (b"HTTP/2.0", b"HTTP/1.2", b"HTTP/3.0", b"HTTP/1.9"):
        reject(b"GET /plaintext " + v + b"\r\nHost: t\r\n\r\n", statuses=(505,), what="version %s" % v.decode())
    reject(b"GET /plaintext HTTP/0.9\r\nHost: t\r\n\r\n", statuses=(400, 505), what="version HTTP/0.9")


@case
def reject_answers_have_std_headers():
    r = reject(H(b"Content-Length: 5\r\nContent-Length: 6\r\n"), what="400 headers")
    std_headers(r, "400")
    check("close" in r.tokens("Connection"), "400 without Connection: close: %r" % r.headers)


@case
def pipelined_smuggle_cl_te_on_keep_alive():
    # A good request, then a bad one on the same connection: the good one is
    # answered, the bad one gets 400, and nothing behind it runs.
    with S.main.connect() as c:
        c.send(build("GET", "/plaintext")
               + H(b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n") + b"0\r\n\r\n" + FOLLOW)
        r1 = c.response()
        r2 = c.response()
        check_eq((r1.status, r1.body), (200, HELLO), "the good request")
        check_eq(r2.status, 400, "the CL+TE request")
        check(c.wait_closed(3), "connection open after the 400")
        check(b"HTTP/1.1" not in c.buf, "request behind the 400 answered")


# ==========================================================================
# curl as a client


def curl_ok():
    return shutil.which("curl") is not None


@case
def curl_basic():
    check(curl_ok(), "curl is not installed")
    base = "http://127.0.0.1:%d" % S.main.port
    code, out, err = cxtest.curl(["-i", base + "/plaintext"])
    check_eq(code, 0, "curl exit (stderr: %s)" % err)
    head, _, body = out.partition(b"\r\n\r\n")
    check(head.startswith(b"HTTP/1.1 200"), "curl -i status line: %s" % cxtest.show(head[:40]))
    check_eq(body, HELLO, "curl body")
    code, out, err = cxtest.curl(["-I", base + "/json"])
    check_eq(code, 0, "curl -I exit (stderr: %s)" % err)
    check(out.startswith(b"HTTP/1.1 200"), "curl -I status: %s" % cxtest.show(out[:40]))
    check(b"content-length: 27" in out.lower(), "curl -I Content-Length: %s" % cxtest.show(out))
    code, out, err = cxtest.curl(["--http1.0", base + "/stream"])
    check_eq(code, 0, "curl --http1.0 /stream exit (stderr: %s)" % err)
    check(out.startswith(b"chunk"), "curl --http1.0 /stream body: %s" % cxtest.show(out))
    # Keep-alive reuse between two URLs on one command line.
    code, out, err = cxtest.curl(["-v", base + "/plaintext", base + "/json"])
    check_eq(code, 0, "curl two URLs exit")
    check_eq(out, HELLO + b'{"message":"Hello, World!"}', "two bodies")
    check("Re-using existing connection" in err or "Reusing existing connection" in err,
          "curl did not reuse the connection:\n%s" % err[-1500:])


@case
def curl_5mb_echo():
    check(curl_ok(), "curl is not installed")
    d = tempfile.mkdtemp(prefix="cx-it-curl-")
    try:
        src = os.path.join(d, "in.bin")
        dst = os.path.join(d, "out.bin")
        data = random.Random(5).randbytes(5 * 1000 * 1000)
        with open(src, "wb") as f:
            f.write(data)
        url = "http://127.0.0.1:%d/echo" % S.main.port
        for extra, label in (([], "Content-Length"), (["-H", "Transfer-Encoding: chunked"], "chunked"),
                             (["-X", "PUT"], "PUT")):
            if os.path.exists(dst):
                os.unlink(dst)
            code, _, err = cxtest.curl(extra + ["-H", "Content-Type: application/octet-stream",
                                                "--data-binary", "@" + src, "-o", dst,
                                                "-w", "%{http_code}", url], timeout=60)
            check_eq(code, 0, "curl %s upload exit (stderr: %s)" % (label, err))
            with open(dst, "rb") as f:
                back = f.read()
            check(back == data, "5 MB %s echo differs: sent %d bytes, got %d" % (label, len(data), len(back)))
    finally:
        shutil.rmtree(d, ignore_errors=True)


@case
def curl_expect_continue():
    check(curl_ok(), "curl is not installed")
    body = b"e" * 2000
    d = tempfile.mkdtemp(prefix="cx-it-curl-")
    try:
        src = os.path.join(d, "in.bin")
        with open(src, "wb") as f:
            f.write(body)
        code, out, err = cxtest.curl(["-v", "-H", "Expect: 100-continue", "--expect100-timeout", "5",
                                      "--data-binary", "@" + src, "http://127.0.0.1:%d/echo" % S.main.port])
        check_eq(code, 0, "curl exit (%s)" % err[-500:])
        check_eq(out, body, "echoed body")
        check("HTTP/1.1 100 Continue" in err, "curl saw no 100 Continue:\n%s" % err[-1500:])
    finally:
        shutil.rmtree(d, ignore_errors=True)


# ==========================================================================
# Robustness: 2000 random and mutated requests


# CX_IT_FUZZ_SEED / CX_IT_FUZZ_N explore further than the fixed run.
FUZZ_SEED = int(os.environ.get("CX_IT_FUZZ_SEED", "20261128"))
FUZZ_N = int(os.environ.get("CX_IT_FUZZ_N", "2000"))
FUZZ_BATCH = 100

TEMPLATES = [
    b"GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n",
    b"GET /json HTTP/1.1\r\nHost: t\r\nAccept: */*\r\n\r\n",
    b"HEAD /plaintext HTTP/1.1\r\nHost: t\r\n\r\n",
    b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello world",
    b"PUT /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\nT: v\r\n\r\n",
    b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\nabc",
    b"GET /stream?n=3 HTTP/1.1\r\nHost: t\r\n\r\n",
    b"GET /sleep?ms=1 HTTP/1.1\r\nHost: t\r\n\r\n",
    b"OPTIONS /echo HTTP/1.1\r\nHost: t\r\n\r\n",
    b"GET /nope?a=b&c=%20 HTTP/1.1\r\nHost: t\r\nCookie: a=b; c=\"d\"\r\n\r\n",
    b"GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    b"GET http://t/json HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    b"DELETE /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n",
]
SPECIAL = [b"\r", b"\n", b"\r\n", b"\x00", b" ", b"\t", b":", b",", b";", b"\x7f", b"\xff", b"\"",
           b"%", b"%00", b"?", b"#", b"/..", b"\x0b", b"\x0c", b"HTTP/1.1", b"0", b"-", b"+"]
INSERT_HEADERS = [b"Transfer-Encoding: chunked", b"Content-Length: 3", b"Content-Length: 100000000",
                  b"Content-Length: 99999999999999999999999", b"Expect: 100-continue", b"Connection: close",
                  b"Host: a", b"Connection: upgrade\r\nUpgrade: websocket", b"X-Long: " + b"a" * 5000,
                  b"Transfer-Encoding: gzip, chunked", b"Content-Length: -1", b"Range: bytes=0-1",
                  b"Transfer-Encoding: identity", b"Content-Length: 0", b"X: \x80\x81"]
VERSIONS = [b"HTTP/1.0", b"HTTP/1.1", b"HTTP/2.0", b"HTTP/1.2", b"HTTP/9.9", b"HTTP/1", b"HTTP/1.1.1", b"HTTPS/1.1"]


def mutate(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(10)
        pos = rng.randrange(len(data) + 1) if data else 0
        if op == 0 and data:
            data[rng.randrange(len(data))] = rng.randrange(256)
        elif op == 1:
            data[pos:pos] = rng.choice(SPECIAL)
        elif op == 2 and data:
            end = min(len(data), pos + rng.randint(1, 12))
            del data[pos:end]
        elif op == 3:
            lines = bytes(data).split(b"\r\n")
            i = rng.randrange(len(lines))
            lines.insert(i, lines[i])
            data = bytearray(b"\r\n".join(lines))
        elif op == 4:
            lines = bytes(data).split(b"\r\n")
            if len(lines) > 2:
                i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
                lines[i], lines[j] = lines[j], lines[i]
            data = bytearray(b"\r\n".join(lines))
        elif op == 5:
            i = bytes(data).find(b"\r\n")
            if i > 0:
                data[i + 2:i + 2] = rng.choice(INSERT_HEADERS) + b"\r\n"
        elif op == 6:
            data = data[:pos]
        elif op == 7:
            for v in VERSIONS:
                if v in data:
                    data = bytearray(bytes(data).replace(v, rng.choice(VERSIONS), 1))
                    break
        elif op == 8:
            data[pos:pos] = data[max(0, pos - 20):pos] * rng.randint(1, 50)
        else:
            data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 30)))
    return bytes(data[:20000])


def fuzz_input(rng):
    k = rng.randrange(20)
    if k == 0:
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 400)))
    if k == 1:
        return b"".join(rng.choice(TEMPLATES) for _ in range(rng.randint(2, 6)))
    base = rng.choice(TEMPLATES)
    if k == 2:
        base += mutate(rng, rng.choice(TEMPLATES))  # pipelined: a good one, then a bad one
    return mutate(rng, base)


def fuzz_batch(srv, inputs, reuse, deadline_s=4.0):
    """Run one batch concurrently; returns (statuses, bad responses, still open)."""
    conns = []
    for data, re_use in zip(inputs, reuse):
        c = cxtest.Conn(srv.port, timeout=5, quiet=True)
        conns.append(c)
        if re_use:  # one good exchange first, so the bad bytes land on a used connection
            c.send(b"GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n", record=False)
            r = c.response(timeout=5)
            if r.status != 200:
                raise Fail("warm-up request on a reused connection got %d" % r.status)
            c.buf = b""
    for c, data in zip(conns, inputs):
        c.sock.settimeout(2)
        try:
            c.sock.sendall(data)
        except (OSError, socket.timeout):
            pass
        c.shutdown_write()
    got = {id(c): b"" for c in conns}
    open_ = list(conns)
    end = time.monotonic() + deadline_s
    while open_ and time.monotonic() < end:
        for s in cxtest.poll_readable([c.sock for c in open_], end - time.monotonic()):
            c = next(c for c in open_ if c.sock is s)
            try:
                data = s.recv(65536)
            except (ConnectionResetError, socket.timeout, OSError):
                data = b""
            if data:
                if len(got[id(c)]) < 4096:
                    got[id(c)] += data
            else:
                open_.remove(c)
    still_open = len(open_)
    statuses, bad = {}, []
    for c, data in zip(conns, inputs):
        out = got[id(c)]
        c.close()
        if not out:
            continue
        m = re.match(rb"^HTTP/1\.[01] (\d{3}) ", out)
        if not m:
            bad.append((data, out, "not an HTTP/1.x status line"))
            continue
        st = int(m.group(1))
        statuses[st] = statuses.get(st, 0) + 1
        if st >= 500 and st not in (501, 505) or st < 100:
            bad.append((data, out, "status %d" % st))
    return statuses, bad, still_open


@cxtest.timeout(70)
@case
def fuzz_robustness():
    rng = random.Random(FUZZ_SEED)
    srv = S.lim  # small limits and short timeouts bound every wait
    t0 = time.monotonic()
    totals, bad_all, open_total, done = {}, [], 0, 0
    crash_file = None
    budget = 50 * max(1, FUZZ_N // 2000)
    for b in range(0, FUZZ_N, FUZZ_BATCH):
        inputs = [fuzz_input(rng) for _ in range(FUZZ_BATCH)]
        reuse = [rng.random() < 0.3 for _ in range(FUZZ_BATCH)]
        if time.monotonic() - t0 > budget:
            raise Fail("fuzz took over %d s; %d of %d requests done" % (budget, done, FUZZ_N))
        statuses, bad, still_open = fuzz_batch(srv, inputs, reuse)
        done += len(inputs)
        open_total += still_open
        bad_all += bad
        for k, v in statuses.items():
            totals[k] = totals.get(k, 0) + v
        try:
            srv.check_alive("after fuzz batch %d" % (b // FUZZ_BATCH))
        except Fail:
            fd, crash_file = tempfile.mkstemp(prefix="cx-it-fuzz-batch-", suffix=".txt")
            with os.fdopen(fd, "w") as f:
                for data in inputs:
                    f.write(repr(data) + "\n")
            raise Fail("server died or hung in fuzz batch %d (seed %d); its %d inputs, one Python "
                       "bytes literal per line, are in %s; log tail:\n%s"
                       % (b // FUZZ_BATCH, FUZZ_SEED, len(inputs), crash_file, srv.log_tail()))
    cxtest.note("note", "fuzz: %d requests in %.1fs, statuses %s, %d connection(s) still open at "
                "their batch deadline" % (done, time.monotonic() - t0, dict(sorted(totals.items())), open_total))
    print("      fuzz: %d requests in %.1fs, statuses %s, still open at batch end: %d"
          % (done, time.monotonic() - t0, dict(sorted(totals.items())), open_total))
    if bad_all:
        lines = ["%s\n        sent %s\n        got  %s" % (why, cxtest.show(d, 300), cxtest.show(o, 300))
                 for d, o, why in bad_all[:8]]
        raise Fail("%d bad response(s):\n      %s" % (len(bad_all), "\n      ".join(lines)))
    srv.check_alive("after the fuzz run")
    S.main.check_alive("at the end of the fuzz run")


if __name__ == "__main__":
    sys.exit(cxtest.main(setup=setup, teardown=teardown, before_each=before_each))
