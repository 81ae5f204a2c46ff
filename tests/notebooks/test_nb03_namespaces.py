"""Notebook 03 · Namespaces, executed against the live cluster.

Namespaces behave the same on every engine; what the scratch namespace's
Redis pods print does not, and is asserted per engine: Redis's own
"Ready to accept connections" on a real node, KWOK's simulated log on kwok.
"""

from __future__ import annotations

import k8slab as lab
from tests.notebooks.harness import run_notebook, unique_namespace
from tests.notebooks.twice import run_again

NOTEBOOK = "03-namespaces.ipynb"
BUILTIN = ["default", "kube-node-lease", "kube-public", "kube-system"]


def _assert_all_gone(ns: str) -> None:
    """The notebook's namespace, its siblings and its PersistentVolume are deleted."""
    assert not lab.exists("Namespace", ns)
    for sibling in (f"{ns}-dev", f"{ns}-prod", f"{ns}-scratch"):
        lab.wait("Namespace", sibling, until="deleted", timeout=90)
        assert not lab.exists("Namespace", sibling)
    lab.wait("PersistentVolume", f"{ns}-archive", until="deleted", timeout=30)
    assert not lab.exists("PersistentVolume", f"{ns}-archive")


def test_nb03_runs_records_and_cleans_up(cluster):
    ns = unique_namespace("nb03")
    dev, prod = f"{ns}-dev", f"{ns}-prod"
    params = {"namespace": ns, "timeout": 60}
    run = run_notebook(NOTEBOOK, parameters=params)
    assert not run.errors()

    assert run.last("builtin_namespaces") == BUILTIN
    assert run.last("fresh_namespace_contents") == ["ConfigMap/kube-root-ca.crt",
                                                    "ServiceAccount/default"]
    # Label selectors found exactly this run's namespaces.
    assert run.last("owned_namespaces") == sorted([ns, dev, prod])
    assert run.last("dev_or_prod") == sorted([dev, prod])
    # Scope.
    assert run.last("root_ca_in_ours") is True
    assert run.last("namespaced") == {"Pod": True, "ConfigMap": True, "Secret": True,
                                      "Node": False, "PersistentVolume": False,
                                      "Namespace": False}
    # Deleting a namespace takes its contents, not cluster-scoped objects.
    before = run.last("scratch_before")
    assert before["Deployment"] == 1 and before["ReplicaSet"] == 1 and before["Pod"] == 2
    assert before["Service"] == 1 and before["EndpointSlice"] >= 1 and before["Secret"] == 1
    assert before["ConfigMap"] == 2 and before["ServiceAccount"] == 1
    if cluster.engine == "kwok":   # KWOK serves a log that says it is simulated
        assert run.last("cache_log_simulated") is True and run.last("cache_log_real") is False
    else:                          # Redis really started and said so
        assert run.last("cache_log_real") is True and run.last("cache_log_simulated") is False
    assert run.last("phase_after_delete") == "Terminating"
    assert run.last("create_while_terminating") == 403
    assert run.last("last_change") == "DELETED"
    assert set(run.last("scratch_after").values()) == {0}
    assert run.last("scratch_exists") is False
    assert run.last("archive_survived") is True

    again = run_again(run, NOTEBOOK, params, {"03.prod-namespace", "03.same-name"},
                      cleaned=lambda: _assert_all_gone(ns))
    if again:
        assert again.last("scratch_before") == before
