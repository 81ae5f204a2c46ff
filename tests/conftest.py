"""Shared fixtures: one session-wide lab cluster and a fresh namespace per test.

Cluster tests carry the ``cluster`` marker (added automatically to everything
under ``tests/integration``, ``tests/notebooks`` and ``tests/browser``; the slide
build under ``tests/slides`` carries ``slides``: it needs npm, not a cluster). The
cluster is the one ``./run test`` started; run pytest alone and the session
fixture starts a kwok cluster itself and stops it at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Tests use a cluster and state of their own, never a learner's running lab.
os.environ.setdefault("K8SLAB_STATE", str(ROOT / ".k8slab" / "test"))
os.environ.setdefault("K8SLAB_API_PORT", "36543")
os.environ.setdefault("K8SLAB_SHOW_COMMANDS", "0")

#: ``K8SLAB_TEST_CLUSTER_PER_WORKER=1`` (the kwok notebook pass of ``./run test``):
#: each pytest-xdist worker starts a kwok cluster of its own (about 4 s) in a state
#: folder and on a free port of its own, keeps it for the session and stops it at
#: the end, so that no test waits for another's cluster-scoped objects. Set here,
#: before anything reads them, because the notebooks' kernels inherit them.
PER_WORKER = (os.environ.get("K8SLAB_TEST_CLUSTER_PER_WORKER") == "1"
              and bool(os.environ.get("PYTEST_XDIST_WORKER")))
if PER_WORKER:
    from k8slab._base.procs import free_port

    _worker = os.environ["PYTEST_XDIST_WORKER"]
    os.environ["K8SLAB_STATE"] = f"{os.environ['K8SLAB_STATE']}-{_worker}"
    os.environ["K8SLAB_API_PORT"] = str(free_port())

CLUSTER_DIRS = ("integration", "notebooks", "browser", "host")

#: Notebook tests that create or change cluster-scoped objects (namespaces of
#: their own, PersistentVolumes, a CRD, cluster roles): under pytest-xdist they
#: share one worker and run one after the other; the rest run side by side,
#: each in namespaces of its own.
SERIAL_NOTEBOOK_TESTS = frozenset({
    "test_nb03_namespaces.py", "test_nb07_workloads.py", "test_nb08_configuration.py",
    "test_nb09_storage.py", "test_nb11_extending.py",
})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.timeout(_timeout_of(item)))
        parts = Path(str(item.fspath)).relative_to(ROOT / "tests").parts
        if parts and parts[0] in CLUSTER_DIRS:
            item.add_marker(pytest.mark.cluster)
        if parts and parts[0] == "notebooks":
            item.add_marker(pytest.mark.notebook)
            serial = parts[-1] in SERIAL_NOTEBOOK_TESTS and not PER_WORKER
            group = "serial" if serial else parts[-1]
            item.add_marker(pytest.mark.xdist_group(group))
        if parts and parts[0] == "browser":
            item.add_marker(pytest.mark.browser)
        if parts and parts[0] == "slides":
            item.add_marker(pytest.mark.slides)
        if parts and parts[0] == "unit":
            item.add_marker(pytest.mark.unit)
        if parts and parts[0] in ("host", "host_cleanup"):
            item.add_marker(pytest.mark.host)
        if parts and parts[0] == "kind":
            item.add_marker(pytest.mark.kind)


#: Seconds a test may take before pytest-timeout stops it, by folder: a notebook
#: test runs its notebook twice (each cell has papermill's own 600 s limit).
TIMEOUTS = {"unit": 120, "integration": 900, "browser": 1800, "slides": 900,
            "notebooks": 2400, "host": 900, "host_cleanup": 300, "kind": 1800}


def _timeout_of(item: pytest.Item) -> int:
    parts = Path(str(item.fspath)).relative_to(ROOT / "tests").parts
    return TIMEOUTS.get(parts[0] if len(parts) > 1 else "", 600)


def k8slab_cli(*args: str, env: dict[str, str] | None = None, check: bool = True,
               timeout: float = 900) -> subprocess.CompletedProcess:
    """Run the k8slab command line as a learner would."""
    return subprocess.run([sys.executable, "-m", "k8slab", *args], capture_output=True,
                          text=True, env=env or dict(os.environ), check=check, timeout=timeout)


@pytest.fixture(scope="session")
def cluster():
    """The lab cluster for the whole session (started here if nobody started one)."""
    from k8slab._base.cluster_record import ClusterRecord
    from k8slab._core.client import record_answers

    started = False
    record = ClusterRecord.load()
    if record is None or not record_answers(record):  # none, or left dead by a killed run
        k8slab_cli("up", "--engine", "kwok") if PER_WORKER else k8slab_cli("up")
        started = True
    record = ClusterRecord.load()
    assert record is not None
    yield record
    if started:
        k8slab_cli("down", check=False)


@pytest.fixture
def ns(cluster, request) -> str:
    """A fresh namespace for one test, deleted afterwards (without waiting)."""
    import k8slab as lab

    name = f"t-{request.node.name[:30].lower().replace('_', '-').strip('-')}-" \
           f"{uuid.uuid4().hex[:5]}"
    name = "".join(c for c in name if c.isalnum() or c == "-")
    lab.namespace(name)
    yield name
    lab.delete("Namespace", name)
