"""The course as a workshop attendee runs it: their kubeconfig, their namespace, nothing more.

The notebooks are executed by papermill in a kernel that sees the cluster the
way an attendee's laptop does: ``K8SLAB_KUBECONFIG`` names the attendee's
kubeconfig, and the state folder holds no cluster record (so nothing can fall
back on the instructor's admin credentials). Assertions afterwards use the
lab's own credentials, to see what the attendee could not hide.
"""

from __future__ import annotations

import math
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import papermill
import pytest
import yaml
from kubernetes.utils import parse_quantity

import k8slab as lab
from k8slab import workshop
from tests.conftest import k8slab_cli
from tests.notebooks.harness import ROOT, Executed, run_notebook

ELSEWHERE = "nb01-elsewhere"
ARTIFACTS = Path(os.environ.get("K8SLAB_TEST_ARTIFACTS", ROOT / "test-artifacts" / "notebooks")
                 ) / "workshop"


def _resource_values(doc: object) -> Iterator[dict]:
    """Every ``requests`` and ``limits`` mapping anywhere in a manifest."""
    if isinstance(doc, dict):
        resources = doc.get("resources")
        if isinstance(resources, dict):
            yield from (v for k, v in resources.items()
                        if k in ("requests", "limits") and isinstance(v, dict))
        for value in doc.values():
            yield from _resource_values(value)
    elif isinstance(doc, list):
        for value in doc:
            yield from _resource_values(value)


def course_quota() -> workshop.Quota:
    """A quota that admits every pod the course's manifests declare.

    Notebook 04 shows a pod asking for more CPU than any node has, so that the
    *scheduler* refuses it (FailedScheduling). A namespace quota smaller than
    that pod (the default: 4 CPU) refuses it first, at admission, and the
    lesson cannot happen. The quota is sized from the manifests themselves.
    """
    biggest = {"cpu": 0.0, "memory": 0.0}
    for path in (ROOT / "manifests").glob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            for values in _resource_values(doc):
                for key in biggest:
                    if key in values:
                        biggest[key] = max(biggest[key], float(parse_quantity(values[key])))
    # Rounded up to a figure one can remember and print in the README (a unit test
    # checks that every quota the README shows is this one).
    cpu = math.ceil((2 * biggest["cpu"] + 4) / 50) * 50
    memory_gi = max(8, math.ceil(2 * biggest["memory"] / 2**30) + 1)
    return workshop.Quota(cpu=str(cpu), memory=f"{memory_gi}Gi")


@pytest.fixture(scope="module")
def attendee(cluster, tmp_path_factory) -> Iterator[workshop.Attendee]:
    """One attendee of a workshop of their own, deleted at the end of the module."""
    prefix = f"wc{uuid.uuid4().hex[:6]}"
    out = tmp_path_factory.mktemp("kubeconfigs")
    (made,) = workshop.create(1, prefix=prefix, out=out, quota=course_quota())
    yield made
    workshop.delete([made.name], workshop=prefix)
    assert not lab.exists("Namespace", made.name)
    assert not lab.exists("ClusterRoleBinding", f"k8slab-workshop-{made.name}")


@pytest.fixture
def as_attendee(attendee, monkeypatch, tmp_path):
    """Run a notebook with the attendee's kubeconfig, on a machine with no lab record."""
    home = tmp_path / "attendee-state"
    home.mkdir()

    def run(notebook: str, namespace: str, **params) -> Executed:
        with monkeypatch.context() as env:
            env.setenv("K8SLAB_KUBECONFIG", attendee.kubeconfig)
            env.setenv("K8SLAB_STATE", str(home))
            env.delenv("K8SLAB_ALLOW_ANY_CONTEXT", raising=False)
            return run_notebook(notebook, output_dir=ARTIFACTS, parameters={
                "namespace": namespace, "solve_exercises": True, **params})

    return run


def _assert_emptied(name: str) -> None:
    """The attendee's namespace is still there, labelled, with nothing the course made."""
    ns = lab.get("Namespace", name)
    assert not ns["metadata"].get("deletionTimestamp")
    assert (ns["metadata"].get("labels") or {}).get("k8slab.io/attendee") == name
    assert lab.list("Pod", name) == []
    assert [c["metadata"]["name"] for c in lab.list("ConfigMap", name)] == ["kube-root-ca.crt"]
    # Their ServiceAccount (hence their token) and their limits survived the clean-up.
    assert lab.exists("ServiceAccount", name, name)
    assert lab.exists("ResourceQuota", "k8slab-attendee", name)


def test_status_command_works_for_an_attendee(attendee, tmp_path):
    env = {**os.environ, "K8SLAB_KUBECONFIG": attendee.kubeconfig,
           "K8SLAB_STATE": str(tmp_path / "attendee-state")}
    out = k8slab_cli("status", env=env).stdout
    server = yaml.safe_load(Path(attendee.kubeconfig).read_text())["clusters"][0][
        "cluster"]["server"]
    assert "engine:     workshop\n" in out, out
    assert f"context:    k8slab-workshop-{attendee.name}\n" in out
    assert f"API server: {server} (Kubernetes v1." in out
    nodes = len(lab.list("Node"))
    assert f"nodes:      {nodes}\n" in out and nodes >= 1


def test_nb01_runs_for_an_attendee_and_keeps_their_namespace(attendee, as_attendee):
    first = as_attendee("01-getting-started.ipynb", attendee.name)
    assert not first.errors()
    assert first.last("engine") == "workshop"
    assert first.last("server_version").startswith("v1.")
    assert first.last("nodes") >= 2 and first.last("ready_nodes") == first.last("nodes")
    assert {"kube-controller-manager", "kube-scheduler"} <= set(first.last("system_leases"))
    assert first.last("pods") == 1
    checks = first.checks()
    assert checks == {"01.configmap": [False, True], "01.first-pod": [False, True]}
    _assert_emptied(attendee.name)

    again = as_attendee("01-getting-started.ipynb", attendee.name)
    assert not again.errors() and again.checks() == checks
    assert again.last("pods") == 1
    _assert_emptied(attendee.name)


def test_nb01_in_another_namespace_names_the_attendee_namespace(attendee, as_attendee):
    existed = lab.exists("Namespace", ELSEWHERE)
    with pytest.raises(papermill.PapermillExecutionError) as info:
        as_attendee("01-getting-started.ipynb", ELSEWHERE)
    err = info.value
    assert err.ename == "UnsafeContext", (err.ename, err.evalue)
    assert f"namespace {attendee.name!r} only" in err.evalue
    assert f"Set namespace = {attendee.name!r} in the notebook's parameters cell" in err.evalue
    assert lab.exists("Namespace", ELSEWHERE) is existed


def test_nb04_runs_for_an_attendee(attendee, as_attendee):
    first = as_attendee("04-pods.ipynb", attendee.name, quiet_period=3)
    assert not first.errors()
    assert first.last("phases") == ["Pending", "Running"]
    assert "uid=" in first.last("exec_output")
    assert first.last("greedy_event_reason") == "FailedScheduling"
    assert first.last("pods") == ["greedy", "shop", "steady"]
    checks = first.checks()
    assert set(checks) == {"04.guaranteed", "04.greedy-fits", "04.fix-image"}
    for exercise, outcomes in checks.items():
        assert outcomes == [False, True], (exercise, outcomes)
    _assert_emptied(attendee.name)

    again = as_attendee("04-pods.ipynb", attendee.name, quiet_period=3)
    assert not again.errors() and again.checks() == checks
    _assert_emptied(attendee.name)
