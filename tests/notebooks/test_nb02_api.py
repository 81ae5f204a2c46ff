"""Notebook 02 · The API and the architecture, executed against the live cluster.

What the workers are differs by engine and is asserted explicitly: on kwok
the kubelet and runtime are simulated (``kwok://``), no kube-proxy runs and no
kubelet writes Events; on the host engine a real kubelet (the servers' own
release) drives containerd, kube-proxy runs, the story holds the kubelet's
``Started`` Events, and DNS from inside a pod answers through a Service IP.
"""

from __future__ import annotations

from tests.notebooks.harness import run_notebook, unique_namespace
from tests.notebooks.twice import run_again

NOTEBOOK = "02-api-and-architecture.ipynb"
CONTROL_PLANE = {"kube-apiserver", "etcd", "kube-controller-manager", "kube-scheduler"}
CONTROLLERS = {"deployment-controller", "replicaset-controller", "default-scheduler"}


def _assert_workers(run, cluster) -> None:
    found = set(run.last("components_found"))
    assert CONTROL_PLANE | {"kubelet", "container runtime"} <= found
    assert "cloud-controller-manager" not in found
    components = set(run.last("story_components"))
    reasons = run.last("story_reasons")
    if cluster.engine == "kwok":
        assert run.last("container_runtime").startswith("kwok://")
        assert "kube-proxy" not in found
        assert components == CONTROLLERS           # KWOK writes no kubelet Events
        assert run.last("dns_answer") is None
    else:
        assert run.last("container_runtime").startswith(("containerd://", "cri-o://"))
        assert "kube-proxy" in found
        assert components == CONTROLLERS | {"kubelet"}
        assert reasons["Started"] == 3
        assert run.last("dns_answer") == run.last("kubernetes_cluster_ip")
    if cluster.engine == "host":
        assert run.last("container_runtime").startswith("containerd://1.6")


def test_nb02_runs_records_and_cleans_up(cluster):
    ns = unique_namespace("nb02")
    params = {"namespace": ns, "timeout": 60}
    run = run_notebook(NOTEBOOK, parameters=params)
    assert not run.errors()

    # The architecture, found from evidence.
    assert run.last("server_version").startswith("v1.")
    assert run.last("etcd_ready") is True
    _assert_workers(run, cluster)

    # Discovery.
    assert run.last("api_groups") >= 15
    assert run.last("kinds") == run.last("namespaced_kinds") + run.last("cluster_kinds")
    assert run.last("namespaced_kinds") >= 20 and run.last("cluster_kinds") >= 10
    assert {"watch", "list", "create", "patch"} <= set(run.last("deployment_verbs"))

    # The declarative model: who acted, and the contract's bookkeeping.
    reasons = run.last("story_reasons")
    assert reasons["Scheduled"] == 3 and reasons["SuccessfulCreate"] == 3
    assert reasons["ScalingReplicaSet"] == 1
    assert run.last("generation_first") == run.last("observed_generation_first") == 1
    assert run.last("replacement_is_new") is True
    assert run.last("running_after_heal") == 3
    assert run.last("generation_after_heal") == 1
    assert run.last("generation_scaled") == run.last("observed_generation_scaled") == 2
    assert run.last("ready_scaled") == 5
    assert run.last("uid_unchanged") is True
    assert run.last("pods_at_end") == 2

    again = run_again(run, NOTEBOOK, params, {"02.api-versions", "02.desired-replicas"})
    if again:
        _assert_workers(again, cluster)
