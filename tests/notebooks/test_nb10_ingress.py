"""Notebook 10 · Ingress, executed against the live cluster.

On an engine with containers (the host engine here) the notebook starts a
real Traefik and every request goes through it: the assertions read the echo
servers' answers, which name the Service and pod that served each request and
the Traefik pod that relayed it. On kwok no controller can run: the routing is
simulated by k8slab.ingress and each row says so.
"""

from __future__ import annotations

import k8slab as lab
from tests.notebooks.harness import run_notebook, unique_namespace
from tests.notebooks.twice import run_again

NOTEBOOK = "10-ingress.ipynb"
EXERCISES = {"10.fanout", "10.host"}


def _assert_real_routing(run) -> None:
    # A real Traefik, asked for its version, took the Ingress in charge.
    assert run.last("controller_version") == "v3.7.13"
    assert "traefik" in run.last("ingress_classes")
    assert run.last("addresses_after") == ["127.0.0.1"]
    assert run.last("first_services") == ["app1", "app1"]
    vias = run.last("trip_via")
    through = run.last("trip_through")
    assert all(t.startswith("traefik (traefik-") for t in through)
    traefik_pod = through[0][len("traefik ("):-1]
    # Every routed answer came through that Traefik pod (X-Forwarded-Server).
    assert [v for v in vias if v] == [traefik_pod] * 4
    # /app1/whoami, /app1/hello -> app1; /app2/orders -> app2; /app10 -> Traefik's 404
    # (strict, element-wise prefixes);
    # shop.k8slab.test/app2/whoami -> app1 (the host rule of `single` wins).
    assert run.last("trip_services") == ["app1", "app1", "app2", "", "app1"]
    assert run.last("trip_statuses") == [200, 200, 200, 404, 200]
    pods = run.last("trip_pods")
    assert pods[0].startswith("app1-") and pods[1].startswith("app1-")
    assert pods[2].startswith("app2-") and pods[3] == "" and pods[4].startswith("app1-")
    # The pods that answered are pods of the right Deployment in this namespace.
    app_pods = run.last("app_pods")
    assert {pods[0], pods[1], pods[4]} <= set(app_pods["app1"])
    assert pods[2] in app_pods["app2"]
    # Paths reach the pods unchanged.
    assert run.last("trip_received") == ["/app1/whoami", "/app1/hello", "/app2/orders", "",
                                         "/app2/whoami"]
    assert run.last("host_services") == ["app2", "app2", "app1"]
    assert run.last("host_statuses") == [200, 200, 200]
    # Gateway API: accepted by Traefik; URLRewrite stripped /shop; and the Ingress
    # `fanout` (no host) still answers /app1 for the HTTPRoute's host: one table.
    assert ["Accepted", "True"] in run.last("route_conditions")
    assert run.last("gateway_services") == ["app1", "app2", "app1"]
    assert run.last("gateway_received") == ["/whoami", "/orders/7", "/app1"]
    assert run.last("gateway_statuses") == [200, 200, 200]


def _assert_simulated_routing(run) -> None:
    assert run.last("controller_version") is None
    assert run.last("addresses_after") == []
    assert all(t == "simulated (k8slab.ingress.route)" for t in run.last("trip_through"))
    assert run.last("trip_services") == ["app1", "app1", "app2", "", "app1"]
    # kwok's simulated server answers any path, and says it is simulated.
    assert run.last("trip_statuses") == [200, 200, 200, 404, 200]
    assert run.last("trip_via") == [""] * 5
    assert run.last("host_services") == ["app2", "app2", "app1"]
    assert run.last("route_conditions") == []  # stored, never read by a controller


def test_nb10_routes_requests_and_cleans_up(cluster):
    ns = unique_namespace("nb10")
    params = {"namespace": ns, "address_wait": 2}
    run = run_notebook(NOTEBOOK, parameters=params)
    assert not run.errors()
    assert run.last("engine") == cluster.engine
    # Before the controller: the Ingress is stored, never served.
    assert run.last("load_balancer") == {}
    assert run.last("addresses_before") == []
    route = run.last("route_app2")
    assert route["ingress"] == "fanout" and route["service"] == "app2"
    assert route["path"] == "/app2" and route["path_type"] == "Prefix"
    assert run.last("path_matches") == [True, True, True, False, True, False, True]
    assert run.last("gateway_api") == "v1.6.1"
    if cluster.engine == "kwok":
        _assert_simulated_routing(run)
    else:
        _assert_real_routing(run)
    assert run.last("bindings_left") == []

    def cleaned() -> None:
        assert not lab.exists("Namespace", ns)
        assert not lab.exists("ClusterRoleBinding", f"k8slab-traefik-{ns}")

    again = run_again(run, NOTEBOOK, params, EXERCISES, cleaned=cleaned)
    if again:
        assert again.last("trip_statuses") == run.last("trip_statuses")
        assert again.last("trip_services") == run.last("trip_services")
