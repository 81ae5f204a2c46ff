"""Notebook 10 · Ingress, executed against the live cluster."""

from __future__ import annotations

import k8slab as lab
from tests.notebooks.harness import run_notebook, unique_namespace

NOTEBOOK = "10-ingress.ipynb"


def test_nb10_routes_requests_and_cleans_up(cluster):
    ns = unique_namespace("nb10")
    params = {"namespace": ns, "solve_exercises": True, "address_wait": 2}
    run = run_notebook(NOTEBOOK, parameters=params)
    assert not run.errors()
    # No controller on the lab cluster: the Ingress is stored, never served.
    if cluster.engine == "kwok":
        assert run.last("ingress_classes") == []
        assert run.last("load_balancer") == {}
        assert run.last("addresses_after_wait") == []
    route = run.last("route_app2")
    assert route["ingress"] == "fanout" and route["service"] == "app2"
    assert route["path"] == "/app2" and route["path_type"] == "Prefix"
    assert run.last("app2_status") == 200
    # /app1, /app1/cart -> app1; /app2/orders -> app2; /apple -> 404;
    # shop.k8slab.test/app2 -> app1 (the host rule of `single` wins).
    assert run.last("trip_services") == ["app1", "app1", "app2", "", "app1"]
    assert run.last("trip_statuses") == [200, 200, 200, 404, 200]
    assert run.last("path_matches") == [True, True, True, False, True, False, True]
    assert run.last("host_services") == ["app2", "app2", "app1"]
    checks = run.checks()
    assert set(checks) == {"10.fanout", "10.host"}
    for exercise, outcomes in checks.items():
        assert outcomes == [False, True], (exercise, outcomes)
    assert not lab.exists("Namespace", ns)

    again = run_notebook(NOTEBOOK, parameters=params)
    assert not again.errors() and again.checks() == checks
    assert again.last("trip_statuses") == run.last("trip_statuses")
    assert not lab.exists("Namespace", ns)
