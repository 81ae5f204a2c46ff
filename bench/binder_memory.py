"""Peak memory of what a Binder session runs: the kwok cluster, JupyterLab, one kernel.

Binder gives a session about 2 GiB. This starts the embedded cluster and
JupyterLab as ``binder/start`` would, runs notebook 05 (the heaviest of the
first half of the course) in a kernel with papermill, samples the RSS of every
process involved twice a second, and prints the peak. Prints numbers; asserts
nothing. Goal: <= 2 GiB.

With ``--nonroot`` (as root) it runs as Binder does: an ordinary throwaway
user (``tests/tools/throwaway_user.py``), JupyterLab started through
``binder/start`` (which starts the cluster in the background); the user and its
processes are removed at the end.

    python bench/binder_memory.py
    python bench/binder_memory.py --nonroot
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._proc import rss_mib  # noqa: E402
from k8slab.engines import host_state  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> set[int]:
    out = {pid}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int(Path(entry, "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                out |= _children(int(entry.name))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nonroot", action="store_true",
                        help="as a throwaway ordinary user, through binder/start")
    args = parser.parse_args()
    if args.nonroot:
        nonroot()
        return
    classic()


def _report(samples: list[tuple[float, float, float]], elapsed: float, code: int | None,
            who: str) -> None:
    peak = max(samples, key=lambda s: sum(s))
    print(f"{who}: notebook 05 ran in {elapsed:.0f} s (papermill exit {code})")
    print(f"peak RSS: {sum(peak):.0f} MiB (cluster {peak[0]:.0f}, JupyterLab {peak[1]:.0f}, "
          f"kernel + papermill {peak[2]:.0f}); goal <= 2048 MiB")


def nonroot() -> None:
    from k8slab._base.paths import cache_dir
    from tests.tools.throwaway_user import throwaway_user

    with throwaway_user(cache_dir()) as user:
        state = user.home / "state"
        env = user.env(K8SLAB_STATE=str(state), K8SLAB_API_PORT=str(_free_port()),
                       K8SLAB_SHOW_COMMANDS="0",
                       PATH=f"{user.python.parent}{os.pathsep}/usr/bin:/bin")
        run = [*user.prefix, "env", "-i", *(f"{k}={v}" for k, v in env.items())]
        lab = subprocess.Popen(
            [*run, str(ROOT / "binder" / "start"), str(user.python), "-m", "jupyterlab",
             "--no-browser", "--ip", "127.0.0.1", "--port", str(_free_port()),
             "--IdentityProvider.token=bench", f"--ServerApp.root_dir={ROOT}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, cwd=str(user.home))
        samples: list[tuple[float, float, float]] = []
        stop = threading.Event()
        runner: subprocess.Popen | None = None

        def sample() -> None:
            while not stop.is_set():
                cluster_pids = host_state.pids_with_arg(str(state))
                # binder/start execs JupyterLab; the cluster runs beside it (own sessions).
                jupyter = rss_mib(_children(lab.pid) - cluster_pids)
                kernel = rss_mib(_children(runner.pid)) if runner else 0.0
                samples.append((rss_mib(cluster_pids), jupyter, kernel))
                time.sleep(0.5)

        thread = threading.Thread(target=sample, daemon=True)
        code = None
        try:
            # binder/start hands over to JupyterLab at once; the cluster starts beside it
            # and its exit status lands in background-up.rc.
            while not (state / "background-up.rc").exists() and lab.poll() is None:
                time.sleep(0.5)
            time.sleep(8)   # JupyterLab settles
            thread.start()
            started = time.monotonic()
            runner = subprocess.Popen(
                [*run, str(user.python), "-m", "papermill",
                 str(ROOT / "notebooks" / "05-deployments.ipynb"), str(user.home / "05.ipynb"),
                 "-p", "namespace", "bench-binder", "-k", "python3",
                 "--cwd", str(ROOT / "notebooks")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=str(user.home))
            code = runner.wait(timeout=900)
            elapsed = time.monotonic() - started
        finally:
            stop.set()
            with contextlib.suppress(RuntimeError):
                thread.join(timeout=5)
            lab.terminate()
            lab.wait(timeout=30)
            subprocess.run([*run, str(user.python), "-m", "k8slab", "down"],
                           capture_output=True, cwd=str(user.home))
        if not any(s[1] for s in samples):
            raise SystemExit("bench: JupyterLab did not run as the user: no number printed")
        _report(samples, elapsed, code, f"as the ordinary user {user.name} (uid {user.uid})")


def classic() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="k8slab-bench-binder-"))
    env = {**os.environ, "K8SLAB_STATE": str(tmp / "state"),
           "K8SLAB_API_PORT": str(_free_port()), "K8SLAB_SHOW_COMMANDS": "0"}
    k8slab = [sys.executable, "-m", "k8slab"]
    subprocess.run([*k8slab, "up"], env=env, check=True, capture_output=True)
    lab = subprocess.Popen([*k8slab, "lab", "--port", str(_free_port()), "--token", "bench"],
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    samples: list[tuple[float, float, float]] = []
    stop = threading.Event()
    runner: subprocess.Popen | None = None

    def sample() -> None:
        while not stop.is_set():
            cluster = rss_mib(host_state.pids_with_arg(str(tmp / "state")))
            jupyter = rss_mib(_children(lab.pid))
            kernel = rss_mib(_children(runner.pid)) if runner else 0.0
            samples.append((cluster, jupyter, kernel))
            time.sleep(0.5)

    thread = threading.Thread(target=sample, daemon=True)
    try:
        time.sleep(8)  # JupyterLab settles
        thread.start()
        started = time.monotonic()
        runner = subprocess.Popen(
            [sys.executable, "-m", "papermill", str(ROOT / "notebooks" / "05-deployments.ipynb"),
             str(tmp / "05-out.ipynb"), "-p", "namespace", "bench-binder", "-k", "python3",
             "--cwd", str(ROOT / "notebooks")], env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        code = runner.wait(timeout=900)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        thread.join(timeout=5)
        lab.terminate()
        lab.wait(timeout=30)
        subprocess.run([*k8slab, "down"], env=env, capture_output=True)
    _report(samples, elapsed, code, "as this user")


if __name__ == "__main__":
    main()
