"""Notebook 04 · Pods, executed against the live cluster."""

from __future__ import annotations

import k8slab as lab
from tests.notebooks.harness import run_notebook, unique_namespace

NOTEBOOK = "04-pods.ipynb"


def test_nb04_runs_records_and_cleans_up(cluster):
    ns = unique_namespace("nb04")
    params = {"namespace": ns, "solve_exercises": True, "quiet_period": 3}
    run = run_notebook(NOTEBOOK, parameters=params)
    assert not run.errors()

    assert run.last("phases") == ["Pending", "Running"]
    assert run.last("node")
    assert run.last("qos_class") == "Burstable"
    first_uid, second_uid = run.last("uids")
    assert first_uid and second_uid and first_uid != second_uid
    assert all(run.last("ips"))
    assert "uid=" in run.last("exec_output")
    if cluster.engine == "kwok":
        assert run.last("logs_simulated") is True
        assert "README.txt" in run.last("exec_output")
    assert run.last("recreated_after_delete") == 0
    assert run.last("web_exists_after_delete") is False
    assert run.last("greedy_phase") == "Pending"
    assert run.last("greedy_event_reason") == "FailedScheduling"
    assert run.last("greedy_diagnosis").startswith("no node fits the pod")
    assert "Insufficient cpu" in run.last("greedy_diagnosis")
    assert run.last("resize_refused_status") == 422
    assert run.last("pods") == ["greedy", "steady"]

    checks = run.checks()
    assert set(checks) == {"04.guaranteed", "04.greedy-fits"}
    for exercise, outcomes in checks.items():
        assert outcomes == [False, True], (exercise, outcomes)
    assert not lab.exists("Namespace", ns)

    again = run_notebook(NOTEBOOK, parameters=params)
    assert not again.errors() and again.checks() == checks
    assert again.last("phases") == ["Pending", "Running"]
    assert not lab.exists("Namespace", ns)
