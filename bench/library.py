"""Library benchmarks: the pod table for 5,000 pods, and self-healing latency.

Starts a private kwok cluster (own state folder and port, enough simulated
nodes for 5,000 pods), prints numbers, asserts nothing, stops the cluster.

    python bench/library.py [--pods 5000] [--heal-runs 5]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=5000)
    parser.add_argument("--heal-runs", type=int, default=5)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="k8slab-bench-lib-"))
    os.environ.update({"K8SLAB_STATE": str(tmp / "state"), "K8SLAB_API_PORT": "36843",
                       "K8SLAB_SHOW_COMMANDS": "0"})
    nodes = max(2, -(-args.pods // 100) + 1)
    cli = [sys.executable, "-m", "k8slab"]
    subprocess.run([*cli, "up", "--nodes", str(nodes)], check=True, stdout=subprocess.DEVNULL)
    try:
        import k8slab as lab
        from k8slab._views.tables import pods_frame

        ns = "bench"
        lab.namespace(ns)
        lab.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "many"},
                   "spec": {"replicas": args.pods, "selector": {"matchLabels": {"app": "many"}},
                            "template": {"metadata": {"labels": {"app": "many"}}, "spec": {
                                "containers": [{"name": "c",
                                                "image": "k8slab.local/busybox:1.35"}]}}}}, ns)
        started = time.monotonic()
        lab.wait("Deployment", "many", ns, timeout=900)
        print(f"{args.pods} pods Running on {nodes} nodes after {time.monotonic() - started:.0f} s")
        fetch, build, total = [], [], []
        for _ in range(3):
            t0 = time.monotonic()
            pods = lab.list("Pod", ns)
            t1 = time.monotonic()
            frame = pods_frame(pods)
            t2 = time.monotonic()
            fetch.append(t1 - t0)
            build.append(t2 - t1)
            t3 = time.monotonic()
            full = lab.table("Pod", ns)
            total.append(time.monotonic() - t3)
        assert len(frame) == len(full) == args.pods
        print(f"pod table, {args.pods} pods: lab.table median {statistics.median(total):.2f} s "
              f"(list {statistics.median(fetch):.2f} s + "
              f"DataFrame {statistics.median(build):.2f} s)")
        lab.cleanup(ns, timeout=900)

        lab.namespace("heal")
        lab.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                   "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {
                                "containers": [{"name": "c", "image": "nginx:1.27"}]}}}}, "heal")
        lab.wait("Deployment", "web", "heal")
        heal = []
        for _ in range(args.heal_runs):
            before = {p["metadata"]["name"] for p in lab.list("Pod", "heal", labels="app=web")}
            victim = sorted(before)[0]
            t0 = time.monotonic()
            lab.delete("Pod", victim, "heal")
            for event, pod in lab.watch("Pod", "heal", labels="app=web", timeout=60,
                                        initial=False):
                ready = any(c["type"] == "Ready" and c["status"] == "True"
                            for c in (pod.get("status") or {}).get("conditions") or [])
                if event != "DELETED" and pod["metadata"]["name"] not in before and ready:
                    heal.append(time.monotonic() - t0)
                    break
            lab.wait("Deployment", "web", "heal")
        print(f"self-healing, deleted pod -> replacement Ready: median "
              f"{statistics.median(heal):.2f} s (runs: " + ", ".join(f"{h:.2f}" for h in heal)
              + "; includes the simulated start delay, K8SLAB_POD_START_MS)")
    finally:
        subprocess.run([*cli, "down"], check=False, stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
