"""Workshop mode on the live cluster: isolation, quota, progress and a clean delete.

Every attendee kubeconfig is used the way an attendee would use it: an
ApiClient built from the file alone, with no help from the lab's admin
credentials. Prefixes are unique per run, so the module can run twice at
once and next to other engineers' tests.
"""

from __future__ import annotations

import stat
import time
import uuid
from pathlib import Path

import pytest
import yaml
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

import k8slab as lab
from k8slab import exercises, workshop
from k8slab.cli import main
from tests.conftest import k8slab_cli

QUOTA_PODS = 5


def _prefix() -> str:
    return f"wt{uuid.uuid4().hex[:6]}"


def _api(path: str | Path) -> client.ApiClient:
    """An API client built from an attendee's kubeconfig file, and nothing else."""
    return config.new_client_from_config(config_file=str(path))


def _forbidden(call, *args, **kwargs) -> ApiException:
    with pytest.raises(ApiException) as info:
        call(*args, **kwargs)
    assert info.value.status == 403, f"expected 403 Forbidden, got {info.value.status}"
    return info.value


def _deployment(name: str, replicas: int = 1) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "web",
                                                           "image": "nginx:1.27"}]}}}}


@pytest.fixture(scope="module")
def pair(cluster, tmp_path_factory):
    """Two attendees of a fresh workshop, deleted at the end of the module."""
    prefix = _prefix()
    out = tmp_path_factory.mktemp("kubeconfigs")
    made = workshop.create(2, prefix=prefix, out=out, quota=workshop.Quota(pods=QUOTA_PODS))
    yield prefix, made
    workshop.delete([a.name for a in made], workshop=prefix)


def test_kubeconfig_files_are_private_and_point_at_the_lab(pair, cluster):
    prefix, (a, b) = pair
    assert [a.name, b.name] == [f"{prefix}-01", f"{prefix}-02"]
    lab_server = yaml.safe_load(Path(cluster.kubeconfig).read_text())["clusters"][0][
        "cluster"]["server"]
    for att in (a, b):
        path = Path(att.kubeconfig)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        cfg = yaml.safe_load(path.read_text())
        assert cfg["current-context"] == f"k8slab-workshop-{att.name}"
        assert cfg["contexts"][0]["context"]["namespace"] == att.name
        assert cfg["clusters"][0]["cluster"]["server"] == lab_server
        assert cfg["clusters"][0]["cluster"]["certificate-authority-data"]
        assert att.expires, "a TokenRequest token has an expiry"
    tokens = {yaml.safe_load(Path(x.kubeconfig).read_text())["users"][0]["user"]["token"]
              for x in (a, b)}
    assert len(tokens) == 2, "each attendee has a token of their own"


def test_attendee_works_in_own_namespace(pair):
    _, (a, _b) = pair
    api = _api(a.kubeconfig)
    review = client.AuthenticationV1Api(api).create_self_subject_review(
        {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})
    assert review.status.user_info.username == f"system:serviceaccount:{a.name}:{a.name}"
    client.AppsV1Api(api).create_namespaced_deployment(a.name, _deployment("web"))
    lab.wait("Deployment", "web", a.name, timeout=60)
    pods = client.CoreV1Api(api).list_namespaced_pod(a.name, label_selector="app=web").items
    assert len(pods) == 1
    # The LimitRange gave the resource-less container the defaults the quota needs.
    assert pods[0].spec.containers[0].resources.requests["cpu"]
    assert client.CoreV1Api(api).read_namespace(a.name).metadata.name == a.name
    client.AppsV1Api(api).patch_namespaced_deployment_scale(
        "web", a.name, {"spec": {"replicas": 2}})
    lab.wait("Deployment", "web", a.name, timeout=60)


