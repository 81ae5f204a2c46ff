"""k8slab.controller: the pure parts of the reconcile-loop framework."""

from __future__ import annotations

import threading

from k8slab import controller
from k8slab.controller import WorkQueue, backoff, owner_name, spec_changed

SITE = {"apiVersion": "k8slab.io/v1alpha1", "kind": "Website",
        "metadata": {"name": "home", "namespace": "demo", "uid": "uid-1", "generation": 2},
        "spec": {"image": "k8slab.local/web:1.0", "replicas": 3, "port": 8080}}


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_work_queue_deduplicates_and_keeps_the_latest_reason():
    q = WorkQueue()
    q.add("home", "ADDED")
    q.add("shop", "ADDED")
    q.add("home", "MODIFIED Deployment/home")
    assert len(q) == 2
    got = [q.get(timeout=0), q.get(timeout=0)]
    assert sorted(got) == [("home", "MODIFIED Deployment/home"), ("shop", "ADDED")]
    assert q.get(timeout=0) is None


def test_work_queue_delays_retries():
    clock = FakeClock()
    q = WorkQueue(clock=clock)
    q.add("home", "retry 1", delay=2.0)
    assert q.get(timeout=0) is None          # not due yet
    clock.now += 2.0
    assert q.get(timeout=0) == ("home", "retry 1")


def test_work_queue_wakes_a_waiting_worker():
    q = WorkQueue()
    threading.Timer(0.05, q.add, args=("home", "ADDED")).start()
    assert q.get(timeout=5) == ("home", "ADDED")


def test_backoff_doubles_and_is_capped():
    assert [backoff(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0]


def test_owner_name_needs_the_controller_reference_of_that_kind():
    owned = {"metadata": {"ownerReferences": [
        {"kind": "ReplicaSet", "name": "rs", "controller": True},
        {"kind": "Website", "name": "home", "controller": True}]}}
    assert owner_name(owned, "Website") == "home"
    assert owner_name({"metadata": {"ownerReferences": [
        {"kind": "Website", "name": "home"}]}}, "Website") is None
    assert owner_name({"metadata": {}}, "Website") is None


def test_spec_changed_ignores_status_only_updates():
    assert spec_changed(None, SITE) is True
    assert spec_changed(2, SITE) is False
    assert spec_changed(1, SITE) is True


def test_status_matches_rule():
    rule = controller.status_matches(phase="Ready")
    assert rule({"status": {"phase": "Ready"}})[0] is True
    ok, message = rule({})
    assert ok is False and "want phase=Ready" in message


def test_website_children_are_owned_and_follow_the_spec():
    deployment, service = controller.website_children(SITE)
    owner = deployment["metadata"]["ownerReferences"][0]
    assert owner == {"apiVersion": "k8slab.io/v1alpha1", "kind": "Website", "name": "home",
                     "uid": "uid-1", "controller": True, "blockOwnerDeletion": True}
    assert service["metadata"]["ownerReferences"] == [owner]
    assert deployment["spec"]["replicas"] == 3
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == SITE["spec"]["image"]
    assert container["ports"] == [{"name": "http", "containerPort": 8080}]
    assert container["resources"]["requests"]
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    assert service["spec"]["selector"] == selector
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    assert "namespace" not in deployment["metadata"]
    assert controller.website_children(SITE) == [deployment, service]   # pure: same in, same out


def test_website_status_phases():
    assert controller.website_status(SITE, None)["phase"] == "Pending"
    rolling = {"metadata": {"generation": 1}, "status": {
        "observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 1}}
    status = controller.website_status(SITE, rolling)
    assert (status["phase"], status["readyReplicas"], status["replicas"]) == ("Progressing", 1, 3)
    assert status["observedGeneration"] == 2 and status["url"] == "service/home:80"
    ready = {"metadata": {"generation": 1}, "status": {
        "observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3}}
    assert controller.website_status(SITE, ready)["phase"] == "Ready"
    stale = {"metadata": {"generation": 2}, "status": {
        "observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3}}
    assert controller.website_status(SITE, stale)["phase"] == "Progressing"


def test_schema_frame_reads_the_course_crd():
    from k8slab._manifests import load

    crd = load("manifests/11-extending-crd.yaml")[0]
    frame = controller.schema_frame(crd)
    rows = {r.field: r for r in frame.itertuples()}
    assert set(rows) == {"spec.image", "spec.replicas", "spec.port"}
    assert rows["spec.image"].required and not rows["spec.replicas"].required
    assert rows["spec.replicas"].rules == "minimum 1; maximum 10"
    assert rows["spec.port"].default == 8080
    assert crd["metadata"]["name"] == controller.WEBSITE_CRD
