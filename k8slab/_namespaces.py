"""Namespaces for lessons: create one, bring it to a lesson's starting state, clean it.

Every notebook works in its own namespace (a papermill parameter), so a
learner can start anywhere and CI can run notebooks side by side. Lab
namespaces carry the label ``k8slab.io/lab=true`` so the clean-up and the
workshop tools can find them.
"""

from __future__ import annotations

from . import _display
from ._manifests import Source
from ._resources import apply, delete, exists, get
from ._wait import wait

LAB_LABEL = "k8slab.io/lab"


def namespace(name: str, *, labels: dict[str, str] | None = None) -> dict:
    """Create the namespace if needed (idempotent) and return it.

    A namespace that is still being deleted from a previous run is waited for
    first, so re-running a notebook straight after its clean-up works.

    Example:
        >>> lab.namespace("demo")["metadata"]["name"]      # doctest: +SKIP
        'demo'
    """
    shown = _display._state["show"]
    _display._state["show"] = False
    try:
        if exists("Namespace", name) and get("Namespace", name)["metadata"].get(
                "deletionTimestamp"):
            wait("Namespace", name, until="deleted", timeout=120)
    finally:
        _display._state["show"] = shown
    body = {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": {LAB_LABEL: "true", **(labels or {})}}}
    return apply(body)[0]


def setup(name: str, *manifests: Source, fresh: bool = True, wait_for: bool = True) -> None:
    """Bring a namespace to a lesson's starting state: create it, apply what it needs.

    Args:
        name: the namespace.
        manifests: what earlier lessons would have created (files, YAML, dicts).
        fresh: delete the namespace first if it exists (left over from an
            interrupted run), so the lesson always starts from the same state.
        wait_for: wait until Deployments/StatefulSets/DaemonSets applied are rolled out.

    Example:
        >>> lab.setup("demo", "manifests/05-deployments-web.yaml")   # doctest: +SKIP
    """
    if fresh and exists("Namespace", name):
        cleanup(name)
    namespace(name)
    applied = []
    for source in manifests:
        for obj in apply(source, namespace=name):
            applied.append(f"{obj['kind'].lower()}/{obj['metadata']['name']}")
            if wait_for and obj["kind"] in ("Deployment", "StatefulSet", "DaemonSet"):
                wait(obj["kind"], obj["metadata"]["name"], name, timeout=120)
    print(f"namespace {name!r} is ready" + (f" with {', '.join(applied)}" if applied else ""))


def cleanup(name: str, *, wait_for: bool = True, timeout: float = 120,
            allow_any_context: bool = False) -> None:
    """Delete a lesson's namespace and everything in it (refused off the lab cluster).

    Example:
        >>> lab.cleanup("demo")                              # doctest: +SKIP
    """
    delete("Namespace", name, allow_any_context=allow_any_context)
    if wait_for:
        wait("Namespace", name, until="deleted", timeout=timeout)
