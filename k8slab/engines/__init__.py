"""Cluster engines and their auto-detection.

Example:
    >>> from k8slab.engines import get_engine
    >>> get_engine("kwok").name
    'kwok'
"""

from __future__ import annotations

from k8slab.engines.base import Availability, Engine
from k8slab.engines.existing import ExistingEngine
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


__all__ = ["AUTO_ORDER", "ENGINES", "Availability", "Engine", "detect", "get_engine"]
