"""Notebook 13 · GitOps, executed against the live cluster."""

from __future__ import annotations

from pathlib import Path

import k8slab as lab
from tests.notebooks.harness import run_notebook, second_run_wanted, unique_namespace

NOTEBOOK = "13-gitops.ipynb"


def test_nb13_git_drives_the_cluster(cluster):
    ns = unique_namespace("nb13")
    params = {"namespace": ns, "solve_exercises": True, "sync_interval": 0.5}
    run = run_notebook(NOTEBOOK, parameters=params)
    assert not run.errors()
    dev_objects = run.last("dev_objects")
    assert "ConfigMap/debug" in dev_objects and "Deployment/web" in dev_objects
    assert any(o.startswith("ConfigMap/web-config-") for o in dev_objects)  # hashed name
    assert run.last("prod_replicas") == 3
    first = run.last("first_sync")
    assert sorted(first["applied"]) == sorted(dev_objects)
    assert run.last("web_revision") == first["revision"]
    assert run.last("drift") == [["Deployment/web", "spec.replicas", 1, 4]]
    assert run.last("replicas_after_drift") == 1
    assert run.last("image_after_bump") == "k8slab.local/web:2.0"
    assert run.last("image_after_revert") == "k8slab.local/web:1.0"
    page = run.last("page_after_bump")
    assert page["engine"] == cluster.engine
    if cluster.engine == "kwok":
        assert page["simulated"] is True  # kwok's simulated server, and it says so
    else:
        # a real container of the new image served its own page
        assert page == {"engine": cluster.engine, "simulated": False, "says_2": True}
    # initial sync, drift, exercise 1, bump, revert, exercise 2 (prune)
    assert run.last("history_reasons") == ["new revision", "drift"] + ["new revision"] * 4
    checks = run.checks()
    assert set(checks) == {"13.git-scale", "13.prune"}
    for exercise, outcomes in checks.items():
        assert outcomes == [False, True], (exercise, outcomes)
    assert not lab.exists("Namespace", ns)
    assert not Path(run.last("repo_path")).exists()

    if second_run_wanted():
        again = run_notebook(NOTEBOOK, parameters=params)
        assert not again.errors() and again.checks() == checks
        assert again.last("drift") == run.last("drift")
        assert again.last("repo_path") != run.last("repo_path")
        assert not lab.exists("Namespace", ns)
        assert not Path(again.last("repo_path")).exists()
