"""Tables of PersistentVolumes and claims, and the volumes that belong to a namespace.

PersistentVolumes are cluster-wide while claims live in a namespace, so "my
volumes" is a question of its own: the volumes a lesson created (labelled
with its namespace) plus those bound, or once bound, to its claims. The
tables show what ``kubectl get pv,pvc`` shows, as pandas DataFrames.

Example:
    >>> pv = {"metadata": {"name": "demo-archive"}, "spec": {"capacity": {"storage": "1Gi"},
    ...       "accessModes": ["ReadWriteOnce"], "persistentVolumeReclaimPolicy": "Retain",
    ...       "storageClassName": "manual", "claimRef": {"namespace": "demo", "name": "archive"}},
    ...       "status": {"phase": "Bound"}}
    >>> volumes_frame([pv]).loc[0, ["capacity", "status", "claim"]].tolist()
    ['1Gi', 'Bound', 'demo/archive']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from k8slab._base.frames import dataframe
from k8slab._core.objects import age
from k8slab._core.resources import list_

if TYPE_CHECKING:
    import pandas as pd

#: Label k8slab notebooks put on the cluster-wide objects they create.
NAMESPACE_LABEL = "k8slab.io/namespace"

_MODES = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX",
          "ReadWriteOncePod": "RWOP"}


def _modes(modes: list[str] | None) -> str:
    return ",".join(_MODES.get(m, m) for m in modes or [])


def volumes_frame(items: list[dict]) -> pd.DataFrame:
    """Columns: name, capacity, access, reclaim, status, claim, class, age."""
    rows = []
    for pv in items:
        spec, meta = pv.get("spec") or {}, pv.get("metadata") or {}
        claim = spec.get("claimRef") or {}
        rows.append({
            "name": meta.get("name"),
            "capacity": (spec.get("capacity") or {}).get("storage", ""),
            "access": _modes(spec.get("accessModes")),
            "reclaim": spec.get("persistentVolumeReclaimPolicy", ""),
            "status": "Terminating" if meta.get("deletionTimestamp")
            else (pv.get("status") or {}).get("phase", ""),
            "claim": f"{claim['namespace']}/{claim['name']}" if claim.get("name") else "",
            "class": spec.get("storageClassName", ""),
            "age": age(meta.get("creationTimestamp")),
        })
    return dataframe(rows, columns=["name", "capacity", "access", "reclaim", "status",
                                       "claim", "class", "age"])


def claims_frame(items: list[dict]) -> pd.DataFrame:
    """Columns: name, status, volume, capacity, access, class, age."""
    rows = []
    for pvc in items:
        spec, meta, status = pvc.get("spec") or {}, pvc.get("metadata") or {}, \
            pvc.get("status") or {}
        rows.append({
            "name": meta.get("name"),
            "status": "Terminating" if meta.get("deletionTimestamp")
            else status.get("phase", "Pending"),
            "volume": spec.get("volumeName", ""),
            "capacity": (status.get("capacity") or {}).get("storage", ""),
            "access": _modes(status.get("accessModes") or spec.get("accessModes")),
            "class": spec.get("storageClassName", ""),
            "age": age(meta.get("creationTimestamp")),
        })
    return dataframe(rows, columns=["name", "status", "volume", "capacity", "access",
                                       "class", "age"])


def volumes_of(namespace: str) -> list[dict]:
    """PersistentVolumes labelled with ``namespace`` or claimed from it.

    Example:
        >>> [v["metadata"]["name"] for v in volumes_of("demo")]   # doctest: +SKIP
        ['demo-archive', 'pvc-3f2a...']
    """
    return [pv for pv in list_("PersistentVolume")
            if ((pv.get("metadata") or {}).get("labels") or {}).get(NAMESPACE_LABEL) == namespace
            or ((pv.get("spec") or {}).get("claimRef") or {}).get("namespace") == namespace]


def volumes_table(namespace: str) -> pd.DataFrame:
    """The namespace's PersistentVolumes (see :func:`volumes_of`), like ``kubectl get pv``."""
    return volumes_frame(volumes_of(namespace))


def claims_table(namespace: str) -> pd.DataFrame:
    """The namespace's claims, like ``kubectl get pvc -n NAMESPACE``."""
    return claims_frame(list_("PersistentVolumeClaim", namespace))
