"""Notebook 10 · Ingress, executed against the live cluster."""

from __future__ import annotations

import k8slab as lab
from tests.notebooks.harness import run_notebook, second_run_wanted, unique_namespace

NOTEBOOK = "10-ingress.ipynb"


def test_nb10_routes_requests_and_cleans_up(cluster):
    ns = unique_namespace("nb10")
    params = {"namespace": ns, "solve_exercises": True, "address_wait": 2}
    run = run_notebook(NOTEBOOK, parameters=params)
    assert not run.errors()
    assert run.last("engine") == cluster.engine
    # No controller on either lab engine: the Ingress is stored, never served.
    assert run.last("ingress_classes") == []
    assert run.last("load_balancer") == {}
    assert run.last("addresses_after_wait") == []
    route = run.last("route_app2")
    assert route["ingress"] == "fanout" and route["service"] == "app2"
    assert route["path"] == "/app2" and route["path_type"] == "Prefix"
    # /app1/whoami, /app1/hello -> app1; /app2/whoami -> app2; /apple -> 404;
    # shop.k8slab.test/app2/whoami -> app1 (the host rule of `single` wins).
    assert run.last("trip_services") == ["app1", "app1", "app2", "", "app1"]
    # The prefix is stripped (strip_prefix=True), except under the rule "/".
    assert run.last("trip_sent") == ["/whoami", "/hello", "/whoami", "", "/app2/whoami"]
    assert run.last("path_matches") == [True, True, True, False, True, False, True]
    assert run.last("host_services") == ["app2", "app2", "app1"]
    answers = run.last("trip_answers")
    assert answers[3] == "no rule: 404 from the controller"
    if cluster.engine == "kwok":
        # kwok's simulated server answers any path, and says it is simulated.
        assert run.last("app2_status") == 200 and run.last("app2_simulated") is True
        assert run.last("trip_statuses") == [200, 200, 200, 404, 200]
        assert run.last("host_statuses") == [200, 200, 200]
        assert [a for i, a in enumerate(answers) if i != 3] == \
            ["simulated by kwok (no container)"] * 4
    else:
        # Real nginx: it knows no /app2/orders, the route was right all the same.
        assert run.last("app2_status") == 404 and run.last("app2_simulated") is False
        assert run.last("trip_statuses") == [200, 200, 200, 404, 404]
        # The pod that answered names itself and the Host header it got.
        assert answers[0].startswith("pod=app1-") and "host=k8slab.test uri=/whoami" in answers[0]
        assert answers[1].startswith("Hello from app1-") and "(web 1.0)" in answers[1]
        assert answers[2].startswith("pod=app2-")
        assert answers[4] == "404 Not Found"
        assert run.last("host_statuses") == [200, 404, 200]
    checks = run.checks()
    assert set(checks) == {"10.fanout", "10.host"}
    for exercise, outcomes in checks.items():
        assert outcomes == [False, True], (exercise, outcomes)
    assert not lab.exists("Namespace", ns)

    if second_run_wanted():
        again = run_notebook(NOTEBOOK, parameters=params)
        assert not again.errors() and again.checks() == checks
        assert again.last("trip_statuses") == run.last("trip_statuses")
        assert not lab.exists("Namespace", ns)
