#!/usr/bin/env python3
"""Observability of `cortex serve`: /metrics, /health and a real Prometheus.

  - /metrics counts requests by method, route template and status class,
    answers in the Prometheus text format or OpenMetrics by Accept, and
    promtool accepts the text (when promtool is installed);
  - metrics.enabled=false / health.enabled=false remove the endpoints;
  - /health, /health/live, /health/ready answer application/health+json fast;
  - a Prometheus server on loopback (scrape interval 1s) scrapes the server,
    and a PromQL query through its HTTP API returns the request count we
    made. SKIPPED (with the reason) when prometheus is not installed;
  - tracing.exporter=otlp sends a server span per request to an OTLP/HTTP
    JSON collector (a Python HTTP server here, decoding what arrives), and
    the span continues the caller's traceparent; by default (no
    tracing.protocol) the body is protobuf, and a tracing.protocol that is
    not http/protobuf or http/json stops the server at startup.
    (test_otel_interop.py decodes the protobuf with the official definitions.)

Run alone:  CORTEX_BIN=build/cortex python3 tests/integration/test_observe.py [case ...]
"""

import http.server
import json
import os
import threading
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cxtest  # noqa: E402
from cxtest import Fail, case, check, check_eq, request  # noqa: E402


def sample(text, name, labels):
    """The value of one sample, or None. labels: a dict that must match exactly."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$', line)
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        if got == labels:
            return float(m.group(4))
    return None


def get(port, path, headers=None):
    r = request(port, "GET", path, headers=headers)
    return r, r.body.decode("utf-8", "replace")


@case
def metrics_count_requests_by_route():
    srv = cxtest.Server().start()
    try:
        for _ in range(7):
            check_eq(request(srv.port, "GET", "/json").status, 200, "GET /json")
        for _ in range(3):
            check_eq(request(srv.port, "GET", "/no/such/thing").status, 404, "unmatched path")
        check_eq(request(srv.port, "POST", "/echo", body=b"abcdef").status, 200, "POST /echo")
        r, text = get(srv.port, "/metrics")
        check_eq(r.status, 200, "GET /metrics")
        check(r.header("Content-Type", "").startswith("text/plain; version=0.0.4"),
              "text format by default, got %r" % r.header("Content-Type"))
        check_eq(sample(text, "cortex_http_requests_total",
                        {"method": "GET", "route": "/json", "status": "2xx"}), 7.0, "/json count")
        check_eq(sample(text, "cortex_http_requests_total",
                        {"method": "GET", "route": "unmatched", "status": "4xx"}), 3.0,
                 "unmatched paths share one series")
        check_eq(sample(text, "cortex_http_requests_total",
                        {"method": "POST", "route": "/echo", "status": "2xx"}), 1.0, "/echo count")
        check_eq(sample(text, "cortex_http_request_duration_seconds_count",
                        {"method": "GET", "route": "/json"}), 7.0, "histogram count")
        check(sample(text, "cortex_http_request_body_bytes_total", {}) >= 6, "request bytes")
        check(sample(text, "cortex_http_response_body_bytes_total", {}) >= 7 * 27, "response bytes")
        # The scrape itself is in flight, the connection that carries it open.
        check_eq(sample(text, "cortex_http_requests_in_flight", {}), 1.0, "in flight")
        check_eq(sample(text, "cortex_http_connections", {"protocol": "http/1.1"}), 1.0,
                 "open connections")
        for name in ("process_cpu_seconds_total", "process_resident_memory_bytes",
                     "process_open_fds", "process_max_fds", "process_start_time_seconds",
                     "process_virtual_memory_bytes"):
            check(sample(text, name, {}) is not None, "%s present" % name)
        check(sample(text, "cortex_event_loop_lag_seconds", {"worker": "0"}) is not None or
              "cortex_event_loop_lag_seconds" in text, "loop lag family present")
        if shutil.which("promtool"):
            p = subprocess.run(["promtool", "check", "metrics"], input=r.body,
                               capture_output=True, timeout=30)
            check_eq(p.returncode, 0, "promtool check metrics: %s" % p.stdout.decode() + p.stderr.decode())
        else:
            print("  (promtool not installed: lint skipped)")
    finally:
        srv.stop()


@case
def metrics_openmetrics_by_accept():
    srv = cxtest.Server().start()
    try:
        accept = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                  "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
        r, text = get(srv.port, "/metrics", {"Accept": accept})
        check(r.header("Content-Type", "").startswith("application/openmetrics-text; version=1.0.0"),
              "OpenMetrics content type, got %r" % r.header("Content-Type"))
        check(text.endswith("# EOF\n"), "ends with # EOF")
        check("# TYPE cortex_http_requests counter" in text, "OpenMetrics counter family name")
        r, text = get(srv.port, "/metrics", {"Accept": "text/plain"})
        check(r.header("Content-Type", "").startswith("text/plain"), "text when asked")
        check("# EOF" not in text, "no EOF marker in the text format")
    finally:
        srv.stop()


@case
def endpoints_can_be_disabled():
    srv = cxtest.Server(args=["--set", "metrics.enabled=false", "--set", "health.enabled=false"]).start()
    try:
        check_eq(request(srv.port, "GET", "/metrics").status, 404, "/metrics off")
        check_eq(request(srv.port, "GET", "/health").status, 404, "/health off")
        check_eq(request(srv.port, "GET", "/json").status, 200, "still serving")
    finally:
        srv.stop()


@case
def health_endpoints():
    srv = cxtest.Server().start()
    try:
        for path, want in (("/health", ["startup", "memory:rss", "uptime", "eventloop:lag",
                                        "disk:free"]),
                           ("/health/live", ["uptime", "eventloop:lag"]),
                           ("/health/ready", ["startup", "memory:rss", "disk:free"])):
            r, text = get(srv.port, path)
            check_in(r.status, (200, 503), path)
            check_eq(r.header("Content-Type"), "application/health+json", path + " type")
            doc = json.loads(text)
            check_in(doc["status"], ("pass", "warn", "fail"), path + " status")
            check_eq(r.status, 503 if doc["status"] == "fail" else 200, path + " code matches")
            check_eq(sorted(doc["checks"].keys()), sorted(want), path + " checks")
        # Fast: on one kept-alive connection, the slowest of 20 answers.
        worst = 0.0
        with srv.connect() as c:
            for _ in range(20):
                t0 = time.monotonic()
                c.send(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
                c.response()
                worst = max(worst, time.monotonic() - t0)
        # 10 ms server-side; the client and a shared 2-core machine add slack.
        check(worst < 0.05, "slowest /health took %.1f ms" % (worst * 1e3))
    finally:
        srv.stop()


def check_in(got, allowed, what):
    if got not in allowed:
        raise Fail("%s: got %r, want one of %r" % (what, got, allowed))


def prom_query(port, q):
    url = "http://127.0.0.1:%d/api/v1/query?%s" % (port, urllib.parse.urlencode({"query": q}))
    with urllib.request.urlopen(url, timeout=5) as f:
        doc = json.loads(f.read())
    if doc.get("status") != "success":
        raise Fail("query %s: %r" % (q, doc))
    res = doc["data"]["result"]
    return float(res[0]["value"][1]) if res else None


@case
@cxtest.timeout(60)
def prometheus_scrapes_the_server():
    prom = shutil.which("prometheus")
    if not prom:
        print("  SKIPPED prometheus_scrapes_the_server: prometheus is not installed "
              "(Debian package prometheus)")
        return
    srv = cxtest.Server().start()
    tmp = tempfile.mkdtemp(prefix="cx-prom-")
    pport = cxtest.free_port()
    with open(os.path.join(tmp, "prometheus.yml"), "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                "scrape_configs:\n  - job_name: cortex\n    static_configs:\n"
                "      - targets: ['127.0.0.1:%d']\n" % srv.port)
    log = open(os.path.join(tmp, "prometheus.log"), "wb")
    p = subprocess.Popen([prom, "--config.file=" + os.path.join(tmp, "prometheus.yml"),
                          "--storage.tsdb.path=" + os.path.join(tmp, "data"),
                          "--web.listen-address=127.0.0.1:%d" % pport],
                         stdout=log, stderr=subprocess.STDOUT, preexec_fn=cxtest._die_with_parent)
    try:
        n = 25
        for _ in range(n):
            check_eq(request(srv.port, "GET", "/plaintext").status, 200, "GET /plaintext")
        q = 'cortex_http_requests_total{job="cortex",route="/plaintext",status="2xx"}'
        got = None
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            try:
                got = prom_query(pport, q)
                if got == n and prom_query(pport, 'up{job="cortex"}') == 1:
                    break
            except (OSError, ValueError):
                pass  # not up yet
            time.sleep(0.5)
        if got != n:
            log.flush()
            with open(os.path.join(tmp, "prometheus.log"), "rb") as f:
                tail = f.read()[-2000:].decode("utf-8", "replace")
            raise Fail("PromQL %s returned %r, want %d; prometheus log:\n%s" % (q, got, n, tail))
        # The histogram made it too, through OpenMetrics (Prometheus asks for it).
        cnt = prom_query(pport, 'cortex_http_request_duration_seconds_count{route="/plaintext"}')
        check_eq(cnt, float(n), "histogram count in Prometheus")
    finally:
        p.terminate()
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)
        srv.stop()


class _Collector(http.server.BaseHTTPRequestHandler):
    posts = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        _Collector.posts.append((self.path, self.headers.get("Content-Type"), body))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@case
@cxtest.timeout(30)
def tracing_exports_server_spans_over_otlp():
    coll = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=coll.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d/v1/traces" % coll.server_address[1]
    srv = cxtest.Server(args=["--set", "tracing.exporter=otlp", "--set", "tracing.endpoint=" + url,
                              "--set", "tracing.service=obs-test",
                              "--set", "tracing.protocol=http/json"]).start()
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    parent = "00f067aa0ba902b7"
    try:
        r = request(srv.port, "GET", "/json",
                    headers=[("traceparent", "00-%s-%s-01" % (trace, parent))])
        check_eq(r.status, 200, "GET /json with traceparent")
        # The batch processor exports at least once a second.
        spans = []
        def arrived():
            spans[:] = [sp for _, _, b in _Collector.posts
                        for rs in json.loads(b)["resourceSpans"]
                        for ss in rs["scopeSpans"] for sp in ss["spans"]]
            return any(sp["traceId"] == trace for sp in spans)
        check(cxtest.wait_for(arrived, 10), "a span of the caller's trace reached the collector")
        sp = next(sp for sp in spans if sp["traceId"] == trace)
        check_eq(sp["parentSpanId"], parent, "parent span id")
        check_eq(sp["kind"], 2, "span kind SERVER")
        check("/json" in sp["name"], "span name names the route: %r" % sp["name"])
        path, ctype, body = _Collector.posts[0]
        check_eq(path, "/v1/traces", "collector path")
        check_eq(ctype, "application/json", "content type")
        check("obs-test" in body.decode(), "service.name in the resource")
    finally:
        srv.stop()
        coll.shutdown()



@case
@cxtest.timeout(30)
def tracing_protocol_defaults_to_protobuf():
    _Collector.posts.clear()
    coll = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=coll.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d/v1/traces" % coll.server_address[1]
    srv = cxtest.Server(args=["--set", "tracing.exporter=otlp", "--set", "tracing.endpoint=" + url,
                              "--set", "tracing.service=obs-proto"]).start()
    trace = "5bf92f3577b34da6a3ce929d0e0e4736"
    try:
        r = request(srv.port, "GET", "/json",
                    headers=[("traceparent", "00-%s-00f067aa0ba902b7-01" % trace)])
        check_eq(r.status, 200, "GET /json with traceparent")
        check(cxtest.wait_for(lambda: any(bytes.fromhex(trace) in b for _, _, b in _Collector.posts),
                              10), "the trace id's 16 bytes reached the collector")
        path, ctype, body = _Collector.posts[-1]
        check_eq(ctype, "application/x-protobuf", "content type")
        check(b"obs-proto" in body, "service.name in the resource")
        check_eq(body[0], 0x0a, "field 1 (resource_spans), length-delimited, comes first")
    finally:
        srv.stop()
        coll.shutdown()


@case
def tracing_protocol_must_be_known():
    p = subprocess.run([cxtest.cortex_bin(), "serve", "--host", "127.0.0.1", "--port", "0",
                        "--set", "tracing.exporter=console", "--set", "tracing.protocol=grpc"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=15)
    check(p.returncode != 0, "exit status %d" % p.returncode)
    check("tracing.protocol" in p.stderr, "the error names the key: %r" % p.stderr[-300:])


if __name__ == "__main__":
    sys.exit(cxtest.main(budget=150.0))
