"""When the kube-apiserver dies under a running lab, every entry point says what to run next.

This module starts a kwok cluster of its own (its own state folder under
pytest's tmp and a free port of its own: never a fixed offset, which the host
pass, running beside this one, may hold), because it kills that
cluster's kube-apiserver (SIGKILL, as the OOM killer or a crashed run would)
and must never do that to the cluster the other tests share. With the server
gone:

- the library's entry points (get, table, apply, wait, watch, logs, raw GETs,
  API discovery, status) raise ``ClusterUnavailable`` whose hint names
  ``k8slab up``, never urllib3's raw ``MaxRetryError``;
- ``k8slab status`` fails with that hint;
- ``k8slab up`` sees that the recorded cluster does not answer, cleans it up and
  starts a new one; a second ``k8slab up`` finds it running and exits 0.

Example:
    K8SLAB_TEST_API_PORT=36810 ./run integration tests/integration/test_api_down.py
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

import k8slab as lab
from k8slab._base.cluster_record import ClusterRecord
from k8slab._base.procs import free_port
from k8slab._core import client as _client
from k8slab._core import resources as _resources
from k8slab._core.client import record_answers
from k8slab.engines.base import port_in_use
from k8slab.errors import ClusterUnavailable
from tests.conftest import k8slab_cli

CONFIG_MAP = {"apiVersion": "v1", "kind": "ConfigMap",
              "metadata": {"name": "after-the-crash"}, "data": {"a": "1"}}


def own_env(state: Path, port: int) -> dict[str, str]:
    return {**os.environ, "K8SLAB_STATE": str(state), "K8SLAB_API_PORT": str(port)}


def forget_connections() -> None:
    """Drop the cached API client and discovery: the next call connects afresh."""
    _client._cache.clear()
    _resources._dynamic.clear()


@pytest.fixture(scope="module")
def dead_api(tmp_path_factory):
    """A lab cluster of this module's own, whose kube-apiserver was just killed."""
    state = tmp_path_factory.mktemp("api-down") / "state"
    port = free_port()
    env = own_env(state, port)
    saved = {k: os.environ.get(k) for k in ("K8SLAB_STATE", "K8SLAB_API_PORT")}
    k8slab_cli("up", "--nodes", "1", env=env)
    os.environ.update(K8SLAB_STATE=str(state), K8SLAB_API_PORT=str(port))
    forget_connections()
    try:
        # Warm up as a notebook would: a live connection, discovery read.
        assert lab.get("Namespace", "default")["metadata"]["name"] == "default"
        lab.apply(CONFIG_MAP, "default")
        # Discovery forgets what it read when a kind is new (resource_for does so for
        # a CRD made a minute ago); the next lookup then fetches group documents such
        # as /apis/autoscaling/v2: the path that used to leak urllib3's MaxRetryError.
        _resources.dynamic().resources.invalidate_cache()
        pid_files = list((state / "kwok" / "clusters" / "k8slab" / "pids").glob(
            "kube-apiserver*.pid"))
        assert pid_files, f"no kube-apiserver pid file under {state}/kwok"
        os.kill(int(pid_files[0].read_text().strip()), signal.SIGKILL)
        deadline = time.monotonic() + 30
        while port_in_use(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not port_in_use(port), f"the killed kube-apiserver still listens on {port}"
        yield {"state": state, "port": port, "env": env}
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        forget_connections()
        k8slab_cli("down", env=env, check=False)


ENTRY_POINTS = {
    "get": lambda: lab.get("ConfigMap", "after-the-crash", "default"),
    "table": lambda: lab.table("Pod", "default"),
    "table-through-discovery": lambda: lab.table("HorizontalPodAutoscaler", "default"),
    "apply": lambda: lab.apply(CONFIG_MAP, "default"),
    "wait": lambda: lab.wait("ConfigMap", "after-the-crash", "default", timeout=5),
    "watch": lambda: list(lab.watch("Pod", "default", timeout=3)),
    "logs": lambda: lab.logs("web", "default"),
    "get_raw": lambda: lab.get_raw("/apis/autoscaling/v2"),
    "api_resources": lambda: lab.api_resources(),
    "status": lambda: lab.status(),
}


@pytest.mark.parametrize("name", ENTRY_POINTS)
def test_entry_point_raises_cluster_unavailable(dead_api, name):
    started = time.monotonic()
    with pytest.raises(ClusterUnavailable) as err:
        ENTRY_POINTS[name]()
    assert "does not answer" in err.value.message, err.value.message
    assert "k8slab up" in err.value.hint, err.value.hint
    assert time.monotonic() - started < 30, "a dead server must be reported at once"


def test_cli_status_names_the_next_command(dead_api):
    done = k8slab_cli("status", env=dead_api["env"], check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "does not answer" in done.stderr and "k8slab up" in done.stderr
    assert "Traceback" not in done.stderr


def test_up_restarts_the_dead_cluster_then_finds_it_running(dead_api):
    record = ClusterRecord.load()
    assert record is not None and not record_answers(record)
    done = k8slab_cli("up", "--nodes", "1", env=dead_api["env"])
    assert "does not answer" in done.stdout, done.stdout
    # Restarted from its own data (kwokctl start cluster), not replaced by a new one.
    assert "runs again, with the same data" in done.stdout, done.stdout
    assert "is up" not in done.stdout, done.stdout
    record = ClusterRecord.load()
    assert record is not None and record_answers(record)
    forget_connections()
    assert lab.get("Namespace", "default")["metadata"]["name"] == "default"
    again = k8slab_cli("up", "--nodes", "1", env=dead_api["env"])
    assert "already running" in again.stdout, again.stdout
    assert "is up" not in again.stdout
