"""Discovery tables and the architecture map, from captured API objects."""

from __future__ import annotations

from datetime import UTC, datetime

from k8slab._core.discovery import components_frame, resources_frame, story_frame

APPS = {"groupVersion": "apps/v1", "resources": [
    {"name": "deployments", "kind": "Deployment", "namespaced": True,
     "verbs": ["get", "create", "list"], "shortNames": ["deploy"]},
    {"name": "deployments/scale", "kind": "Scale", "namespaced": True, "verbs": ["get"]}]}
CORE = {"groupVersion": "v1", "resources": [
    {"name": "nodes", "kind": "Node", "namespaced": False, "verbs": ["list"]}]}


def test_resources_frame_drops_subresources_and_splits_group_version():
    frame = resources_frame([APPS, CORE])
    assert list(frame.kind) == ["Node", "Deployment"]        # core group sorts first
    node, deploy = frame.iloc[0], frame.iloc[1]
    assert (node.group, node.version, node.namespaced) == ("", "v1", False)
    assert (deploy.group, deploy.api_version, deploy.short_names) == ("apps", "apps/v1",
                                                                        ["deploy"])
    assert deploy.verbs == ["create", "get", "list"]


def test_components_on_kwok_come_from_leases_and_nodes(captured):
    now = datetime(2026, 1, 1, 0, 0, 10, tzinfo=UTC)
    leases = [{"metadata": {"name": n}, "spec": {"renewTime": "2026-01-01T00:00:08Z"}}
              for n in ("kube-controller-manager", "kube-scheduler")]
    frame = components_frame(version="v1.36.3", readyz="[+]ping ok\n[+]etcd ok\n",
                             leases=leases, node_leases=[], pods=[], daemonsets=[],
                             nodes=captured("nodes"), now=now)
    found = dict(zip(frame.component, frame.found, strict=True))
    assert found["kube-apiserver"] and found["etcd"] and found["kube-scheduler"]
    assert found["kubelet"] and not found["kube-proxy"] and not found["cloud-controller-manager"]
    runs = dict(zip(frame.component, frame.runs_as, strict=True))
    assert runs["kubelet"].startswith("simulated by kwok")
    assert "2s ago" in frame[frame.component == "kube-scheduler"].evidence.iloc[0]


def test_components_without_etcd_check_is_not_found():
    frame = components_frame(version="v1.36.3", readyz="[-]etcd failed\n", leases=[],
                             node_leases=[], pods=[], daemonsets=[], nodes=[])
    assert not frame[frame.component == "etcd"].found.iloc[0]


def test_story_orders_events_by_resource_version(captured):
    events = captured("events")
    frame = story_frame(reversed(events))
    assert len(frame) == len(events)
    assert "default-scheduler" in set(frame.component)
    versions = sorted(int(e["metadata"]["resourceVersion"]) for e in events)
    first = next(e for e in events if int(e["metadata"]["resourceVersion"]) == versions[0])
    assert frame.iloc[0].reason == first["reason"]
