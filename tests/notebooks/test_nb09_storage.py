"""Notebook 09 · Storage, executed against the live cluster."""

from __future__ import annotations

from pathlib import Path

import k8slab as lab
from k8slab._base.paths import state_dir as lab_state
from k8slab._views.storage import volumes_of
from tests.notebooks.harness import run_notebook, unique_namespace
from tests.notebooks.twice import run_again

NOTEBOOK = "09-storage.ipynb"
EXERCISES = {"09.claim-spare", "09.reuse-claim", "09.claim-name"}


def _assert_cleaned_up(namespace: str, engine: str) -> None:
    assert not lab.exists("Namespace", namespace)
    # Nothing written outside the lab's state folder, and the hand-made folders removed.
    assert not Path("/var/lib/k8slab-volumes", namespace).exists()
    if engine == "host":
        assert not (lab_state() / "node" / "volumes" / "manual" / namespace).exists()
    # PersistentVolumes are cluster-wide: the clean-up cell must delete them itself.
    assert volumes_of(namespace) == []
    assert not lab.exists("PersistentVolume", f"{namespace}-archive")
    assert not lab.exists("PersistentVolume", f"{namespace}-spare")


def test_nb09_runs_records_and_cleans_up(cluster):
    ns = unique_namespace("nb09")
    params = {"namespace": ns, "solve_exercises": True}
    run = run_notebook(NOTEBOOK, parameters=params)
    assert not run.errors()

    assert run.last("scratch_mounts") == {"producer": [["work", "/work", False]],
                                          "consumer": [["work", "/input", True]]}
    # Static provisioning: the claim got the reserved volume, all of it.
    assert run.last("archive_volume") == f"{ns}-archive"
    assert run.last("archive_capacity") == "1Gi"
    assert run.last("spare_access_modes") == ["ReadWriteMany"]
    # Dynamic provisioning through the default class.
    storageclass = run.last("storageclass")
    assert storageclass["default"] is True and storageclass["reclaimPolicy"] == "Delete"
    assert storageclass["provisioner"]
    # The claim named no class: the API server gave it the default one.
    assert run.last("data_claim_class") == storageclass["name"]
    assert run.last("dynamic_volume") == {"class": storageclass["name"], "reclaim": "Delete",
                                          "named_after_claim": True}
    # The claim and its volume outlive the pods that mount them.
    assert run.last("claim_after_pod_deleted") == {"phase": "Bound", "same_volume": True}
    assert run.last("reader_same_volume") is True
    # A pod naming a claim that does not exist: the real scheduler refuses it.
    assert run.last("auditor_phase") == "Pending"
    assert any('persistentvolumeclaim "data-claim" not found' in m
               for m in run.last("auditor_unschedulable")), run.last("auditor_unschedulable")
    # Deleting claims: protection while in use, then Retain versus Delete.
    assert run.last("protected_claim") == {"deleting": True,
                                           "finalizers": ["kubernetes.io/pvc-protection"],
                                           "phase": "Bound"}
    assert run.last("retained_volume_phase") == "Released"
    assert run.last("deleted_volume_gone") is True

    assert run.last("engine") == cluster.engine
    if cluster.engine == "kwok":
        # No container, no folder: the notebook says so and reads nothing from disk.
        assert "scratch_consumer_sees" not in run.records
        assert run.last("data_on_disk") is None
        assert "[kwok]" in run.last("reader_log")  # kwok's simulated log says it is
        assert run.last("storageclass")["provisioner"] != "k8slab.io/host-path"
    else:
        # Real containers share a real emptyDir; the consumer's mount is read-only.
        seen = run.last("scratch_consumer_sees")
        assert seen["lines"] >= 1 and seen["read_only"] is True
        # The second pod reads what the first wrote, on the same real volume.
        assert run.last("reader_log") == "written by the first pod"
    if cluster.engine == "host":
        assert run.last("storageclass")["provisioner"] == "k8slab.io/host-path"
        assert run.last("data_on_disk") == "written by the first pod"
        assert run.last("retained_data") is True      # Retain kept the folder and its file
        assert run.last("deleted_folder_gone") is True  # Delete removed the folder

    again = run_again(run, NOTEBOOK, params, EXERCISES,
                      cleaned=lambda: _assert_cleaned_up(ns, cluster.engine))
    if again:
        assert again.last("archive_volume") == f"{ns}-archive"
