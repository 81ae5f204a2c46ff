"""Notebook 07 · More workloads, executed against the live cluster.

On the host engine Job pods really run their command (real logs), each
StatefulSet pod keeps a real directory from the real provisioner, and DNS
answers for its pods. On kwok the same controllers act on simulated pods.
"""

from __future__ import annotations

import re

import k8slab as lab
from tests.notebooks.harness import run_notebook, unique_namespace
from tests.notebooks.twice import run_again

NOTEBOOK = "07-workloads.ipynb"
EXERCISES = {"07.scale-web", "07.parallel-job", "07.cronjob-now", "07.unbound"}


def _volumes_of(namespace: str) -> list[str]:
    """PersistentVolumes still bound, or once bound, to claims of ``namespace``."""
    return [v["metadata"]["name"] for v in lab.list("PersistentVolume")
            if (v["spec"].get("claimRef") or {}).get("namespace") == namespace]


def _assert_cleaned_up(namespace: str) -> None:
    assert not lab.exists("Namespace", namespace)
    assert _volumes_of(namespace) == [], "the clean-up left provisioned volumes behind"


def test_nb07_runs_records_and_cleans_up(cluster):
    ns = unique_namespace("nb07")
    params = {"namespace": ns, "solve_exercises": True}
    run = run_notebook(NOTEBOOK, parameters=params)
    assert not run.errors()

    # StatefulSet: ordered start, one claim per pod, stable identity.
    assert run.last("sts_sequence") == ["web-0 created", "web-0 Running", "web-1 created",
                                        "web-1 Running", "web-2 created", "web-2 Running"]
    assert run.last("claims") == ["data-web-0", "data-web-1", "data-web-2"]
    assert run.last("headless_cluster_ip") == "None"
    assert run.last("dns_hostnames") == ["web-0", "web-1", "web-2"]
    assert run.last("replaced_same_name") is True
    assert run.last("replaced_new_uid") is True
    assert run.last("replaced_same_claim") is True
    assert run.last("claims_after_scale_down") == ["data-web-0", "data-web-1", "data-web-2"]
    assert run.last("web2_same_volume") is True

    # DaemonSet: one pod on each of the cluster's nodes (none is tainted in the lab).
    nodes = sorted(n["metadata"]["name"] for n in lab.list("Node"))
    assert run.last("daemonset_pods_per_node") == {node: 1 for node in nodes}
    assert {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"} \
        <= set(run.last("agent_tolerations"))

    if cluster.engine == "kwok":
        assert len(nodes) == 2
        assert run.last("provisioners") == ["k8slab.io/kwok-volume"]
        assert run.last("dns_resolves_web1") is None
        assert run.last("web1_page_after_replace") is None
        assert "simulated" in run.last("job_log") and "simulated" in run.last("agent_log")
    else:
        assert len(nodes) == 1
        # A real provisioner, a real disk: the page written by the old web-1 is served
        # by the new one; cluster DNS answers with the pod's own address.
        assert run.last("provisioners") == ["k8slab.io/host-path"]
        assert run.last("web1_page_after_replace") == "the data of web-1"
        assert run.last("dns_resolves_web1") is True
        # The containers really ran their commands.
        assert run.last("job_log") == "processing one piece of work"
        assert run.last("agent_log").startswith(f"collecting metrics of {nodes[0]}")

    # Jobs and CronJobs.
    assert run.last("job_succeeded") == 4
    assert run.last("job_most_active") == 2
    assert run.last("deadline_reason") == "DeadlineExceeded"
    kept = run.last("cronjob_jobs_kept")
    assert "report-run-2" in kept and "report-run-1" not in kept, kept
    # A run at 03:00 UTC meets the real schedule ("0 3 * * *"): the CronJob controller
    # then makes its own Job, named report-<minutes since the epoch>, for 03:00.
    scheduled = [name for name in kept if name != "report-run-2"]
    assert all(re.fullmatch(r"report-\d+", name) and int(name[7:]) * 60 % 86400 == 3 * 3600
               for name in scheduled), kept
    assert run.last("manual_job_owner") == "CronJob/report"

    # A claim for a class the cluster lacks: Pending, said by the volume controller;
    # volumeClaimTemplates are immutable; the fixed claim gets the default class.
    assert run.last("cache_claim_phase") == "Pending"
    assert "ProvisioningFailed" in run.last("cache_claim_reasons")
    assert "Forbidden" in run.last("cache_update_refused")
    default = [c["metadata"]["name"] for c in lab.list("StorageClass")
               if (c["metadata"].get("annotations") or {})
               .get("storageclass.kubernetes.io/is-default-class") == "true"]
    assert [run.last("cache_claim_class")] == default
    if cluster.engine == "kwok":
        assert run.last("cache_ping").startswith("(kwok")
    else:
        assert run.last("cache_ping") == "PONG"

    again = run_again(run, NOTEBOOK, params, EXERCISES, cleaned=lambda: _assert_cleaned_up(ns))
    if again:
        assert again.last("sts_sequence") == run.last("sts_sequence")
