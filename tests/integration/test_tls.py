#!/usr/bin/env python3
"""TLS, mTLS, SNI, ALPN, OCSP stapling, tickets and reload of `cortex serve`.

The certificates are made here with the openssl CLI in a temporary
directory: a CA, a server certificate for localhost, a second one for
alt.test (SNI), a client certificate signed by the CA (good) and a
self-signed one (bad). Peers are curl, nghttp, openssl s_client and
Python's ssl module.

Run alone:  CORTEX_BIN=build/cortex python3 tests/integration/test_tls.py [case ...]
"""

import hashlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cxtest  # noqa: E402
from cxtest import Fail, case, check, check_eq, check_in  # noqa: E402

HELLO = b"Hello, World!"


def sh(args, cwd):
    p = subprocess.run(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if p.returncode:
        raise Fail("%s failed: %s" % (" ".join(args), p.stderr.decode("utf-8", "replace")))
    return p.stdout


def make_certs(d):
    """CA, server (localhost), alt (alt.test), good and bad client certs, an
    OCSP response for the server certificate. Returns d."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]

    def leaf(name, subj, ext):
        sh(["openssl", "req"] + ec + ["-keyout", name + ".key", "-out", name + ".csr",
                                      "-subj", subj], d)
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write(ext)
        sh(["openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext"], d)

    sh(["openssl", "req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                                           "-subj", "/CN=Cortex Test CA"], d)
    leaf("srv", "/CN=localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    leaf("srv2", "/CN=localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    leaf("alt", "/CN=alt.test", "subjectAltName=DNS:alt.test,DNS:*.alt.test\n")
    leaf("cli", "/CN=alice/O=Example",
         "subjectAltName=email:alice@example.com,DNS:alice.example\nextendedKeyUsage=clientAuth\n")
    sh(["openssl", "req", "-x509"] + ec + ["-keyout", "bad.key", "-out", "bad.pem", "-days", "2",
                                           "-subj", "/CN=mallory"], d)
    serial = sh(["openssl", "x509", "-in", "srv.pem", "-noout", "-serial"], d).decode().strip()
    with open(os.path.join(d, "index.txt"), "w") as f:
        f.write("V\t300101000000Z\t\t%s\tunknown\t/CN=localhost\n" % serial.split("=")[1])
    sh(["openssl", "ocsp", "-issuer", "ca.pem", "-cert", "srv.pem", "-reqout", "req.der",
        "-no_nonce"], d)
    sh(["openssl", "ocsp", "-index", "index.txt", "-rsigner", "ca.pem", "-rkey", "ca.key", "-CA",
        "ca.pem", "-reqin", "req.der", "-respout", "srv.ocsp", "-ndays", "1"], d)
    return d


class S:
    dir = None
    main = None   # two certs (SNI), OCSP, optional client certs, HSTS, redirect
    req = None    # client certificate required


def P(name):
    return os.path.join(S.dir, name)


def setup():
    S.dir = make_certs(tempfile.mkdtemp(prefix="cx-tls-"))
    shutil.copy(P("srv.pem"), P("live.pem"))
    shutil.copy(P("srv.key"), P("live.key"))
    os.makedirs(P("www"))
    with open(P("www/big.bin"), "wb") as f:
        f.write(os.urandom(3 * 1024 * 1024 + 17))
    S.redirect_port = cxtest.free_port()
    S.main = cxtest.Server(name="tls-main", static=P("www"), args=[
        "--tls-cert", P("live.pem") + "," + P("alt.pem"),
        "--tls-key", P("live.key") + "," + P("alt.key"),
        "--tls-client-ca", P("ca.pem"), "--tls-client-auth", "optional",
        "--set", "tls.ocsp=" + P("srv.ocsp"),
        "--set", "tls.hsts_max_age=24h",
        "--set", "tls.handshake_timeout=1s",
        "--set", "tls.redirect_port=%d" % S.redirect_port,
        "--set", "limits.max_body=64MiB",
        "--set", "log.level=debug"]).start()
    S.req = cxtest.Server(name="tls-req", args=[
        "--tls-cert", P("srv.pem"), "--tls-key", P("srv.key"),
        "--tls-client-ca", P("ca.pem"), "--tls-client-auth", "required"]).start()


def teardown():
    if S.dir:
        shutil.rmtree(S.dir, ignore_errors=True)


def url(srv, path, host="localhost"):
    return "https://%s:%d%s" % (host, srv.port, path)


def curl(args, timeout=60):
    return cxtest.curl(["--cacert", P("ca.pem")] + args, timeout=timeout)


def tls_ctx(alpn=None, cert=None):
    ctx = ssl.create_default_context(cafile=P("ca.pem"))
    if alpn:
        ctx.set_alpn_protocols(alpn)
    if cert:
        ctx.load_cert_chain(P(cert + ".pem"), P(cert + ".key"))
    return ctx


def tls_connect(srv, ctx, host="localhost", session=None):
    raw = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    return ctx.wrap_socket(raw, server_hostname=host, session=session)


def read_response(s):
    """One HTTP/1.1 response with Content-Length from a socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise Fail("connection closed before the head; got %r" % data)
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", "0"))
    while len(body) < n:
        chunk = s.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), headers, body


