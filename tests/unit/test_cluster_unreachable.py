"""A dead API server: its record is not reused, and every request says what to run next.

The API server here is a port on 127.0.0.1 that nobody listens on (the state
a killed kube-apiserver leaves), so no cluster and no network are involved.
The live side (a real kube-apiserver killed under a running lab, a healthy
record "already running", a dead one replaced by ``k8slab up``) is in
``tests/integration/test_api_down.py``.
"""

from __future__ import annotations

import socket

import pytest
import urllib3
import yaml
from kubernetes import client
from kubernetes.client.exceptions import ApiException

import k8slab as lab
from k8slab._base.cluster_record import ClusterRecord
from k8slab._base.paths import kubeconfig_path
from k8slab._core import client as _client
from k8slab._core import resources as _resources
from k8slab._core.api_errors import translate, unreachable
from k8slab._core.client import record_answers
from k8slab.cli import main
from k8slab.errors import ClusterUnavailable


def closed_port() -> int:
    """A loopback port that was free a moment ago (so nothing answers on it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dead_record(isolated_state, monkeypatch) -> ClusterRecord:
    # Connections and discovery are cached per process: start from none.
    monkeypatch.setattr(_client, "_cache", {})
    monkeypatch.setattr(_resources, "_dynamic", {})
    port = closed_port()
    isolated_state.mkdir(parents=True, exist_ok=True)
    kubeconfig_path().write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "kwok-k8slab",
        "clusters": [{"name": "kwok-k8slab", "cluster": {
            "server": f"https://127.0.0.1:{port}", "insecure-skip-tls-verify": True}}],
        "users": [{"name": "admin", "user": {"token": "unused"}}],
        "contexts": [{"name": "kwok-k8slab",
                      "context": {"cluster": "kwok-k8slab", "user": "admin"}}],
    }))
    record = ClusterRecord(engine="kwok", context="kwok-k8slab",
                           server=f"https://127.0.0.1:{port}")
    record.save()
    return record


def test_a_record_without_kubeconfig_does_not_answer(isolated_state):
    assert record_answers(ClusterRecord(engine="kwok", context="kwok-k8slab")) is False


def test_a_record_whose_server_is_gone_does_not_answer(dead_record):
    assert record_answers(dead_record, timeout=2) is False


def test_lab_refuses_a_dead_record_and_says_up_replaces_it(dead_record, capsys):
    assert main(["lab"]) == 1
    err = capsys.readouterr().err
    assert "does not answer" in err
    assert "k8slab up" in err and "k8slab lab --up" in err


def test_urllib3_failures_become_cluster_unavailable():
    refused = urllib3.exceptions.MaxRetryError(
        None, "/apis/autoscaling/v2",
        urllib3.exceptions.NewConnectionError(None, "[Errno 111] Connection refused"))
    err = unreachable(refused, action="GET /apis/autoscaling/v2", server="https://127.0.0.1:1")
    assert isinstance(err, ClusterUnavailable)
    assert "https://127.0.0.1:1 does not answer (connection refused)" in err.message
    assert "k8slab up" in err.hint
    broken = urllib3.exceptions.ProtocolError("Connection broken: IncompleteRead")
    assert isinstance(translate(broken, action="watch"), ClusterUnavailable)


def test_answers_and_other_errors_are_not_connection_failures():
    assert unreachable(ApiException(status=404, reason="Not Found")) is None
    assert unreachable(ValueError("bad value")) is None
    assert not isinstance(translate(ValueError("bad value")), ClusterUnavailable)


def test_an_attendee_is_sent_to_the_instructor(monkeypatch, tmp_path):
    monkeypatch.setenv("K8SLAB_KUBECONFIG", str(tmp_path / "attendee.yaml"))
    err = unreachable(ConnectionRefusedError(111, "Connection refused"))
    assert "instructor" in err.hint and "unset it and run `k8slab up`" in err.hint


@pytest.mark.parametrize("call", [
    # Straight through the lab's API client, no helper translating on the way:
    # the path API discovery takes when it fetches a group it had not read yet.
    lambda: _client.connect().call_api("/apis/autoscaling/v2", "GET",
                                       auth_settings=["BearerToken"], _preload_content=False),
    lambda: client.VersionApi(_client.connect()).get_code(),
    lambda: lab.get("Pod", "web", "default"),
    lambda: lab.table("HorizontalPodAutoscaler", "default"),
    lambda: lab.get_raw("/apis/autoscaling/v2"),
    lambda: lab.api_resources(),
], ids=["api-client", "typed-api", "get", "table-through-discovery", "get_raw", "api_resources"])
def test_every_entry_point_raises_cluster_unavailable(dead_record, call):
    with pytest.raises(ClusterUnavailable) as err:
        call()
    assert "does not answer" in err.value.message
    assert "k8slab up" in err.value.hint


def test_a_helper_names_what_it_was_doing_when_the_client_found_no_server():
    raised_by_client = unreachable(ConnectionRefusedError(111, "Connection refused"),
                                   action="GET /api/v1/pods", server="https://127.0.0.1:1")
    err = translate(raised_by_client, action="list", kind="Pod", namespace="demo")
    assert isinstance(err, ClusterUnavailable)
    assert err.message == ("Could not list Pod in namespace 'demo': the API server at "
                           "https://127.0.0.1:1 does not answer (connection refused).")
    assert translate(raised_by_client) is raised_by_client
