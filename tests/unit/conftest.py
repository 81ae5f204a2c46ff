"""Unit tests run without any cluster: they must not reach for one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def captured():
    """Objects captured from a live cluster (tests/tools/capture_fixtures.py)."""
    def load(name: str) -> list[dict]:
        return json.loads((FIXTURES / f"{name}.json").read_text())
    return load


@pytest.fixture(autouse=True)
def isolated_state(tmp_path, monkeypatch):
    """Each unit test gets an empty state folder: no cluster is recorded."""
    monkeypatch.setenv("K8SLAB_STATE", str(tmp_path / "state"))
    monkeypatch.delenv("K8SLAB_ALLOW_ANY_CONTEXT", raising=False)
    monkeypatch.delenv("K8SLAB_KUBECONFIG", raising=False)
    # No network in unit tests: a missing binary is never downloaded.
    monkeypatch.setenv("K8SLAB_BINARIES", "build")
    return tmp_path / "state"
