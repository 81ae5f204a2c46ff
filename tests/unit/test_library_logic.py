"""Pure logic of the library, fed with objects captured from a live cluster."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from kubernetes.client.exceptions import ApiException

from k8slab._core import diagnose as _diagnose
from k8slab._core import rollout as _rollout
from k8slab._core.api_errors import translate
from k8slab._core.pods import parse_http
from k8slab._course.recorded import MIME, extract
from k8slab._views import tables as _tables
from k8slab.engines._simhttp import respond
from k8slab.errors import ApiError, ClusterUnavailable


def test_pods_frame_from_captured_pods(captured):
    pods = captured("pods")
    frame = _tables.pods_frame(pods)
    assert list(frame.columns) == ["name", "phase", "status", "ready", "restarts", "node", "ip",
                                   "age", "owner"]
    web = frame[frame.name.str.startswith("web-")]
    assert len(web) == 3 and set(web.phase) == {"Running"} and set(web.ready) == {"1/1"}
    assert all(o.startswith("ReplicaSet/web-") for o in web.owner)
    big = frame[frame.name == "too-big"].iloc[0]
    assert big.phase == "Pending" and big.node == "" and big.ip == ""


def test_services_frame_joins_endpoint_slices(captured):
    frame = _tables.services_frame(captured("services"), captured("endpointslices"))
    web = frame[frame.name == "web"].iloc[0]
    assert web.selector == "app=web" and web.endpoints.count(":8080") == 3
    assert frame[frame.name == "orphan"].iloc[0].endpoints == ""


def test_deployment_replicaset_node_event_frames(captured):
    dep = _tables.deployments_frame(captured("deployments")).iloc[0]
    assert dep["ready"] == "3/3" and dep["images"] == "k8slab.local/web:1.0"
    rs = _tables.replicasets_frame(captured("replicasets")).iloc[0]
    assert rs.revision == "1" and rs.owner == "Deployment/web"
    nodes = _tables.nodes_frame(captured("nodes"))
    assert set(nodes.status) == {"Ready"} and set(nodes.internal_ip) == {"127.0.0.1"}
    events = _tables.events_frame(captured("events"))
    assert "FailedScheduling" in set(events.reason)
    assert list(events.columns) == ["last_seen", "type", "reason", "object", "message"]


def test_age_formatting():
    now = datetime(2024, 1, 2, tzinfo=UTC)
    assert _tables.age("2024-01-01T23:59:30Z", now) == "30s"
    assert _tables.age("2024-01-01T21:00:00Z", now) == "3h"
    assert _tables.age("2023-12-30T00:00:00Z", now) == "3d"
    assert _tables.age(None, now) == ""


def test_rollout_rule_follows_kubectl(captured):
    done = captured("deployments")[0]
    assert _rollout.deployment_rollout(done)[0] is True
    stale = json.loads(json.dumps(done))
    stale["metadata"]["generation"] = stale["status"]["observedGeneration"] + 1
    assert _rollout.deployment_rollout(stale) == (
        False, "waiting for the controller to see the new spec")
    rolling = json.loads(json.dumps(done))
    rolling["status"].update(replicas=4, updatedReplicas=3)
    assert _rollout.deployment_rollout(rolling) == (
        False, "1 old replicas are pending termination")
    stuck = json.loads(json.dumps(done))
    stuck["status"]["conditions"] = [{"type": "Progressing", "reason": "ProgressDeadlineExceeded",
                                      "message": "too slow"}]
    assert _rollout.deployment_rollout(stuck) == (False, "rollout stuck: too slow")


def test_other_readiness_rules(captured):
    pods = {p["metadata"]["name"]: p for p in captured("pods")}
    assert _rollout.pod_ready(pods["too-big"]) == (False, "phase Pending, not Ready yet")
    job = {"spec": {"completions": 2}, "status": {"succeeded": 2, "conditions": [
        {"type": "Complete", "status": "True"}]}}
    assert _rollout.job_complete(job) == (True, "2/2 completions")
    failed = {"status": {"conditions": [{"type": "Failed", "status": "True",
                                         "message": "BackoffLimitExceeded"}]}}
    assert _rollout.job_complete(failed)[0] is False
    assert _rollout.pvc_bound({"status": {"phase": "Bound"}})[0] is True


def test_diagnosis_rules(captured):
    pods = captured("pods")
    big = next(p for p in pods if p["metadata"]["name"] == "too-big")
    assert "no node fits" in _diagnose.from_pod(big)
    assert "Insufficient cpu" in _diagnose.from_events(captured("events"))
    orphan = next(s for s in captured("services") if s["metadata"]["name"] == "orphan")
    assert "matches no pod" in _diagnose.from_service(orphan, pods)
    web = next(s for s in captured("services") if s["metadata"]["name"] == "web")
    assert _diagnose.from_service(web, pods) == ""
    assert "no volume" in _diagnose.from_pvc({"spec": {"storageClassName": "fast"},
                                              "status": {"phase": "Pending"}})
    pulled = {"status": {"containerStatuses": [{"name": "c", "image": "nope:1", "state": {
        "waiting": {"reason": "ImagePullBackOff"}}}]}}
    assert "cannot be pulled" in _diagnose.from_pod(pulled)


@pytest.mark.parametrize("status,word", [(403, "not allowed"), (404, "does not exist"),
                                         (409, "already exists"), (422, "invalid")])
def test_api_errors_become_one_explanation_and_a_fix(status, word):
    body = json.dumps({"message": "boom", "reason": "X",
                       "details": {"causes": [{"field": "spec.replicas", "message": "bad"}]}})
    exc = ApiException(status=status, reason="R")
    exc.body = body
    err = translate(exc, action="apply", kind="Deployment", name="web", namespace="demo")
    assert isinstance(err, ApiError) and err.status == status
    assert "Deployment 'web' in namespace 'demo'" in err.message
    assert word in err.hint
    if status == 422:
        assert "spec.replicas: bad" in err.message


def test_missing_namespace_hint():
    exc = ApiException(status=404, reason="Not Found")
    exc.body = json.dumps({"message": 'namespaces "demo" not found'})
    err = translate(exc, action="apply", kind="Pod", name="p", namespace="demo")
    assert "lab.namespace('demo')" in err.hint


def test_connection_refused_says_start_the_cluster():
    err = translate(ConnectionRefusedError("[Errno 111] Connection refused"), action="list")
    assert isinstance(err, ClusterUnavailable) and "k8slab up" in err.hint


def test_simulated_http_round_trip():
    raw = respond(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
    resp = parse_http(raw)
    assert resp.status == 200 and resp.simulated
    assert "/hello" in resp.body and len(resp.body.encode()) == int(
        resp.headers["content-length"])


def test_recorded_values_are_extracted():
    nb = {"cells": [{"cell_type": "code", "outputs": [
        {"output_type": "display_data", "data": {MIME: {"name": "n", "value": 3}}},
        {"output_type": "display_data", "data": {MIME: {"name": "n", "value": 5}}},
        {"output_type": "stream", "text": "x"}]}]}
    assert extract(nb) == {"n": [3, 5]}
