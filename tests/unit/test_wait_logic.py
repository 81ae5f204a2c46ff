"""lab.wait's judgement, fed with scripted watch events (no cluster)."""

from __future__ import annotations

import pytest

from k8slab._core import wait as _wait
from k8slab.errors import WaitTimeout


class FakeResource:
    kind = "Deployment"
    namespaced = True

    @staticmethod
    def path(name=None, namespace=None):
        return f"/apis/apps/v1/namespaces/{namespace}/deployments/{name}"


@pytest.fixture
def scripted(monkeypatch):
    def install(events):
        monkeypatch.setattr(_wait, "resource_for", lambda kind: FakeResource)
        monkeypatch.setattr(_wait, "diagnose", lambda *a: "")

        def fake_watch(kind, namespace, *, name, timeout, synced=False):
            for ev in events:
                if ev[0] == "SYNCED" and not synced:
                    continue
                yield ev
        monkeypatch.setattr(_wait, "watch", fake_watch)
    return install


def test_deleted_before_the_watch_started_counts_as_deleted(scripted):
    scripted([("SYNCED", {})])
    assert _wait.wait("Deployment", "web", "demo", until="deleted", timeout=1) is None


def test_deleted_waits_for_the_delete_event(scripted):
    obj = {"metadata": {"name": "web"}}
    scripted([("EXISTING", obj), ("SYNCED", {}), ("MODIFIED", obj), ("DELETED", obj)])
    assert _wait.wait("Deployment", "web", "demo", until="deleted", timeout=1) is None


def test_still_there_times_out_with_a_message(scripted):
    obj = {"metadata": {"name": "web"}}
    scripted([("EXISTING", obj), ("SYNCED", {})])
    with pytest.raises(WaitTimeout) as err:
        _wait.wait("Deployment", "web", "demo", until="deleted", timeout=1)
    assert "still there" in err.value.message and "kubectl describe" in err.value.hint


def test_rollout_returns_the_object_once_done(scripted, captured):
    done = captured("deployments")[0]
    scripted([("EXISTING", {**done, "status": {}}), ("SYNCED", {}), ("MODIFIED", done)])
    assert _wait.wait("Deployment", "web", "demo", timeout=1) is done
