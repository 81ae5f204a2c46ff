"""The safety guard for destructive course steps.

A notebook that deletes namespaces or a workshop reset must never run against
somebody's production cluster by accident. Destructive helpers call
:func:`require_lab_cluster` first: it passes for clusters k8slab created
(kwok, kind, minikube) and refuses anything else, unless the user opts in with
``K8SLAB_ALLOW_ANY_CONTEXT=1`` or ``allow_any_context=True``.
"""

from __future__ import annotations

import os

from k8slab._base.cluster_record import ClusterRecord
from k8slab._core import target as _target
from k8slab.errors import ClusterUnavailable, UnsafeContext

ALLOW_ENV = "K8SLAB_ALLOW_ANY_CONTEXT"


def _opted_in(allow_any_context: bool) -> bool:
    return allow_any_context or os.environ.get(ALLOW_ENV, "").lower() in ("1", "true", "yes")


def is_lab(record: ClusterRecord | None) -> bool:
    """True when the record describes a cluster that k8slab itself created.

    The record's ``lab`` field says so: the engine that wrote the record set it
    from its ``is_lab_cluster`` (``existing``: False), and an attendee's
    kubeconfig is a lab one when k8slab wrote its context
    (:func:`k8slab._core.target.attendee_record`). No engine name is tested
    here: the guard sits below the engines and must not guess what they can do.
    """
    return bool(record and record.lab)


def require_lab_cluster(action: str, *, allow_any_context: bool = False,
                        record: ClusterRecord | None = None) -> ClusterRecord:
    """Refuse ``action`` unless the current cluster is a lab cluster.

    Args:
        action: what is about to happen, for the message (``delete namespace demo``).
        allow_any_context: the explicit opt-in, same as ``K8SLAB_ALLOW_ANY_CONTEXT=1``.
        record: the cluster record to judge (default: :func:`k8slab._core.target.current`).

    Raises:
        ClusterUnavailable: no lab cluster is recorded at all.
        UnsafeContext: the context belongs to a cluster k8slab did not create.
    """
    # The cluster connect() talks to is the one to judge (an attendee's, if set).
    record = record or _target.current()
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
