"""A lab whose processes died comes back with its data: ``k8slab up`` restarts it.

The workshop case: attendees hold kubeconfigs signed by the cluster's CA with
tokens stored in its etcd. If ``up`` made a new cluster, every one of them
would be dead. This test kills every control-plane process of a cluster of
its own, runs ``k8slab up``, and uses an attendee's old kubeconfig.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from k8slab._base.procs import free_port
from k8slab._binaries import catalog as _tools


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "k8slab", *args], env=env, text=True,
                          capture_output=True, timeout=600)


def test_up_restarts_a_dead_cluster_and_old_kubeconfigs_still_work(tmp_path: Path):
    state = tmp_path / "state"
    port = free_port()  # never a fixed offset: the host pass runs beside this one
    env = {**os.environ, "K8SLAB_STATE": str(state), "K8SLAB_API_PORT": str(port)}
    env.pop("K8SLAB_KUBECONFIG", None)
    kubectl = str(_tools.find("kubectl"))
    assert _cli(env, "up").returncode == 0
    try:
        made = _cli(env, "workshop", "create", "1", "--workshop", "keep")
        assert made.returncode == 0, made.stdout + made.stderr
        attendee = next((state / "workshop").glob("*.yaml"))
        admin = [kubectl, "--kubeconfig", str(state / "kubeconfig.yaml")]
        subprocess.run([*admin, "-n", "keep-01", "run", "survivor", "--image",
                        "k8slab.local/web:1.0"], check=True, capture_output=True)

        pids = [int(p.read_text()) for p in
                (state / "kwok" / "clusters" / "k8slab" / "pids").glob("*.pid")]
        assert len(pids) >= 5
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{p}").exists() for p in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _cli(env, "status").returncode != 0  # really down

        again = _cli(env, "up")
        assert again.returncode == 0, again.stdout + again.stderr
        assert "runs again, with the same data" in again.stdout
        listed = subprocess.run([kubectl, "--kubeconfig", str(attendee), "get", "pods",
                                 "-o", "name"], capture_output=True, text=True)
        assert listed.returncode == 0, listed.stderr
        assert listed.stdout.strip() == "pod/survivor"
        assert _cli(env, "up").stdout.count("already running") == 1
    finally:
        _cli(env, "down")
