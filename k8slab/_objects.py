"""Pure helpers on API objects as dicts: timestamps and ages.

Why one module: tables, timelines, the architecture view and the kubelet
view all read the API's RFC 3339 timestamps; they read them the same way
here, and this module imports nothing of k8slab, so every layer may use it.

Example:
    >>> parse_time("2024-05-01T10:00:00Z").isoformat()
    '2024-05-01T10:00:00+00:00'
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
