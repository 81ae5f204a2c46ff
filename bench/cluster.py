"""Measure the embedded cluster: cold and warm start, stop, and idle memory.

Prints numbers; asserts nothing (targets: warm up < 15 s on 2 cores, idle
cluster memory < 1 GiB). Uses a private state folder and port, so it never
touches a running lab.

    python bench/cluster.py            # warm up/down x3 + memory
    python bench/cluster.py --cold     # also: build every binary into an empty cache first
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def k8slab(*args: str, env: dict[str, str]) -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "k8slab", *args], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def rss_mib(pids: list[int]) -> dict[str, float]:
    out = {}
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            name = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
        kb = next(int(line.split()[1]) for line in status.splitlines()
                  if line.startswith("VmRSS:"))
        out[name] = kb / 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", action="store_true", help="build binaries into an empty cache")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle", type=float, default=20, help="seconds to idle before memory")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="k8slab-bench-"))
    env = {**os.environ, "K8SLAB_STATE": str(tmp / "state"), "K8SLAB_API_PORT": "36743"}
    if args.cold:
        env["K8SLAB_CACHE"] = str(tmp / "cache")
        env["GOCACHE"] = str(tmp / "gocache")
        cold = k8slab("up", env=env)
        print(f"cold up (build every binary, then start): {cold:.1f} s")
        k8slab("down", env=env)
    ups, downs = [], []
    for _ in range(args.runs):
        ups.append(k8slab("up", env=env))
        downs.append(k8slab("down", env=env))
    print(f"warm up:   median {statistics.median(ups):.1f} s  (runs: "
          + ", ".join(f"{u:.1f}" for u in ups) + ")")
    print(f"down:      median {statistics.median(downs):.1f} s  (runs: "
          + ", ".join(f"{d:.1f}" for d in downs) + ")")
    k8slab("up", env=env)
    try:
        time.sleep(args.idle)
        pid_dir = tmp / "state" / "kwok" / "clusters" / "k8slab" / "pids"
        pids = [int(p.read_text()) for p in pid_dir.glob("*.pid")]
        mem = rss_mib(pids)
        for name, mib in sorted(mem.items(), key=lambda kv: -kv[1]):
            print(f"  {name:<26} {mib:7.1f} MiB")
        print(f"idle cluster memory (RSS, {len(mem)} processes, after {args.idle:.0f} s): "
              f"{sum(mem.values()):.0f} MiB")
    finally:
        k8slab("down", env=env)


if __name__ == "__main__":
    main()
