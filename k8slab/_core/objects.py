"""Pure helpers on API objects as dicts: timestamps, ages, label selectors, conditions.

Why one module: tables, timelines, plots, checks and the kubelet view all
read the API's RFC 3339 timestamps, turn ``{"app": "web"}`` into
``app=web``, ask whether a pod's label set matches a selector and whether a
condition is ``True``; they do it the same way here. This module imports
nothing of k8slab, so every layer may use it.

Example:
    >>> parse_time("2024-05-01T10:00:00Z").isoformat()
    '2024-05-01T10:00:00+00:00'
    >>> selector_string({"app": "web", "tier": "front"})
    'app=web,tier=front'
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def parse_time(value: Any) -> datetime | None:
    """An API timestamp (``2024-05-01T10:00:00Z``) as an aware datetime; None stays None."""
    if not value:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def age(timestamp: str | None, now: datetime | None = None) -> str:
    """kubectl-style age: ``42s``, ``5m``, ``3h``, ``2d``.

    Example:
        >>> age("2024-01-01T00:00:00Z", datetime(2024, 1, 1, 0, 5, tzinfo=UTC))
        '5m'
    """
    start = parse_time(timestamp)
    if start is None:
        return ""
    seconds = int(((now or datetime.now(UTC)) - start).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{max(seconds, 0)}s"


def selector_string(labels: str | dict | None) -> str | None:
    """A label selector as the API and kubectl's ``-l`` take it: ``app=web,tier=front``.

    Takes a string (passed through), a dict of labels (a Service's
    ``spec.selector``, ``lab.list(labels=...)``) or a label selector object
    (a Deployment's ``spec.selector``: ``matchLabels`` and ``matchExpressions``).
    An empty one or None gives None: no selector.

    Example:
        >>> selector_string({"app": "web"}), selector_string("app=web"), selector_string({})
        ('app=web', 'app=web', None)
        >>> selector_string({"matchLabels": {"app": "web"},
        ...     "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}]})
        'app=web,tier in (a,b)'
    """
    if labels is None or isinstance(labels, str):
        return labels or None
    if "matchLabels" not in labels and "matchExpressions" not in labels:
        return ",".join(f"{k}={v}" for k, v in labels.items()) or None
    parts = [f"{k}={v}" for k, v in (labels.get("matchLabels") or {}).items()]
    for expr in labels.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        parts.append({"In": f"{key} in ({','.join(values)})",
                      "NotIn": f"{key} notin ({','.join(values)})",
                      "Exists": str(key), "DoesNotExist": f"!{key}"}.get(op, ""))
    return ",".join(p for p in parts if p) or None


def selector_of(obj: dict) -> dict:
    """The equality labels an object selects pods by.

    A Service says ``spec.selector: {app: web}``; a Deployment, ReplicaSet,
    StatefulSet, DaemonSet or Job says ``spec.selector.matchLabels``.

    Example:
        >>> selector_of({"kind": "Deployment", "spec": {"selector": {"matchLabels": {"a": "b"}}}})
        {'a': 'b'}
    """
    selector = (obj.get("spec") or {}).get("selector") or {}
    if "matchLabels" in selector or "matchExpressions" in selector:
        return dict(selector.get("matchLabels") or {})
    return dict(selector)


def matches(selector: dict | None, obj: dict) -> bool:
    """True when every label of an equality selector is on the object (an empty one matches none).

    Example:
        >>> matches({"app": "web"}, {"metadata": {"labels": {"app": "web", "pod": "1"}}})
        True
    """
    labels = (obj.get("metadata") or {}).get("labels") or {}
    return bool(selector) and all(labels.get(k) == v for k, v in (selector or {}).items())


def condition(obj: dict, kind: str) -> dict | None:
    """The status condition of that type (``Ready``, ``Complete``, ``PodScheduled``), or None."""
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == kind:
            return cond
    return None


def is_true(obj: dict, kind: str) -> bool:
    """True when the object's condition of that type says ``status: "True"``.

    Example:
        >>> is_true({"status": {"conditions": [{"type": "Ready", "status": "True"}]}}, "Ready")
        True
    """
    return (condition(obj, kind) or {}).get("status") == "True"
