#!/usr/bin/env python3
"""Distributed tracing across real OpenTelemetry peers.

    Node.js client (OpenTelemetry JS SDK + http instrumentation)
      -> relay A (examples/otel_relay: a Cortex server, tracing on)
         -> relay B (the same program, the chain's end)

All three export their spans to one receiver, a Node.js HTTP server that
decodes OTLP/HTTP with the generated root of the official opentelemetry-proto
definitions (@opentelemetry/otlp-transformer): the relays as protobuf
(Cortex's default), the Node client through the SDK's own OTLP protobuf
exporter. The test checks one trace id across the four spans, the parent
chain (client span -> A server -> A client -> B server), the span kinds and
the services; then that `cortex serve` exports protobuf by default and, with
tracing.protocol=http/json, JSON that the official definitions accept too.

The npm packages are installed (pinned) into $CX_BUILD_DIR/npm/otel on the
first run. Without node/npm or without the registry the test prints SKIPPED
with the reason and exits 0.
"""

import json
import os
import shutil
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cxtest  # noqa: E402
from cxtest import case, check, check_eq  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.environ.get("CX_BUILD_DIR") or os.path.join(cxtest.ROOT, "build")
NPM_DIR = os.path.join(BUILD, "npm", "otel")
PACKAGES = [
    "@opentelemetry/api@1.9.0",
    "@opentelemetry/sdk-trace-node@2.2.0",
    "@opentelemetry/sdk-trace-base@2.2.0",
    "@opentelemetry/resources@2.2.0",
    "@opentelemetry/instrumentation@0.208.0",
    "@opentelemetry/instrumentation-http@0.208.0",
    "@opentelemetry/exporter-trace-otlp-proto@0.208.0",
    # Its generated root holds opentelemetry-proto 1.x with Span.flags (the
    # 0.5x releases carry an older copy without it).
    "@opentelemetry/otlp-transformer@0.208.0",
]
SPAN_KIND_SERVER, SPAN_KIND_CLIENT = 2, 3


def skipped(why):
    print("SKIPPED: %s" % why)
    print("0 passed, 0 failed")
    sys.exit(0)


def installed():
    """True when every pinned package is there at its pinned version."""
    for spec in PACKAGES:
        name, version = spec.rsplit("@", 1)
        try:
            with open(os.path.join(NPM_DIR, "node_modules", name, "package.json")) as f:
                if json.load(f).get("version") != version:
                    return False
        except (OSError, ValueError):
            return False
    return True


def ensure_npm():
    if not shutil.which("node") or not shutil.which("npm"):
        skipped("node or npm is not installed")
    if installed():
        return
    os.makedirs(NPM_DIR, exist_ok=True)
    try:
        p = subprocess.run(["npm", "install", "--prefix", NPM_DIR, "--no-audit", "--no-fund",
                            "--ignore-scripts", "--loglevel=error"] + PACKAGES,
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=240)
    except subprocess.TimeoutExpired:
        skipped("npm install timed out (is the registry reachable?)")
    if p.returncode != 0 or not installed():
        lines = (p.stderr or p.stdout).strip().splitlines()
        why = [ln for ln in lines if " code " in ln or "errno" in ln or "ERR" in ln] or lines[-2:]
        skipped("npm install failed (registry unreachable?): %s" % " | ".join(why[:3]))


def node_env():
    env = dict(os.environ)
    env["NODE_PATH"] = os.path.join(NPM_DIR, "node_modules")
    return env


def relay_bin():
    path = os.path.join(BUILD, "example_otel_relay")
    if not os.access(path, os.X_OK):
        skipped("%s is not built (CX_EXAMPLES=OFF?)" % path)
    return path


class Receiver(cxtest.Server):
    def __init__(self):
        super().__init__(argv=lambda port: ["node", os.path.join(HERE, "otel", "receiver.js"),
                                            str(port)], env=node_env(), name="otlp-receiver")

    def url(self):
        return "http://127.0.0.1:%d/v1/traces" % self.port

    def get(self, what):
        with urllib.request.urlopen("http://127.0.0.1:%d/%s" % (self.port, what),
                                    timeout=5) as r:
            return json.loads(r.read())

    def wait_spans(self, pred, timeout=10.0):
        got = []

        def ready():
            got[:] = self.get("spans")
            return pred(got)
        cxtest.wait_for(ready, timeout, step=0.1)
        errors = self.get("errors")
        check(not errors, "every body decoded: %r" % errors)
        return got


def relay(name, collector, next_url=None):
    def argv(port):
        a = [relay_bin(), "--service", name, "--collector", collector, "--port", str(port)]
        return a + (["--next", next_url] if next_url else [])
    return cxtest.Server(argv=argv, name=name)


