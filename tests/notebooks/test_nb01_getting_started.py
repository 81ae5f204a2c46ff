"""Notebook 01 · Getting started, executed against the live cluster."""

from __future__ import annotations

import k8slab as lab
from tests.notebooks.harness import run_notebook, unique_namespace

NOTEBOOK = "01-getting-started.ipynb"


def test_nb01_runs_records_and_cleans_up(cluster):
    ns = unique_namespace("nb01")
    params = {"namespace": ns, "solve_exercises": True}
    run = run_notebook(NOTEBOOK, parameters=params)
    assert not run.errors()
    assert run.last("engine") == cluster.engine
    assert run.last("server_version").startswith("v1.")
    assert run.last("nodes") >= 2 and run.last("ready_nodes") == run.last("nodes")
    assert {"kube-controller-manager", "kube-scheduler"} <= set(run.last("system_leases"))
    assert run.last("pods") == 1
    checks = run.checks()
    assert set(checks) == {"01.configmap", "01.first-pod"}
    for exercise, outcomes in checks.items():
        assert outcomes == [False, True], (exercise, outcomes)
    assert not lab.exists("Namespace", ns)

    again = run_notebook(NOTEBOOK, parameters=params)
    assert not again.errors() and again.checks() == checks
    assert not lab.exists("Namespace", ns)
