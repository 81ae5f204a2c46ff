"""Workshop load: N attendees run notebook 05 at the same time on one kwok cluster.

Starts a kwok cluster of its own (private state folder and port, never the
running lab), makes a workshop of N attendees in the shared mode (namespace per
attendee, the course's quota), and starts N papermill runs of notebook 05 at
once, each with only its attendee's kubeconfig (``K8SLAB_KUBECONFIG``, an
empty state folder) and namespace, as an attendee's JupyterLab would run it
(no hub in between). Prints, per N: pass rate, wall time, each run's time, the
API server's request latency p50/p99 over the run (from its
``apiserver_request_duration_seconds`` histogram on ``/metrics``, long-running
WATCH and CONNECT requests left out), and peak memory (RSS) of the cluster and
of all the kernels. Prints numbers; asserts nothing. Goal: 24 attendees pass,
p99 < 1 s.

    python bench/workshop_load.py                  # 6, 12 and 24 attendees
    python bench/workshop_load.py --attendees 6 12 --port 36655
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._proc import rss_mib  # noqa: E402
from k8slab._binaries import catalog as _tools  # noqa: E402
from k8slab._course.recorded import extract  # noqa: E402
from k8slab.engines import host_state  # noqa: E402
from tests.integration.test_workshop_course import course_quota  # noqa: E402

NOTEBOOK = ROOT / "notebooks" / "05-deployments.ipynb"
LONG_RUNNING = ("WATCH", "CONNECT")


def k8slab(*args: str, env: dict[str, str], timeout: float = 900) -> str:
    proc = subprocess.run([sys.executable, "-m", "k8slab", *args], env=env, text=True,
                          capture_output=True, timeout=timeout)
    if proc.returncode:
        raise SystemExit(f"k8slab {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def latency_buckets(metrics: str) -> dict[float, float]:
    """Cumulative counts per ``le`` bound of apiserver_request_duration_seconds, summed."""
    out: dict[float, float] = {}
    for line in metrics.splitlines():
        if not line.startswith("apiserver_request_duration_seconds_bucket{"):
            continue
        labels, value = line.rsplit(" ", 1)
        if any(f'verb="{v}"' in labels for v in LONG_RUNNING):
            continue
        le = labels.split('le="', 1)[1].split('"', 1)[0]
        bound = float("inf") if le == "+Inf" else float(le)
        out[bound] = out.get(bound, 0.0) + float(value)
    return out


def quantile(q: float, buckets: dict[float, float]) -> float:
    """Prometheus' histogram_quantile: linear within the bucket that holds the q-th request."""
    bounds = sorted(buckets)
    total = buckets[bounds[-1]] if bounds else 0
    if total <= 0:
        return float("nan")
    rank, low, below = q * total, 0.0, 0.0
    for bound in bounds:
        count = buckets[bound]
        if count >= rank:
            if bound == float("inf"):
                return low
            return low + (bound - low) * ((rank - below) / max(count - below, 1e-9))
        low, below = bound, count
    return bounds[-1]


def scrape(kubeconfig: Path) -> dict[float, float]:
    kubectl = _tools.find("kubectl")
    text = subprocess.run([str(kubectl), "--kubeconfig", str(kubeconfig), "get", "--raw",
                           "/metrics"], capture_output=True, text=True, check=True).stdout
    return latency_buckets(text)


