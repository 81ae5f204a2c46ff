"""A cluster record left by a killed run is recognised as dead, not reused.

The API server here is a port on 127.0.0.1 that nobody listens on (the state
a killed kube-apiserver leaves). The live side (a healthy record is "already
running", a dead one is replaced by ``k8slab up``) is in
``tests/integration/test_api_down.py``.
"""

from __future__ import annotations

import socket

import pytest
import yaml

from k8slab._client import record_answers
from k8slab._paths import kubeconfig_path
from k8slab._record import ClusterRecord
from k8slab.cli import main


def closed_port() -> int:
    """A loopback port that was free a moment ago (so nothing answers on it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dead_record(isolated_state) -> ClusterRecord:
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
    assert main(["lab"]) == 2
    err = capsys.readouterr().err
    assert "does not answer" in err
    assert "k8slab up" in err and "k8slab lab --up" in err
