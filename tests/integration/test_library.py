"""Every core library call against the live cluster: what a notebook cell relies on."""

from __future__ import annotations

import urllib.request

import pytest

import k8slab as lab
from k8slab._core.pods import resolve_pod
from k8slab.errors import ApiError, ClusterUnavailable, ManifestError, WaitTimeout
from k8slab.exercises import NotYet, require, run_check

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: k8slab.local/web:1.0
        ports: [{containerPort: 8080, name: http}]
        resources: {requests: {cpu: 50m, memory: 32Mi}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
"""


@pytest.fixture
def web(ns):
    lab.apply(WEB, ns)
    lab.wait("Deployment", "web", ns)
    return ns


def test_apply_is_idempotent_and_defaults_the_namespace(ns):
    first = lab.apply(WEB, ns)
    assert [o["metadata"]["namespace"] for o in first] == [ns, ns]
    again = lab.apply(WEB, ns)
    # The same spec applied twice is no change: the generation (spec version) stays.
    # (resourceVersion may move anyway: controllers keep writing the status.)
    assert again[0]["metadata"]["generation"] == first[0]["metadata"]["generation"] == 1
    assert again[0]["metadata"]["uid"] == first[0]["metadata"]["uid"]
    assert "managedFields" not in again[0]["metadata"]


def test_apply_refuses_a_namespace_mismatch(ns):
    with pytest.raises(ManifestError) as err:
        lab.apply({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "x", "namespace": "elsewhere"}}, ns)
    assert "elsewhere" in err.value.message and ns in err.value.message


def test_kinds_by_any_name_and_custom_resources(ns):
    assert lab.list("deploy", ns) == lab.list("deployments", ns) == []
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "libtests.k8slab.io"},
           "spec": {"group": "k8slab.io", "scope": "Namespaced",
                    "names": {"plural": "libtests", "singular": "libtest", "kind": "LibTest"},
                    "versions": [{"name": "v1", "served": True, "storage": True, "schema": {
                        "openAPIV3Schema": {"type": "object", "properties": {"spec": {
                            "type": "object", "properties": {"size": {"type": "integer",
                                                                      "maximum": 5}}}}}}}]}}
    lab.apply(crd)
    try:
        lab.wait("CustomResourceDefinition", "libtests.k8slab.io",
                 until="condition=Established", timeout=30)
        lab.apply({"apiVersion": "k8slab.io/v1", "kind": "LibTest", "metadata": {"name": "a"},
                   "spec": {"size": 3}}, ns)
        assert lab.get("LibTest", "a", ns)["spec"]["size"] == 3
        with pytest.raises(ApiError) as err:
            lab.apply({"apiVersion": "k8slab.io/v1", "kind": "LibTest",
                       "metadata": {"name": "b"}, "spec": {"size": 9}}, ns)
        assert err.value.status == 422 and "spec.size" in err.value.message
        assert lab.delete("LibTest", "a", ns, wait=True) == 1
        assert not lab.exists("LibTest", "a", ns)
    finally:
        lab.delete("CustomResourceDefinition", "libtests.k8slab.io")


def test_unknown_kind_and_missing_object(ns):
    with pytest.raises(ApiError) as err:
        lab.list("Deploymnet", ns)
    assert "no kind called 'Deploymnet'" in err.value.message
    with pytest.raises(ApiError) as err:
        lab.get("ConfigMap", "absent", ns)
    assert err.value.status == 404
    assert lab.delete("ConfigMap", "absent", ns) == 0          # missing is fine by default
    with pytest.raises(ApiError):
        lab.delete("ConfigMap", "absent", ns, ignore_missing=False)


def test_tables_have_the_kubectl_columns(web):
    pods = lab.table("Pod", web)
    assert len(pods) == 2 and set(pods.phase) == {"Running"}
    services = lab.table("Service", web)
    assert services.iloc[0].endpoints.count(":8080") == 2
    assert lab.table("Deployment", web).iloc[0]["ready"] == "2/2"
    assert len(lab.table("ReplicaSet", web)) == 1
    assert "ScalingReplicaSet" in set(lab.events(web).reason)
    assert set(lab.table("Node").status) == {"Ready"}


def test_logs_exec_and_http_through_the_api_server(web):
    assert "simulated" in lab.logs("deployment/web", web)
    assert lab.exec("deployment/web", ["echo", "hello"], web).strip() == "hello"
    resp = lab.http_get("service/web", 80, "/ping", web)
    assert resp.status == 200 and resp.simulated and "/ping" in resp.body
    with lab.port_forward("service/web", 80, web) as port, \
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as answer:
        assert answer.status == 200


def test_watch_yields_existing_then_changes(web):
    seen = []
    lab.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "w"},
               "data": {"v": "1"}}, web)
    for event, obj in lab.watch("ConfigMap", web, name="w", timeout=5):
        seen.append((event, obj.get("data", {}).get("v")))
        if event == "EXISTING":
            lab.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "w"},
                       "data": {"v": "2"}}, web)
        if event == "MODIFIED":
            break
    assert seen == [("EXISTING", "1"), ("MODIFIED", "2")]


def test_wait_timeout_names_the_likely_cause(ns):
    lab.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "huge"},
               "spec": {"containers": [{"name": "c", "image": "k8slab.local/busybox:1.35",
                                        "resources": {"requests": {"cpu": "64"}}}]}}, ns)
    with pytest.raises(WaitTimeout) as err:
        lab.wait("Pod", "huge", ns, timeout=4)
    assert "no node fits" in err.value.message and "Insufficient cpu" in err.value.message
    assert "kubectl describe pod huge" in err.value.hint


def test_diagnose_service_without_pods_and_unbound_claim(ns):
    lab.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "lonely"},
               "spec": {"selector": {"app": "nobody"}, "ports": [{"port": 80}]}}, ns)
    assert "matches no pod" in lab.diagnose("Service", "lonely", ns)
    lab.apply({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "c"},
               "spec": {"storageClassName": "no-such-class", "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "1Gi"}}}}, ns)
    assert "no volume" in lab.diagnose("PersistentVolumeClaim", "c", ns)


def test_forbidden_is_explained(ns):
    sa = lab.service_account_user(ns, "default")
    with lab.as_user(sa), pytest.raises(ApiError) as err:
        lab.list("Secret", "kube-system")
    assert err.value.status == 403 and "not allowed" in err.value.hint


def test_commands_are_echoed_when_asked(ns, capsys):
    lab.show_commands(True)
    try:
        lab.get("Namespace", ns)
    finally:
        lab.show_commands(False)
    out = capsys.readouterr().out
    assert f"$ kubectl get namespaces {ns} -o yaml" in out and f"GET /api/v1/namespaces/{ns}" in out


def test_setup_and_cleanup_bring_a_fresh_namespace(cluster):
    name = "t-lib-setup"
    lab.setup(name, WEB)
    assert len(lab.list("Pod", name, labels="app=web")) == 2
    lab.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "left"}}, name)
    lab.setup(name)                          # fresh: the leftover is gone
    assert not lab.exists("ConfigMap", "left", name)
    lab.cleanup(name)
    assert not lab.exists("Namespace", name)


def test_a_dead_api_server_says_how_to_start_one(tmp_path, monkeypatch):
    config = tmp_path / "dead.yaml"
    config.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: dead\n"
        "clusters: [{name: dead, cluster: {server: 'https://127.0.0.1:1'}}]\n"
        "contexts: [{name: dead, context: {cluster: dead, user: u}}]\n"
        "users: [{name: u, user: {token: x}}]\n")
    monkeypatch.setenv("K8SLAB_KUBECONFIG", str(config))
    with pytest.raises(ClusterUnavailable) as err:
        lab.list("Pod", "default")
    assert "k8slab up" in err.value.hint


def test_pods_behind_a_short_kind_name_and_a_service(web):
    """resolve_pod asks API discovery for kind names (deploy, svc...), no table of its own."""
    pods = {p["metadata"]["name"] for p in lab.list("Pod", web, labels={"app": "web"})}
    assert resolve_pod("deploy/web", web)[0] in pods
    assert resolve_pod("service/web", web, 80) in {(p, 8080) for p in pods}
    with pytest.raises(lab.K8sLabError, match="Cannot pick a pod"):
        resolve_pod("configmap/kube-root-ca.crt", web)


def test_a_check_reads_its_object_once_and_says_not_yet(ns):
    with pytest.raises(NotYet) as missing:
        require("ConfigMap", "hello", ns)
    assert missing.value.message == f"there is no ConfigMap 'hello' in namespace {ns!r} yet"
    result = run_check("01.configmap", ns)
    assert not result.passed and result.message == f"no ConfigMap 'hello' in namespace {ns!r} yet"
    lab.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "hello"},
               "data": {"greeting": "hello, kubernetes"}}, ns)
    assert require("ConfigMap", "hello", ns)["data"] == {"greeting": "hello, kubernetes"}
    assert run_check("01.configmap", ns).passed
