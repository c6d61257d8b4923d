#!/usr/bin/env python3
"""Signals and graceful shutdown of `cortex serve`.

Each case starts its own server, since most of them end it. The contract:
SIGTERM or SIGINT stops accepting, lets requests in flight finish (up to
server.drain_timeout), closes idle connections and exits 0; after the
drain timeout the rest are cut off and the process still exits 0; SIGHUP
reloads and keeps serving.

Timing checks compare against the configured durations with generous slack
(SLACK), so a busy machine does not fail them; what they catch is a server
that waits for the whole sleep, or forever.

Run alone:  CORTEX_BIN=build/cortex python3 tests/integration/test_shutdown.py [case ...] [-k SUBSTR]
"""

import os
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cxtest  # noqa: E402
from cxtest import Closed, Fail, build, case, check, check_eq  # noqa: E402

SLACK = 2.5


def start(env=None, **kw):
    e = {"CORTEX_SERVER_DRAIN_TIMEOUT": "5s"}
    e.update(env or {})
    return cxtest.Server(env=e, **kw).start()


def send_sleep(srv, ms):
    """Open a connection and send GET /sleep?ms=N; returns the connection."""
    c = srv.connect(timeout=15)
    c.send(b"GET /sleep?ms=%d HTTP/1.1\r\nHost: t\r\n\r\n" % ms)
    return c


def wait_refused(srv, timeout):
    """Seconds until new connections are refused, or None."""
    return cxtest.wait_for(lambda: cxtest.connect_refused(srv.port, 0.5), timeout)


def in_flight_survives(sig):
    srv = start()
    try:
        srv.check_alive("before the signal")
        idle = srv.connect(timeout=10)  # a keep-alive connection with nothing in flight
        idle.send(build("GET", "/plaintext"))
        check_eq(idle.response().status, 200, "request on the idle connection")
        c = send_sleep(srv, 1500)
        time.sleep(0.3)  # let the request reach its handler
        t0 = time.monotonic()
        srv.signal(sig)
        refused = wait_refused(srv, 1.0 + SLACK)
        check(refused is not None, "new connections still accepted %.1fs after %s"
              % (1.0 + SLACK, signal.Signals(sig).name))
        check(idle.wait_closed(SLACK), "idle keep-alive connection not closed while draining")
        r = c.response(timeout=10)
        check_eq(r.status, 200, "in-flight /sleep?ms=1500 after %s" % signal.Signals(sig).name)
        check_eq(r.body.strip(), b"slept 1500", "in-flight body")
        check("close" in r.tokens("Connection"),
              "response finished during the drain lacks Connection: close: %r" % r.headers)
        check(c.wait_closed(SLACK), "connection of the drained request not closed")
        code = srv.wait(5.0 + SLACK)
        dt = time.monotonic() - t0
        check(code is not None, "process still running %.1fs after %s (drain_timeout=5s)"
              % (dt, signal.Signals(sig).name))
        check_eq(code, 0, "exit code after %s" % signal.Signals(sig).name)
        cxtest.note("note", "refused after %.2fs, exited after %.2fs" % (refused, dt))
    finally:
        srv.kill()


@case
def sigterm_lets_in_flight_request_finish():
    in_flight_survives(signal.SIGTERM)


@case
def sigint_lets_in_flight_request_finish():
    in_flight_survives(signal.SIGINT)


@case
def sigterm_idle_server_exits_0():
    srv = start()
    try:
        srv.check_alive("before the signal")
        srv.signal(signal.SIGTERM)
        code = srv.wait(SLACK)
        check(code is not None, "idle server still running %.1fs after SIGTERM" % SLACK)
        check_eq(code, 0, "exit code")
        check(cxtest.connect_refused(srv.port), "port still accepting after exit")
    finally:
        srv.kill()


@case
def sigint_idle_server_exits_0():
    srv = start()
    try:
        srv.check_alive("before the signal")
        srv.signal(signal.SIGINT)
        code = srv.wait(SLACK)
        check(code is not None, "idle server still running %.1fs after SIGINT" % SLACK)
        check_eq(code, 0, "exit code")
    finally:
        srv.kill()


