"""The real helm v4 binary drives the course chart on the lab cluster."""

from __future__ import annotations

import time

import pytest

import k8slab as lab
from k8slab import helm

CHART = "12-helm-chart"
SELECTOR = {"app.kubernetes.io/instance": "web"}


def _ready_pods(ns: str) -> list[dict]:
    pods = lab.list("Pod", ns, labels=SELECTOR)
    return [p for p in pods if not p["metadata"].get("deletionTimestamp")
            and any(c["type"] == "Ready" and c["status"] == "True"
                    for c in (p.get("status") or {}).get("conditions") or [])]


def _message(ns: str) -> str:
    return lab.get("ConfigMap", "web-config", ns)["data"]["MESSAGE"]


def test_chart_passes_helm_lint():
    report = helm.lint(CHART)
    assert "0 chart(s) failed" in report


def test_release_lifecycle_install_upgrade_rollback_uninstall(ns):
    # install: --wait returns once the Deployment's pods are Ready (kwok makes them so).
    rel = helm.install("web", CHART, ns)
    assert (rel.revision, rel.status, rel.chart) == (1, "deployed", "hello-web-0.1.0")
    assert len(_ready_pods(ns)) == 2
    service = lab.get("Service", "web", ns)
    assert service["spec"]["selector"] == {**SELECTOR, "app.kubernetes.io/name": "hello-web"}
    assert _message(ns) == "Hello from Helm!"
    dep = lab.get("Deployment", "web", ns)
    env = dep["spec"]["template"]["spec"]["containers"][0]["env"][0]
    assert env["valueFrom"]["configMapKeyRef"] == {"name": "web-config", "key": "MESSAGE"}
    assert dep["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "Helm"

    # upgrade with new values: revision 2, the ConfigMap and the replica count follow.
    rel = helm.upgrade("web", CHART, ns, values={"replicaCount": 3, "message": "Bonjour"})
    assert rel.revision == 2 and rel.values == {"replicaCount": 3, "message": "Bonjour"}
    assert _message(ns) == "Bonjour"
    assert lab.get("Deployment", "web", ns)["status"].get("readyReplicas") == 3

    hist = helm.history("web", ns)
    assert list(hist.revision) == [1, 2]
    assert list(hist.status) == ["superseded", "deployed"]
    assert list(hist.description) == ["Install complete", "Upgrade complete"]

    # rollback to 1 is a new revision 3 that carries revision 1's values.
    rel = helm.rollback("web", 1, ns)
    assert (rel.revision, rel.status, rel.description) == (3, "deployed", "Rollback to 1")
    assert _message(ns) == "Hello from Helm!"
    assert lab.get("Deployment", "web", ns)["spec"]["replicas"] == 2
    assert list(helm.history("web", ns).revision) == [1, 2, 3]
    assert helm.get_values("web", ns, revision=2) == {"replicaCount": 3, "message": "Bonjour"}
    [listed] = helm.list_releases(ns)
    assert (listed["name"], listed["revision"], listed["status"]) == ("web", 3, "deployed")

    # uninstall removes every object of the release and the release itself.
    assert "uninstalled" in helm.uninstall("web", ns)
    for kind, name in (("Deployment", "web"), ("Service", "web"), ("ConfigMap", "web-config")):
        assert not lab.exists(kind, name, ns), f"{kind} {name} survived the uninstall"
    assert helm.list_releases(ns) == []
    deadline = time.monotonic() + 20
    while lab.list("Pod", ns, labels=SELECTOR) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert lab.list("Pod", ns, labels=SELECTOR) == []


def test_template_renders_three_objects_without_touching_the_cluster(ns):
    objects = helm.template_objects("web", CHART, ns, values={"replicaCount": 4})
    assert sorted(o["kind"] for o in objects) == ["ConfigMap", "Deployment", "Service"]
    dep = next(o for o in objects if o["kind"] == "Deployment")
    assert dep["spec"]["replicas"] == 4
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == \
        "k8slab.local/web:1.0"
    # Nothing was created and no release was recorded.
    assert lab.list("Deployment", ns) == [] and lab.list("Service", ns) == []
    assert helm.list_releases(ns) == []


def test_config_change_rolls_the_pods(ns):
    """The checksum annotation makes a new message restart pods (env is read at start)."""
    helm.install("web", CHART, ns, values={"replicaCount": 1})
    before = {p["metadata"]["name"] for p in _ready_pods(ns)}
    helm.upgrade("web", CHART, ns, values={"replicaCount": 1, "message": "new"})
    deadline = time.monotonic() + 20
    after = {p["metadata"]["name"] for p in _ready_pods(ns)}
    while (not after or after & before) and time.monotonic() < deadline:
        time.sleep(0.3)
        after = {p["metadata"]["name"] for p in _ready_pods(ns)}
    assert after and not after & before


def test_drift_outside_helm_stops_the_upgrade_until_forced(ns):
    """Helm 4 applies server-side: a field someone else changed is a conflict, not a silent undo."""
    helm.install("web", CHART, ns, wait=False)
    lab.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
               "spec": {"replicas": 5}}, ns)
    with pytest.raises(lab.HelmError) as err:
        helm.upgrade("web", CHART, ns, values={"message": "drift"}, wait=False)
    assert "conflict" in err.value.message and ".spec.replicas" in err.value.message
    assert "force_conflicts=True" in err.value.hint
    rel = helm.upgrade("web", CHART, ns, values={"message": "drift"}, wait=False,
                       force_conflicts=True)
    assert rel.revision == 3  # the failed upgrade is revision 2, recorded as failed
    assert lab.get("Deployment", "web", ns)["spec"]["replicas"] == 2
    assert list(helm.history("web", ns).status) == ["superseded", "failed", "deployed"]


def test_bad_chart_path_gives_helm_error_with_helms_message(ns):
    with pytest.raises(lab.HelmError) as err:
        helm.install("web", "manifests/no-such-chart", ns)
    assert err.value.message.startswith("helm install failed: INSTALLATION FAILED:")
    assert "no-such-chart" in err.value.message
    assert "12-helm-chart" in err.value.hint
    with pytest.raises(lab.HelmError) as err:
        helm.rollback("ghost", 1, ns)
    assert "not found" in err.value.message


def test_install_twice_is_refused_and_explained(ns):
    helm.install("web", CHART, ns, wait=False)
    with pytest.raises(lab.HelmError) as err:
        helm.install("web", CHART, ns, wait=False)
    assert "cannot reuse a name that is still in use" in err.value.message
    assert "helm.upgrade" in err.value.hint