def test_attendee_cannot_touch_another_namespace(pair):
    _, (a, b) = pair
    lab.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "private"},
               "data": {"k": "v"}}, b.name)
    core, apps = client.CoreV1Api(_api(a.kubeconfig)), client.AppsV1Api(_api(a.kubeconfig))
    _forbidden(core.list_namespaced_pod, b.name)
    _forbidden(core.read_namespaced_config_map, "private", b.name)
    _forbidden(core.patch_namespaced_config_map, "private", b.name, {"data": {"k": "x"}})
    _forbidden(apps.create_namespaced_deployment, b.name, _deployment("intruder"))
    _forbidden(core.read_namespace, b.name)
    _forbidden(core.list_pod_for_all_namespaces)
    assert not lab.exists("Deployment", "intruder", b.name)
    assert lab.get("ConfigMap", "private", b.name)["data"] == {"k": "v"}


def test_attendee_cannot_read_secrets_elsewhere(pair):
    _, (a, b) = pair
    core = client.CoreV1Api(_api(a.kubeconfig))
    for namespace in ("kube-system", "default", b.name):
        _forbidden(core.list_namespaced_secret, namespace)
    _forbidden(core.list_secret_for_all_namespaces)
    # Their own namespace's Secrets are theirs to use.
    assert isinstance(core.list_namespaced_secret(a.name).items, list)


