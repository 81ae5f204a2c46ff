"""Notebook 01 · Getting started, executed against the live cluster.

The node facts differ by engine and are asserted explicitly: kwok has its
simulated workers (two unless ``k8slab up --nodes`` said otherwise), the host
engine exactly one real node running the API server's own Kubernetes release,
and the first pod's web answer is real nginx on the host, a simulated page on
kwok.
"""

from __future__ import annotations

from tests.notebooks.harness import run_notebook, unique_namespace
from tests.notebooks.twice import run_again

NOTEBOOK = "01-getting-started.ipynb"


def _assert_engine_facts(run, cluster) -> None:
    nodes = run.last("nodes")
    assert run.last("ready_nodes") == nodes
    assert run.last("system_pods") == 0  # both engines run the control plane as processes
    if cluster.engine == "kwok":
        assert nodes == cluster.extra.get("nodes", 2) and nodes >= 2
        assert run.last("simulated_nodes") == nodes
        assert all(v.startswith("kwok") for v in run.last("kubelet_versions"))
        assert run.last("first_answer_simulated") is True
        assert "simulated" in run.last("first_answer")
    elif cluster.engine == "host":
        assert nodes == 1 and run.last("node_names") == [cluster.extra["node"]]
        assert run.last("simulated_nodes") == 0
        assert run.last("kubelet_versions") == [run.last("server_version")]
        assert run.last("first_answer_simulated") is False
        assert run.last("first_answer") == "Hello from first (web 1.0)\n"
    else:
        assert nodes >= 1 and run.last("first_answer_simulated") is False


def test_nb01_runs_records_and_cleans_up(cluster):
    ns = unique_namespace("nb01")
    params = {"namespace": ns}
    run = run_notebook(NOTEBOOK, parameters=params)
    assert not run.errors()
    assert run.last("engine") == cluster.engine
    assert run.last("server_version").startswith("v1.")
    _assert_engine_facts(run, cluster)
    assert {"kube-controller-manager", "kube-scheduler"} <= set(run.last("system_leases"))
    assert run.last("pods") == 1
    again = run_again(run, NOTEBOOK, params, {"01.configmap", "01.first-pod"})
    if again:
        _assert_engine_facts(again, cluster)
