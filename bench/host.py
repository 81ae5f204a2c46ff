"""Measure the host engine (a real node): start, pod start-up, memory, the whole course.

Prints numbers; asserts nothing. Goals on 2 cores: warm ``up`` <= 10 s, one
pod applied -> Running <= 1.5 s, whole course <= 6 min. Uses a private state
folder and port; needs root, and no other host-engine lab running.

    sudo python bench/host.py             # up (cold images, warm), pods, memory
    sudo python bench/host.py --course    # also: every notebook once on the host engine
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from k8slab._binaries import catalog as _tools  # noqa: E402
from k8slab._binaries import images as _images  # noqa: E402
from k8slab.engines import host_state  # noqa: E402

COMPONENTS = ("etcd", "kube-apiserver", "kube-controller", "kube-scheduler", "kwok-controller",
              "kubelet", "kube-proxy", "containerd", "coredns", "python")


def cli(env: dict[str, str], *args: str) -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "k8slab", *args], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


def kubectl(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    cmd = [str(_tools.find("kubectl")), "--kubeconfig", f"{env['K8SLAB_STATE']}/kubeconfig.yaml",
           *args]
    return subprocess.run(cmd, input=stdin, text=True, check=True, capture_output=True).stdout


def rss(state: Path) -> dict[str, float]:
    """RSS (MiB) of every process of the lab, grouped by program."""
    out: dict[str, float] = {}
    pids = host_state.pids_with_arg(str(state)) | host_state.pids_in_cgroups()
    for pid in pids:
        try:
            name = Path(f"/proc/{pid}/comm").read_text().strip()
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        kb = next((int(line.split()[1]) for line in status.splitlines()
                   if line.startswith("VmRSS:")), 0)
        key = "containerd-shim" if name.startswith("containerd-shim") else name
        key = key if key.startswith(COMPONENTS) or key == "containerd-shim" else "pods"
        out[key] = out.get(key, 0) + kb / 1024
    return dict(sorted(out.items()))


def pod_start(env: dict[str, str], runs: int) -> list[float]:
    times = []
    for i in range(runs):
        manifest = json.dumps({"apiVersion": "v1", "kind": "Pod",
                               "metadata": {"name": f"b{i}"},
                               "spec": {"terminationGracePeriodSeconds": 0, "containers": [
                                   {"name": "web", "image": "k8slab.local/web:1.0"}]}})
        started = time.monotonic()
        kubectl(env, "apply", "-f", "-", stdin=manifest)
        kubectl(env, "wait", "--for=jsonpath={.status.phase}=Running", f"pod/b{i}",
                "--timeout=60s")
        times.append(time.monotonic() - started)
        kubectl(env, "delete", "pod", f"b{i}", "--wait=false")
    return times


def deployment(env: dict[str, str], name: str, replicas: int) -> float:
    manifest = json.dumps({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}}, "spec": {
                     "terminationGracePeriodSeconds": 0,
                     "containers": [{"name": "web", "image": "k8slab.local/web:1.0"}]}}}})
    started = time.monotonic()
    kubectl(env, "apply", "-f", "-", stdin=manifest)
    kubectl(env, "rollout", "status", f"deployment/{name}", "--timeout=180s")
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle", type=float, default=15)
    parser.add_argument("--course", action="store_true", help="run every notebook once")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="k8slab-bench-host-"))
    state = tmp / "state"
    env = {**os.environ, "K8SLAB_STATE": str(state), "K8SLAB_API_PORT": "36547",
           "K8SLAB_SHOW_COMMANDS": "0"}
    try:
        images = _images.cache_dir() / "images"
        saved = tmp / "images"
        shutil.copytree(images, saved)
        shutil.rmtree(images)
        cold = cli(env, "up", "--engine", "host")
        print(f"cold up (binaries cached, images made anew): {cold:.1f} s")
        cli(env, "down")
        warm_up, warm_down = [], []
        for _ in range(args.runs):
            warm_up.append(cli(env, "up", "--engine", "host"))
            warm_down.append(cli(env, "down"))
        print(f"warm up: median {statistics.median(warm_up):.1f} s "
              f"({', '.join(f'{t:.1f}' for t in warm_up)}); down: median "
              f"{statistics.median(warm_down):.1f} s")
        cli(env, "up", "--engine", "host")
        starts = pod_start(env, 5)
        print(f"one pod applied -> Running: median {statistics.median(starts):.2f} s "
              f"({', '.join(f'{t:.2f}' for t in starts)})")
        print(f"10-replica Deployment applied -> rolled out: {deployment(env, 'ten', 10):.1f} s")
        kubectl(env, "delete", "deployment", "ten", "--wait=true")
        time.sleep(args.idle)
        idle = rss(state)
        print(f"idle RSS: {sum(idle.values()):.0f} MiB "
              + ", ".join(f"{k} {v:.0f}" for k, v in idle.items()))
        deployment(env, "twenty", 20)
        time.sleep(5)
        busy = rss(state)
        print(f"RSS with 20 pods: {sum(busy.values()):.0f} MiB "
              + ", ".join(f"{k} {v:.0f}" for k, v in busy.items()))
        kubectl(env, "delete", "deployment", "twenty", "--wait=true")
        if args.course:
            started = time.monotonic()
            proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "tests/notebooks",
                                   "-p", "no:cacheprovider"], cwd=ROOT, capture_output=True,
                                  text=True, env={**env, "K8SLAB_NOTEBOOK_RUNS": "1"})
            tail = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "?"
            print(f"whole course, every notebook once: {time.monotonic() - started:.0f} s "
                  f"({tail})")
    finally:
        subprocess.run([sys.executable, "-m", "k8slab", "down"], env=env,
                       capture_output=True)
        if not images.exists() and saved.exists():
            shutil.copytree(saved, images)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
