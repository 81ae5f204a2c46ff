"""The embedded kwok cluster behaves like a real one where the course needs it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import k8slab as lab
from k8slab._binaries.catalog import KUBE_VERSION
from tests.conftest import k8slab_cli


def _ready_nodes() -> list[dict]:
    return [n for n in lab.list("Node")
            if any(c["type"] == "Ready" and c["status"] == "True"
                   for c in n["status"].get("conditions", []))]


def test_all_nodes_ready_and_real_server_version(cluster):
    nodes = lab.list("Node")
    assert len(nodes) >= 2
    assert len(_ready_nodes()) == len(nodes)
    from kubernetes import client

    version = client.VersionApi(lab.connect()).get_code()
    assert version.git_version == KUBE_VERSION


def test_rbac_is_enforced(cluster, ns):
    """Authorization is on: a ServiceAccount without a Role may not list pods."""
    from kubernetes import client

    review = client.AuthorizationV1Api(lab.connect()).create_subject_access_review({
        "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
        "spec": {"user": f"system:serviceaccount:{ns}:default",
                 "resourceAttributes": {"namespace": ns, "verb": "list", "resource": "pods"}}})
    assert review.status.allowed is False


DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: kubernetes.io/hostname
        whenUnsatisfiable: DoNotSchedule
        labelSelector: {matchLabels: {app: web}}
      containers:
      - name: nginx
        image: k8slab.local/web:1.0
"""


def test_deployment_pods_spread_run_and_heal(cluster, ns):
    lab.apply(DEPLOYMENT, ns)
    lab.wait("Deployment", "web", ns, timeout=60)
    pods = lab.list("Pod", ns, labels="app=web")
    assert len(pods) == 3
    assert all(p["status"]["phase"] == "Running" for p in pods)
    assert all(p["status"].get("podIP") for p in pods)
    assert len({p["spec"]["nodeName"] for p in pods}) >= 2, "pods were not spread over nodes"

    victim = pods[0]["metadata"]["name"]
    lab.delete("Pod", victim, ns)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = lab.list("Pod", ns, labels="app=web")
        names = {p["metadata"]["name"] for p in now}
        running = [p for p in now if p["status"].get("phase") == "Running"
                   and not p["metadata"].get("deletionTimestamp")]
        if victim not in names and len(running) == 3:
            break
        time.sleep(0.3)
    else:
        pytest.fail(f"no replacement for {victim}: {sorted(names)}")
    assert victim not in {p["metadata"]["name"] for p in running}


def test_pvc_binds_through_default_storage_class(cluster, ns):
    lab.apply({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
               "metadata": {"name": "data"},
               "spec": {"accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "1Gi"}}}}, ns)
    pvc = lab.wait("PersistentVolumeClaim", "data", ns, timeout=30)
    assert pvc["spec"]["storageClassName"] == "standard"
    pv = lab.get("PersistentVolume", pvc["spec"]["volumeName"])
    assert pv["status"]["phase"] == "Bound"


def test_every_component_listens_on_loopback_only(cluster):
    """No cluster port answers on a non-loopback address of this machine."""
    from k8slab.engines.kwok import KwokEngine

    pids = KwokEngine().pids()
    assert len(pids) >= 5
    listening = []
    for pid in pids:
        inodes = set()
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with open(table) as fh:
                for row in list(fh)[1:]:
                    cols = row.split()
                    if cols[3] == "0A" and cols[9] in inodes:  # 0A = LISTEN
                        listening.append(cols[1])
    assert listening, "found no listening socket of the cluster processes"
    loopback = {"0100007F", "00000000000000000000000001000000"}
    wrong = [a for a in listening if a.split(":")[0] not in loopback]
    assert not wrong, f"components listen beyond loopback: {wrong}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_up_then_down_leaves_no_process(tmp_path):
    """A second, private cluster: up gives Ready nodes, down kills every process."""
    env = {**os.environ, "K8SLAB_STATE": str(tmp_path / "state"),
           "K8SLAB_API_PORT": str(_free_port())}
    out = k8slab_cli("up", "--nodes", "2", env=env)
    assert "is up" in out.stdout
    status = k8slab_cli("status", env=env).stdout
    assert status.count(" Ready ") == 2, status
    pid_dir = tmp_path / "state" / "kwok" / "clusters" / "k8slab" / "pids"
    pids = [int(p.read_text()) for p in pid_dir.glob("*.pid")]
    assert len(pids) >= 5
    assert all(os.path.exists(f"/proc/{p}") for p in pids)
    k8slab_cli("down", env=env)
    time.sleep(0.5)
    alive = [p for p in pids if os.path.exists(f"/proc/{p}")
             and "zombie" not in Path(f"/proc/{p}/status").read_text()]
    assert not alive, f"processes left running after down: {alive}"
    assert not (tmp_path / "state" / "kubeconfig.yaml").exists()
    failed = k8slab_cli("status", env=env, check=False)
    assert failed.returncode == 1 and "k8slab up" in failed.stderr


def test_two_clusters_started_at_the_same_moment_both_run_their_controllers(tmp_path):
    """Test workers and workshop rooms start kwok clusters together: each one's
    controller manager must run (it makes every namespace's default ServiceAccount,
    without which no pod is admitted). kwokctl once gave both the same port."""
    from kubernetes import client, config

    envs = [{**os.environ, "K8SLAB_STATE": str(tmp_path / f"s{i}"),
             "K8SLAB_API_PORT": str(_free_port())} for i in range(2)]
    ups = [subprocess.Popen([sys.executable, "-m", "k8slab", "up"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
           for env in envs]
    try:
        outputs = [up.communicate(timeout=300)[0] for up in ups]
        assert all(up.returncode == 0 for up in ups), outputs
        for env in envs:
            api = config.new_client_from_config(
                config_file=str(Path(env["K8SLAB_STATE"]) / "kubeconfig.yaml"))
            core = client.CoreV1Api(api)
            deadline = time.monotonic() + 90
            while True:
                if any(sa.metadata.name == "default"
                       for sa in core.list_namespaced_service_account("default").items):
                    break
                assert time.monotonic() < deadline, (
                    f"no default ServiceAccount in {env['K8SLAB_STATE']}: its controller "
                    "manager is not running")
                time.sleep(1)
            api.close()
    finally:
        for env in envs:
            k8slab_cli("down", env=env, check=False)


def test_up_refuses_a_busy_port(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        env = {**os.environ, "K8SLAB_STATE": str(tmp_path / "s"), "K8SLAB_API_PORT": str(port)}
        out = k8slab_cli("up", env=env, check=False)
    assert out.returncode == 1
    assert f"Port {port}" in out.stderr and "--port" in out.stderr
    assert not (tmp_path / "s" / "cluster.json").exists()
