"""Drive bench_fetch (cx_fetch, blocking libcurl) and node_fetch.js against
nginx on loopback and print a markdown table. Started by run.sh, which
builds bench_fetch; see the comment there for the settings."""

import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import test_fetch  # noqa: E402  (the peer set-up: nginx with TLS + http2)

BENCH = sys.argv[1]
RUNS = int(os.environ.get("RUNS", "3"))
DURATION = os.environ.get("DURATION", "5")
WARMUP = os.environ.get("WARMUP", "1")
CONC = int(os.environ.get("CONC", "32"))
CLIENT_CPU = os.environ.get("CLIENT_CPU", "0")
SERVER_CPU = os.environ.get("SERVER_CPU", "1")
NODE = os.environ.get("NODE", "node")


def pinned(argv):
    return ["taskset", "-c", CLIENT_CPU] + argv


def measure(argv, env):
    rates, errs = [], []
    for _ in range(RUNS):
        p = subprocess.run(pinned(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env, timeout=float(DURATION) + float(WARMUP) + 60)
        out = p.stdout.decode()
        m = re.search(r"ok=(\d+) errors=(\d+) .*rps=(\d+)", out)
        if not m:
            return None, "no result: %s %s" % (out, p.stderr.decode()[-300:])
        rates.append(int(m.group(3)))
        errs.append(int(m.group(2)))
        if p.stderr:
            sys.stderr.write(p.stderr.decode()[-300:])
    return rates, sum(errs)


def main():
    peers = test_fetch.Peers().start(cortex=False)
    try:
        subprocess.run(["taskset", "-pc", SERVER_CPU, str(peers.nginx.proc.pid)],
                       stdout=subprocess.DEVNULL)
        env = dict(os.environ)
        env["NODE_EXTRA_CA_CERTS"] = os.path.join(peers.dir, "ca.pem")
        ca = os.path.join(peers.dir, "ca.pem")
        plain = "http://127.0.0.1:%d/small.txt" % peers.plain_port
        tls = "https://localhost:%d/small.txt" % peers.tls_port
        node_js = os.path.join(HERE, "node_fetch.js")
        d, w = DURATION, WARMUP
        rows = [
            ("HTTP/1.1, 1 at a time", "cx_fetch (1 coroutine)",
             [BENCH, "cx", plain, "-c", "1", "-d", d, "-w", w]),
            ("HTTP/1.1, 1 at a time", "libcurl easy, blocking loop",
             [BENCH, "easy", plain, "-d", d, "-w", w]),
            ("HTTP/1.1, 1 at a time", "Node.js fetch (1 worker)",
             [NODE, node_js, plain, "1", d, w]),
            ("HTTP/1.1, %d concurrent" % CONC, "cx_fetch (%d coroutines, %d conns)" % (CONC, CONC),
             [BENCH, "cx", plain, "-c", str(CONC), "-d", d, "-w", w]),
            ("HTTP/1.1, %d concurrent" % CONC, "Node.js fetch (%d workers)" % CONC,
             [NODE, node_js, plain, str(CONC), d, w]),
            ("HTTPS, 1 at a time", "cx_fetch (h2)",
             [BENCH, "cx", tls, "-c", "1", "-d", d, "-w", w, "--ca", ca]),
            ("HTTPS, 1 at a time", "libcurl easy, blocking loop (h2)",
             [BENCH, "easy", tls, "-d", d, "-w", w, "--ca", ca]),
            ("HTTPS, 1 at a time", "Node.js fetch (HTTP/1.1 over TLS)",
             [NODE, node_js, tls, "1", d, w]),
            ("HTTPS, %d concurrent" % CONC, "cx_fetch (h2, multiplexed on 1 conn)",
             [BENCH, "cx", tls, "-c", str(CONC), "-d", d, "-w", w, "--ca", ca]),
            ("HTTPS, %d concurrent" % CONC, "cx_fetch (HTTP/1.1 over TLS, %d conns)" % CONC,
             [BENCH, "cx", tls, "-c", str(CONC), "-d", d, "-w", w, "--ca", ca, "--h1"]),
            ("HTTPS, %d concurrent" % CONC, "Node.js fetch (%d workers, HTTP/1.1 over TLS)" % CONC,
             [NODE, node_js, tls, str(CONC), d, w]),
        ]
        lines = ["| scenario | client | req/s (median of %d) | range | errors |" % RUNS,
                 "|---|---|---:|---|---:|"]
        for scen, client, argv in rows:
            rates, errs = measure(argv, env)
            if rates is None:
                lines.append("| %s | %s | — | %s | — |" % (scen, client, errs))
            else:
                lines.append("| %s | %s | %d | %d–%d | %d |" % (
                    scen, client, statistics.median(rates), min(rates), max(rates), errs))
            print(lines[-1], flush=True)
            if peers.nginx.proc.poll() is not None:
                with open(os.path.join(peers.dir, "error.log")) as f:
                    sys.exit("nginx exited (%s): %s" % (peers.nginx.proc.returncode, f.read()[-2000:]))
        head = ("Target: nginx 1.22 (1 worker, pinned to CPU %s) serving an 11-byte file; "
                "clients pinned to CPU %s; %s s per run after %s s warm-up; %s.\n"
                % (SERVER_CPU, CLIENT_CPU, DURATION, WARMUP, time.strftime("%Y-%m-%d %H:%M UTC",
                                                                           time.gmtime())))
        report = head + "\n" + "\n".join(lines) + "\n"
        out_dir = os.environ.get("OUT_DIR", os.path.join(ROOT, "bench", "results"))
        os.makedirs(out_dir, exist_ok=True)
        path = os.path.join(out_dir, "fetch-%s.md" % time.strftime("%Y%m%d-%H%M%S", time.gmtime()))
        with open(path, "w") as f:
            f.write(report)
        print("\n" + report + "\nwritten to " + path)
    finally:
        peers.stop()


if __name__ == "__main__":
    main()
