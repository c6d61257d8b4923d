"""Shared helpers for the integration tests that drive `cortex serve`.

Python 3 standard library only. A test file imports this module, marks its
cases with @case, and ends with `sys.exit(cxtest.main())`. What is here:

  - Server: starts `$CORTEX_BIN serve` on a free 127.0.0.1 port, waits until
    it accepts connections, stops it (SIGTERM, then SIGKILL) and keeps its
    output for failure reports. Every started process is also killed at exit
    and, on Linux, when the test process dies (PR_SET_PDEATHSIG).
  - Conn: a raw socket with a receive buffer and a deadline on every wait,
    plus a small HTTP/1.1 response reader (Content-Length, chunked with
    trailers, read-to-close, 1xx interim responses, HEAD).
  - Checks that raise Fail with a message; each failing case prints the bytes
    it sent and received (from a per-case transcript) and the server's log.
  - main(): runs the cases (all, or those named on the command line), bounds
    each with an alarm, and prints "N passed, N failed" as the last line.

No wait in here is unbounded: sockets get timeouts, processes get deadlines.
"""

import atexit
import ctypes
import errno
import os
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time

HOST = "127.0.0.1"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Per-case wall-clock limit; a case that exceeds it fails (SIGALRM).
CASE_TIMEOUT = float(os.environ.get("CX_IT_CASE_TIMEOUT", "45"))
VERBOSE = os.environ.get("CX_IT_VERBOSE", "") not in ("", "0")


class Fail(Exception):
    """A check did not hold; the message says what was expected and seen."""


class CaseTimeout(Exception):
    """The case ran past CASE_TIMEOUT."""


# --------------------------------------------------------------------------
# Transcript of the current case: what was sent and received, for reports.

_transcript = []
_servers = []  # every Server started, for cleanup and log reports


def note(kind, data):
    """Record bytes (or a text line) in the current case's transcript."""
    _transcript.append((kind, data))


def show(data, limit=600):
    """A printable, bounded rendering of bytes."""
    if isinstance(data, str):
        data = data.encode("utf-8", "backslashreplace")
    text = repr(bytes(data[:limit]))[2:-1]
    if len(data) > limit:
        text += "...(%d bytes in all)" % len(data)
    return text


def _print_transcript():
    for kind, data in _transcript[-40:]:
        if kind in ("sent", "got"):
            print("      %-5s %s" % (kind, show(data)))
        else:
            print("      %s" % data)
    if len(_transcript) > 40:
        print("      (%d earlier transcript entries left out)" % (len(_transcript) - 40))


# --------------------------------------------------------------------------
# Checks.


def check(cond, what):
    if not cond:
        raise Fail(what)


def check_eq(got, want, what):
    if got != want:
        raise Fail("%s: expected %s, got %s" % (what, _short(want), _short(got)))


def check_in(got, allowed, what):
    if got not in allowed:
        raise Fail("%s: expected one of %s, got %s" % (what, _short(allowed), _short(got)))


def _short(v):
    if isinstance(v, (bytes, bytearray)):
        return "b'%s'" % show(v, 200)
    s = repr(v)
    return s if len(s) <= 300 else s[:300] + "..."


# --------------------------------------------------------------------------
# Ports and processes.