@case
@cxtest.timeout(60)
def node_client_and_two_cortex_services_share_one_trace():
    recv = Receiver().start()
    b = relay("relay-b", recv.url()).start()
    a = relay("relay-a", recv.url(), "http://127.0.0.1:%d/relay" % b.port).start()
    try:
        p = subprocess.run(["node", os.path.join(HERE, "otel", "client.js"),
                            "http://127.0.0.1:%d/relay" % a.port, recv.url()],
                           env=node_env(), capture_output=True, text=True, timeout=30)
        cxtest.note("note", "client: rc=%d out=%s err=%s" % (p.returncode, p.stdout, p.stderr[-2000:]))
        check_eq(p.returncode, 0, "the Node client's exit status")
        out = json.loads(p.stdout.strip().splitlines()[-1])
        check_eq(out["status"], 200, "status of GET /relay on A")
        body = json.loads(out["body"])
        check_eq(body["service"], "relay-a", "A answered")
        check_eq(body["downstream_status"], 200, "B answered A")
        check_eq(json.loads(body["downstream"])["service"], "relay-b", "B's body inside A's")
        trace = out["traceId"]
        check(trace and len(trace) == 32, "the client span's trace id: %r" % trace)
        check_eq(body["trace_id"], trace, "A's server span continues the client's trace")

        spans = recv.wait_spans(lambda s: len([x for x in s if x["traceId"] == trace]) >= 4)
        mine = [x for x in spans if x["traceId"] == trace]
        cxtest.note("note", "spans: %s" % json.dumps(spans))
        check_eq(len(mine), 4, "spans of the trace (client, A server, A client, B server)")
        check_eq(len(spans), 4, "no span of another trace")

        def one(service, kind):
            found = [x for x in mine if x["service"] == service and x["kind"] == kind]
            check_eq(len(found), 1, "%s spans of kind %d" % (service, kind))
            return found[0]
        client = one("node-client", SPAN_KIND_CLIENT)
        a_srv = one("relay-a", SPAN_KIND_SERVER)
        a_cli = one("relay-a", SPAN_KIND_CLIENT)
        b_srv = one("relay-b", SPAN_KIND_SERVER)
        check_eq(client["spanId"], out["spanId"], "the Node client exported its own span")
        check_eq(client["parentSpanId"], "", "the client span is the root")
        check_eq(a_srv["parentSpanId"], client["spanId"], "A server span's parent: the client span")
        check_eq(a_cli["parentSpanId"], a_srv["spanId"], "A client span's parent: A's server span")
        check_eq(b_srv["parentSpanId"], a_cli["spanId"], "B server span's parent: A's client span")
        for sp in (a_srv, a_cli, b_srv):
            check_eq(sp["wire"], "protobuf", "%s exported as protobuf" % sp["name"])
            check_eq(sp["scope"], "cortex", "instrumentation scope")
            check(int(sp["start"]) <= int(sp["end"]), "start <= end in %s" % sp["name"])
            check_eq(sp["flags"] & 0xff, 1, "Span.flags carries the sampled trace flag")
        check_eq(client["wire"], "protobuf", "the Node SDK exported as protobuf")
        check_eq(a_srv["name"], "GET /relay", "A's server span name")
        check_eq(a_srv["attributes"].get("http.route"), "/relay", "http.route")
        check_eq(a_srv["attributes"].get("http.response.status_code"), "200", "status attribute")
        check_eq(a_cli["attributes"].get("http.response.status_code"), "200",
                 "A's client span records B's status")
        # Nesting in time: the client span encloses A's, A's server encloses its client.
        check(int(a_srv["start"]) <= int(a_cli["start"]) and
              int(a_cli["end"]) <= int(a_srv["end"]), "A's client span inside its server span")
        # SIGTERM is a graceful stop even with the tracer's thread running.
        check_eq(a.stop(), 0, "relay A's exit status after SIGTERM")
        check_eq(b.stop(), 0, "relay B's exit status after SIGTERM")
    finally:
        a.stop()
        b.stop()
        recv.stop()


def serve_once(recv, extra):
    trace = os.urandom(16).hex()
    parent = os.urandom(8).hex()
    srv = cxtest.Server(args=["--set", "tracing.exporter=otlp", "--set",
                              "tracing.endpoint=" + recv.url(), "--set",
                              "tracing.service=serve-test"] + extra).start()
    try:
        r = cxtest.request(srv.port, "GET", "/json",
                           headers=[("traceparent", "00-%s-%s-01" % (trace, parent))])
        check_eq(r.status, 200, "GET /json")
        spans = recv.wait_spans(lambda s: any(x["traceId"] == trace for x in s))
        check_eq(srv.stop(), 0, "cortex serve's exit status after SIGTERM")
    finally:
        srv.stop()
    sp = [x for x in spans if x["traceId"] == trace]
    check_eq(len(sp), 1, "one span of the request's trace")
    sp = sp[0]
    check_eq(sp["parentSpanId"], parent, "parent from traceparent")
    check_eq(sp["kind"], SPAN_KIND_SERVER, "kind")
    check_eq(sp["service"], "serve-test", "service.name")
    check_eq(sp["flags"] & 0xff, 1, "Span.flags: sampled")
    return sp


@case
@cxtest.timeout(40)
def cortex_serve_protobuf_by_default_and_json_on_request():
    recv = Receiver().start()
    try:
        check_eq(serve_once(recv, [])["wire"], "protobuf", "default tracing.protocol")
        check_eq(serve_once(recv, ["--set", "tracing.protocol=http/json"])["wire"], "json",
                 "tracing.protocol=http/json")
    finally:
        recv.stop()


if __name__ == "__main__":
    ensure_npm()
    relay_bin()
    sys.exit(cxtest.main(budget=90.0))
