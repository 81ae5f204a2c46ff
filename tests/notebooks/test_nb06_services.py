"""Notebook 06 · Services, executed against the live cluster.

On the host engine real nginx answers through the port-forward and names its
pod, and a client pod reaches the Service by name (CoreDNS, kube-proxy) and
by the node port. On kwok the answers are simulated and say so, and nothing
is sent from inside the cluster.
"""

from __future__ import annotations

from tests.notebooks.harness import run_notebook, unique_namespace
from tests.notebooks.twice import run_again

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
    # The API server allocated the node port (no fixed number to collide on).
    assert run.last("nodeport_type") == "NodePort"
    assert 30000 <= run.last("node_port") <= 32767

    if cluster.engine == "kwok":
        assert "simulated by the k8slab kwok cluster" in run.last("http_body")
        assert "simulated by the k8slab kwok cluster" in run.last("hello")
        assert run.last("hello_pod") is None
        assert run.last("in_cluster_answers") == 0 and run.last("in_cluster_pods") == []
        assert run.last("via_node_port") == ""
    else:
        # Real nginx: its page, and /hello naming the pod the client picked.
        assert "<h1>web 1.0</h1>" in run.last("http_body")
        assert run.last("hello") == f"Hello from {run.last('hello_pod')} (web 1.0)"
        assert run.last("hello_pod") in after
        # From the client pod: DNS gives the ClusterIP, kube-proxy a ready endpoint.
        assert run.last("dns_answer_has_cluster_ip") is True
        assert run.last("in_cluster_answers") == 6
        assert run.last("in_cluster_pods") and set(run.last("in_cluster_pods")) <= set(after)
        assert run.last("via_node_port").startswith("Hello from web-")
        assert run.last("via_node_port").split()[2] in after

    assert run.last("storefront_endpoints") == 0
    assert "app=web-frontend matches no pod" in run.last("storefront_diagnosis")
    assert "No running pod behind service/storefront" in run.last("storefront_error")
    assert run.last("services") == ["frontend", "shop", "storefront", "web", "web-nodeport"]

    # Pods that run but fail their readiness probe are no endpoint (nginx, or kwok, says 404).
    assert run.last("shop_ready_endpoints") == 0
    assert run.last("shop_unhealthy_message").startswith(
        "Readiness probe failed: HTTP probe failed with statuscode: 404")
    assert ("(simulated by kwok" in run.last("shop_unhealthy_message")) is \
        (cluster.engine == "kwok")

    again = run_again(run, NOTEBOOK, params, {"06.frontend", "06.fix-selector", "06.readiness"})
    if again:
        assert 30000 <= again.last("node_port") <= 32767
