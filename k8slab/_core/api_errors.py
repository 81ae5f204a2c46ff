"""Turn client exceptions into short explanations a learner can act on.

The private half of the error handling: the classes are public in
:mod:`k8slab.errors`; this module only maps the client's exceptions onto them.

The official client raises ``ApiException`` with a JSON body, or urllib3
errors when nothing answers. :func:`translate` maps them to
:class:`~k8slab.errors.ApiError` or :class:`~k8slab.errors.ClusterUnavailable`
with one sentence of explanation and one of fix; callers chain the original
(``raise translate(exc) from exc``) so experts keep the full story.

Connection failures have one translation, :func:`unreachable`: the lab's API
client (:mod:`k8slab._core.client`) applies it to every request it sends, so a
path that never calls :func:`translate` (API discovery fetching
``/apis/autoscaling/v2`` on the way to a table) still raises
``ClusterUnavailable``; :func:`translate` applies it to what fails later,
while a watch or log stream is being read.
"""

from __future__ import annotations

import json

import urllib3.exceptions

from k8slab._core import target as _target
from k8slab.errors import ApiError, ClusterUnavailable, K8sLabError

_FIXES = {
    400: "The request is malformed: check the manifest's fields against "
         "`kubectl explain KIND`.",
    401: "The cluster does not know who you are: your credentials are missing or expired. "
         "Restart the lab (`k8slab down && k8slab up`) or ask your instructor for a new "
         "kubeconfig.",
    403: "You are not allowed to do this. Ask for a Role that grants it, or check that you "
         "are working in your own namespace.",
    404: "It does not exist (yet). Check the name, the namespace, and that it was applied.",
    409: "It already exists or was changed meanwhile. Re-read it and try again, or use "
         "apply (which updates) instead of create.",
    410: "The watch fell too far behind the server. Start it again.",
    422: "The API server rejected the object as invalid: fix the field named above.",
    429: "The API server is busy. Wait a moment and retry.",
}


def _body(exc: BaseException) -> dict:
    raw = getattr(exc, "body", None)
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except (TypeError, ValueError):
        return {}


_DEFAULT_ACTION = "talk to the cluster"


def describe_target(kind: str | None, name: str | None, namespace: str | None) -> str:
    """``Deployment 'web' in namespace 'demo'`` (parts omitted when unknown)."""
    text = kind or "object"
    if name:
        text += f" {name!r}"
    if namespace:
        text += f" in namespace {namespace!r}"
    return text


def describe_action(action: str, kind: str | None, name: str | None,
                    namespace: str | None) -> str:
    """``list Pod in namespace 'demo'``; just the action when no object is known."""
    if not (kind or name or namespace):
        return action
    return f"{action} {describe_target(kind, name, namespace)}"


def translate(exc: BaseException, *, action: str = _DEFAULT_ACTION, kind: str | None = None,
              name: str | None = None, namespace: str | None = None) -> K8sLabError:
    """Map an exception from the client to a learner-friendly k8slab error.

    Args:
        exc: what the client raised.
        action: what we were doing, for the message (``apply``, ``delete``...).
        kind, name, namespace: the object concerned, when known.

    Example:
        >>> from kubernetes.client.exceptions import ApiException
        >>> err = translate(ApiException(status=404, reason="Not Found"), action="get",
        ...                 kind="Pod", name="web", namespace="demo")
        >>> err.status, err.message
        (404, "Could not get Pod 'web' in namespace 'demo': Not Found (HTTP 404).")
    """
    if isinstance(exc, ClusterUnavailable) and exc.reason and action != _DEFAULT_ACTION:
        # Raised by the API client, which only knew the URL: say what the caller was doing.
        return unreachable(exc, action=describe_action(action, kind, name, namespace)) or exc
    if isinstance(exc, K8sLabError):
        return exc
    status = getattr(exc, "status", None)
    if isinstance(status, int) and status:
        body = _body(exc)
        detail = body.get("message") or getattr(exc, "reason", "") or "error"
        reason = body.get("reason") or getattr(exc, "reason", "") or ""
        target = describe_target(kind, name, namespace)
        hint = _FIXES.get(status, "See the API server's message above.")
        if "failed to create typed patch object" in detail:
            hint = ("A field has the wrong type (text where a number is expected, or the "
                    "reverse): fix the field named in the message.")
        if status == 404 and namespace and "namespaces" in detail and "not found" in detail:
            hint = (f"The namespace {namespace!r} does not exist: create it first, "
                    f"e.g. `lab.namespace({namespace!r})`.")
        causes = (body.get("details") or {}).get("causes") or []
        if status == 422 and causes and causes[0].get("message", "") not in detail:
            fields = "; ".join(f"{c.get('field', '?')}: {c.get('message', '')}" for c in causes)
            detail = f"{detail} [{fields}]"
        return ApiError(f"Could not {action} {target}: {detail} (HTTP {status}).", hint,
                        status=status, reason=reason)
    failure = unreachable(exc, action=describe_action(action, kind, name, namespace))
    if failure is not None:
        return failure
    return K8sLabError(f"Could not {action}: {type(exc).__name__}: {exc}")