def descendants(roots: list[int]) -> set[int]:
    parent: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent[int(entry.name)] = int(
                    Path(entry, "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = set(roots), set(roots)
    while frontier:
        frontier = {p for p, pp in parent.items() if pp in frontier} - found
        found |= frontier
    return found


def run_room(n: int, env: dict[str, str], tmp: Path) -> dict:
    prefix = f"load{n}"
    quota = course_quota()
    k8slab("workshop", "create", str(n), "--prefix", prefix, "--quota-cpu", quota.cpu,
           "--quota-memory", quota.memory, "--out", str(tmp / prefix), env=env)
    kubeconfigs = sorted((tmp / prefix).glob("*.kubeconfig.yaml"))
    admin = Path(env["K8SLAB_STATE"]) / "kubeconfig.yaml"
    before = scrape(admin)
    peak = {"cluster": 0.0, "kernels": 0.0, "total": 0.0}
    runners: list[subprocess.Popen] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            cluster = rss_mib(host_state.pids_with_arg(env["K8SLAB_STATE"]))
            kernels = rss_mib(descendants([p.pid for p in runners]))
            for key, value in (("cluster", cluster), ("kernels", kernels),
                               ("total", cluster + kernels)):
                peak[key] = max(peak[key], value)
            time.sleep(0.5)

    load_before = os.getloadavg()
    started = time.monotonic()
    times: dict[str, float] = {}
    for kubeconfig in kubeconfigs:
        name = kubeconfig.name.removesuffix(".kubeconfig.yaml")
        home = tmp / "homes" / name
        home.mkdir(parents=True, exist_ok=True)
        run_env = {k: v for k, v in os.environ.items() if not k.startswith("K8SLAB_")}
        run_env.update({"K8SLAB_KUBECONFIG": str(kubeconfig), "K8SLAB_STATE": str(home),
                        "K8SLAB_SHOW_COMMANDS": "0",
                        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{run_env['PATH']}"})
        runners.append(subprocess.Popen(
            [sys.executable, "-m", "papermill", str(NOTEBOOK), str(home / "05-out.ipynb"),
             "-p", "namespace", name, "-p", "solve_exercises", "True", "-k", "python3",
             "--cwd", str(NOTEBOOK.parent)],
            env=run_env, stdout=subprocess.DEVNULL, stderr=(home / "papermill.log").open("w")))
    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    names = [k.name.removesuffix(".kubeconfig.yaml") for k in kubeconfigs]
    while len(times) < len(runners):   # each run's own end, not when we got to it
        for name, proc in zip(names, runners, strict=True):
            if name not in times and proc.poll() is not None:
                times[name] = time.monotonic() - started
        if time.monotonic() - started > 1800:
            raise SystemExit("bench: runs still going after 30 min")
        time.sleep(0.5)
    passed = 0
    failures = []
    for kubeconfig, proc in zip(kubeconfigs, runners, strict=True):
        name = kubeconfig.name.removesuffix(".kubeconfig.yaml")
        code = proc.returncode
        out = tmp / "homes" / name / "05-out.ipynb"
        errors = []
        if out.is_file():
            nb = json.loads(out.read_text())
            errors = [o.get("ename") for c in nb["cells"] for o in c.get("outputs", [])
                      if o.get("output_type") == "error"]
            checks = {k: v for k, v in extract(nb).items() if k.startswith("check:")}
            if code == 0 and not errors and checks and all(v[-1] for v in checks.values()):
                passed += 1
                continue
        failures.append(f"{name}: exit {code}, errors {errors}, log "
                        f"{tmp / 'homes' / name / 'papermill.log'}")
    wall = time.monotonic() - started
    stop.set()
    thread.join(timeout=5)
    after = scrape(admin)
    delta = {b: after.get(b, 0.0) - before.get(b, 0.0) for b in after}
    k8slab("workshop", "delete", "--all", "--workshop", prefix, env=env)
    return {"n": n, "passed": passed, "wall": wall, "times": sorted(times.values()),
            "p50": quantile(0.5, delta), "p99": quantile(0.99, delta),
            "requests": max(delta.values(), default=0), "peak": peak,
            "load": load_before, "failures": failures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attendees", type=int, nargs="+", default=[6, 12, 24])
    parser.add_argument("--port", type=int, default=36655, help="API port of the bench cluster")
    parser.add_argument("--nodes", type=int, default=0,
                        help="simulated nodes (default: one per attendee of the largest room, "
                             "so that node capacity is not what is measured)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="k8slab-bench-load-"))
    env = {**os.environ, "K8SLAB_STATE": str(tmp / "state"), "K8SLAB_API_PORT": str(args.port),
           "K8SLAB_SHOW_COMMANDS": "0"}
    env.pop("K8SLAB_KUBECONFIG", None)
    nodes = args.nodes or max(2, max(args.attendees))
    k8slab("up", "--port", str(args.port), "--nodes", str(nodes), env=env)
    print(f"bench: kwok cluster on port {args.port}, {nodes} simulated nodes, "
          f"{os.cpu_count()} cores; notebook 05 as each attendee, all at once", flush=True)
    try:
        for n in args.attendees:
            result = run_room(n, env, tmp)
            times = result["times"]
            peak = result["peak"]
            print(f"{n:>3} attendees: {result['passed']}/{n} passed, wall {result['wall']:.0f} s "
                  f"(runs {times[0]:.0f}-{times[-1]:.0f} s, median "
                  f"{statistics.median(times):.0f} s); API latency p50 "
                  f"{result['p50'] * 1000:.0f} ms, p99 {result['p99'] * 1000:.0f} ms over "
                  f"{result['requests']:.0f} requests; peak RSS cluster {peak['cluster']:.0f} "
                  f"MiB, kernels {peak['kernels']:.0f} MiB, together {peak['total']:.0f} MiB; "
                  f"load average before {result['load'][0]:.1f}", flush=True)
            for failure in result["failures"]:
                print(f"      failed: {failure}", flush=True)
    finally:
        k8slab("down", env=env)


if __name__ == "__main__":
    main()
