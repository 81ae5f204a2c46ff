"""Namespaces for lessons: create one, bring it to a lesson's starting state, clean it.

Every notebook works in its own namespace (a papermill parameter), so a
learner can start anywhere and CI can run notebooks side by side. Lab
namespaces carry the label ``k8slab.io/lab=true`` so the clean-up and the
workshop tools can find them.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from k8slab._base import display as _display
from k8slab._core.manifests import Source
from k8slab._core.resources import apply, delete, exists, find, list_
from k8slab._core.target import attendee_namespace
from k8slab._core.wait import wait
from k8slab.errors import UnsafeContext, WaitTimeout

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
        current = find("Namespace", name)
        if current and current["metadata"].get("deletionTimestamp"):
            wait("Namespace", name, until="deleted", timeout=120)
            current = None
    # An existing namespace that already carries the labels is left alone: a
    # workshop attendee may use their namespace but not modify it.
    if current and all((current["metadata"].get("labels") or {}).get(k) == v
                       for k, v in wanted.items()):
        return current
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": wanted}}
    created = apply(body)[0]
    _wait_for_default_service_account(name)
    return created


def _wait_for_default_service_account(name: str, timeout: float = 60) -> None:
    """Wait until the controller manager has made the namespace's ``default`` ServiceAccount.

    Why: the API server refuses every pod of a namespace until its ``default``
    ServiceAccount exists ("serviceaccount default not found"), and on a
    cluster that just started, or a busy one, the controller that makes it
    can take seconds. A lesson's first apply must not fail for that.
    """
    deadline = time.monotonic() + timeout
    with _display.quiet():
        while find("ServiceAccount", "default", name) is None:
            if time.monotonic() > deadline:
                raise WaitTimeout(
                    f"Namespace {name!r} has no 'default' ServiceAccount after {timeout:.0f}s, "
                    "so its pods would be refused.",
                    "The controller manager makes it: check `k8slab status`, then run "
                    "the cell again.")
            time.sleep(0.2)


def _attendee_may_use(name: str) -> None:
    """A workshop attendee works in their own namespace only: say so clearly."""
    own = attendee_namespace()
    if own and name != own:
        raise UnsafeContext(
            f"You are a workshop attendee: your kubeconfig allows namespace {own!r} only, "
            f"not {name!r}.",
            f"Set namespace = {own!r} in the notebook's parameters cell and run it again.")


#: What an attendee's clean-up removes from their namespace (they may not delete it).
#: Owners come before what they own, so controllers do not recreate what was just deleted.
ATTENDEE_CLEANUP_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job",
                          "ReplicaSet", "Pod", "Service", "Ingress", "ConfigMap", "Secret",
                          "PersistentVolumeClaim", "HorizontalPodAutoscaler",
                          "PodDisruptionBudget", "ServiceAccount")


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
    _attendee_may_use(name)  # before any read: another namespace would only say 403
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


#: What must stop before a namespace goes (e.g. an operator running in this kernel for it).
_BEFORE_CLEANUP: list[Callable[[str], None]] = []


def before_cleanup(hook: Callable[[str], None]) -> None:
    """Have ``hook(namespace)`` run at the start of :func:`cleanup` (a higher layer's stop)."""
    if hook not in _BEFORE_CLEANUP:
        _BEFORE_CLEANUP.append(hook)


def cleanup(name: str, *, wait_for: bool = True, timeout: float = 120,
            allow_any_context: bool = False) -> None:
    """Delete a lesson's namespace and everything in it (refused off the lab cluster).

    A workshop attendee may not delete their own namespace, so for them it is
    emptied instead: the next lesson's setup finds it ready to use.

    Example:
        >>> lab.cleanup("demo")                              # doctest: +SKIP
    """
    _attendee_may_use(name)
    for hook in _BEFORE_CLEANUP:
        hook(name)
    if attendee_namespace() == name:
        _empty(name, allow_any_context=allow_any_context, wait_for=wait_for, timeout=timeout)
        return
    delete("Namespace", name, allow_any_context=allow_any_context)
    _delete_cluster_objects_for(name, allow_any_context=allow_any_context)
    if wait_for:
        wait("Namespace", name, until="deleted", timeout=timeout)


def _delete_cluster_objects_for(name: str, *, allow_any_context: bool) -> None:
    """Cluster-scoped objects a lesson made for one namespace (label
    ``k8slab.io/for-namespace``), such as the binding of nb10's Traefik: deleting
    the namespace does not take them with it."""
    from k8slab._core.resources import list_

    for obj in list_("ClusterRoleBinding", labels={"k8slab.io/for-namespace": name}):
        delete("ClusterRoleBinding", obj["metadata"]["name"],
               allow_any_context=allow_any_context)


def _leftovers(name: str) -> list[tuple[str, str, bool]]:
    """What the course created in a namespace: ``(kind, name, being deleted)``.

    Kept: what Kubernetes itself puts in every namespace (the ``default``
    ServiceAccount, the ``kube-root-ca.crt`` ConfigMap, token Secrets) and the
    attendee's own ServiceAccount, named after the namespace: deleting it
    would revoke the attendee's token.
    """
    keep = {"kube-root-ca.crt", "default", name}
    found = []
    for kind in ATTENDEE_CLEANUP_KINDS:
        for obj in list_(kind, name):
            meta = obj["metadata"]
            if meta["name"] in keep or obj.get("type") == "kubernetes.io/service-account-token":
                continue
            found.append((kind, meta["name"], bool(meta.get("deletionTimestamp"))))
    return found


def _empty(name: str, *, allow_any_context: bool, wait_for: bool = True,
           timeout: float = 120) -> None:
    """Delete what the course creates in a namespace, keeping the namespace itself.

    With ``wait_for``, passes repeat until nothing is left: a pod deleted while
    its ReplicaSet was still alive comes back once, and a lesson re-run straight
    away must not meet a pod that is still terminating.

    Raises:
        WaitTimeout: objects were still there after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    with _display.quiet():
        while True:
            left = _leftovers(name)
            for kind, obj_name, deleting in left:
                if not deleting:
                    delete(kind, obj_name, name, allow_any_context=allow_any_context)
            if not left or not wait_for:
                break
            if time.monotonic() > deadline:
                shown = ", ".join(f"{k.lower()}/{n}" for k, n, _ in left[:5])
                raise WaitTimeout(
                    f"The namespace {name!r} still holds {shown} after {timeout:.0f}s.",
                    "A finalizer may hold them: look with `kubectl get all -n "
                    f"{name}`, then run lab.cleanup({name!r}) again.")
            time.sleep(0.3)
    print(f"namespace {name!r} emptied (workshop attendees keep their namespace)")
