"""Notebook 14 · Operating a cluster, executed against the live cluster.

Quota, LimitRange, PodDisruptionBudget and eviction are enforced by the API
server on every engine; the NetworkPolicy is stored everywhere and enforced by
none of the lab's engines, which the host run proves with a real request.
"""

from __future__ import annotations

import k8slab as lab
from tests.notebooks.harness import run_notebook, run_second, second_run_wanted, unique_namespace

NOTEBOOK = "14-operating.ipynb"
EXERCISES = {"14.fit-limits"}


def test_nb14_runs_records_and_cleans_up(cluster):
    ns = unique_namespace("nb14")
    run = run_notebook(NOTEBOOK, parameters={"namespace": ns, "timeout": 120})
    assert not run.errors()

    # The LimitRange filled in what the web containers did not ask for.
    assert run.last("web_resources") == {"limits": {"cpu": "200m", "memory": "128Mi"},
                                         "requests": {"cpu": "50m", "memory": "32Mi"}}
    # The API server refused the batch pods, citing the LimitRange's max.
    assert any("maximum cpu usage per Container is 500m" in m
               for m in run.last("batch_refusals")), run.last("batch_refusals")
    # 3 web + 2 batch pods counted by the quota (the client comes later).
    assert run.last("quota_used_pods") == "5"
    # The budget: one eviction accepted, the next refused, accepted once healed.
    assert run.last("evictions") == [201, 429]
    assert run.last("eviction_retried") == 201

    assert run.last("engine") == cluster.engine
    if cluster.engine == "host":
        # The bridge plugin ignores NetworkPolicy: the unlabelled client got through.
        assert run.last("policy_bypassed") is True
    elif cluster.engine == "kwok":
        assert run.last("policy_bypassed") is False

    # The backup: the real etcdctl saved a snapshot; restored next to the lab, it
    # still holds the ConfigMap deleted from the live cluster after it was taken.
    if cluster.engine in ("kwok", "host"):
        assert run.last("etcd_backup") == {"live": False, "in_backup": True}

    checks = run.checks()
    assert set(checks) == EXERCISES
    for exercise, outcomes in checks.items():
        assert outcomes == [False, True], (exercise, outcomes)
    assert not lab.exists("Namespace", ns)

    if second_run_wanted():
        again = run_second(NOTEBOOK, parameters={"namespace": ns, "timeout": 120})
        assert not again.errors() and again.checks() == checks
        assert again.last("evictions") == [201, 429]
        assert not lab.exists("Namespace", ns)