def s_client(srv, extra, stdin=b""):
    argv = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % srv.port] + extra
    p = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=20)
    return p.stdout.decode("utf-8", "replace")


def fingerprint(pem):
    der = ssl.PEM_cert_to_DER_cert(open(P(pem)).read())
    return hashlib.sha256(der).hexdigest()


# ---------------------------------------------------------------------------


@case
def http1_over_tls():
    rc, out, err = curl(["--http1.1", "-i", url(S.main, "/plaintext")])
    check_eq(rc, 0, "curl exit (%s)" % err)
    check(out.startswith(b"HTTP/1.1 200"), "HTTP/1.1 200 over TLS: %r" % out[:40])
    check(out.endswith(HELLO), "body")
    check(b"strict-transport-security: max-age=86400" in out.lower(), "HSTS header")


@case
def alpn_h2():
    rc, out, err = curl(["--http2", "-w", "\n%{http_version}", url(S.main, "/json")])
    check_eq(rc, 0, "curl exit (%s)" % err)
    body, _, ver = out.rpartition(b"\n")
    check_eq(ver, b"2", "ALPN picked HTTP/2")
    check_eq(json.loads(body), {"message": "Hello, World!"}, "body")
    s = tls_connect(S.main, tls_ctx(["h2", "http/1.1"]))
    check_eq(s.selected_alpn_protocol(), "h2", "server prefers h2")
    s.close()


@case
def alpn_fallback_http1():
    # A client that offers only http/1.1, and one that offers nothing.
    for alpn in (["http/1.1"], None, ["spdy/3", "http/1.1"]):
        s = tls_connect(S.main, tls_ctx(alpn))
        check_in(s.selected_alpn_protocol(), ("http/1.1", None), "ALPN for %s" % alpn)
        s.sendall(b"GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n")
        status, _, body = read_response(s)
        check_eq((status, body), (200, HELLO), "HTTP/1.1 after ALPN %s" % alpn)
        s.close()
    rc, out, err = curl(["--no-alpn", url(S.main, "/plaintext")])
    check_eq((rc, out), (0, HELLO), "curl --no-alpn (%s)" % err)


@case
def sni_picks_certificate():
    for host, want in (("localhost", "srv.pem"), ("alt.test", "alt.pem"), ("a.alt.test", "alt.pem"),
                       ("unknown.example", "srv.pem")):
        ctx = tls_ctx()
        ctx.check_hostname = False
        s = tls_connect(S.main, ctx, host=host)
        got = hashlib.sha256(s.getpeercert(binary_form=True)).hexdigest()
        s.close()
        check_eq(got, fingerprint(want), "certificate for SNI %s" % host)
    rc, out, err = curl(["--resolve", "x.alt.test:%d:127.0.0.1" % S.main.port,
                         "https://x.alt.test:%d/plaintext" % S.main.port])
    check_eq((rc, out), (0, HELLO), "curl verifies the SNI certificate (%s)" % err)


