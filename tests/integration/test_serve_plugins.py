#!/usr/bin/env python3
"""`cortex serve` mounting WebAssembly plugins from its YAML file (wasm.plugins).

One server is started with a configuration that mounts the example plugin
(examples/wasm_plugin, built to $CX_BUILD_DIR/wasm/plugin.wasm) and the
handwritten test plugins (tests/wasm/*.wat, built by wat2wasm) as handlers
and as middleware, with per-plugin limits. The cases drive it over HTTP:
handler answers and methods, middleware scoped to a prefix (headers added,
a short-circuit 403, routes outside the prefix untouched), fuel (500),
timeout (504), max_body (413), reuse, hot reload of a replaced .wasm file,
and SIGHUP with a changed plugin list (kept, with a warning). Then bad
configurations must stop `cortex serve` with a non-zero exit and a message
naming the file, the line and what is wrong.

Run alone:  CORTEX_BIN=build/cortex CX_BUILD_DIR=build python3 tests/integration/test_serve_plugins.py
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cxtest  # noqa: E402
from cxtest import case, check, check_eq, check_in, request  # noqa: E402

BUILD = os.environ.get("CX_BUILD_DIR", os.path.join(cxtest.ROOT, "build"))
WASM = os.path.join(BUILD, "wasm")
TMP = tempfile.mkdtemp(prefix="cx-it-plugins-")
state = {}


def guest(name):
    return os.path.join(WASM, name)


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(text)
    return path


CONFIG = """\
# Plugins for test_serve_plugins.py
wasm:
  plugins:
    - path: {plugin}
      route: /hello/*rest
      methods: [GET, POST]
    - path: {filter}
      kind: middleware
      prefix: /guarded
    - path: {plugin}
      route: /guarded/*rest
    - {{path: {filter}, kind: middleware, prefix: /guarded/deep}}
    - {{path: {plugin}, route: /guarded/deep/*rest}}
    - path: {filter}
      kind: middleware
      prefix: /blocked
    - path: {plugin}
      route: /blocked/*rest
    - {{path: {spin}, route: /spin, fuel: 100000, timeout: 10s}}
    - path: {spin}
      route: /stuck
      fuel: 0
      timeout: 200ms
    - path: {plugin}
      route: /small
      methods: POST
      max_body: 16
    - path: {counter}
      route: /warm
      reuse: true
    - path: {counter}
      route: /cold
    - path: {reload}
      route: /version
"""


NEED = ["plugin.wasm", "test_filter.wasm", "test_spin.wasm", "test_counter.wasm",
        "test_reload_v1.wasm", "test_reload_v2.wasm"]


def setup():
    state["reload"] = os.path.join(TMP, "version.wasm")
    shutil.copyfile(guest("test_reload_v1.wasm"), state["reload"])
    state["config"] = write("plugins.yaml", CONFIG.format(
        plugin=guest("plugin.wasm"), filter=guest("test_filter.wasm"),
        spin=guest("test_spin.wasm"), counter=guest("test_counter.wasm"),
        reload=state["reload"]))
    state["srv"] = cxtest.Server(args=["--config", state["config"]], threads=2).start()


def teardown():
    if "srv" in state:
        state["srv"].stop()
    shutil.rmtree(TMP, ignore_errors=True)


def get(method, path, body=b"", headers=None):
    return request(state["srv"].port, method, path, headers=headers, body=body)


@case
def handler_answers_with_the_plugin():
    r = get("GET", "/hello/world")
    check_eq(r.status, 200, "GET /hello/world")
    check_eq(r.header("X-Plugin"), "hello-wasm", "the plugin's header")
    check_eq(r.body, b"hello from a wasm plugin: GET /hello/world (body 0 bytes)\n", "body")
    r = get("POST", "/hello/x", body=b"12345")
    check_eq(r.status, 200, "POST /hello/x")
    check(b"(body 5 bytes)" in r.body, "the plugin saw the body: %r" % r.body)
    r = get("DELETE", "/hello/x")
    check_in(r.status, (404, 405), "DELETE is not among the route's methods")


@case
def middleware_applies_under_its_prefix_only():
    r = get("GET", "/guarded/x")
    check_eq(r.status, 200, "GET /guarded/x")
    check_eq(r.header("X-Wasm-Filter"), "passed", "the middleware's header")
    check_eq(r.header("X-Plugin"), "hello-wasm", "the handler behind it ran")
    r = get("GET", "/guarded/deep/x")
    check_eq(r.header_all("X-Wasm-Filter"), ["passed", "passed"],
             "nested prefixes: the middleware of /guarded, then of /guarded/deep")
    r = get("GET", "/blocked/x")
    check_eq(r.status, 403, "the middleware short-circuits /blocked")
    check_eq(r.body, b"blocked by wasm\n", "its body")
    for path in ("/hello/x", "/plaintext"):
        r = get("GET", path)
        check_eq(r.status, 200, "GET " + path)
        check(r.header("X-Wasm-Filter") is None, "no middleware outside its prefix on " + path)


@case
def middleware_without_prefix_wraps_every_request():
    path = write("global.yaml", "wasm:\n  plugins:\n    - path: %s\n      kind: middleware\n"
                 % guest("test_filter.wasm"))
    srv = cxtest.Server(args=["--config", path], threads=1, name="global").start()
    try:
        r = request(srv.port, "GET", "/plaintext")
        check_eq((r.status, r.body), (200, b"Hello, World!"), "a built-in route")
        check_eq(r.header("X-Wasm-Filter"), "passed", "the middleware ran on /plaintext")
        r = request(srv.port, "GET", "/blocked")
        check_eq(r.status, 403, "it runs before the router's 404 too")
    finally:
        srv.stop()


@case
def limits_become_problem_responses():
    r = get("GET", "/spin")
    check_eq(r.status, 500, "fuel: 100000 on an endless loop")
    check(b"ran out of fuel" in r.body, "detail: %r" % r.body)
    t0 = time.monotonic()
    r = get("GET", "/stuck")
    check_eq(r.status, 504, "timeout: 200ms with unlimited fuel")
    check(b"deadline" in r.body, "detail: %r" % r.body)
    check(time.monotonic() - t0 < 3.0, "the deadline stopped the call soon")
    r = get("POST", "/small", body=b"x" * 100)
    check_eq(r.status, 413, "max_body: 16")
    r = get("POST", "/small", body=b"x" * 10)
    check_eq(r.status, 200, "a body within max_body")
    state["srv"].check_alive("after the limits")


@case
def reuse_keeps_instances_warm():
    cold = [get("GET", "/cold").body for _ in range(3)]
    check_eq(cold, [b"1"] * 3, "a fresh instance per request")
    warm = [int(get("GET", "/warm").body) for _ in range(4)]
    check(max(warm) >= 2, "reuse: true keeps state between requests: %r" % warm)


@case
def replaced_wasm_file_is_reloaded():
    r = get("GET", "/version")
    check_eq(r.body, b"plugin v1\n", "the first version")
    tmp = state["reload"] + ".new"
    shutil.copyfile(guest("test_reload_v2.wasm"), tmp)
    os.rename(tmp, state["reload"])  # a new inode: the cache notices
    r = get("GET", "/version")
    check_eq(r.body, b"plugin v2\n", "the replaced file")


@case
def sighup_keeps_the_running_plugins():
    srv = state["srv"]
    with open(state["config"]) as f:
        original = f.read()
    write("plugins.yaml", original.replace("route: /cold", "route: /cold2"))
    try:
        srv.signal(signal.SIGHUP)
        ok = cxtest.wait_for(lambda: "only on restart" in srv.log_tail(20000), 5.0)
        check(ok is not None, "a warning that plugins change only on restart; log:\n"
              + srv.log_tail())
        check_eq(get("GET", "/cold").status, 200, "the running route stays")
        check_eq(get("GET", "/cold2").status, 404, "the new route waits for a restart")
    finally:
        write("plugins.yaml", original)


def refused(yaml, *want):
    """cortex serve with this configuration exits non-zero, saying want."""
    path = write("bad.yaml", yaml)
    try:
        p = subprocess.run([cxtest.cortex_bin(), "serve", "--config", path, "--host",
                            cxtest.HOST, "--port", "0", "--threads", "1"],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
    except subprocess.TimeoutExpired:
        raise cxtest.Fail("cortex serve kept running with a bad configuration:\n" + yaml)
    err = p.stderr.decode("utf-8", "replace")
    cxtest.note("note", "exit %d: %s" % (p.returncode, err.strip()))
    check(p.returncode != 0, "non-zero exit for:\n%s" % yaml)
    for w in want:
        check(w in err, "message has %r: %s" % (w, err.strip()))


def one(fields):
    return "wasm:\n  plugins:\n    - " + "\n      ".join(fields) + "\n"


@case
def bad_configurations_stop_the_server():
    bad = write("not.wasm", "not wasm at all")
    plugin = guest("plugin.wasm")
    refused(one(["path: %s" % os.path.join(TMP, "missing.wasm"), "route: /x"]),
            "bad.yaml:3:7", "wasm.plugins[0]", "no such file")
    refused(one(["path: %s" % bad, "route: /x"]),
            "bad.yaml:3:7", "not a valid WebAssembly module")
    if os.path.exists(guest("hello.wasm")):  # a WASI command, not a plugin
        refused(one(["path: %s" % guest("hello.wasm"), "route: /x"]),
                "bad.yaml:3:7", "is not a plugin", "cx_plugin_alloc")
    refused(one(["path: %s" % plugin, "route: /x/*a/b"]),
            "bad.yaml:3:7", "not a valid route pattern")
    refused(one(["path: %s" % plugin, "route: x"]), "bad.yaml:3:7", "route must be a path")
    refused(one(["path: %s" % plugin, "route: /json"]), "already taken")
    refused(one(["path: %s" % plugin, "kind: filter"]),
            "bad.yaml:4:13", "wasm.plugins[0].kind", "handler or middleware")
    refused(one(["path: %s" % plugin, "route: /a", "methods: [GET, FETCH]"]),
            "bad.yaml:5:22", "not a method")
    refused(one(["path: %s" % plugin, "route: /a", "fuel: lots"]),
            "bad.yaml:5:13", "wasm.plugins[0].fuel")
    refused(one(["path: %s" % plugin, "rute: /a"]), "bad.yaml:4:7", "unknown field")
    refused(one(["path: %s" % plugin]), "needs a route")
    refused(one(["path: %s" % plugin, "kind: middleware", "route: /a"]), "takes a prefix")
    refused(one(["path: %s" % guest("test_filter.wasm"), "kind: middleware", "prefix: /a/*x"]),
            "bad.yaml:3:7", "not a valid route prefix")
    refused("wasm:\n  plugins: yes\n", "bad.yaml:2:12", "wasm.plugins")
    many = "wasm:\n  plugins:\n" + "".join(
        "    - {path: %s, route: /p%d}\n" % (plugin, i) for i in range(65))
    refused(many, "more than 64 plugins")


if __name__ == "__main__":
    missing = [n for n in NEED if not os.path.exists(guest(n))]
    if missing:
        print("SKIPPED: wasm guests not built under %s: %s" % (WASM, ", ".join(missing)))
        print("0 passed, 0 failed")
        sys.exit(0)
    sys.exit(cxtest.main(setup=setup, teardown=teardown, budget=60.0))
