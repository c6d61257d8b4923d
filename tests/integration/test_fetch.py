"""cx_fetch against real peers on loopback.

Starts the peers, then runs the C side (the unit test binary test_fetch,
which skips its server cases unless the CX_FETCH_* variables below point at
peers) and the example:
  - `cortex serve` (plain HTTP/1.1): /plaintext, /json, /echo, /stream, /sleep
  - nginx over TLS with http2 on, certificates from a CA generated here with
    the openssl CLI; a /mtls/ location that wants a client certificate
  - a Python socket that accepts and never answers (timeouts)

The peer set-up is also used by bench/fetch/run.sh (import this file and
call Peers().start()).
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cxtest  # noqa: E402
from cxtest import case, check, check_eq, Fail  # noqa: E402

HOST = "127.0.0.1"


def build_dir():
    d = os.environ.get("CX_BUILD_DIR")
    if d:
        return d
    return os.path.join(cxtest.ROOT, "build")


def run(cmd, cwd, what):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=60)
    if p.returncode != 0:
        raise Fail("%s failed (%s): %s" % (what, " ".join(cmd), p.stdout.decode(errors="replace")))


EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


def make_certs(d):
    """A CA, a server certificate for localhost (not 127.0.0.1), and a client
    certificate, all with the openssl CLI, in directory d."""
    run(["openssl", "req", "-x509", *EC, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
         "-subj", "/CN=Cortex fetch test CA", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"], d, "CA")
    for name, cn, ext in (("server", "localhost",
                           "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n"),
                          ("client", "cortex-fetch-client", "extendedKeyUsage=clientAuth\n")):
        run(["openssl", "req", *EC, "-keyout", name + ".key", "-out", name + ".csr",
             "-subj", "/CN=" + cn], d, name + " key")
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write(ext)
        run(["openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext"],
            d, name + " certificate")


NGINX_CONF = """
daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    default_type application/octet-stream;
    keepalive_requests 1000000;
    server {{
        listen {host}:{tls_port} ssl http2;
        server_name localhost;
        ssl_certificate {d}/server.pem;
        ssl_certificate_key {d}/server.key;
        ssl_client_certificate {d}/ca.pem;
        ssl_verify_client optional;
        root {d}/www;
        location = /redir {{ return 302 /small.txt; }}
        location = /loop {{ return 302 /loop; }}
        location /mtls/ {{
            default_type text/plain;
            if ($ssl_client_verify != SUCCESS) {{ return 403; }}
            return 200 "client ok\\n";
        }}
    }}
    server {{
        listen {host}:{plain_port};
        root {d}/www;
    }}
}}
"""


class Stall:
    """Accepts connections and never answers; closes them at stop()."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((HOST, 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.held = []
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
                self.held.append(conn)
            except OSError:
                pass

    def stop(self):
        self.running = False
        self.thread.join(2)
        for c in self.held:
            c.close()
        self.sock.close()