@case
def drain_timeout_cuts_long_request():
    srv = start(env={"CORTEX_SERVER_DRAIN_TIMEOUT": "1s"})
    try:
        c = send_sleep(srv, 5000)
        time.sleep(0.3)
        t0 = time.monotonic()
        srv.signal(signal.SIGTERM)
        code = srv.wait(1.0 + SLACK)
        dt = time.monotonic() - t0
        check(code is not None, "process still running %.1fs after SIGTERM with drain_timeout=1s "
                                "(CORTEX_SERVER_DRAIN_TIMEOUT) and a 5 s request in flight" % dt)
        check_eq(code, 0, "exit code after the drain timeout")
        check(c.wait_closed(2.0), "client connection not closed after the server exited")
        check(b"slept 5000" not in c.buf, "the 5 s sleep completed? %s" % cxtest.show(c.buf))
        if c.buf:  # an error answer is fine; a 200 is not possible
            check(not c.buf.startswith(b"HTTP/1.1 200"), "got 200 for a cut-off request: %s"
                  % cxtest.show(c.buf))
        cxtest.note("note", "exited %.2fs after SIGTERM" % dt)
    finally:
        srv.kill()


@case
def several_in_flight_requests_finish():
    srv = start()
    try:
        conns = [send_sleep(srv, 1000 + 100 * i) for i in range(6)]
        time.sleep(0.3)
        srv.signal(signal.SIGTERM)
        for i, c in enumerate(conns):
            try:
                r = c.response(timeout=10)
            except Closed as e:
                raise Fail("in-flight request %d (of 6, on 2 threads) cut off: %s" % (i + 1, e))
            check_eq(r.status, 200, "in-flight request %d" % (i + 1))
            check_eq(r.body.strip(), b"slept %d" % (1000 + 100 * i), "in-flight body %d" % (i + 1))
        code = srv.wait(5.0 + SLACK)
        check(code is not None, "process still running after all requests finished")
        check_eq(code, 0, "exit code")
    finally:
        srv.kill()


@case
def pipelined_request_behind_drained_one():
    # A second request queued behind the in-flight one must not be lost
    # silently: either it is answered, or the first response says
    # Connection: close so the client knows to retry it.
    srv = start()
    try:
        c = srv.connect(timeout=15)
        c.send(build("GET", "/sleep?ms=1000") + build("GET", "/plaintext"))
        time.sleep(0.3)
        srv.signal(signal.SIGTERM)
        r1 = c.response(timeout=10)
        check_eq(r1.status, 200, "in-flight request")
        if "close" in r1.tokens("Connection"):
            check(c.wait_closed(SLACK), "Connection: close sent but the connection stayed open")
        else:
            r2 = c.response(timeout=10)
            check_eq(r2.status, 200, "pipelined request answered during the drain")
        code = srv.wait(5.0 + SLACK)
        check_eq(code, 0, "exit code")
    finally:
        srv.kill()


@case
def second_signal_stops_at_once():
    srv = start(env={"CORTEX_SERVER_DRAIN_TIMEOUT": "10s"})
    try:
        c = send_sleep(srv, 8000)
        time.sleep(0.3)
        srv.signal(signal.SIGTERM)
        time.sleep(0.3)
        check(srv.alive(), "process exited on the first SIGTERM with a request in flight")
        t0 = time.monotonic()
        srv.signal(signal.SIGTERM)
        code = srv.wait(SLACK)
        check(code is not None, "process still running %.1fs after a second SIGTERM" % SLACK)
        check_eq(code, 0, "exit code after a second SIGTERM")
        check(c.wait_closed(2.0), "client connection not closed")
        cxtest.note("note", "second signal: exited after %.2fs" % (time.monotonic() - t0))
    finally:
        srv.kill()


@case
def sighup_keeps_serving():
    srv = start()
    try:
        with srv.connect() as c:
            c.send(build("GET", "/plaintext"))
            check_eq(c.response().status, 200, "before SIGHUP")
            for _ in range(3):
                srv.signal(signal.SIGHUP)
                time.sleep(0.3)
                check(srv.alive(), "process exited on SIGHUP (code %s)" % srv.proc.returncode)
            c.send(build("GET", "/plaintext"))
            r = c.response()
            check_eq(r.status, 200, "request on a connection opened before SIGHUP")
        srv.check_alive("after three SIGHUPs")
        srv.signal(signal.SIGTERM)
        check_eq(srv.wait(SLACK + 2), 0, "exit code of SIGTERM after SIGHUP")
    finally:
        srv.kill()


