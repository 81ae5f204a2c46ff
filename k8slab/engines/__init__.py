"""Cluster engines and their auto-detection.

Example:
    >>> from k8slab.engines import get_engine
    >>> get_engine("kwok").name
    'kwok'
"""

from __future__ import annotations

from k8slab._base.cluster_record import ClusterRecord
from k8slab.engines.base import Availability, Engine
from k8slab.engines.existing import AttendeeSeat, ExistingEngine
from k8slab.engines.host import HostEngine
from k8slab.engines.kind import KindEngine
from k8slab.engines.kwok import KwokEngine
from k8slab.engines.minikube import MinikubeEngine
from k8slab.errors import K8sLabError

ENGINES: dict[str, type[Engine]] = {
    "kwok": KwokEngine,
    "host": HostEngine,
    "kind": KindEngine,
    "minikube": MinikubeEngine,
    "existing": ExistingEngine,
}

#: Tried in this order by ``--engine auto``: the embedded engine first.
AUTO_ORDER = ("kwok", "kind", "minikube")


def get_engine(name: str, **options: object) -> Engine:
    """Build the engine called ``name`` (``auto`` picks the first available one).

    Raises:
        K8sLabError: the name is not an engine, or ``auto`` found none available.
    """
    if name == "auto":
        return detect(**options)
    if name not in ENGINES:
        raise K8sLabError(f"Unknown engine {name!r}.",
                          f"Choose one of: {', '.join(ENGINES)} (or auto).")
    cls = ENGINES[name]
    accepted = {
        "kwok": ("port", "download"),
        "host": ("port", "download"),
        "existing": ("kubeconfig", "context"),
    }.get(name, ())
    return cls(**{k: v for k, v in options.items() if k in accepted and v is not None})


def engine_for(record: ClusterRecord) -> Engine:
    """The engine of a cluster record, to ask what its cluster can do.

    ``engine_for(record).runs_containers``, ``.owns_etcd``... (see
    :class:`~k8slab.engines.base.Engine`). A workshop attendee's record
    (engine ``workshop``) gets an :class:`~k8slab.engines.existing.AttendeeSeat`.

    Raises:
        K8sLabError: the record names no engine this k8slab knows.

    Example:
        >>> engine_for(ClusterRecord(engine="kwok", context="kwok-k8slab")).runs_containers
        False
    """
    if record.engine == AttendeeSeat.name:
        return AttendeeSeat()
    return get_engine(record.engine, port=record.extra.get("port"))


def detect(**options: object) -> Engine:
    """The first engine of :data:`AUTO_ORDER` that can run on this machine."""
    reasons = []
    for name in AUTO_ORDER:
        engine = get_engine(name, **options)
        avail = engine.availability()
        if avail.ok:
            return engine
        reasons.append(f"{name}: {avail.reason}")
    raise K8sLabError("No engine can run here:\n  " + "\n  ".join(reasons),
                      "Install Go (for the embedded kwok engine) or Docker with kind.")


__all__ = ["AUTO_ORDER", "ENGINES", "Availability", "Engine", "detect", "engine_for",
           "get_engine"]
