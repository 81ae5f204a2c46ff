"""Notebook 06 · Services, executed against the live cluster."""

from __future__ import annotations

import k8slab as lab
from tests.notebooks.harness import run_notebook, unique_namespace

NOTEBOOK = "06-services.ipynb"


def test_nb06_runs_records_and_cleans_up(cluster):
    ns = unique_namespace("nb06")
    params = {"namespace": ns, "solve_exercises": True}
    run = run_notebook(NOTEBOOK, parameters=params)
    assert not run.errors()

    before, after = run.last("endpoints_before"), run.last("endpoints_after")
    assert len(before) == 3 and len(after) == 3
    assert all(name.startswith("web-") for name in before + after)
    assert not set(before) & set(after), "the Service should list the replacement pods"
    assert run.last("cluster_ip") and run.last("cluster_ip_after") == run.last("cluster_ip")

    assert run.last("http_status") == 200 and run.last("port_forward_status") == 200
    assert run.last("http_simulated") is (cluster.engine == "kwok")
    assert run.last("nodeport_type") == "NodePort" and run.last("node_port") == 30080

    assert run.last("storefront_endpoints") == 0
    assert "app=web-frontend matches no pod" in run.last("storefront_diagnosis")
    assert "No running pod behind service/storefront" in run.last("storefront_error")
    assert run.last("services") == ["frontend", "storefront", "web", "web-nodeport"]

    checks = run.checks()
    assert set(checks) == {"06.frontend", "06.fix-selector"}
    for exercise, outcomes in checks.items():
        assert outcomes == [False, True], (exercise, outcomes)
    assert not lab.exists("Namespace", ns)

    again = run_notebook(NOTEBOOK, parameters=params)
    assert not again.errors() and again.checks() == checks
    assert again.last("node_port") == 30080
    assert not lab.exists("Namespace", ns)
