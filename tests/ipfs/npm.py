"""Installs the npm peers the IPFS tests compare against, once, into
$CX_BUILD_DIR/npm/ipfs (pinned versions). install() returns the directory,
or None with the reason printed when npm is unreachable."""
import os
import subprocess

PACKAGES = ["ipfs-unixfs-importer@17.1.1", "kubo-rpc-client@7.1.0"]


def npm_dir():
    build = os.environ.get("CX_BUILD_DIR") or os.path.join(os.getcwd(), "build")
    return os.path.join(build, "npm", "ipfs")


def install():
    d = npm_dir()
    mods = os.path.join(d, "node_modules")
    if all(os.path.isdir(os.path.join(mods, p.rsplit("@", 1)[0])) for p in PACKAGES):
        return d
    os.makedirs(d, exist_ok=True)
    try:
        r = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", d] + PACKAGES,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        print("SKIPPED: npm unavailable: %s" % e)
        return None
    if r.returncode != 0:
        tail = r.stdout.decode("utf-8", "replace")[-400:]
        print("SKIPPED: npm install failed (registry unreachable?): %s" % tail)
        return None
    return d
