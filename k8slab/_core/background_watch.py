"""A live copy of some objects, kept current by ``lab.watch`` in a daemon thread.

Why a thread: a cell can start :class:`BackgroundWatch`, return, and let the
learner scale or delete things in the next cells while it keeps listening.
:mod:`k8slab.plots` (the replica recorder, pod timelines) and
:mod:`k8slab.widgets` (the slider, the live pod table) follow the cluster this way.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from k8slab._base import display as _display
from k8slab._core.resources import list_
from k8slab._core.watch import watch

#: How long :meth:`BackgroundWatch.stop` may take: ``lab.watch`` asks the
#: server in rounds of at most two seconds when it can be stopped, because a
#: request blocked on the network cannot be interrupted, only allowed to end.
RESYNC_SECONDS = 2.0


ChangeCallback = Callable[[str, dict], None]


def _name(obj: dict) -> str:
    return (obj.get("metadata") or {}).get("name", "")


def _version(obj: dict) -> str:
    return (obj.get("metadata") or {}).get("resourceVersion", "")


class BackgroundWatch:
    """A live copy of some objects, kept current by ``lab.watch`` in a daemon thread.

    The first listing happens in the caller's thread (so ``objects`` is filled
    when :meth:`start` returns); then the thread follows changes with one
    ``lab.watch`` that :meth:`stop` ends within :data:`RESYNC_SECONDS`.

    Args:
        kind: what to follow (``Pod``, ``Deployment``...).
        namespace: where.
        name: only this object.
        labels: a label selector (``"app=web"``).
        timeout: stop by itself after this many seconds.
        on_change: called as ``on_change(event_type, obj)`` after each change:
            ``EXISTING`` for the first listing (in the caller's thread), then
            ``ADDED``, ``MODIFIED``, ``DELETED`` from the watch thread. It must
            not block: keep it to updating a copy or a widget.
        on_stop: called once when the thread ends (stopped, timed out or failed).

    Example:
        >>> w = BackgroundWatch("Pod", "demo", labels="app=web").start()  # doctest: +SKIP
        >>> sorted(w.objects)                                             # doctest: +SKIP
        ['web-7c9d-2x8kq', 'web-7c9d-9hj4s']
        >>> w.stop()                                                      # doctest: +SKIP
    """

    def __init__(self, kind: str, namespace: str | None, *, name: str | None = None,
                 labels: str | None = None, timeout: float = 300.0,
                 on_change: ChangeCallback | None = None,
                 on_stop: Callable[[], None] | None = None) -> None:
        self.kind, self.namespace, self.name, self.labels = kind, namespace, name, labels
        self.timeout = timeout
        self.on_change = on_change
        self.on_stop = on_stop
        self.objects: dict[str, dict] = {}
        #: when each deleted object was seen disappearing
        self.gone: dict[str, datetime] = {}
        self.events_seen = 0
        self.error: BaseException | None = None
        self.lock = threading.RLock()
        self._stop = threading.Event()
        self._deadline = 0.0
        self.thread = threading.Thread(target=self._run, daemon=True,
                                       name=f"k8slab-watch-{kind.lower()}-{namespace}")

    @property
    def running(self) -> bool:
        """True while the watch thread is alive."""
        return self.thread.is_alive()

    def start(self) -> BackgroundWatch:
        """List the objects now, then follow them from the background thread."""
        fields = f"metadata.name={self.name}" if self.name else None
        with _display.quiet():
            items = list_(self.kind, self.namespace, labels=self.labels, fields=fields)
        with self.lock:
            for obj in items:
                self._store("EXISTING", obj)
        self._deadline = time.monotonic() + self.timeout
        self.thread.start()
        return self

    def stop(self, wait: float | None = None) -> None:
        """Ask the thread to end and wait for it (at most a watch request's length)."""
        self._stop.set()
        if self.thread.is_alive() and threading.current_thread() is not self.thread:
            self.thread.join(RESYNC_SECONDS + 5 if wait is None else wait)

    def _store(self, event: str, obj: dict) -> None:
        key = _name(obj)
        if event == "DELETED":
            self.objects.pop(key, None)
            self.gone[key] = datetime.now(UTC)
        else:
            self.objects[key] = obj
            self.gone.pop(key, None)
        if self.on_change is not None:
            self.on_change(event, obj)

    def _resync(self, listed: dict[str, dict]) -> None:
        """Drop objects a fresh listing no longer shows (deleted between two requests)."""
        for key in [k for k in self.objects if k not in listed]:
            self._store("DELETED", self.objects[key])

    def _run(self) -> None:
        try:
            with _display.quiet():   # this thread's reads echo nothing into cells
                stream = watch(self.kind, self.namespace, name=self.name, labels=self.labels,
                               timeout=max(0.0, self._deadline - time.monotonic()),
                               initial=True, stop=self._stop)
                listed: dict[str, dict] = {}
                synced = False
                try:
                    for event, obj in stream:
                        if self._stop.is_set():
                            break
                        with self.lock:
                            if event == "EXISTING":
                                listed[_name(obj)] = obj
                                known = self.objects.get(_name(obj))
                                if known is None or _version(known) != _version(obj):
                                    self._store("ADDED" if known is None else "MODIFIED", obj)
                                continue
                            if not synced:
                                self._resync(listed)
                                synced = True
                            self.events_seen += 1
                            self._store(event, obj)
                finally:
                    stream.close()
        except Exception as exc:  # kept for the owner to show; a thread cannot raise to a cell
            self.error = exc
        finally:
            if self.on_stop is not None:
                with contextlib.suppress(Exception):
                    self.on_stop()