@case
def sighup_during_request():
    srv = start()
    try:
        c = send_sleep(srv, 800)
        time.sleep(0.2)
        srv.signal(signal.SIGHUP)
        r = c.response(timeout=10)
        check_eq(r.status, 200, "request in flight across SIGHUP")
        check("close" not in r.tokens("Connection"), "SIGHUP closed the connection: %r" % r.headers)
        srv.check_alive("after SIGHUP")
    finally:
        srv.kill()


@case
def sighup_reloads_limits_from_config_file():
    # What serve.c promises for SIGHUP: the file is read again and limits
    # change without a restart.
    fd, path = tempfile.mkstemp(prefix="cx-it-", suffix=".yaml")
    try:
        with os.fdopen(fd, "w") as f:
            f.write("limits:\n  max_body: 100\n")
        srv = start(args=["--config", path])
        try:
            body = b"x" * 500
            r = cxtest.request(srv.port, "POST", "/echo", body=body)
            check_eq(r.status, 413, "500-byte body with max_body=100 from --config")
            with open(path, "w") as f:
                f.write("limits:\n  max_body: 1000\n")
            srv.signal(signal.SIGHUP)
            ok = cxtest.wait_for(
                lambda: cxtest.request(srv.port, "POST", "/echo", body=body).status == 200, 3.0, 0.1)
            check(ok is not None, "max_body not raised to 1000 within 3 s of SIGHUP")
            with open(path, "w") as f:
                f.write("limits:\n  max_body: [this is not a size\n")
            srv.signal(signal.SIGHUP)
            time.sleep(0.5)
            check(srv.alive(), "a broken config file on SIGHUP stopped the server")
            r = cxtest.request(srv.port, "POST", "/echo", body=body)
            check_eq(r.status, 200, "after a failed reload the last good limits stay")
        finally:
            srv.kill()
    finally:
        os.unlink(path)


@case
def sigterm_while_client_uploads():
    # A body still arriving when the drain starts: the request finishes.
    srv = start()
    try:
        c = srv.connect(timeout=15)
        c.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n12345")
        time.sleep(0.3)
        srv.signal(signal.SIGTERM)
        time.sleep(0.3)
        c.send(b"67890")
        r = c.response(timeout=10)
        check_eq((r.status, r.body), (200, b"1234567890"), "upload finished during the drain")
        check_eq(srv.wait(5.0 + SLACK), 0, "exit code")
    finally:
        srv.kill()


@case
def many_idle_connections_do_not_delay_exit():
    srv = start()
    try:
        conns = []
        for _ in range(50):
            c = srv.connect()
            c.send(build("GET", "/plaintext"), record=False)
            conns.append(c)
        for c in conns:
            check_eq(c.response().status, 200, "warm-up request")
        silent = [srv.connect() for _ in range(20)]  # connected, never sent a byte
        time.sleep(0.2)
        srv.signal(signal.SIGTERM)
        code = srv.wait(SLACK)
        check(code is not None, "70 idle connections held the process past %.1fs" % SLACK)
        check_eq(code, 0, "exit code")
        closed = sum(c.wait_closed(1.0) for c in conns)
        check_eq(closed, 50, "idle keep-alive connections closed")
        # The listener uses TCP_DEFER_ACCEPT, so a connection that never sent
        # a byte may still sit in the kernel (SYN-RECV on the server side) and
        # looks open to the client until it sends: then it must be reset.
        for c in silent:
            c.try_send(b"GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n")
        dead = sum(c.wait_closed(1.0) and b"HTTP/" not in c.buf for c in silent)
        check_eq(dead, 20, "silent connections refused once they send, after the exit")
        for c in conns + silent:
            c.close()
    finally:
        srv.kill()


if __name__ == "__main__":
    sys.exit(cxtest.main())
