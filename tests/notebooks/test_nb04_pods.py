"""Notebook 04 · Pods, executed against the live cluster.

What only a container can produce is asserted per engine. On the host engine:
the kubelet's Pulled/Created/Started Events, nginx's own log (its version and
the access line of the request the notebook sent), ``uid=101(nginx)`` from
exec, the port threshold the host engine's containerd sets in pods, and the
manifest's limits in the container's cgroup. On kwok: no kubelet Events,
KWOK's simulated log and page, exec as ``nobody`` in the sandbox.
"""

from __future__ import annotations

from tests.notebooks.harness import run_notebook, unique_namespace
from tests.notebooks.twice import run_again

NOTEBOOK = "04-pods.ipynb"


def _assert_inside(run, cluster) -> None:
    """Events, logs, the web answer and exec: real on a real node, simulated on kwok."""
    reasons = set(run.last("web_event_reasons"))
    output = run.last("exec_output")
    assert "uid=" in output
    if cluster.engine == "kwok":
        assert reasons == {"Scheduled"}
        assert run.last("logs_simulated") is True and run.last("log_names_nginx") is False
        assert "simulated" in run.last("hello_answer")
        assert "simulated" in run.last("last_log_line")
        assert "uid=65534(nobody)" in output and "README.txt" in output
        assert run.last("port_start") is None and run.last("cgroup_limits") is None
        return
    assert {"Scheduled", "Pulled", "Created", "Started"} <= reasons
    assert run.last("logs_simulated") is False and run.last("log_names_nginx") is True
    assert run.last("hello_answer").startswith("Hello from web (web 1.0)")
    assert '"GET /hello HTTP/1.1" 200' in run.last("last_log_line")
    assert output.startswith("uid=101(nginx)") and "README.txt" not in output
    # limits.cpu 500m and limits.memory 128Mi, as the kernel enforces them.
    assert run.last("cgroup_limits") == ["50000", "100000", "134217728"]
    if cluster.engine == "host":  # its containerd lets non-root pods bind low ports
        assert run.last("port_start") == "0"
    else:
        assert run.last("port_start") in {"0", "1024"}


def test_nb04_runs_records_and_cleans_up(cluster):
    ns = unique_namespace("nb04")
    params = {"namespace": ns, "quiet_period": 3}
    run = run_notebook(NOTEBOOK, parameters=params)
    assert not run.errors()

    assert run.last("phases") == ["Pending", "Running"]
    assert run.last("node")
    assert run.last("qos_class") == "Burstable"
    first_uid, second_uid = run.last("uids")
    assert first_uid and second_uid and first_uid != second_uid
    assert all(run.last("ips"))
    _assert_inside(run, cluster)
    assert run.last("recreated_after_delete") == 0
    assert run.last("web_exists_after_delete") is False
    assert run.last("greedy_phase") == "Pending"
    assert run.last("greedy_event_reason") == "FailedScheduling"
    assert run.last("greedy_diagnosis").startswith("no node fits the pod")
    assert "Insufficient cpu" in run.last("greedy_diagnosis")
    assert run.last("resize_refused_status") == 422
    assert run.last("pods") == ["greedy", "shop", "steady"]
    assert run.last("shop_phase") == "Pending"
    assert run.last("shop_waiting_reason") in {"ErrImagePull", "ImagePullBackOff"}

    again = run_again(run, NOTEBOOK, params, {"04.guaranteed", "04.greedy-fits",
                                                 "04.fix-image"})
    if again:
        assert again.last("phases") == ["Pending", "Running"]
        _assert_inside(again, cluster)