def test_attendee_cannot_create_cluster_scoped_objects(pair):
    prefix, (a, _b) = pair
    api = _api(a.kubeconfig)
    _forbidden(client.CoreV1Api(api).create_namespace,
               {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"{prefix}-x"}})
    rbac = client.RbacAuthorizationV1Api(api)
    _forbidden(rbac.create_cluster_role,
               {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": {"name": f"{prefix}-admin"},
                "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]})
    # Nor grant themselves more inside their own namespace.
    _forbidden(rbac.create_namespaced_role_binding, a.name,
               {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": {"name": "more"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                            "name": "admin"},
                "subjects": [{"kind": "ServiceAccount", "name": a.name,
                              "namespace": a.name}]})
    _forbidden(client.CoreV1Api(api).delete_namespaced_resource_quota,
               "k8slab-attendee", a.name)
    core = client.CoreV1Api(api)
    _forbidden(core.create_persistent_volume,
               {"apiVersion": "v1", "kind": "PersistentVolume",
                "metadata": {"name": f"{prefix}-pv"},
                "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                         "hostPath": {"path": "/tmp"}}})
    _forbidden(client.StorageV1Api(api).create_storage_class,
               {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                "metadata": {"name": f"{prefix}-sc"}, "provisioner": "example.com/x"})
    _forbidden(core.create_node, {"apiVersion": "v1", "kind": "Node",
                                  "metadata": {"name": f"{prefix}-node"}})
    assert not lab.exists("PersistentVolume", f"{prefix}-pv")
    assert not lab.exists("Node", f"{prefix}-node")


def test_attendee_may_look_at_nodes_but_not_change_them(pair):
    _, (a, _b) = pair
    core = client.CoreV1Api(_api(a.kubeconfig))
    nodes = core.list_node().items
    assert len(nodes) >= 1
    name = nodes[0].metadata.name
    assert core.read_node(name).metadata.name == name
    before = lab.get("Node", name)["metadata"].get("labels") or {}
    _forbidden(core.patch_node, name, {"metadata": {"labels": {"hacked": "yes"}}})
    _forbidden(core.patch_node, name, {"spec": {"unschedulable": True}})
    _forbidden(core.delete_node, name)
    after = lab.get("Node", name)
    assert (after["metadata"].get("labels") or {}) == before
    assert not (after.get("spec") or {}).get("unschedulable")


def test_attendee_may_look_at_what_the_course_shows(pair):
    _, (a, _b) = pair
    api = _api(a.kubeconfig)
    core, coord = client.CoreV1Api(api), client.CoordinationV1Api(api)
    # The cluster-scoped kinds the course lists, read-only.
    assert isinstance(core.list_persistent_volume().items, list)
    assert isinstance(client.StorageV1Api(api).list_storage_class().items, list)
    assert isinstance(client.ApiextensionsV1Api(api).list_custom_resource_definition().items,
                      list)
    assert isinstance(client.NetworkingV1Api(api).list_ingress_class().items, list)
    # kube-system: pods and Leases (notebook 01), DaemonSets (notebook 02).
    leases = {x.metadata.name for x in coord.list_namespaced_lease("kube-system").items}
    assert {"kube-controller-manager", "kube-scheduler"} <= leases
    assert isinstance(core.list_namespaced_pod("kube-system").items, list)
    assert isinstance(client.AppsV1Api(api).list_namespaced_daemon_set("kube-system").items,
                      list)
    assert coord.list_namespaced_lease("kube-node-lease").items
    # ...and nothing more: no changes there, no other kinds, no namespace list.
    _forbidden(coord.patch_namespaced_lease, "kube-scheduler", "kube-system",
               {"metadata": {"labels": {"hacked": "yes"}}})
    _forbidden(coord.delete_namespaced_lease, "kube-scheduler", "kube-system")
    _forbidden(core.create_namespaced_pod, "kube-system",
               {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "intruder"},
                "spec": {"containers": [{"name": "c", "image": "k8slab.local/busybox:1.35"}]}})
    _forbidden(core.list_namespaced_config_map, "kube-system")
    _forbidden(core.list_namespaced_service_account, "kube-system")
    _forbidden(core.list_namespace)
    _forbidden(coord.list_namespaced_lease, "default")
    _forbidden(client.RbacAuthorizationV1Api(api).list_cluster_role)


def test_quota_stops_a_runaway_deployment(pair):
    _, (_a, b) = pair
    api = _api(b.kubeconfig)
    client.AppsV1Api(api).create_namespaced_deployment(b.name, _deployment("runaway", 50))

    def quota_hit(rs: dict) -> tuple[bool, str]:
        for cond in (rs.get("status") or {}).get("conditions") or []:
            if cond["type"] == "ReplicaFailure" and "exceeded quota" in cond["message"]:
                return True, cond["message"]
        return False, "no ReplicaFailure condition yet"

    deadline = time.monotonic() + 60
    replicasets: list[dict] = []
    while time.monotonic() < deadline and not replicasets:
        replicasets = lab.list("ReplicaSet", b.name, labels="app=runaway")
        time.sleep(0.2)
    assert len(replicasets) == 1
    lab.wait("ReplicaSet", replicasets[0]["metadata"]["name"], b.name, until=quota_hit,
             timeout=60)
    time.sleep(2)  # the controller keeps retrying: still no more pods than the quota
    pods = client.CoreV1Api(api).list_namespaced_pod(b.name, label_selector="app=runaway")
    assert len(pods.items) == QUOTA_PODS
    events = [e for e in lab.list("Event", b.name, fields="reason=FailedCreate")
              if "exceeded quota" in e.get("message", "")]
    assert events, "the ReplicaSet reports the quota in a FailedCreate event"


def test_list_shows_attendees_pods_and_kubeconfigs(pair, capsys):
    prefix, (a, b) = pair
    found = workshop.attendees(prefix)
    assert [x.name for x in found] == [a.name, b.name]
    assert all(x.kubeconfig for x in found)
    assert found[0].quota["pods"][1] == str(QUOTA_PODS)
    assert main(["workshop", "list", "--workshop", prefix]) == 0
    out = capsys.readouterr().out
    for att in (a, b):
        line = next(li for li in out.splitlines() if li.startswith(att.name))
        assert att.kubeconfig in line
        assert f"/{QUOTA_PODS}" in line


def test_progress_tells_attendees_apart(pair, capsys):
    prefix, (a, b) = pair
    ex_id = f"zz-{prefix}.done"

    @exercises.exercise(ex_id, "Create the ConfigMap 'done'", hint="kubectl create cm done")
    def _check(namespace: str) -> tuple[bool, str]:
        ok = lab.exists("ConfigMap", "done", namespace)
        return ok, "found it" if ok else "no ConfigMap 'done' yet"

    try:
        client.CoreV1Api(_api(a.kubeconfig)).create_namespaced_config_map(
            a.name, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "done"}})
        df = workshop.progress(ex_id, workshop=prefix)
        assert list(df.index) == [a.name, b.name]
        assert list(df.columns) == [ex_id]
        assert bool(df.loc[a.name, ex_id]) is True
        assert bool(df.loc[b.name, ex_id]) is False
        assert df.attrs["messages"][(b.name, ex_id)] == "no ConfigMap 'done' yet"
        fig = workshop.plot_progress(df)
        labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert labels == [a.name, b.name]
        assert main(["workshop", "progress", "--exercises", ex_id, "--workshop", prefix]) == 0
        out = capsys.readouterr().out
        assert next(li for li in out.splitlines() if li.startswith(a.name)).endswith("1/1")
        assert next(li for li in out.splitlines() if li.startswith(b.name)).endswith("0/1")
    finally:
        exercises.REGISTRY.pop(ex_id, None)


def test_create_refuses_a_namespace_it_does_not_own(cluster):
    prefix = _prefix()
    lab.namespace(f"{prefix}-01")
    try:
        with pytest.raises(lab.K8sLabError, match="not an attendee"):
            workshop.create(1, prefix=prefix)
        with pytest.raises(lab.K8sLabError, match="not a workshop attendee"):
            workshop.delete([f"{prefix}-01"])
        assert lab.exists("Namespace", f"{prefix}-01")
        assert not lab.exists("ServiceAccount", f"{prefix}-01", f"{prefix}-01")
    finally:
        lab.cleanup(f"{prefix}-01", wait_for=False)


def test_cli_create_then_delete_leaves_nothing_behind(cluster):
    prefix = _prefix()
    created = k8slab_cli("workshop", "create", "2", "--workshop", prefix, "--quota-pods", "3")
    assert f"{prefix}-02" in created.stdout
    names = [f"{prefix}-01", f"{prefix}-02"]
    files = [workshop.default_out_dir() / f"{n}.kubeconfig.yaml" for n in names]
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    api = _api(files[0])
    assert client.CoreV1Api(api).list_namespaced_pod(names[0]).items == []
    assert client.CoreV1Api(api).list_node().items, "attendees may look at the nodes"
    assert lab.get("ClusterRoleBinding", f"k8slab-workshop-{names[1]}")["subjects"] == [
        {"kind": "ServiceAccount", "name": names[1], "namespace": names[1]}]

    deleted = k8slab_cli("workshop", "delete", "--all", "--workshop", prefix)
    assert "deleted 2 attendee(s)" in deleted.stdout
    assert not any(lab.exists("Namespace", n) for n in names)
    leftovers = [sa for sa in lab.list("ServiceAccount") if sa["metadata"]["name"] in names]
    assert leftovers == []
    bindings = [f"k8slab-workshop-{n}" for n in names]
    assert not any(lab.exists("ClusterRoleBinding", b) for b in bindings)
    assert not any(lab.exists("RoleBinding", b, sys_ns) for b in bindings
                   for sys_ns in ("kube-system", "kube-node-lease"))
    # The shared viewer roles outlive the workshop only if another one still runs.
    others = bool(lab.list("Namespace", labels="k8slab.io/workshop"))
    assert lab.exists("ClusterRole", "k8slab-workshop-viewer") is others
    assert lab.exists("Role", "k8slab-workshop-viewer", "kube-system") is others
    assert not any(f.exists() for f in files)
    assert workshop.attendees(prefix) == []
    # The token died with its ServiceAccount: its rights at once (403), and its
    # identity once the API server's 10-second authentication cache expires (401).
    statuses = []
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and 401 not in statuses:
        with pytest.raises(ApiException) as info:
            client.CoreV1Api(api).list_namespaced_pod(names[0])
        statuses.append(info.value.status)
        time.sleep(1)
    assert set(statuses) <= {401, 403} and statuses[-1] == 401, statuses
