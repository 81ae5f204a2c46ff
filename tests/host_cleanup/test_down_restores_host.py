"""``k8slab down`` on the host engine puts the machine back as it found it.

This test brings up a host-engine lab of its own (so it runs when no other
host-engine lab is running: ``./run test`` calls it after the host pass),
makes the node create what a node creates (pod network interfaces, iptables
chains, mounts, cgroups, kernel settings), takes it down, and compares the
host before and after.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from k8slab._base.procs import free_port
from k8slab._binaries import catalog as _tools
from k8slab.engines import host_state
from k8slab.engines.host import LOCK, HostEngine, _node_runs

WORKLOAD = """
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: nginx
    image: k8slab.local/web:1.0
    volumeMounts: [{name: scratch, mountPath: /scratch}]
  volumes: [{name: scratch, emptyDir: {}}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
"""


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "k8slab", *args], env=env, text=True,
                          capture_output=True, timeout=600)


def test_down_restores_the_host(tmp_path: Path):
    avail = HostEngine(port=1).availability()
    if not avail.ok:
        pytest.fail(f"the host engine cannot run here: {avail.reason}", pytrace=False)
    if LOCK.exists():
        owner = LOCK.read_text().strip()
        assert not _node_runs(Path(owner)), f"another host-engine lab is running ({owner})"
    state = tmp_path / "state"
    env = {**os.environ, "K8SLAB_STATE": str(state), "K8SLAB_API_PORT": str(free_port())}
    before = host_state.HostSnapshot.take()

    up = _cli(env, "up", "--engine", "host")
    assert up.returncode == 0, up.stdout + up.stderr
    try:
        kubectl = [str(_tools.find("kubectl")), "--kubeconfig", str(state / "kubeconfig.yaml")]
        subprocess.run([*kubectl, "apply", "-f", "-"], input=WORKLOAD, text=True, check=True,
                       capture_output=True)
        subprocess.run([*kubectl, "wait", "--for=condition=Ready", "pod/web",
                        "--timeout=60s"], check=True, capture_output=True)
        time.sleep(1)  # kube-proxy writes the Service's rules
        during = host_state.HostSnapshot.take()
        changes = before.differences(during)
        # The comparison can see what a node changes, so its silence below means something.
        assert any("network interface: k8slab0" in c for c in changes), changes
        assert any("iptables chain" in c and "KUBE-" in c for c in changes), changes
        assert any(c.startswith("new mount:") and str(state) in c for c in changes), changes
        assert any(c.startswith("new cgroup:") and "kubepods" in c for c in changes), changes
    finally:
        down = _cli(env, "down")
    assert down.returncode == 0, down.stdout + down.stderr

    after = host_state.HostSnapshot.take()
    assert before.differences(after) == []
    assert host_state.pids_with_arg(str(state)) == set()
    assert not LOCK.exists()
    assert not (state / "node").exists()