class Peers:
    def __init__(self):
        self.dir = None
        self.cortex = None
        self.nginx = None
        self.stall = None

    def start(self, cortex=True):
        self.dir = tempfile.mkdtemp(prefix="cx-fetch-")
        d = self.dir
        os.makedirs(os.path.join(d, "tmp"))
        www = os.path.join(d, "www")
        os.makedirs(www)
        with open(os.path.join(www, "small.txt"), "w") as f:
            f.write("small file\n")
        with open(os.path.join(www, "big.bin"), "wb") as f:
            f.write(os.urandom(1024 * 1024))
        make_certs(d)
        self.tls_port = cxtest.free_port()
        self.plain_port = cxtest.free_port()
        with open(os.path.join(d, "nginx.conf"), "w") as f:
            f.write(NGINX_CONF.format(d=d, host=HOST, tls_port=self.tls_port,
                                      plain_port=self.plain_port))
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.nginx = cxtest.Server(name="nginx", argv=lambda port: [
            nginx, "-p", d, "-c", os.path.join(d, "nginx.conf"), "-e", os.path.join(d, "error.log")])
        self._start_fixed(self.nginx, self.tls_port)
        if cortex:
            self.cortex = cxtest.Server(threads=1).start()
        self.stall = Stall()
        return self

    def _start_fixed(self, srv, port):
        # nginx's ports are in its config, so wait for that port.
        log = open(os.path.join(self.dir, "nginx.out"), "wb")
        srv.proc = subprocess.Popen(srv.argv(port), stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, preexec_fn=cxtest._die_with_parent)
        cxtest._servers.append(srv)
        srv.port = port
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if srv.proc.poll() is not None:
                break
            try:
                socket.create_connection((HOST, port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        err = ""
        try:
            with open(os.path.join(self.dir, "error.log")) as f:
                err = f.read()
        except OSError:
            pass
        raise Fail("nginx did not start: %s" % err)

    def env(self):
        d = self.dir
        e = dict(os.environ)
        e.update({
            "CX_FETCH_NGINX": "https://localhost:%d" % self.tls_port,
            "CX_FETCH_NGINX_IP": "https://127.0.0.1:%d" % self.tls_port,
            "CX_FETCH_CA": os.path.join(d, "ca.pem"),
            "CX_FETCH_CLIENT_CERT": os.path.join(d, "client.pem"),
            "CX_FETCH_CLIENT_KEY": os.path.join(d, "client.key"),
            "CX_FETCH_STALL": "http://%s:%d" % (HOST, self.stall.port),
        })
        if self.cortex:
            e["CX_FETCH_CORTEX"] = "http://%s:%d" % (HOST, self.cortex.port)
        return e

    def stop(self):
        if self.cortex:
            self.cortex.stop()
        if self.nginx:
            self.nginx.kill()
        if self.stall:
            self.stall.stop()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)


peers = Peers()


def binary(*names):
    for n in names:
        p = os.path.join(build_dir(), n)
        if os.access(p, os.X_OK):
            return p
    raise Fail("not built: %s (in %s)" % (" or ".join(names), build_dir()))


@case
@cxtest.timeout(120)
def c_side_against_all_peers():
    exe = os.environ.get("CX_FETCH_TEST_BIN") or binary("tests/test_fetch")
    p = subprocess.run([exe], env=peers.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=110)
    out = p.stdout.decode(errors="replace")
    last = out.strip().splitlines()[-1] if out.strip() else ""
    if p.returncode != 0 or "skipped" in last or " 0 failed" not in last:
        raise Fail("test_fetch: exit %d, output:\n%s" % (p.returncode, out))
    print("    test_fetch: %s" % last)


@case
def example_prints_status_and_body():
    exe = os.environ.get("CX_FETCH_EXAMPLE_BIN") or binary("example_fetch")
    url = "http://%s:%d/plaintext" % (HOST, peers.cortex.port)
    p = subprocess.run([exe, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    check_eq(p.returncode, 0, "exit code")
    out = p.stdout.decode(errors="replace")
    check("200" in p.stderr.decode(errors="replace"), "status on stderr: %r" % p.stderr)
    check_eq(out, "Hello, World!", "body on stdout")
    # TLS with the test CA, and a DNS failure reported by kind.
    p = subprocess.run([exe, "--ca", os.path.join(peers.dir, "ca.pem"),
                        "https://localhost:%d/small.txt" % peers.tls_port],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    check_eq(p.returncode, 0, "exit code over TLS (stderr %r)" % p.stderr)
    check_eq(p.stdout, b"small file\n", "body over TLS")
    p = subprocess.run([exe, "http://nowhere.invalid/"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=30)
    check(p.returncode != 0, "a DNS failure exits non-zero")
    check(b"dns" in p.stderr, "the kind is named: %r" % p.stderr)


if __name__ == "__main__":
    if not shutil.which("nginx") and not os.path.exists("/usr/sbin/nginx"):
        print("SKIPPED: nginx is not installed")
        print("0 passed, 0 failed")
        sys.exit(0)
    sys.exit(cxtest.main(setup=peers.start, teardown=peers.stop, budget=200.0))
