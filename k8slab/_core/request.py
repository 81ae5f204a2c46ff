"""The one request path: every verb of the library sends its API call through :func:`send`.

Why one function: each call k8slab makes does the same three things, and a
learner (or a maintainer following ``lab.setup(namespace)`` down to the API)
should find them in one place, the way kr8s sends every call through its API
object:

1. announce the two views of the call, the ``kubectl`` line a learner can
   copy and the REST verb and path it amounts to (unless the call is an
   internal read, ``quiet``);
2. run the call with the official client;
3. turn whatever the client raised into a k8slab error that names the action,
   the object and its namespace (:func:`~k8slab._core.api_errors.translate`),
   or, for a caller to whom "absent" is a normal answer, return None on 404.

The verbs (``apply``, ``get``, ``list``, ``delete``, ``scale``, ``logs``...)
only say *what* to send; this module says *how* every request is sent. Call it
as ``request.send(...)`` (the module, not the bare name), so that one
monkeypatch in a test sees every request of the library.

Example:
    >>> send("get", "Pod", name="web", namespace="demo", quiet=True,
    ...      call=lambda: {"kind": "Pod"})
    {'kind': 'Pod'}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar, overload

from k8slab._base import display as _display
from k8slab._core.api_errors import translate
from k8slab.errors import ApiError

if TYPE_CHECKING:
    from k8slab._base.display import Command

T = TypeVar("T")


class Resource(Protocol):
    """What :func:`send` needs of an API resource found by discovery.

    The official dynamic client's ``Resource`` has both: the kind names the
    object in an error message, and ``path()`` builds the REST path that is
    announced.
    """

    kind: str

    def path(self, name: str | None = None, namespace: str | None = None) -> str: ...


@overload
def send(action: str, target: Resource | str | None = ..., *, name: str | None = ...,
         namespace: str | None = ..., kubectl: Command | str | None = ..., method: str = ...,
         path: str | None = ..., call: Callable[[], T], quiet: bool = ...,
         missing_ok: Literal[False] = ...) -> T: ...


@overload
def send(action: str, target: Resource | str | None = ..., *, name: str | None = ...,
         namespace: str | None = ..., kubectl: Command | str | None = ..., method: str = ...,
         path: str | None = ..., call: Callable[[], T], quiet: bool = ...,
         missing_ok: bool) -> T | None: ...


def send(action: str, target: Resource | str | None = None, *, name: str | None = None,
         namespace: str | None = None, kubectl: Command | str | None = None,
         method: str = "GET", path: str | None = None, call: Callable[[], T],
         quiet: bool = False, missing_ok: bool = False) -> T | None:
    """Announce, send and explain one API call: the path every verb takes.

    Args:
        action: what the call does, as the error message says it: ``"get"``,
            ``"apply"``, ``"read the log of"``; it reads "Could not <action> <object>".
        target: the API resource from discovery (its ``kind`` names the object,
            its ``path()`` gives the REST path when ``path`` is not given), or
            just a kind name (``"Pod"``), or None when the call concerns no object
            (``get --raw``).
        name: the object's name, for the path and the error message.
        namespace: its namespace (None for cluster-scoped objects and for lists
            across all namespaces).
        kubectl: the equivalent kubectl line (from ``_display.kubectl``, which
            keeps the arguments the kubectl-equivalence test replays). Needed
            unless ``quiet``.
        method: the REST verb announced beside the kubectl line.
        path: the REST path announced, query included; by default the target
            resource's path for ``name`` and ``namespace``.
        call: the request itself, with no argument. It runs inside the error
            translation, so whatever it builds on the way (the lab's connection,
            the dynamic client) is explained the same way as the request.
        quiet: send without announcing: internal reads (existence checks,
            watches' re-lists, background loops) that a learner did not ask for.
        missing_ok: return None instead of raising when the object does not
            exist (HTTP 404): for callers to whom "absent" is a normal answer.
            Any other refusal still raises.

    Returns:
        What ``call`` returned, or None for a missing object when ``missing_ok``.

    Raises:
        K8sLabError: the call failed; an :class:`~k8slab.errors.ApiError` when the
            API server answered with an error, a
            :class:`~k8slab.errors.ClusterUnavailable` when nothing answered. The
            client's own exception is chained as ``__cause__``.
    """
    kind = target if isinstance(target, str) or target is None else target.kind
    if not quiet:
        if kubectl is None:
            raise ValueError(f"send({action!r}): an announced call needs its kubectl line")
        if path is None:
            if target is None or isinstance(target, str):
                raise ValueError(f"send({action!r}): no REST path to announce")
            path = target.path(name=name, namespace=namespace)
        _display.announce(kubectl, method, path)
    try:
        return call()
    except Exception as exc:
        err = translate(exc, action=action, kind=kind, name=name, namespace=namespace)
        if missing_ok and isinstance(err, ApiError) and err.status == 404:
            return None
        if err is exc:  # already a k8slab error: keep the cause it was raised with
            raise
        raise err from exc
