"""Measure the first run's binaries: download from a local mirror, warm check, cold build.

Prints numbers; asserts nothing (the issue's goal: cold offline build <= 8 min
on 2 cores). Every run uses a private, empty binary cache, so it never
touches ~/.cache/k8slab. The mirror is a thread serving, on 127.0.0.1, the
official URL layouts filled from the binaries already in the cache.

    python bench/first_run.py            # download from the local mirror + cached `k8slab tools`
    python bench/first_run.py --cold     # also: build every family with Go from an empty
                                         # cache and an empty GOCACHE (about 10 minutes)
"""

from __future__ import annotations

import argparse
import hashlib
import http.server
import io
import os
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from k8slab._binaries import catalog as _tools  # noqa: E402 - after the path set-up above
from k8slab._binaries import download as _download  # noqa: E402

#: What ``./run setup`` asks for.
SETUP_TOOLS = ["kwokctl", "kwok", "etcd", "kube-apiserver", "kube-controller-manager",
               "kube-scheduler", "kubectl", "helm"]


def k8slab_tools(names: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Run ``k8slab tools NAMES``; its wall time and its stderr (the progress lines)."""
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "k8slab", "tools", *names], env=env,
                          cwd=ROOT, capture_output=True, text=True, check=True)
    return time.monotonic() - started, proc.stderr


def _tar(member: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=1) as tf:
        info = tarfile.TarInfo(member)
        info.size, info.mode = len(data), 0o755
        tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def fill_mirror(root: Path, names: list[str]) -> list[str]:
    """Lay out the cached binaries as the release servers do; the names served."""
    plat = _download.host_platform()
    saved = dict(os.environ)
    # Point every source at a placeholder host: what follows it is the layout.
    os.environ.update({f"K8SLAB_MIRROR_{s.upper()}": f"http://mirror/{s}"
                       for s in _download.DEFAULT_BASES})
    served = []
    try:
        for name in names:
            path = _tools.find(name)
            asset = _download.release_asset(name, _tools.TOOLS[name].version, plat)
            if path is None or asset is None:
                continue
            target = root / asset.url.removeprefix("http://mirror/")
            target.parent.mkdir(parents=True, exist_ok=True)
            data = path.read_bytes()
            if asset.member:
                data = _tar(asset.member, data)
            target.write_bytes(data)
            digest = hashlib.sha256(data).hexdigest()
            assert asset.checksum_url is not None
            checksum = root / asset.checksum_url.removeprefix("http://mirror/")
            if asset.source == "kubernetes":  # dl.k8s.io: the bare digest
                checksum.write_text(digest)
            else:  # SHA256SUMS (etcd), .sha256sum (helm), .sha256 (what a kwok mirror adds)
                with open(checksum, "a") as out:
                    out.write(f"{digest}  {asset.checksum_name}\n")
            served.append(name)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return served


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def serve(root: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = lambda *a, **kw: _Quiet(*a, directory=str(root), **kw)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def bench_download(tmp: Path) -> None:
    root = tmp / "mirror"
    served = fill_mirror(root, SETUP_TOOLS)
    if not served:
        print("download from the local mirror: nothing to serve (run `k8slab tools` first)")
        return
    server, url = serve(root)
    try:
        env = {**os.environ, "K8SLAB_CACHE": str(tmp / "dl-cache"), "K8SLAB_BINARIES": "auto"}
        env.update({f"K8SLAB_MIRROR_{s.upper()}": f"{url}/{s}" for s in _download.DEFAULT_BASES})
        wall, err = k8slab_tools(served, env)
    finally:
        server.shutdown()
    size = sum(p.stat().st_size for p in (tmp / "dl-cache").rglob("*") if p.is_file())
    built = re.search(r"\((\d+) downloaded, (\d+) built\)", err)
    print(f"download from the local mirror: {len(served)} binaries, {size / 1e6:.0f} MB, "
          f"{wall:.1f} s wall including `k8slab tools` checks"
          + (f" ({built.group(1)} downloaded, {built.group(2)} built)" if built else ""))


def bench_cached() -> None:
    names = [n for n in SETUP_TOOLS if _tools.find(n) is not None]  # never build here
    env = dict(os.environ)
    runs = [k8slab_tools(names, env)[0] for _ in range(3)]
    print(f"`k8slab tools` with {len(names)} tools cached: median {statistics.median(runs):.2f} s "
          "(runs: " + ", ".join(f"{r:.2f}" for r in runs) + ")")


def bench_cold(tmp: Path) -> None:
    env = {**os.environ, "K8SLAB_CACHE": str(tmp / "cold-cache"), "K8SLAB_BINARIES": "build",
           "GOCACHE": str(tmp / "gocache")}
    print("cold offline build (empty cache and GOCACHE; Go modules from GOMODCACHE/proxy)...",
          flush=True)
    wall, err = k8slab_tools(SETUP_TOOLS, env)
    for line in err.splitlines():
        match = re.match(r"k8slab: built (.+?) (v\S+) in (\d+)s", line)
        if match:
            print(f"  {match.group(1):<60} {int(match.group(3)):5d} s")
    print(f"cold offline build, wall: {wall:.0f} s ({wall / 60:.1f} min)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", action="store_true",
                        help="also build every family with Go from empty caches (long)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="k8slab-first-run-") as name:
        tmp = Path(name)
        bench_download(tmp)
        bench_cached()
        if args.cold:
            bench_cold(tmp)


if __name__ == "__main__":
    main()
