"""Turn client exceptions into short explanations a learner can act on.

The official client raises ``ApiException`` with a JSON body, or urllib3
errors when nothing answers. :func:`translate` maps them to
:class:`~k8slab.errors.ApiError` or :class:`~k8slab.errors.ClusterUnavailable`
with one sentence of explanation and one of fix; callers chain the original
(``raise translate(exc) from exc``) so experts keep the full story.
"""

from __future__ import annotations

import json

from .errors import ApiError, ClusterUnavailable, K8sLabError

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


def _body(exc: Exception) -> dict:
    raw = getattr(exc, "body", None)
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except (TypeError, ValueError):
        return {}


def describe_target(kind: str | None, name: str | None, namespace: str | None) -> str:
    """``Deployment 'web' in namespace 'demo'`` (parts omitted when unknown)."""
    text = kind or "object"
    if name:
        text += f" {name!r}"
    if namespace:
        text += f" in namespace {namespace!r}"
    return text


def translate(exc: BaseException, *, action: str = "talk to the cluster", kind: str | None = None,
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
    text = f"{type(exc).__name__}: {exc}"
    markers = ("Connection refused", "Max retries exceeded", "NewConnectionError",
               "Failed to establish", "timed out", "RemoteDisconnected")
    if any(m in text for m in markers):
        return ClusterUnavailable(
            f"Could not {action}: the API server does not answer ({type(exc).__name__}).",
            "Is the lab cluster running? Check with `k8slab status`, start it with `k8slab up`.")
    return K8sLabError(f"Could not {action}: {text}")
