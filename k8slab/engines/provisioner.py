"""A real volume provisioner for the host engine: PersistentVolumes as host directories.

Why our own: dynamic provisioning needs *something* that watches claims and
makes volumes. On the single host node the natural volume is a directory on
this machine, mounted into pods as a ``hostPath``. This program does the job
an external provisioner does in any cluster: it sees a claim whose
StorageClass names it, makes a directory, creates a PersistentVolume bound to
that claim, and, when the claim is gone and the reclaim policy says
``Delete``, removes both. The data is real: written by a pod, it is on disk
under the lab state folder and outlives the pod.

Run by the host engine as ``python -m k8slab.engines.provisioner``.

Example:
    >>> volume_name({"metadata": {"uid": "0123456789ab-cdef"}})
    'pvc-0123456789ab-cdef'
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from kubernetes import client, config
from kubernetes.client import ApiClient

PROVISIONER = "k8slab.io/host-path"
_CLAIM_ANNOTATIONS = ("volume.kubernetes.io/storage-provisioner",
                      "volume.beta.kubernetes.io/storage-provisioner")


def volume_name(claim: dict) -> str:
    """PersistentVolume names follow the usual ``pvc-<claim uid>`` convention."""
    return f"pvc-{claim['metadata']['uid']}"


def volume_for(claim: dict, node: str, root: Path, reclaim: str) -> dict:
    """The PersistentVolume that satisfies ``claim``: a directory on ``node``."""
    meta = claim["metadata"]
    spec = claim["spec"]
    path = root / f"{meta['namespace']}-{meta['name']}-{meta['uid'][:8]}"
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": volume_name(claim),
                     "annotations": {"pv.kubernetes.io/provisioned-by": PROVISIONER,
                                     "k8slab.io/host-path": str(path)}},
        "spec": {
            "capacity": {"storage": spec["resources"]["requests"]["storage"]},
            "accessModes": spec.get("accessModes") or ["ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": reclaim,
            "storageClassName": spec.get("storageClassName"),
            "volumeMode": spec.get("volumeMode", "Filesystem"),
            "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                         "namespace": meta["namespace"], "name": meta["name"],
                         "uid": meta["uid"]},
            "hostPath": {"path": str(path), "type": "DirectoryOrCreate"},
            "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                {"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]}]}},
        },
    }


def wants_us(claim: dict, classes: dict[str, dict]) -> bool:
    """A pending claim whose class is provisioned by this program."""
    if claim.get("status", {}).get("phase") != "Pending" or claim["spec"].get("volumeName"):
        return False
    annotations = claim["metadata"].get("annotations") or {}
    if any(annotations.get(a) == PROVISIONER for a in _CLAIM_ANNOTATIONS):
        return True
    cls = classes.get(claim["spec"].get("storageClassName") or "")
    return cls is not None and cls.get("provisioner") == PROVISIONER


def reconcile(api: ApiClient, node: str, root: Path) -> None:
    """One pass: provision pending claims, delete released volumes."""
    core = client.CoreV1Api(api)
    classes = {c["metadata"]["name"]: c for c in
               api.sanitize_for_serialization(client.StorageV1Api(api).list_storage_class()
                                              ).get("items", [])}
    claims = api.sanitize_for_serialization(
        core.list_persistent_volume_claim_for_all_namespaces()).get("items", [])
    for claim in claims:
        if not wants_us(claim, classes):
            continue
        reclaim = classes.get(claim["spec"].get("storageClassName") or "", {}).get(
            "reclaimPolicy", "Delete")
        body = volume_for(claim, node, root, reclaim)
        Path(body["spec"]["hostPath"]["path"]).mkdir(parents=True, exist_ok=True)
        Path(body["spec"]["hostPath"]["path"]).chmod(0o777)
        try:
            core.create_persistent_volume(body)
            print(f"provisioned {body['metadata']['name']} for "
                  f"{claim['metadata']['namespace']}/{claim['metadata']['name']}", flush=True)
        except client.ApiException as exc:
            if exc.status != 409:
                raise
    for pv in api.sanitize_for_serialization(core.list_persistent_volume()).get("items", []):
        annotations = pv["metadata"].get("annotations") or {}
        if annotations.get("pv.kubernetes.io/provisioned-by") != PROVISIONER:
            continue
        if (pv.get("status", {}).get("phase") in ("Released", "Failed")
                and pv["spec"].get("persistentVolumeReclaimPolicy") == "Delete"):
            path = Path(annotations.get("k8slab.io/host-path", ""))
            if path.is_relative_to(root):
                shutil.rmtree(path, ignore_errors=True)
            try:
                core.delete_persistent_volume(pv["metadata"]["name"])
                print(f"deleted {pv['metadata']['name']} and {path}", flush=True)
            except client.ApiException as exc:
                if exc.status != 404:
                    raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="k8slab-provisioner")
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--node", required=True)
    parser.add_argument("--root", required=True, type=Path)
    parser.add_argument("--interval", type=float, default=0.5)
    args = parser.parse_args(argv)
    api = config.new_client_from_config(config_file=args.kubeconfig)
    args.root.mkdir(parents=True, exist_ok=True)
    print(f"k8slab host-path provisioner: {PROVISIONER}, volumes in {args.root}", flush=True)
    while True:
        try:
            reconcile(api, args.node, args.root.resolve())
        except Exception as exc:  # keep serving: the API server may restart
            print(f"provisioner: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            time.sleep(2)
        time.sleep(args.interval)


if __name__ == "__main__":
    sys.exit(main())
