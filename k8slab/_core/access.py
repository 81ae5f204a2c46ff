"""Who may do what: ask the API server's authorizer, or act as someone else.

Two ways to test RBAC rules without handing out credentials:

* :func:`can_i` asks, with a *SubjectAccessReview*, whether a user or a
  ServiceAccount may do something (``kubectl auth can-i ... --as ...``). The
  answer names the binding that allowed it.
* :func:`as_user` makes the following ``lab.*`` calls *impersonate* a user
  (``kubectl --as``): the lab's admin credentials ask the API server to treat
  each request as coming from someone else, so a refusal is a real 403.

Example:
    >>> service_account_user("demo", "reader")
    'system:serviceaccount:demo:reader'
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from k8slab._base import display as _display
from k8slab._core import request
from k8slab._core.client import connect
from k8slab._core.resources import dynamic, resource_for

_SA_PREFIX = "system:serviceaccount:"


def service_account_user(namespace: str, name: str) -> str:
    """The user name a ServiceAccount's requests carry: ``system:serviceaccount:NS:NAME``."""
    return f"{_SA_PREFIX}{namespace}:{name}"


def groups_of(user: str) -> list[str]:
    """The groups the API server adds to a user's requests (ServiceAccounts get three).

    Example:
        >>> groups_of("system:serviceaccount:demo:reader")
        ['system:serviceaccounts', 'system:serviceaccounts:demo', 'system:authenticated']
        >>> groups_of("alice")
        ['system:authenticated']
    """
    if user.startswith(_SA_PREFIX):
        namespace = user[len(_SA_PREFIX):].split(":", 1)[0]
        return ["system:serviceaccounts", f"system:serviceaccounts:{namespace}",
                "system:authenticated"]
    return ["system:authenticated"]


@dataclass(frozen=True)
class Access:
    """The authorizer's answer: allowed or not, and why."""

    user: str
    verb: str
    resource: str
    namespace: str | None
    name: str | None
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed

    def __repr__(self) -> str:
        what = f"{self.verb} {self.resource}" + (f"/{self.name}" if self.name else "")
        where = f" in {self.namespace}" if self.namespace else ""
        answer = "yes" if self.allowed else "no"
        return f"{self.user} may {what}{where}: {answer} ({self.reason})"


def can_i(verb: str, resource: str, namespace: str | None = None, *, user: str,
          name: str | None = None, group: str = "") -> Access:
    """Ask whether ``user`` may ``verb`` a ``resource``, without trying it.

    Args:
        verb: ``get``, ``list``, ``watch``, ``create``, ``update``, ``delete``...
        resource: the plural resource name: ``configmaps``, ``secrets``, ``pods``.
        namespace: where; ``None`` for cluster-scoped resources.
        user: the user, e.g. :func:`service_account_user` ``(ns, "reader")``.
        name: one object's name (rules may name objects: ``resourceNames``).
        group: the API group (``""`` for the core group, ``"apps"``...).

    Example:
        >>> can_i("get", "secrets", "demo",
        ...       user=service_account_user("demo", "reader"))    # doctest: +SKIP
        system:serviceaccount:demo:reader may get secrets in demo: no (no rule allows it)
    """
    attributes = {"verb": verb, "resource": resource, "group": group}
    if namespace:
        attributes["namespace"] = namespace
    if name:
        attributes["name"] = name
    body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
            "spec": {"user": user, "groups": groups_of(user),
                     "resourceAttributes": attributes}}
    res = resource_for("SubjectAccessReview")
    # The namespace asked about goes in the review's body, not in its path: a
    # SubjectAccessReview is cluster-scoped, so the error names no namespace either.
    status = request.send(
        "ask the authorizer about", res, method="POST",
        kubectl=_display.kubectl("auth", "can-i", verb,
                                 f"{resource}/{name}" if name else resource,
                                 *(("-n", namespace) if namespace else ()), f"--as={user}"),
        call=lambda: dynamic().create(res, body=body).to_dict().get("status") or {})
    allowed = bool(status.get("allowed"))
    reason = status.get("reason") or status.get("evaluationError") or (
        "allowed" if allowed else "no rule allows it")
    return Access(user, verb, resource, namespace, name, allowed, reason)


@contextlib.contextmanager
def as_user(user: str) -> Iterator[str]:
    """Within the block, every ``lab.*`` call is made as ``user`` (``kubectl --as``).

    The lab's admin credentials may impersonate anyone: each request carries
    the header ``Impersonate-User``, and the API server authorizes it as that
    user (ServiceAccounts also get their groups). Leave the block and you are
    admin again. It applies to the whole notebook kernel, so do not run
    background watches at the same time.

    Example:
        >>> with as_user(service_account_user("demo", "reader")):     # doctest: +SKIP
        ...     lab.get("ConfigMap", "settings", "demo")
    """
    api = connect()
    headers = api.default_headers
    saved = {k: headers.get(k) for k in ("Impersonate-User", "Impersonate-Group")}
    if _display._showing():
        print(f"(acting as {user}: the next commands run with --as={user})")
    headers["Impersonate-User"] = user
    headers.pop("Impersonate-Group", None)
    outer, _display.acting_as = _display.acting_as, user
    try:
        yield user
    finally:
        _display.acting_as = outer
        for key, value in saved.items():
            if value is None:
                headers.pop(key, None)
            else:
                headers[key] = value