@case
def old_protocols_refused():
    for flag in ("-tls1", "-tls1_1"):
        out = s_client(S.main, [flag, "-servername", "localhost"])
        check("Cipher is (NONE)" in out or "alert" in out or "error" in out.lower(),
              "%s refused: %s" % (flag, out[-300:]))
    for flag, ver in (("-tls1_2", "TLSv1.2"), ("-tls1_3", "TLSv1.3")):
        out = s_client(S.main, [flag, "-servername", "localhost"])
        check(ver in out, "%s accepted" % flag)


@case
def ocsp_stapled():
    out = s_client(S.main, ["-status", "-servername", "localhost"])
    check("OCSP Response Status: successful" in out, "stapled OCSP response: %s" % out[:400])


@case
def session_resumption():
    sess = P("sess12")
    out = s_client(S.main, ["-tls1_2", "-sess_out", sess, "-servername", "localhost"])
    check("New, TLSv1.2" in out, "first handshake is full")
    out = s_client(S.main, ["-tls1_2", "-sess_in", sess, "-servername", "localhost"])
    check("Reused, TLSv1.2" in out, "ticket resumes TLS 1.2: %s" % out[-400:])
    # TLS 1.3 through Python: the ticket arrives after the first response.
    ctx = tls_ctx(["http/1.1"])
    s = tls_connect(S.main, ctx)
    s.sendall(b"GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n")
    read_response(s)
    session = s.session
    s.close()
    s = tls_connect(S.main, ctx, session=session)
    check_eq(s.version(), "TLSv1.3", "TLS 1.3")
    check(s.session_reused, "TLS 1.3 session resumed")
    # TLS 1.3 tickets are single-use: a resumed connection must bring a
    # fresh one, or only every other connection would resume.
    s.sendall(b"GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n")
    read_response(s)
    session = s.session
    s.close()
    s = tls_connect(S.main, ctx, session=session)
    check(s.session_reused, "the ticket from a resumed TLS 1.3 connection resumes again")
    s.close()


@case
def mtls_optional():
    rc, out, err = curl(["--http1.1", url(S.main, "/tls")])
    check_eq(rc, 0, "without a client certificate (%s)" % err)
    check_eq(json.loads(out), {"tls": True, "version": 11}, "no identity")
    for ver, flag in ((11, "--http1.1"), (20, "--http2")):
        rc, out, err = curl([flag, "--cert", P("cli.pem"), "--key", P("cli.key"),
                             url(S.main, "/tls")])
        check_eq(rc, 0, "with a client certificate (%s)" % err)
        j = json.loads(out)
        check_eq(j["version"], ver, "protocol")
        check_eq(j["subject"], "O=Example,CN=alice", "subject")
        check_eq(j["issuer"], "CN=Cortex Test CA", "issuer")
        check_eq(j["sans"], "email:alice@example.com,DNS:alice.example", "SANs")
        check_eq(j["fingerprint"], fingerprint("cli.pem"), "SHA-256 fingerprint")
    rc, out, err = curl(["--cert", P("bad.pem"), "--key", P("bad.key"), url(S.main, "/tls")])
    check(rc != 0, "an unverifiable client certificate is refused even when optional")


@case
def mtls_required():
    rc, out, err = curl([url(S.req, "/plaintext")])
    check(rc != 0, "no client certificate: refused (rc %d)" % rc)
    rc, out, err = curl(["--cert", P("bad.pem"), "--key", P("bad.key"), url(S.req, "/plaintext")])
    check(rc != 0, "bad client certificate: refused (rc %d)" % rc)
    rc, out, err = curl(["--cert", P("cli.pem"), "--key", P("cli.key"), url(S.req, "/tls")])
    check_eq(rc, 0, "good client certificate (%s)" % err)
    check_eq(json.loads(out)["subject"], "O=Example,CN=alice", "identity")


