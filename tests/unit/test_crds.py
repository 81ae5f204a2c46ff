"""k8slab.crds: the pure parts (a CRD's schema as a table, a status rule for lab.wait)."""

from __future__ import annotations

from k8slab import crds


def test_status_matches_rule():
    rule = crds.status_matches(phase="Ready", readyReplicas=3)
    assert rule({"status": {"phase": "Ready", "readyReplicas": 3}})[0] is True
    ok, message = rule({"status": {"phase": "Ready", "readyReplicas": 1}})
    assert ok is False and "want phase=Ready, readyReplicas=3" in message
    assert rule({})[0] is False


def test_schema_frame_reads_the_course_crd():
    from k8slab._core.manifests import load

    crd = load("manifests/11-extending-crd.yaml")[0]
    frame = crds.schema_frame(crd)
    rows = {r.field: r for r in frame.itertuples()}
    assert set(rows) == {"spec.image", "spec.replicas", "spec.port"}
    assert rows["spec.image"].required and not rows["spec.replicas"].required
    assert rows["spec.replicas"].rules == "minimum 1; maximum 10"
    assert rows["spec.port"].rules == "minimum 1024; maximum 65535"
    assert rows["spec.port"].default == 8080
    assert crd["metadata"]["name"] == crds.WEBSITE_CRD
    status = {r.field for r in crds.schema_frame(crd, part="status").itertuples()}
    assert {"status.phase", "status.readyReplicas"} <= status