#: urllib3's ways of saying "no answer": refused or reset connections (inside
#: MaxRetryError), connections broken mid-answer, connect and read timeouts.
_URLLIB3_FAILURES = (urllib3.exceptions.MaxRetryError, urllib3.exceptions.ProtocolError,
                     urllib3.exceptions.TimeoutError, urllib3.exceptions.NewConnectionError)
#: The same failures seen as text (websocket streams for exec and port-forward
#: raise their own types, or wrap these).
_FAILURE_TEXT = {
    "Connection refused": "connection refused", "Connection reset": "connection reset",
    "Connection broken": "connection broken", "Connection aborted": "connection aborted",
    "timed out": "timed out", "RemoteDisconnected": "the server hung up",
    "Failed to establish": "connection refused", "Max retries exceeded": "no answer",
}


def unreachable(exc: BaseException, *, action: str = _DEFAULT_ACTION,
                server: str = "") -> ClusterUnavailable | None:
    """The ``ClusterUnavailable`` for a connection failure, or None for any other error.

    Args:
        exc: what the client (or its urllib3 / websocket layer) raised.
        action: what we were doing, for the message.
        server: the API server URL, when the caller knows it.

    Example:
        >>> err = unreachable(ConnectionRefusedError(111, "Connection refused"),
        ...                   action="list Pods", server="https://127.0.0.1:36443")
        >>> err.message.split(": ", 1)[1]
        'the API server at https://127.0.0.1:36443 does not answer (connection refused).'
    """
    if isinstance(exc, ClusterUnavailable):
        if not exc.reason:
            return exc  # no cluster recorded at all: its own message says so
        why, server = exc.reason, server or exc.server
    else:
        status = getattr(exc, "status", None)
        answered = isinstance(status, int) and bool(status)
        if answered or isinstance(exc, K8sLabError):
            return None  # an answer from the server, or an error we already explained
        text = f"{type(exc).__name__}: {exc}"
        why = next((short for marker, short in _FAILURE_TEXT.items() if marker in text), "")
        if not why and not isinstance(exc, (*_URLLIB3_FAILURES, ConnectionError, TimeoutError)):
            return None
        why = why or type(exc).__name__
    at = f" at {server}" if server else ""
    return ClusterUnavailable(f"Could not {action}: the API server{at} does not answer ({why}).",
                              _next_step(), server=server, reason=why)


def _next_step() -> str:
    """What to run when the API server is gone: an attendee asks; a learner restarts it."""
    if _target.attendee_kubeconfig():
        return ("Check with `k8slab status`. K8SLAB_KUBECONFIG is set: if it is a workshop "
                "cluster, tell your instructor; for a lab of your own, unset it and run "
                "`k8slab up`.")
    return ("Check with `k8slab status`; if the lab cluster is gone, start a new one with "
            "`k8slab up` (it replaces one that died).")
