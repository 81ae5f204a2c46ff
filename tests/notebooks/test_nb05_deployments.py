"""Notebook 05 · Deployments, executed against the live cluster.

On the host engine the containers are real: nginx answers with its version
and pod name, Redis really hangs and the kubelet really restarts it. On kwok
the same story is told by kwok's simulated answers, which say so.
"""

from __future__ import annotations

import re

import k8slab as lab
from tests.notebooks.harness import run_notebook, unique_namespace
from tests.notebooks.twice import run_again

NOTEBOOK = "05-deployments.ipynb"
HELLO = re.compile(r"^Hello from (web-[a-z0-9]+-[a-z0-9]+) \(web (\d\.\d)\)$")


def _hello_version(answer: str) -> str:
    match = HELLO.match(answer)
    assert match, f"not an answer of the web image: {answer!r}"
    return match.group(2)


def test_nb05_runs_records_and_cleans_up(cluster):
    ns = unique_namespace("nb05")
    params = {"namespace": ns}
    run = run_notebook(NOTEBOOK, parameters=params)
    assert not run.errors()

    assert run.last("ready_replicas") == 3
    assert run.last("owner_kinds") == ["Pod", "ReplicaSet", "Deployment"]
    assert run.last("replacements") == 2
    assert run.last("healing_min_ready") < 3
    assert run.last("replicas_after_slider") == 5
    assert run.last("replicas_after_apply") == 3
    # maxSurge 1, maxUnavailable 0 for 3 replicas: never below 3 available, never above 4 pods.
    assert run.last("rollout_min_available") == 3
    assert run.last("rollout_max_pods") == 4
    assert run.last("revisions") == {"k8slab.local/web:1.0": "1",
                                     "k8slab.local/web:2.0": "2"}
    assert run.last("serving_rs_is_first") is True
    assert run.last("serving_revision") == "3"
    # A request no node can satisfy: the real scheduler says so, the rollout waits, the fix ends it.
    assert "FailedScheduling" in run.last("stuck_reasons")
    assert run.last("unstuck_image") == "k8slab.local/web:2.0"
    assert run.last("unstuck_pending") == 0
    # The liveness probe restarted the database container once, in the same pod.
    assert run.last("db_restarts") == 1
    assert run.last("db_unhealthy_events") >= 1
    # Redis stops cleanly on the kubelet's SIGTERM (kwok imitates it).
    assert run.last("db_last_exit_code") == 0
    assert run.last("db_last_reason") == "Completed"

    if cluster.engine == "kwok":
        assert run.last("hello_simulated") is True
        for name in ("hello_before_update", "hello_after_update", "hello_after_rollback"):
            assert "simulated by the k8slab kwok cluster" in run.last(name)
        assert run.last("db_killing_events") == 0
        assert all("(simulated by kwok)" in m for m in run.last("db_unhealthy_messages"))
        assert run.last("db_ping_after_restart").startswith("(kwok")
    else:
        # Real nginx answers, through the API server, with its version and pod name.
        assert run.last("hello_simulated") is False
        assert _hello_version(run.last("hello_before_update")) == "1.0"
        assert _hello_version(run.last("hello_after_update")) == "2.0"
        assert _hello_version(run.last("hello_after_rollback")) == "1.0"
        # The real kubelet killed the container after the failed probes, and Redis is back.
        assert run.last("db_killing_events") >= 1
        assert any(m.startswith('Liveness probe failed: command timed out: "redis-cli ping"')
                   for m in run.last("db_unhealthy_messages"))
        assert run.last("db_ping_after_restart") == "PONG"

    # A typo'd command: CrashLoopBackOff after a StartError (exit 128), on kwok as on a node.
    assert run.last("worker_waiting_reason") == "CrashLoopBackOff"
    assert run.last("worker_last_exit_code") == 128

    again = run_again(run, NOTEBOOK, params, {"05.scale", "05.rollback", "05.unstuck",
                                                 "05.fix-crash"})
    if again:
        assert again.last("serving_revision") == "3"


def test_nb05_scale_check_refuses_an_imperative_scale(cluster, ns):
    """The 'declaratively' exercise fails when only the slider (kubectl scale) did it."""
    from k8slab.exercises import run_check

    text = str(lab.manifest("manifests/05-deployments-web.yaml"))
    lab.apply(text, ns)
    lab.scale("Deployment", "web", ns, 4)
    lab.wait("Deployment", "web", ns, timeout=60)
    imperative = run_check("05.scale", ns)
    assert not imperative.passed and "imperatively" in imperative.message
    lab.apply(text.replace("replicas: 3", "replicas: 4"), ns)
    lab.wait("Deployment", "web", ns, timeout=60)
    assert run_check("05.scale", ns).passed