def free_port():
    """A port that was free a moment ago (the server may still lose a race;
    Server.start retries)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((HOST, 0))
        return s.getsockname()[1]
    finally:
        s.close()


def cortex_bin():
    path = os.environ.get("CORTEX_BIN")
    if path:
        return path
    for cand in ("build/cortex", "build-asan/cortex"):
        full = os.path.join(ROOT, cand)
        if os.access(full, os.X_OK):
            return full
    raise Fail("CORTEX_BIN is not set and no build/cortex exists")


def _die_with_parent():
    # Runs in the child between fork and exec: if the test process is killed
    # (a ctest timeout sends SIGKILL, which no atexit survives), the kernel
    # kills the server too.
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class Server:
    """One `cortex serve` process (or, for helper checks, any HTTP server
    command). env adds variables such as CORTEX_LIMITS_MAX_BODY."""

    def __init__(self, env=None, static=None, threads=2, args=None, argv=None, name="cortex"):
        self.env_extra = dict(env or {})
        self.static = static
        self.threads = threads
        self.args = list(args or [])
        self.argv_fn = argv  # optional callable(port) -> argv, for non-cortex servers
        self.name = name
        self.proc = None
        self.port = None
        self.log_path = None
        self._log = None
        self.exit_code = None

    def argv(self, port):
        if self.argv_fn:
            return self.argv_fn(port)
        cmd = [cortex_bin(), "serve", "--host", HOST, "--port", str(port),
               "--threads", str(self.threads)]
        if self.static:
            cmd += ["--static", self.static]
        return cmd + self.args

    def start(self, ready_timeout=15.0):
        last = ""
        for _ in range(3):  # a lost port race shows as an early exit
            self.port = free_port()
            env = dict(os.environ)
            # Keep the access log quiet unless asked: it is large under the fuzz case.
            env.setdefault("CORTEX_LOG_ACCESS", "false")
            env.update(self.env_extra)
            fd, self.log_path = tempfile.mkstemp(prefix="cx-it-%s-" % self.name, suffix=".log")
            self._log = os.fdopen(fd, "wb")
            argv = self.argv(self.port)
            note("note", "start: %s %s" % (" ".join("%s=%s" % kv for kv in self.env_extra.items()),
                                           " ".join(argv)))
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self._log,
                                         stderr=subprocess.STDOUT, env=env, cwd=ROOT,
                                         preexec_fn=_die_with_parent)
            _servers.append(self)
            self.exit_code = None
            if self._wait_ready(ready_timeout):
                return self
            last = self.log_tail()
            self.kill()
            if self.exit_code is None or "in use" not in last.lower():
                break
        raise Fail("server did not start listening on %s:%s; its output:\n%s"
                   % (HOST, self.port, last))

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.exit_code = self.proc.returncode
                return False
            try:
                s = socket.create_connection((HOST, self.port), timeout=1.0)
                s.close()
                return True
            except OSError:
                time.sleep(0.05)
        return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        note("note", "send signal %s to pid %d" % (signal.Signals(sig).name, self.proc.pid))
        self.proc.send_signal(sig)

    def wait(self, timeout):
        """Wait for exit; returns the exit code, or None if still running."""
        try:
            self.exit_code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        return self.exit_code

    def stop(self, timeout=10.0):
        """SIGTERM, then SIGKILL after timeout. Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            if self.wait(timeout) is None:
                self.kill()
        self.exit_code = self.proc.returncode
        self._close_log()
        return self.exit_code

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.kill()
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self.proc is not None:
            self.exit_code = self.proc.returncode
        self._close_log()

    def _close_log(self):
        if self._log:
            try:
                self._log.close()
            except OSError:
                pass
            self._log = None

    def log_tail(self, nbytes=3000):
        if not self.log_path:
            return ""
        try:
            if self._log:
                self._log.flush()
            with open(self.log_path, "rb") as f:
                f.seek(0, 2)
                size = f.tell()
                f.seek(max(0, size - nbytes))
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def cleanup_log(self):
        if self.log_path:
            try:
                os.unlink(self.log_path)
            except OSError:
                pass

    def connect(self, timeout=5.0):
        return Conn(self.port, timeout=timeout)

    def check_alive(self, what="after the previous request"):
        """The process runs and GET /plaintext on a new connection answers."""
        if not self.alive():
            raise Fail("server process exited (code %s) %s; log tail:\n%s"
                       % (self.proc.returncode, what, self.log_tail()))
        try:
            with self.connect(timeout=5.0) as c:
                c.send(b"GET /plaintext HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                r = c.response(timeout=5.0)
        except (OSError, Fail) as e:
            raise Fail("server does not answer GET /plaintext %s: %s" % (what, e))
        if r.status != 200 or r.body != b"Hello, World!":
            raise Fail("server answers GET /plaintext %s with %d %s" % (what, r.status, show(r.body)))


def _cleanup_all():
    for s in _servers:
        try:
            s.kill()
        except Exception:
            pass
        if os.environ.get("CX_IT_KEEP_LOGS", "") in ("", "0"):
            s.cleanup_log()


atexit.register(_cleanup_all)


def _on_term(signum, frame):
    _cleanup_all()
    os._exit(128 + signum)


# --------------------------------------------------------------------------
# Raw connections and the response reader.


class Response:
    def __init__(self):
        self.version = ""
        self.status = 0
        self.reason = ""
        self.headers = []  # (name, value) as received, in order
        self.body = b""
        self.raw = b""
        self.chunks = []  # chunk sizes, for chunked bodies
        self.trailers = []
        self.interim = []  # 1xx responses seen before this one
        self.closed = False  # the body was delimited by the connection closing

    def header(self, name, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    def header_all(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    def has(self, name):
        return self.header(name) is not None

    def tokens(self, name):
        """Comma-separated values of a header, lower-cased and stripped."""
        out = []
        for v in self.header_all(name):
            out += [t.strip().lower() for t in v.split(",") if t.strip()]
        return out

    def __repr__(self):
        return "<%d %s, %d header(s), %d body bytes>" % (self.status, self.reason,
                                                          len(self.headers), len(self.body))


class Closed(Fail):
    """The peer closed the connection (or reset it) before a whole response."""


class Conn:
    """A client connection with a receive buffer. Every read takes a timeout
    (seconds); running past it raises Fail."""

    def __init__(self, port, timeout=5.0, host=HOST, quiet=False):
        self.quiet = quiet  # keep this connection out of the transcript
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.eof = False
        self.reset = False
        self.timeout = timeout

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data, record=True):
        if record and not self.quiet:
            note("sent", data)
        self.sock.settimeout(self.timeout)
        try:
            self.sock.sendall(data)
        except socket.timeout:
            raise Fail("send of %d bytes timed out (server not reading?)" % len(data))

    def try_send(self, data):
        """send that reports a closed/reset connection as False."""
        try:
            self.send(data)
            return True
        except (BrokenPipeError, ConnectionResetError):
            return False

    def shutdown_write(self):
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def _fill(self, deadline):
        """Read more bytes into buf; returns False on EOF/reset."""
        if self.eof:
            return False
        left = deadline - time.monotonic()
        if left <= 0:
            raise Fail("timed out waiting for data (have %d bytes: %s)" % (len(self.buf), show(self.buf, 200)))
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise Fail("timed out waiting for data (have %d bytes: %s)" % (len(self.buf), show(self.buf, 200)))
        except ConnectionResetError:
            self.eof = self.reset = True
            if not self.quiet:
                note("note", "connection reset by peer")
            return False
        if not data:
            self.eof = True
            if not self.quiet:
                note("note", "connection closed by peer (EOF)")
            return False
        if not self.quiet:
            note("got", data)
        self.buf += data
        return True

    def read_until(self, marker, timeout=None, limit=1 << 20):
        deadline = time.monotonic() + (timeout if timeout is not None else self.timeout)
        while marker not in self.buf:
            if len(self.buf) > limit:
                raise Fail("no %s in the first %d bytes" % (show(marker), limit))
            if not self._fill(deadline):
                raise Closed("connection closed before %s (have %s)" % (show(marker), show(self.buf, 300)))
        i = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def read_exact(self, n, timeout=None):
        deadline = time.monotonic() + (timeout if timeout is not None else self.timeout)
        while len(self.buf) < n:
            if not self._fill(deadline):
                raise Closed("connection closed after %d of %d body bytes" % (len(self.buf), n))
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_to_close(self, timeout=None, limit=64 << 20):
        deadline = time.monotonic() + (timeout if timeout is not None else self.timeout)
        while self._fill(deadline):
            if len(self.buf) > limit:
                raise Fail("more than %d bytes before close" % limit)
        out, self.buf = self.buf, b""
        return out

    def wait_closed(self, timeout):
        """True if the peer closes (EOF or reset) within timeout; bytes that
        arrive meanwhile are kept in self.buf. False if still open."""
        deadline = time.monotonic() + timeout
        try:
            while self._fill(deadline):
                pass
            return True
        except Fail:
            return False

    def response(self, head=False, timeout=None, interim=False):
        """Read one response. head: it answers a HEAD (no body). 1xx responses
        are collected in .interim and skipped unless interim=True, which
        returns the first 1xx."""
        timeout = timeout if timeout is not None else self.timeout
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            r = self._read_head(deadline)
            if 100 <= r.status < 200 and r.status != 101:
                seen.append(r)
                if interim:
                    return r
                continue
            r.interim = seen
            self._read_body(r, head, deadline)
            return r

    def _read_head(self, deadline):
        r = Response()
        while True:
            i = self.buf.find(b"\r\n\r\n")
            if i >= 0:
                break
            if len(self.buf) > (1 << 20):
                raise Fail("response head larger than 1 MiB")
            if not self._fill(deadline):
                if self.buf:
                    raise Closed("connection closed inside a response head: %s" % show(self.buf, 300))
                raise Closed("connection closed with no response")
        head, self.buf = self.buf[:i], self.buf[i + 4:]
        r.raw = head + b"\r\n\r\n"
        lines = head.split(b"\r\n")
        m = re.match(rb"^(HTTP/\d\.\d) (\d{3}) ?(.*)$", lines[0])
        if not m:
            raise Fail("bad status line: %s" % show(lines[0]))
        r.version = m.group(1).decode()
        r.status = int(m.group(2))
        r.reason = m.group(3).decode("latin-1")
        for line in lines[1:]:
            if b":" not in line or line[:1] in (b" ", b"\t"):
                raise Fail("bad response header line: %s" % show(line))
            k, v = line.split(b":", 1)
            if k != k.strip() or not k:
                raise Fail("bad response header name: %s" % show(line))
            r.headers.append((k.decode("latin-1"), v.strip().decode("latin-1")))
        return r

    def _read_body(self, r, head, deadline):
        if head or r.status in (204, 304) or 100 <= r.status < 200:
            return
        te = r.tokens("transfer-encoding")
        if te:
            check(te[-1] == "chunked", "response Transfer-Encoding %r does not end in chunked" % te)
            self._read_chunked(r, deadline)
            return
        cl = r.header_all("content-length")
        if cl:
            check(len(set(cl)) == 1 and re.match(r"^\d+$", cl[0]) is not None,
                  "bad response Content-Length %r" % cl)
            r.body = self.read_exact(int(cl[0]), timeout=max(0.01, deadline - time.monotonic()))
            return
        r.body = self.read_to_close(timeout=max(0.01, deadline - time.monotonic()))
        r.closed = True

    def _read_chunked(self, r, deadline):
        body = []
        while True:
            line = self._line(deadline)
            size_txt = line.split(b";", 1)[0].strip()
            check(re.match(rb"^[0-9a-fA-F]+$", size_txt) is not None, "bad chunk size line %s" % show(line))
            size = int(size_txt, 16)
            if size == 0:
                break
            r.chunks.append(size)
            left = max(0.01, deadline - time.monotonic())
            body.append(self.read_exact(size, timeout=left))
            crlf = self.read_exact(2, timeout=max(0.01, deadline - time.monotonic()))
            check(crlf == b"\r\n", "chunk data not followed by CRLF: %s" % show(crlf))
        while True:
            line = self._line(deadline)
            if line == b"":
                break
            r.trailers.append(line)
        r.body = b"".join(body)

    def _line(self, deadline):
        while b"\r\n" not in self.buf:
            if len(self.buf) > 65536:
                raise Fail("line longer than 64 KiB in a chunked response")
            if not self._fill(deadline):
                raise Closed("connection closed inside a chunked body")
        i = self.buf.index(b"\r\n")
        line, self.buf = self.buf[:i], self.buf[i + 2:]
        return line


def request(port, method, path, headers=None, body=b"", version="HTTP/1.1", timeout=5.0):
    """One request on a fresh connection with Connection: close."""
    lines = ["%s %s %s" % (method, path, version), "Host: 127.0.0.1"]
    hdrs = dict(headers or {})
    if body and "Content-Length" not in hdrs and "Transfer-Encoding" not in hdrs:
        hdrs["Content-Length"] = str(len(body))
    hdrs.setdefault("Connection", "close")
    lines += ["%s: %s" % kv for kv in hdrs.items()]
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
    with Conn(port, timeout=timeout) as c:
        c.send(data)
        return c.response(head=(method == "HEAD"), timeout=timeout)


def build(method, path, headers=(), body=b"", version="HTTP/1.1", host="127.0.0.1"):
    """Bytes of a request. headers: list of (name, value); Content-Length is
    added for a body unless a framing header is given."""
    lines = [("%s %s %s" % (method, path, version)).encode("latin-1")]
    if host is not None:
        lines.append(b"Host: " + host.encode("latin-1"))
    names = {k.lower() for k, _ in headers}
    for k, v in headers:
        lines.append(k.encode("latin-1") + b": " + (v if isinstance(v, bytes) else v.encode("latin-1")))
    if body and "content-length" not in names and "transfer-encoding" not in names:
        lines.append(b"Content-Length: " + str(len(body)).encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def chunked(body, size=7, trailers=()):
    """Encode body as chunks of at most size bytes, with optional trailers."""
    out = b""
    for i in range(0, len(body), size):
        part = body[i:i + size]
        out += b"%x\r\n" % len(part) + part + b"\r\n"
    out += b"0\r\n"
    for t in trailers:
        out += t + b"\r\n"
    return out + b"\r\n"


def connect_refused(port, timeout=1.0):
    """True if a TCP connect to the port is refused right now."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((HOST, port))
        return False
    except ConnectionRefusedError:
        return True
    except OSError as e:
        return e.errno == errno.ECONNREFUSED
    finally:
        s.close()


def wait_for(pred, timeout, step=0.05):
    """Poll pred() until it is true or timeout passes; returns the seconds
    it took, or None."""
    start = time.monotonic()
    while True:
        if pred():
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            return None
        time.sleep(step)


def curl(args, timeout=60):
    """Run curl with a bound; returns (exit code, stdout bytes, stderr text)."""
    argv = ["curl", "--max-time", str(int(timeout)), "-sS"] + list(args)
    note("note", "run: " + " ".join(argv))
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout + 5)
    except subprocess.TimeoutExpired:
        raise Fail("curl did not finish in %ds" % timeout)
    if p.stdout:
        note("got", p.stdout)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def poll_readable(socks, timeout):
    """The subset of sockets readable within timeout."""
    if not socks:
        return []
    r, _, _ = select.select(socks, [], [], max(0.0, timeout))
    return r


# --------------------------------------------------------------------------
# Running cases.

_cases = []


def case(fn):
    """Register a test case (a function of no arguments)."""
    _cases.append(fn)
    return fn


def timeout(seconds):
    """Give one case a wall-clock limit other than CASE_TIMEOUT (put it
    above @case)."""
    def mark(fn):
        fn.timeout = seconds
        return fn
    return mark


def _alarm(signum, frame):
    raise CaseTimeout("case ran past its time limit")


def main(setup=None, teardown=None, before_each=None, budget=110.0):
    """Run the registered cases, or those named in argv (exact names or, with
    -k SUBSTR, names containing SUBSTR). setup/teardown run once around them;
    before_each before every case (e.g. to restart a crashed server).
    Prints "N passed, N failed" last and returns the exit status."""
    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGALRM, _alarm)
    chosen = _select(sys.argv[1:])
    if chosen is None:
        print("0 passed, 1 failed")
        return 2
    passed = failed = 0
    start = time.monotonic()
    try:
        if setup:
            _transcript.clear()
            try:
                setup()
            except Exception as e:
                print("FAIL setup: %s" % e)
                _print_transcript()
                print("%d passed, %d failed" % (0, len(chosen)))
                return 1
        for fn in chosen:
            if time.monotonic() - start > budget:
                print("FAIL %s: not run, the file's time budget (%gs) is spent" % (fn.__name__, budget))
                failed += 1
                continue
            ok = _run_one(fn, before_each)
            passed += ok
            failed += not ok
    finally:
        signal.alarm(0)
        if teardown:
            try:
                teardown()
            except Exception as e:
                print("FAIL teardown: %s" % e)
                failed += 1
        _cleanup_all()
    print("(%.1fs)" % (time.monotonic() - start))
    print("%d passed, %d failed" % (passed, failed))
    sys.stdout.flush()
    return 1 if failed else 0


def _select(argv):
    if not argv:
        return list(_cases)
    names = {fn.__name__: fn for fn in _cases}
    out = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "-k" and i + 1 < len(argv):
            out += [fn for fn in _cases if argv[i + 1] in fn.__name__ and fn not in out]
            i += 2
            continue
        if a in ("-l", "--list"):
            for fn in _cases:
                print(fn.__name__)
            sys.exit(0)
        if a not in names:
            print("no such case: %s (use --list)" % a)
            return None
        out.append(names[a])
        i += 1
    return out


def _run_one(fn, before_each):
    _transcript.clear()
    t0 = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, max(getattr(fn, "timeout", 0), CASE_TIMEOUT))
    err = None
    try:
        if before_each:
            before_each()
        fn()
    except (Fail, CaseTimeout) as e:
        err = str(e)
    except Exception as e:  # a bug in the test or an unexpected socket error
        import traceback
        err = "%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc(limit=4))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    dt = time.monotonic() - t0
    if err is None:
        print("ok   %s (%.2fs)" % (fn.__name__, dt))
        if VERBOSE:
            _print_transcript()
        sys.stdout.flush()
        return True
    print("FAIL %s (%.2fs)" % (fn.__name__, dt))
    for line in err.rstrip().splitlines():
        print("      " + line)
    _print_transcript()
    dead = [s for s in _servers if s.proc is not None and s.proc.poll() is not None
            and s.proc.returncode not in (0, -signal.SIGTERM, -signal.SIGKILL) and not getattr(s, "_reported", False)]
    for s in dead:
        s._reported = True
        print("      server %s exited with %s; log tail:" % (s.name, s.proc.returncode))
        for line in s.log_tail().splitlines()[-30:]:
            print("        " + line)
    sys.stdout.flush()
    return False
