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
    _attendee_may_use(name)
    wanted = {LAB_LABEL: "true", **(labels or {})}
    with _display.quiet():
        current = get("Namespace", name) if exists("Namespace", name) else None
        if current and current["metadata"].get("deletionTimestamp"):
            wait("Namespace", name, until="deleted", timeout=120)
            current = None
    # An existing namespace that already carries the labels is left alone: a
    # workshop attendee may use their namespace but not modify it.
    if current and all((current["metadata"].get("labels") or {}).get(k) == v
                       for k, v in wanted.items()):
        return current
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": wanted}}
    return apply(body)[0]


def _attendee_namespace() -> str | None:
    """The attendee's own namespace when k8slab runs with a workshop kubeconfig."""
    from ._guard import _attendee_record

    record = _attendee_record()
    if record is None or not record.lab:
        return None
    from pathlib import Path

    import yaml

    config = yaml.safe_load(Path(record.kubeconfig).read_text()) or {}
    for ctx in config.get("contexts") or []:
        if ctx.get("name") == record.context:
            return (ctx.get("context") or {}).get("namespace")
    return None


def _attendee_may_use(name: str) -> None:
    """A workshop attendee works in their own namespace only: say so clearly."""
    own = _attendee_namespace()
    if own and name != own:
        from .errors import UnsafeContext

        raise UnsafeContext(
            f"You are a workshop attendee: your kubeconfig allows namespace {own!r} only, "
            f"not {name!r}.",
            f"Set namespace = {own!r} in the notebook's parameters cell and run it again.")


#: What an attendee's clean-up removes from their namespace (they may not delete it).
ATTENDEE_CLEANUP_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job",
                          "ReplicaSet", "Pod", "Service", "Ingress", "ConfigMap", "Secret",
                          "PersistentVolumeClaim")


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
    if _attendee_namespace() == name:
        _empty(name, allow_any_context=allow_any_context)
        return
    delete("Namespace", name, allow_any_context=allow_any_context)
    if wait_for:
        wait("Namespace", name, until="deleted", timeout=timeout)


def _empty(name: str, *, allow_any_context: bool) -> None:
    """Delete what the course creates in a namespace, keeping the namespace itself."""
    from ._resources import list_

    keep = {"kube-root-ca.crt"}
    with _display.quiet():
        for kind in ATTENDEE_CLEANUP_KINDS:
            for obj in list_(kind, name):
                meta = obj["metadata"]
                if meta["name"] in keep or obj.get("type") == \
                        "kubernetes.io/service-account-token":
                    continue
                delete(kind, meta["name"], name, allow_any_context=allow_any_context)
    print(f"namespace {name!r} emptied (workshop attendees keep their namespace)")