@case
def handshake_garbage_and_timeout():
    # Garbage instead of a ClientHello: closed, server fine.
    for junk in (b"GET / HTTP/1.1\r\n\r\n", os.urandom(600), b"\x16\x03\x01\x00\x05hello"):
        c = socket.create_connection(("127.0.0.1", S.main.port), timeout=5)
        c.sendall(junk)
        try:
            while c.recv(4096):
                pass
        except OSError:
            pass
        c.close()
    # A half-open handshake is cut after tls.handshake_timeout (1 s).
    c = socket.create_connection(("127.0.0.1", S.main.port), timeout=6)
    t0 = time.monotonic()
    c.sendall(b"\x16\x03\x01")
    try:
        while c.recv(4096):
            pass
    except OSError:
        pass
    dt = time.monotonic() - t0
    c.close()
    check(dt < 4.0, "handshake timeout closes within ~1 s (took %.1fs)" % dt)
    rc, out, err = curl([url(S.main, "/plaintext")])
    check_eq((rc, out), (0, HELLO), "still serving")
    check("tls handshake failed" in S.main.log_tail(20000), "failures logged at debug")


@case
def redirect_listener():
    r = cxtest.request(S.redirect_port, "GET", "/json?x=1")  # Host: 127.0.0.1
    check_eq(r.status, 308, "redirect status")
    check_eq(r.header("location"), "https://127.0.0.1:%d/json?x=1" % S.main.port, "Location")


@case
def sendfile_over_tls():
    want = open(P("www/big.bin"), "rb").read()
    for flag in ("--http1.1", "--http2"):
        rc, out, err = curl([flag, url(S.main, "/big.bin")])
        check_eq(rc, 0, "curl %s (%s)" % (flag, err))
        check(out == want, "static file over TLS %s: %d of %d bytes" % (flag, len(out), len(want)))


@case
def large_echo_h2_tls():
    body = os.urandom(50 * 1024 * 1024)
    path = P("big50")
    with open(path, "wb") as f:
        f.write(body)
    rc, out, err = curl(["--http2", "--data-binary", "@" + path, url(S.main, "/echo")], timeout=120)
    check_eq(rc, 0, "curl (%s)" % err)
    check(out == body, "50 MB echo over h2+TLS: %d bytes back" % len(out))
    os.unlink(path)


@case
def reload_keeps_connections():
    ctx = tls_ctx(["http/1.1"])
    old = tls_connect(S.main, ctx)
    old_fp = hashlib.sha256(old.getpeercert(binary_form=True)).hexdigest()
    check_eq(old_fp, fingerprint("srv.pem"), "first certificate")
    shutil.copy(P("srv2.pem"), P("live.pem"))
    shutil.copy(P("srv2.key"), P("live.key"))
    S.main.signal(signal.SIGHUP)
    deadline = time.monotonic() + 5
    new_fp = None
    while time.monotonic() < deadline:
        s = tls_connect(S.main, tls_ctx())
        new_fp = hashlib.sha256(s.getpeercert(binary_form=True)).hexdigest()
        s.close()
        if new_fp == fingerprint("srv2.pem"):
            break
        time.sleep(0.1)
    check_eq(new_fp, fingerprint("srv2.pem"), "new connections get the new certificate")
    old.sendall(b"GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n")
    status, _, body = read_response(old)
    check_eq((status, body), (200, HELLO), "the open connection survived the reload")
    old.close()


if __name__ == "__main__":
    if not shutil.which("openssl") or not shutil.which("curl"):
        print("SKIPPED: openssl and curl are needed")
        print("0 passed, 0 failed")
        sys.exit(0)
    sys.exit(cxtest.main(setup=setup, teardown=teardown, budget=150.0))
