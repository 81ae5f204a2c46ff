"""Workshop mode ``cluster``: two attendees, a kwok cluster each, notebook 03 in both at once.

Notebook 03 creates namespaces and a PersistentVolume: an attendee of the
shared mode may not. Here each attendee runs it with papermill, at the same
time, with their own kubeconfig only (``K8SLAB_KUBECONFIG``, an empty state
folder: no record or admin credentials to fall back on), in the *same*
namespace name, which two attendees of one shared cluster could never do.
Then: neither sees the other's objects, neither's token opens the other's
cluster, and ``k8slab down`` stops every process and removes every file.

No shared lab cluster is needed: the clusters live in a state folder of the
test's own (ports from ``K8SLAB_TEST_VCLUSTER_PORT``, default 36651).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from kubernetes import client, config
from kubernetes.client.rest import ApiException

from k8slab._course.recorded import extract
from k8slab.workshop._vclusters import cluster_pids
from tests.conftest import ROOT, k8slab_cli

FIRST_PORT = int(os.environ.get("K8SLAB_TEST_VCLUSTER_PORT", "36651"))
NAMESPACE = "nb03-room"   # the same for both attendees, on purpose


def _core(kubeconfig: Path) -> client.CoreV1Api:
    return client.CoreV1Api(config.new_client_from_config(config_file=str(kubeconfig)))


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    """A state folder with two attendee clusters; ``k8slab down`` at the end, checked."""
    base = tmp_path_factory.mktemp("vclusters")
    env = {**os.environ, "K8SLAB_STATE": str(base / "state"), "K8SLAB_SHOW_COMMANDS": "0"}
    env.pop("K8SLAB_KUBECONFIG", None)
    out = k8slab_cli("workshop", "create", "2", "--mode", "cluster", "--workshop", "vc",
                     "--first-port", str(FIRST_PORT), env=env).stdout
    states = sorted((base / "state" / "vclusters").iterdir())
    yield env, out, states
    down = k8slab_cli("down", env=env, check=False)
    assert "stopped and removed the attendee clusters of vc-01, vc-02" in down.stdout, down
    assert not (base / "state" / "vclusters").exists()
    assert not list((base / "state" / "workshop").glob("*.kubeconfig.yaml"))
    assert all(not cluster_pids(s) for s in states)


def test_create_says_the_mode_and_what_it_costs(room):
    env, out, states = room
    assert "each cluster-admin of a kwok cluster of their own" in out, out
    per = re.search(r"measured now: (\d+) MiB RSS per attendee \((\d+) MiB PSS", out)
    assert per, out
    rss, pss = int(per[1]), int(per[2])
    # A whole control plane (etcd, kube-apiserver, ...) is hundreds of MiB, never nothing.
    assert 150 < rss < 4096 and 0 < pss <= rss, out
    ports = [json.loads((s / "vcluster.json").read_text())["port"] for s in states]
    assert len(set(ports)) == 2 and min(ports) >= FIRST_PORT   # a port each (busy ones skipped)
    for state, port in zip(states, ports, strict=True):
        assert f"https://127.0.0.1:{port}" in out
        assert len(cluster_pids(state)) >= 5   # etcd, apiserver, cm, scheduler, kwok, gate
    listing = k8slab_cli("workshop", "list", env=env).stdout
    assert listing.count(" running ") == 2, listing


def _kubeconfig(env: dict, name: str) -> Path:
    return Path(env["K8SLAB_STATE"]) / "workshop" / f"{name}.kubeconfig.yaml"


def test_each_attendee_is_admin_of_their_own_cluster_only(room):
    env, _, _ = room
    one, two = _kubeconfig(env, "vc-01"), _kubeconfig(env, "vc-02")
    assert one.stat().st_mode & 0o777 == 0o600
    cfg = yaml.safe_load(one.read_text())
    assert cfg["current-context"] == "k8slab-vcluster-vc-01"
    assert "namespace" not in cfg["contexts"][0]["context"]
    # Cluster-scoped rights in their own cluster: what notebook 03 needs.
    auth = client.AuthorizationV1Api(config.new_client_from_config(config_file=str(one)))
    review = auth.create_self_subject_access_review({"spec": {"resourceAttributes": {
        "verb": "create", "resource": "persistentvolumes"}}})
    assert review.status.allowed is True
    # One's token against the other's API server: unknown there.
    crossed = yaml.safe_load(two.read_text())
    crossed["users"][0]["user"]["token"] = cfg["users"][0]["user"]["token"]
    cross = one.with_name("crossed.yaml")
    cross.write_text(yaml.safe_dump(crossed))
    with pytest.raises(ApiException) as err:
        _core(cross).list_namespace()
    assert err.value.status == 401


def _papermill(kubeconfig: Path, home: Path, output: Path) -> subprocess.Popen:
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("K8SLAB_")}
    env.update({"K8SLAB_KUBECONFIG": str(kubeconfig), "K8SLAB_STATE": str(home),
                "K8SLAB_SHOW_COMMANDS": "0",
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"})
    return subprocess.Popen(
        [sys.executable, "-m", "papermill", str(ROOT / "notebooks" / "03-namespaces.ipynb"),
         str(output), "-p", "namespace", NAMESPACE, "-p", "solve_exercises", "True",
         "-k", "python3", "--cwd", str(ROOT / "notebooks")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_both_run_notebook_03_at_once_and_see_only_their_own(room, tmp_path):
    env, _, _ = room
    names = ("vc-01", "vc-02")
    # A mark of each attendee in their own cluster, put there before the notebooks run.
    for name in names:
        _core(_kubeconfig(env, name)).create_namespaced_config_map("default", {
            "metadata": {"name": "whose", "labels": {"owner": name}}})
    runs = {name: _papermill(_kubeconfig(env, name), tmp_path / f"home-{name}",
                             tmp_path / f"03-{name}.ipynb") for name in names}
    for name, proc in runs.items():
        out, _ = proc.communicate(timeout=900)
        assert proc.returncode == 0, f"{name}: {out[-3000:]}"
    ns = NAMESPACE
    for name in names:
        nb = json.loads((tmp_path / f"03-{name}.ipynb").read_text())
        records = extract(nb)
        # Each made, listed and deleted its own three namespaces and a PersistentVolume.
        assert records["owned_namespaces"][-1] == sorted([ns, f"{ns}-dev", f"{ns}-prod"])
        assert records["archive_survived"][-1] is True
        assert records["cache_log_simulated"][-1] is True   # kwok says it is simulated
        checks = {k: v for k, v in records.items() if k.startswith("check:")}
        assert checks and all(v[-1] is True for v in checks.values()), checks
        # Only their own mark is in their cluster.
        marks = _core(_kubeconfig(env, name)).list_namespaced_config_map(
            "default", label_selector="owner").items
        assert [m.metadata.labels["owner"] for m in marks] == [name]


def test_a_dead_attendee_cluster_comes_back_with_its_data(room, tmp_path):
    """Kill a control plane: `workshop create` again restarts it, its data and tokens kept."""
    import signal
    import time

    env, _, states = room
    one = _kubeconfig(env, "vc-01")
    kept = tmp_path / "vc-01-before.yaml"
    kept.write_text(one.read_text())       # the file the attendee already has
    _core(kept).create_namespaced_config_map("default", {"metadata": {"name": "survivor"}})
    for pid in cluster_pids(states[0]):   # processes this test's `workshop create` started
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while cluster_pids(states[0]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not cluster_pids(states[0])
    out = k8slab_cli("workshop", "create", "2", "--mode", "cluster", "--workshop", "vc",
                     "--first-port", str(FIRST_PORT), env=env).stdout
    assert "2 attendees" in out, out
    # The attendee's old kubeconfig (old token, same CA) still works, and the data is there.
    names = [c.metadata.name for c in _core(kept).list_namespaced_config_map("default").items]
    assert "survivor" in names and "whose" in names
