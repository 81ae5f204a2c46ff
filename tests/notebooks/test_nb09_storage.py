"""Notebook 09 · Storage, executed against the live cluster."""

from __future__ import annotations

import k8slab as lab
from k8slab._storage_view import volumes_of
from tests.notebooks.harness import run_notebook, unique_namespace

NOTEBOOK = "09-storage.ipynb"
EXERCISES = {"09.claim-spare", "09.reuse-claim"}


def _assert_cleaned_up(namespace: str) -> None:
    assert not lab.exists("Namespace", namespace)
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
    assert run.last("dynamic_volume") == {"class": "standard", "reclaim": "Delete",
                                          "named_after_claim": True}
    # The claim and its volume outlive the pods that mount them.
    assert run.last("claim_after_pod_deleted") == {"phase": "Bound", "same_volume": True}
    assert run.last("reader_same_volume") is True
    # Deleting claims: protection while in use, then Retain versus Delete.
    assert run.last("protected_claim") == {"deleting": True,
                                           "finalizers": ["kubernetes.io/pvc-protection"],
                                           "phase": "Bound"}
    assert run.last("retained_volume_phase") == "Released"
    assert run.last("deleted_volume_gone") is True

    checks = run.checks()
    assert set(checks) == EXERCISES
    for exercise, outcomes in checks.items():
        assert outcomes == [False, True], (exercise, outcomes)
    _assert_cleaned_up(ns)

    again = run_notebook(NOTEBOOK, parameters=params)
    assert not again.errors() and again.checks() == checks
    assert again.last("archive_volume") == f"{ns}-archive"
    _assert_cleaned_up(ns)
