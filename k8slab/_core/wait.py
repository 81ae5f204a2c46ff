"""Waiting until the cluster reaches a state, with progress and a useful timeout.

A wait follows the object with a watch (no busy polling) and judges each
version with a rule from :mod:`k8slab._core.rollout`. When time runs out, the
message says what was still missing and, from the object's conditions and
Events, the most likely cause.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from k8slab._base import display as _display
from k8slab._core.diagnose import diagnose
from k8slab._core.resources import resource_for
from k8slab._core.rollout import DEFAULT_UNTIL, RULES, has_condition
from k8slab._core.watch import watch
from k8slab.errors import K8sLabError, WaitTimeout

Rule = Callable[[dict], tuple[bool, str]]


def _rule_for(kind: str, until: str | Rule) -> Rule:
    if callable(until):
        return until
    if until.startswith("condition="):
        return has_condition(until.split("=", 1)[1])
    if (kind, until) in RULES:
        return RULES[(kind, until)]
    if until == "exists":
        return lambda obj: (True, "exists")
    raise K8sLabError(f"Cannot wait for {until!r} on a {kind}.",
                      "Use one of: " + ", ".join(sorted({u for k, u in RULES if k == kind}
                                                         | {"exists", "deleted",
                                                            "condition=NAME"})))


#: ``kubectl wait --for=...`` for each named state (``rollout`` is ``kubectl rollout status``).
KUBECTL_FOR = {
    "ready": "condition=Ready",
    "complete": "condition=Complete",
    "bound": "jsonpath={.status.phase}=Bound",
    "deleted": "delete",
    "exists": "create",
}


def _kubectl_wait(kind: str, name: str, namespace: str | None, until: str | Rule,
                  timeout: float) -> _display.Command:
    """The kubectl command that waits for the same thing (runnable as printed).

    Example:
        >>> str(_kubectl_wait("Pod", "web", "demo", "ready", 60))
        'kubectl wait pod/web --for=condition=Ready -n demo --timeout=60s'
    """
    ns = ("-n", namespace) if namespace else ()
    target = f"{kind.lower()}/{name}"
    limit = f"--timeout={max(timeout, 1):.0f}s"
    if until == "rollout":
        return _display.kubectl("rollout", "status", target, *ns, limit)
    if callable(until):  # a rule of the notebook's own: watching the object is the equivalent
        return _display.kubectl("get", target, *ns, "--watch", f"--request-timeout={limit[10:]}")
    wanted = KUBECTL_FOR.get(until) or until  # condition=NAME stays as it is
    return _display.kubectl("wait", target, f"--for={wanted}", *ns, limit)


def wait(kind: str, name: str, namespace: str | None = None, *,
         until: str | Rule | None = None, timeout: float = 60) -> dict | None:
    """Wait until an object reaches a state; return its last version.

    Args:
        kind: the object's kind (``Deployment``, ``Pod``, ``Job``...).
        name: its name.
        until: ``"rollout"`` (Deployment, StatefulSet, DaemonSet), ``"ready"`` (Pod),
            ``"complete"`` (Job), ``"bound"`` (PVC), ``"deleted"``, ``"exists"``,
            ``"condition=Available"``, or a function ``obj -> (done, message)``.
            Default: the natural one for the kind.
        timeout: seconds before giving up with :class:`~k8slab.errors.WaitTimeout`.

    Example:
        >>> lab.wait("Deployment", "web", "demo")            # doctest: +SKIP
        ✅ deployment/web rollout: 3/3 replicas available and up to date
    """
    res = resource_for(kind)
    kind = res.kind
    until = until or DEFAULT_UNTIL.get(kind, "exists")
    label = f"{kind.lower()}/{name} {until if isinstance(until, str) else 'condition'}"
    progress = _display.Progress(label)
    _display.announce(_kubectl_wait(kind, name, namespace if res.namespaced else None, until,
                                    timeout),
                      "GET", res.path(name=name, namespace=namespace if res.namespaced else None)
                      + "?watch=true")
    started = time.monotonic()
    message = "not found yet"
    with _display.quiet():
        if until == "deleted":
            # The listing at the start of the watch tells whether it is already
            # gone: a deletion that happened just before would send no event.
            gone = False
            for event, _obj in watch(kind, namespace, name=name, timeout=timeout, synced=True):
                if event == "EXISTING":
                    message = "still there"
                    continue
                gone = event == "DELETED" or (event == "SYNCED" and message != "still there")
                progress.update(message)
                if gone:
                    break
            if gone:
                progress.done(f"deleted after {time.monotonic() - started:.1f}s")
                return None
        else:
            rule = _rule_for(kind, until)
            for event, obj in watch(kind, namespace, name=name, timeout=timeout):
                if event == "DELETED":
                    message = "the object was deleted"
                    continue
                done, message = rule(obj)
                progress.update(message)
                if done:
                    progress.done(f"{message} ({time.monotonic() - started:.1f}s)")
                    return obj
    cause = diagnose(kind, name, namespace) if until != "deleted" else ""
    progress.done(f"timed out: {message}", ok=False)
    raise WaitTimeout(
        f"{kind} {name!r}" + (f" in namespace {namespace!r}" if namespace else "")
        + f" is not {until if isinstance(until, str) else 'ready'} after {timeout:.0f}s: "
        f"{message}." + (f" Likely cause: {cause}" if cause else ""),
        f"Look closer with `kubectl describe {kind.lower()} {name}"
        + (f" -n {namespace}" if namespace else "") + "`, or lab.events(namespace).",
    )
