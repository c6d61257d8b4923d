#!/usr/bin/env python3
"""Parity of `cortex graphql exec|introspect` with graphql-js 16.

Installs npm graphql@16 into $CX_BUILD_DIR/npm/graphql (SKIPPED when npm is
unreachable), runs every case of tests/graphql/gen_cases.py through graphql-js
(tests/graphql/graphql_js.js, one node process for all cases) and through the
CLI, and requires for each case: `data` identical (key order included) and
present/absent alike, the same number of errors, and per error the same path
and locations. Messages are compared too; their match rate is reported and
must stay above MESSAGE_RATE. Introspection of every schema must be identical.
Prints "N passed, N failed".
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("CX_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
DATA = os.path.join(SRC, "tests", "graphql")
BUILD = os.environ.get("CX_BUILD_DIR", os.path.join(SRC, "build"))
CORTEX = os.environ.get("CORTEX_BIN", os.path.join(BUILD, "cortex"))
NPM_DIR = os.path.join(BUILD, "npm", "graphql")
GRAPHQL_JS = os.path.join(NPM_DIR, "node_modules", "graphql")
MESSAGE_RATE = 0.97
VERBOSE = os.environ.get("CX_IT_VERBOSE", "") not in ("", "0")

sys.path.insert(0, DATA)
import gen_cases  # noqa: E402


def skip(reason):
    print("SKIPPED: " + reason)
    print("0 passed, 0 failed")
    sys.exit(0)


def ensure_graphql_js():
    if os.path.exists(os.path.join(GRAPHQL_JS, "package.json")):
        return
    if not shutil.which("npm") or not shutil.which("node"):
        skip("npm/node not installed")
    os.makedirs(NPM_DIR, exist_ok=True)
    try:
        r = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", NPM_DIR,
                            "graphql@16"], capture_output=True, timeout=180)
    except subprocess.TimeoutExpired:
        skip("npm install graphql@16 timed out (registry unreachable?)")
    if r.returncode != 0 or not os.path.exists(os.path.join(GRAPHQL_JS, "package.json")):
        skip("npm install graphql@16 failed: " + r.stderr.decode(errors="replace")[-300:])


def run_cortex(args):
    r = subprocess.run([CORTEX, "graphql"] + args, capture_output=True, timeout=30)
    if r.returncode != 0:
        return {"cortex_failed": r.stderr.decode(errors="replace")}
    return json.loads(r.stdout.decode(), object_pairs_hook=lambda kv: kv)


def to_pairs(js_text):
    return json.loads(js_text, object_pairs_hook=lambda kv: kv)


def getk(pairs, key):
    if not isinstance(pairs, list):
        return None
    for k, v in pairs:
        if k == key:
            return v
    return None


def haskey(pairs, key):
    return isinstance(pairs, list) and any(isinstance(p, tuple) and p[0] == key for p in pairs)


def compare(js, cx):
    """Returns (problems, messages_total, messages_equal)."""
    probs = []
    if isinstance(cx, dict):
        return ["cortex failed: " + cx["cortex_failed"]], 0, 0
    if haskey(js, "throw"):
        return ["graphql-js threw: %s" % getk(js, "throw")], 0, 0
    if haskey(js, "data") != haskey(cx, "data"):
        probs.append("data presence differs")
    elif json.dumps(getk(js, "data")) != json.dumps(getk(cx, "data")):
        probs.append("data differs:\n  js: %s\n  cx: %s" % (json.dumps(getk(js, "data")),
                                                          json.dumps(getk(cx, "data"))))
    je, ce = getk(js, "errors") or [], getk(cx, "errors") or []
    if len(je) != len(ce):
        probs.append("error count %d vs %d:\n  js: %s\n  cx: %s" % (
            len(je), len(ce), [getk(e, "message") for e in je], [getk(e, "message") for e in ce]))
    total = equal = 0
    for a, b in zip(je, ce):
        total += 1
        if getk(a, "message") == getk(b, "message"):
            equal += 1
        elif VERBOSE:
            print("  message: js %r\n           cx %r" % (getk(a, "message"), getk(b, "message")))
        for k in ("path", "locations"):
            if json.dumps(getk(a, k)) != json.dumps(getk(b, k)):
                probs.append("error %s differs for %r / %r: js %s cx %s" % (
                    k, getk(a, "message"), getk(b, "message"), json.dumps(getk(a, k)),
                    json.dumps(getk(b, k))))
    return probs, total, equal


def main():
    if not os.path.exists(CORTEX):
        print("cortex binary not found: " + CORTEX)
        print("0 passed, 1 failed")
        return 1
    ensure_graphql_js()
    schemas = {}
    for f in sorted(os.listdir(os.path.join(DATA, "schemas"))):
        if f.endswith(".graphql"):
            schemas[f[:-8]] = os.path.join(DATA, "schemas", f)
    roots = {k: os.path.join(DATA, "roots", k + ".json") for k in schemas}
    cases = gen_cases.cases()
    tmp = tempfile.mkdtemp(prefix="cx-gql-parity-")
    try:
        js_cases = []
        for c in cases:
            js_cases.append({"schema": open(schemas[c["schema"]]).read(),
                             "root": json.load(open(roots[c["schema"]])),
                             "query": c["query"], "variables": c["variables"],
                             "operation": c["operation"], "introspect": False})
        for name in schemas:
            js_cases.append({"schema": open(schemas[name]).read(), "root": None,
                             "introspect": True})
        cpath = os.path.join(tmp, "cases.json")
        with open(cpath, "w") as f:
            json.dump(js_cases, f)
        r = subprocess.run(["node", os.path.join(DATA, "graphql_js.js"), GRAPHQL_JS, cpath],
                           capture_output=True, timeout=300)
        if r.returncode != 0:
            print("graphql-js runner failed: " + r.stderr.decode(errors="replace"))
            print("0 passed, 1 failed")
            return 1
        js_out = json.loads(r.stdout.decode())

        def run_case(i):
            c = cases[i]
            qp = os.path.join(tmp, "q%d.graphql" % i)
            with open(qp, "w") as f:
                f.write(c["query"])
            args = ["exec", "--schema", schemas[c["schema"]], "--root", roots[c["schema"]],
                    "--query", qp]
            if c["variables"] is not None:
                vp = os.path.join(tmp, "v%d.json" % i)
                with open(vp, "w") as f:
                    json.dump(c["variables"], f)
                args += ["--variables", vp]
            if c["operation"] is not None:
                args += ["--operation", c["operation"]]
            return run_cortex(args)

        with ThreadPoolExecutor(max_workers=2) as ex:
            cx_out = list(ex.map(run_case, range(len(cases))))
        passed = failed = 0
        mtotal = mequal = 0
        cats = {}
        for i, c in enumerate(cases):
            probs, t, e = compare(to_pairs(js_out[i]), cx_out[i])
            mtotal += t
            mequal += e
            cat = c["name"].split("-")[0]
            ok = not probs
            cats.setdefault(cat, [0, 0])[0 if ok else 1] += 1
            if ok:
                passed += 1
            else:
                failed += 1
                print("FAIL %s (%s): %r vars=%s op=%s" % (c["name"], c["schema"], c["query"],
                                                         json.dumps(c["variables"]), c["operation"]))
                for p in probs:
                    print("  " + p)
        for j, name in enumerate(schemas):
            js = js_out[len(cases) + j]
            cx = run_cortex(["introspect", "--schema", schemas[name]])
            if not isinstance(cx, dict) and json.dumps(to_pairs(js)) == json.dumps(cx):
                passed += 1
            else:
                failed += 1
                print("FAIL introspect %s" % name)
        for cat, (p, f) in sorted(cats.items()):
            print("  %-8s %4d passed %4d failed" % (cat, p, f))
        rate = (mequal / mtotal) if mtotal else 1.0
        print("error messages identical: %d/%d (%.1f%%)" % (mequal, mtotal, 100 * rate))
        if rate < MESSAGE_RATE:
            print("FAIL message match rate below %.0f%%" % (100 * MESSAGE_RATE))
            failed += 1
        print("%d passed, %d failed" % (passed, failed))
        return 1 if failed else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
