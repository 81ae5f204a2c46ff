"""Which cluster k8slab talks to: its kubeconfig, its context, and whether you are an attendee.

Why one module: the connection (``_client``), the safety guard (``_guard``),
``lab.status()``, helm, the namespace helpers and the command line must all
give the same answer, and there are two ways in:

* a learner's own lab: ``k8slab up`` wrote ``cluster.json`` (the
  :class:`~k8slab._base.cluster_record.ClusterRecord`) and the lab kubeconfig into the
  state folder; the record names the context;
* a workshop attendee: ``K8SLAB_KUBECONFIG`` names the kubeconfig their
  instructor gave them; its ``current-context`` is theirs, and it wins over any
  record on disk (an instructor's machine may hold a record of its own lab).

This module reads files and the environment only, never the API, so every
layer may ask it.

Example:
    >>> kubeconfig()                                       # doctest: +SKIP
    PosixPath('/home/me/k8slab/.k8slab/kubeconfig.yaml')
    >>> current().engine                                   # doctest: +SKIP
    'kwok'
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from k8slab._base.cluster_record import ClusterRecord
from k8slab._base.paths import kubeconfig_path

#: The variable a workshop attendee sets to their own kubeconfig.
ATTENDEE_ENV = "K8SLAB_KUBECONFIG"
#: Contexts in kubeconfigs that k8slab wrote for workshop attendees.
LAB_CONTEXT_PREFIX = "k8slab-"
#: Contexts of an attendee's own cluster (k8slab.workshop._vclusters.CONTEXT_PREFIX).
VCLUSTER_CONTEXT_PREFIX = "k8slab-vcluster-"


def attendee_kubeconfig() -> str | None:
    """The kubeconfig named by ``K8SLAB_KUBECONFIG`` (set or not, existing or not)."""
    return os.environ.get(ATTENDEE_ENV) or None


def kubeconfig() -> Path:
    """The kubeconfig k8slab uses: ``K8SLAB_KUBECONFIG``, else the lab state file."""
    override = attendee_kubeconfig()
    return Path(override) if override else kubeconfig_path()


def _read(path: str | Path) -> dict:
    return yaml.safe_load(Path(path).read_text()) or {}


def attendee_record() -> ClusterRecord | None:
    """The cluster of ``K8SLAB_KUBECONFIG``, described as a record (None when unset or absent).

    Engine ``workshop`` (a lab cluster) when its context is one k8slab wrote
    for an attendee (``k8slab-...``), else ``existing`` (not a lab cluster:
    the guard refuses destructive steps on it).
    """
    path = attendee_kubeconfig()
    if not path or not os.path.isfile(path):
        return None
    context = _read(path).get("current-context", "")
    lab = context.startswith(LAB_CONTEXT_PREFIX)
    # An attendee's own cluster (workshop mode ``cluster``) is a whole kwok lab.
    engine = ("kwok" if context.startswith(VCLUSTER_CONTEXT_PREFIX)
              else "workshop" if lab else "existing")
    return ClusterRecord(engine=engine, context=context, kubeconfig=path, lab=lab)


def current() -> ClusterRecord | None:
    """The cluster k8slab talks to: the attendee's, else the recorded lab, else None."""
    return attendee_record() or ClusterRecord.load()


def context() -> str | None:
    """The context to select in :func:`kubeconfig`: the record's, or None for the file's own.

    An attendee's kubeconfig is used with its ``current-context``; the lab
    kubeconfig with the context ``cluster.json`` names (it may hold more).
    """
    if attendee_kubeconfig():
        return None
    record = ClusterRecord.load()
    return record.context if record and record.context else None


def attendee_namespace() -> str | None:
    """The attendee's own namespace (their context's default), None when not an attendee."""
    record = attendee_record()
    if record is None or not record.lab:
        return None
    for ctx in _read(record.kubeconfig).get("contexts") or []:
        if ctx.get("name") == record.context:
            return (ctx.get("context") or {}).get("namespace")
    return None
