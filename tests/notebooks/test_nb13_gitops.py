"""Notebook 13 · GitOps with Flux, executed against the live cluster.

Flux's real source-controller and kustomize-controller reconcile the
notebook's repository, served by ``git http-backend`` on 127.0.0.1; what is
asserted below is what they reported and what they applied.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import k8slab as lab
from k8slab._binaries import catalog as _tools
from k8slab._runners import flux as _flux
from tests.notebooks.harness import run_notebook, unique_namespace
from tests.notebooks.twice import run_again

NOTEBOOK = "13-gitops.ipynb"


@pytest.fixture(scope="module", autouse=True)
def flux_binaries():
    """Build the controllers before the notebook runs (once, cached): not inside a cell."""
    _tools.ensure(list(_flux.CONTROLLERS))
    _flux.ensure_crds()


def test_nb13_flux_drives_the_cluster(cluster):
    ns = unique_namespace("nb13")
    params = {"namespace": ns, "interval": "5s"}
    run = run_notebook(NOTEBOOK, parameters=params)
    assert not run.errors()
    assert run.last("flux_versions") == {"source-controller": _tools.FLUX_VERSION,
                                         "kustomize-controller": _tools.FLUX_VERSION}
    dev_objects = run.last("dev_objects")
    assert "ConfigMap/debug" in dev_objects and "Deployment/web" in dev_objects
    assert any(o.startswith("ConfigMap/web-config-") for o in dev_objects)  # hashed name
    assert run.last("prod_replicas") == 3
    first = run.last("first_sync")
    assert first["revision"].startswith("main@sha1:") and len(first["revision"]) == 50
    assert first["inventory"] == sorted(dev_objects)     # Flux applied what kustomize renders
    assert run.last("web_owner") == "kustomize-controller"
    # a change by hand, then Flux's next pass gives the field back to git
    assert run.last("drift_owner") == "k8slab"
    assert run.last("replicas_after_drift") == 1
    assert run.last("owner_after_drift") == "kustomize-controller"
    assert run.last("image_after_bump") == "k8slab.local/web:2.0"
    assert run.last("image_after_revert") == "k8slab.local/web:1.0"
    page = run.last("page_after_bump")
    assert page["engine"] == cluster.engine
    if cluster.engine == "kwok":
        assert page["simulated"] is True  # kwok's simulated server, and it says so
    else:
        # a real container of the new image served its own page
        assert page == {"engine": cluster.engine, "simulated": False, "says_2": True}
    after_prune = run.last("inventory_after_prune")
    assert "ConfigMap/debug" not in after_prune and "Deployment/web" in after_prune
    assert run.last("drift_pass") == {"time": run.last("drift_pass")["time"],
                                      "revision": first["revision"][:17],
                                      "reason": "drift corrected",
                                      "changes": "Deployment/web configured"}
    # kustomize-controller's own log: first sync, the drift, exercise 1, bump, revert, prune
    history = run.last("history")
    assert [r for r, _ in history] == ["new revision", "drift corrected"] + ["new revision"] * 4
    assert all("Deployment/web configured" in c for _, c in history[1:5])
    assert "ConfigMap/debug deleted" in history[-1][1]
    assert run.last("left_after_uninstall") == []              # Flux garbage-collected

    def cleaned() -> None:
        assert not lab.exists("Namespace", ns)
        assert not _flux.running()          # the clean-up stopped Flux and the git server

    assert not Path(run.last("repo_path")).exists()
    again = run_again(run, NOTEBOOK, params, {"13.git-scale", "13.prune"}, cleaned=cleaned)
    if again:
        assert again.last("replicas_after_drift") == 1
        assert again.last("first_sync")["inventory"] == first["inventory"]
        assert again.last("repo_path") != run.last("repo_path")
        assert not Path(again.last("repo_path")).exists()
