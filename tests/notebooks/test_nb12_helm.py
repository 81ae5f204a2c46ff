"""Notebook 12 · Helm, executed against the live cluster."""

from __future__ import annotations

from tests.notebooks.harness import run_notebook, unique_namespace
from tests.notebooks.twice import run_again

NOTEBOOK = "12-helm.ipynb"


def test_nb12_runs_records_and_cleans_up(cluster):
    ns = unique_namespace("nb12")
    params = {"namespace": ns}
    run = run_notebook(NOTEBOOK, parameters=params)
    assert not run.errors()

    # helm template rendered the chart offline, with the values given, and created nothing.
    assert run.last("rendered_kinds") == ["ConfigMap", "Deployment", "Service"]
    assert run.last("rendered_replicas") == 5
    assert run.last("objects_before_install") == 0
    # install -> revision 1 with the chart's 2 replicas, recorded in one Secret.
    assert run.last("install_revision") == 1
    assert run.last("install_ready_pods") == 2
    assert run.last("release_secrets") == ["sh.helm.release.v1.web.v1"]
    # The chart's label, Helm's own annotations.
    assert run.last("helm_marks") == {
        "managed_by": "Helm",
        "annotations": ["meta.helm.sh/release-name", "meta.helm.sh/release-namespace"]}
    assert run.last("engine") == cluster.engine
    if cluster.engine == "kwok":
        assert run.last("greeting_v1") is None and run.last("greeting_v2") is None
    else:
        # Real containers: the variable the chart rendered, read inside a pod.
        assert run.last("greeting_v1") == "Hello from Helm!"
        assert run.last("greeting_v2") == "Bonjour from revision 2!"
    # upgrade from the values file -> revision 2; the new message replaced every pod.
    assert run.last("upgrade_revision") == 2
    assert run.last("upgrade_message") == "Bonjour from revision 2!"
    assert run.last("upgrade_pods") == 3
    assert run.last("pods_replaced") is True
    assert run.last("history_revisions") == [1, 2]
    assert run.last("values_v2") == {"replicaCount": 3, "message": "Bonjour from revision 2!"}
    # rollback -> a new revision 3 that restores revision 1's message.
    assert run.last("rollback_revision") == 3
    assert run.last("rollback_description") == "Rollback to 1"
    assert run.last("rollback_message") == "Hello from Helm!"
    # uninstall removed web's objects; the exercise's canary release stayed.
    assert run.last("web_objects_left") == 0
    assert run.last("releases_after_uninstall") == ["canary"]

    again = run_again(run, NOTEBOOK, params, {"12.upgrade-values", "12.second-release"})
    if again:
        assert again.last("history_revisions") == [1, 2]
