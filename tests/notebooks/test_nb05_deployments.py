"""Notebook 05 · Deployments, executed against the live cluster."""

from __future__ import annotations

import k8slab as lab
from tests.notebooks.harness import run_notebook, unique_namespace

NOTEBOOK = "05-deployments.ipynb"


def test_nb05_runs_records_and_cleans_up(cluster):
    ns = unique_namespace("nb05")
    params = {"namespace": ns, "solve_exercises": True}
    run = run_notebook(NOTEBOOK, parameters=params)
    assert not run.errors()

    assert run.last("ready_replicas") == 3
    assert run.last("owner_kinds") == ["Pod", "ReplicaSet", "Deployment"]
    assert run.last("replacements") == 2
    assert run.last("healing_min_ready") < 3
    assert run.last("replicas_after_slider") == 5
    assert run.last("replicas_after_apply") == 3
    # maxSurge 1, maxUnavailable 0 for 3 replicas: never below 3 available, never above 4 pods.
    assert run.last("rollout_min_available") == 3
    assert run.last("rollout_max_pods") == 4
    assert run.last("revisions") == {"k8slab.local/web:1.0": "1",
                                     "k8slab.local/web:2.0": "2"}
    assert run.last("serving_rs_is_first") is True
    assert run.last("serving_revision") == "3"
    if cluster.engine == "kwok":
        assert run.last("db_restarts") == 1
        assert run.last("db_last_exit_code") == 137
        assert run.last("db_unhealthy_events") >= 1

    checks = run.checks()
    assert set(checks) == {"05.scale", "05.rollback"}
    for exercise, outcomes in checks.items():
        assert outcomes == [False, True], (exercise, outcomes)
    assert not lab.exists("Namespace", ns)

    again = run_notebook(NOTEBOOK, parameters=params)
    assert not again.errors() and again.checks() == checks
    assert again.last("serving_revision") == "3"
    assert not lab.exists("Namespace", ns)
