"""The safety guard for destructive course steps.

A notebook that deletes namespaces or a workshop reset must never run against
somebody's production cluster by accident. Destructive helpers call
:func:`require_lab_cluster` first: it passes for clusters k8slab created
(kwok, kind, minikube) and refuses anything else, unless the user opts in with
``K8SLAB_ALLOW_ANY_CONTEXT=1`` or ``allow_any_context=True``.
"""

from __future__ import annotations

import os

from ._record import ClusterRecord
from .errors import ClusterUnavailable, UnsafeContext

ALLOW_ENV = "K8SLAB_ALLOW_ANY_CONTEXT"
LAB_ENGINES = ("kwok", "host", "kind", "minikube", "workshop")
#: Contexts in kubeconfigs that k8slab wrote for workshop attendees.
LAB_CONTEXT_PREFIX = "k8slab-"
#: Contexts of an attendee's own cluster (k8slab._workshop_vclusters.CONTEXT_PREFIX).
VCLUSTER_CONTEXT_PREFIX = "k8slab-vcluster-"


def _attendee_record() -> ClusterRecord | None:
    """A workshop attendee's kubeconfig (K8SLAB_KUBECONFIG) counts as a lab cluster."""
    path = os.environ.get("K8SLAB_KUBECONFIG")
    if not path or not os.path.isfile(path):
        return None
    import yaml

    with open(path) as fh:
        context = (yaml.safe_load(fh) or {}).get("current-context", "")
    # An attendee's own cluster (workshop mode ``cluster``) is a whole kwok lab.
    engine = ("kwok" if context.startswith(VCLUSTER_CONTEXT_PREFIX)
              else "workshop" if context.startswith(LAB_CONTEXT_PREFIX) else "existing")
    return ClusterRecord(engine=engine, context=context, kubeconfig=path,
                         lab=context.startswith(LAB_CONTEXT_PREFIX))


def _opted_in(allow_any_context: bool) -> bool:
    return allow_any_context or os.environ.get(ALLOW_ENV, "").lower() in ("1", "true", "yes")


def is_lab(record: ClusterRecord | None) -> bool:
    """True when the record describes a cluster that k8slab itself created."""
    return bool(record and record.lab and record.engine in LAB_ENGINES)


def require_lab_cluster(action: str, *, allow_any_context: bool = False,
                        record: ClusterRecord | None = None) -> ClusterRecord:
    """Refuse ``action`` unless the current cluster is a lab cluster.

    Args:
        action: what is about to happen, for the message (``delete namespace demo``).
        allow_any_context: the explicit opt-in, same as ``K8SLAB_ALLOW_ANY_CONTEXT=1``.
        record: the cluster record to judge (default: the one on disk).

    Raises:
        ClusterUnavailable: no lab cluster is recorded at all.
        UnsafeContext: the context belongs to a cluster k8slab did not create.
    """
    # An explicit K8SLAB_KUBECONFIG is what connect() uses, so it is what must be judged.
    record = record or _attendee_record() or ClusterRecord.load()
    if record is None:
        raise ClusterUnavailable("No lab cluster is running.",
                                 "Start one with `k8slab up` (or `./run lab`).")
    if is_lab(record) or _opted_in(allow_any_context):
        return record
    raise UnsafeContext(
        f"Refusing to {action}: context {record.context!r} ({record.engine} engine) "
        "is not a cluster k8slab created, so it may hold somebody's real work.",
        f"If you really mean it, set {ALLOW_ENV}=1 (or pass allow_any_context=True).",
    )
