"""Watching objects and events, with a deadline and recovery from expired versions.

A watch starts from a list's resourceVersion; if the server has compacted past
it (HTTP 410 "Gone", common after a laptop sleeps) we list again and go on,
instead of surfacing an error a learner cannot act on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import urllib3.exceptions
from kubernetes import watch as k8s_watch
from kubernetes.client.exceptions import ApiException

from k8slab._base import display as _display
from k8slab._core import request
from k8slab._core.api_errors import translate
from k8slab._core.resources import dynamic, resource_for


@dataclass(frozen=True)
class _Listing:
    """What one list call answered: the objects, and the resourceVersion to watch from."""

    items: list[dict]
    version: str


def watch(kind: str, namespace: str | None = None, *, name: str | None = None,
          labels: str | None = None, timeout: float = 30, initial: bool = True,
          stop: threading.Event | None = None, synced: bool = False
          ) -> Iterator[tuple[str, dict]]:
    """Yield ``(event_type, object)`` pairs until ``timeout`` seconds have passed.

    Args:
        kind: what to watch (``Pod``, ``Event``, ``Deployment``...).
        name: only this object.
        labels: a label selector.
        timeout: total seconds to watch; the generator ends then.
        initial: first yield the current objects as ``("EXISTING", obj)``.
        stop: an event another thread sets to end the watch early; the server is
            then asked in rounds of at most two seconds (resuming from the last
            resourceVersion, without re-listing) so that the stop takes effect soon.
        synced: after the initial objects, yield ``("SYNCED", {})`` once, so a
            caller can tell "nothing exists" from "nothing happened yet".

    Example:
        >>> for kind_of_change, pod in lab.watch("Pod", "demo", timeout=5):  # doctest: +SKIP
        ...     print(kind_of_change, pod["metadata"]["name"], pod["status"].get("phase"))
    """
    res = resource_for(kind)
    ns = namespace if res.namespaced else None
    fields = f"metadata.name={name}" if name else None
    dyn = dynamic()

    def listing() -> _Listing:
        answer = dyn.get(res, namespace=ns, label_selector=labels, field_selector=fields)
        return _Listing([item.to_dict() for item in answer.items],
                        answer.metadata.resourceVersion)

    def relist() -> _Listing:  # after an expired version (410): not announced again
        return request.send("list", res, namespace=ns, quiet=True, call=listing)

    # The first list is the request the learner's `kubectl get --watch` line stands for.
    first = request.send(
        "list", res, namespace=ns, method="GET", call=listing,
        kubectl=_display.kubectl("get", res.name, *([name] if name else []),
                                 *(("-n", ns) if ns else ()),
                                 *(("-l", labels) if labels else ()), "--watch"),
        path=res.path(namespace=ns) + "?" + "&".join(
            f"{k}={v}" for k, v in (("labelSelector", labels), ("fieldSelector", fields),
                                    ("watch", "true")) if v))
    deadline = time.monotonic() + timeout
    version = first.version
    if initial:
        for item in first.items:
            yield "EXISTING", item
    if synced:
        yield "SYNCED", {}
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or (stop is not None and stop.is_set()):
            return
        rounds = max(1, int(remaining)) if stop is None else max(1, min(int(remaining), 2))
        watcher = k8s_watch.Watch()
        try:
            for event in dyn.watch(res, namespace=ns, label_selector=labels,
                                   field_selector=fields, resource_version=version,
                                   timeout=rounds, watcher=watcher):
                obj = event["raw_object"]
                if event["type"] == "ERROR":
                    if obj.get("code") == 410:
                        version = relist().version
                        break
                    raise translate(ApiException(status=obj.get("code", 500),
                                                 reason=obj.get("message", "")),
                                    action="watch", kind=res.kind, namespace=ns)
                if event["type"] == "BOOKMARK":
                    continue
                version = obj.get("metadata", {}).get("resourceVersion", version)
                yield event["type"], obj
                if time.monotonic() >= deadline or (stop is not None and stop.is_set()):
                    return
        except ApiException as exc:
            if exc.status == 410:
                version = relist().version
                continue
            raise translate(exc, action="watch", kind=res.kind, namespace=ns) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:  # the stream broke mid-read
            raise translate(exc, action="watch", kind=res.kind, namespace=ns) from exc
        finally:
            watcher.stop()
