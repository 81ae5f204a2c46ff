"""Following the cluster over time: background watches, pod lifecycles, show-once output.

Three small tools shared by :mod:`k8slab.plots` and :mod:`k8slab.widgets`:

* :class:`BackgroundWatch` keeps an up-to-date copy of some objects from
  ``lab.watch`` running in a thread, so a cell can start it, return, and let the
  learner scale or delete things in the next cells while it keeps listening.
* :func:`timeline_rows` turns a pod's timestamps into lifecycle segments
  (pending, starting, ready, terminating...): pure, so it is unit-tested on
  captured objects.
* :class:`ShowOnce` displays a result when it is created (in a notebook) and
  not a second time when the same cell also returns it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from . import _display
from ._objects import parse_time

#: How long :meth:`BackgroundWatch.stop` may take: ``lab.watch`` asks the
#: server in rounds of at most two seconds when it can be stopped, because a
#: request blocked on the network cannot be interrupted, only allowed to end.
RESYNC_SECONDS = 2.0

# ---------------------------------------------------------------------------
# Background watch
# ---------------------------------------------------------------------------

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
        from ._resources import list_

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
        from ._watch import watch

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


# ---------------------------------------------------------------------------
# Pod lifecycles from timestamps
# ---------------------------------------------------------------------------

#: Lifecycle states, in the order a pod goes through them.
STATES = ("pending", "starting", "running", "ready", "finished", "terminating")



def _condition_true_since(versions: list[dict], kind: str) -> datetime | None:
    """Earliest time any version of the pod reports the condition True."""
    times = [parse_time(cond.get("lastTransitionTime"))
             for pod in versions for cond in (pod.get("status") or {}).get("conditions") or []
             if cond.get("type") == kind and cond.get("status") == "True"]
    return min((t for t in times if t is not None), default=None)


def _container_times(pod: dict) -> tuple[datetime | None, datetime | None]:
    """(first container start, last container finish if every container finished)."""
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    starts, ends = [], []
    for cs in statuses:
        state = cs.get("state") or {}
        running, terminated = state.get("running"), state.get("terminated")
        if running and running.get("startedAt"):
            starts.append(parse_time(running["startedAt"]))
        if terminated:
            if terminated.get("startedAt"):
                starts.append(parse_time(terminated["startedAt"]))
            if terminated.get("finishedAt"):
                ends.append(parse_time(terminated["finishedAt"]))
    finished = max(ends) if ends and len(ends) == len(statuses) else None
    return (min(starts) if starts else None), finished


def timeline_rows(pods: list[dict], now: datetime | None = None,
                  gone: dict[str, datetime] | None = None) -> list[dict]:
    """Each pod's lifecycle as time segments, from the timestamps the API keeps.

    A pod records when it was created, when the scheduler placed it
    (``PodScheduled`` condition), when it became ``Ready``, when its
    containers started and finished, and when its deletion was asked
    (``deletionTimestamp`` minus the grace period: the timestamp itself is the
    *deadline* of the graceful stop). Segments:

    * ``pending``: created, waiting for a node;
    * ``starting``: on a node, containers not running/ready yet;
    * ``ready`` (or ``running`` when never Ready): serving;
    * ``finished``: every container exited (Job pods);
    * ``terminating``: deletion asked, the pod is shutting down.

    Args:
        pods: pod dicts, as ``lab.list("Pod", ns)`` returns them. Several versions
            of one pod (as a watch delivers them, oldest first) are merged: the
            last one gives the current state, earlier ones keep moments the last
            one forgot (a pod being deleted is no longer Ready, but it was).
        now: the end of still-open segments (default: the current time).
        gone: pod name -> when it vanished, for pods already deleted (a
            :class:`BackgroundWatch` records it); their segments end there.

    Returns:
        One dict per pod, oldest first: ``name``, ``node``, ``phase``,
        ``created``, ``end`` and ``segments`` (list of ``{"state", "start", "end"}``).

    Example:
        >>> pod = {"metadata": {"name": "p", "creationTimestamp": "2024-01-01T00:00:00Z"},
        ...        "status": {"phase": "Pending"}}
        >>> rows = timeline_rows([pod], now=datetime(2024, 1, 1, 0, 0, 5, tzinfo=UTC))
        >>> [(s["state"], (s["end"] - s["start"]).seconds) for s in rows[0]["segments"]]
        [('pending', 5)]
    """
    now = now or datetime.now(UTC)
    gone = gone or {}
    versions: dict[str, list[dict]] = {}
    for pod in pods:
        versions.setdefault((pod.get("metadata") or {}).get("name", ""), []).append(pod)
    rows = []
    for name, seen in versions.items():
        pod = seen[-1]
        meta, status = pod.get("metadata") or {}, pod.get("status") or {}
        created = parse_time(meta.get("creationTimestamp"))
        if created is None:
            continue
        end = gone.get(name, now)
        scheduled = _condition_true_since(seen, "PodScheduled")
        ready = _condition_true_since(seen, "Ready")
        started = min((t for t in (_container_times(v)[0] for v in seen) if t is not None),
                      default=None)
        finished = _container_times(pod)[1]
        if finished is None and status.get("phase") in ("Succeeded", "Failed"):
            finished = _latest_condition_time(pod) or started
        deleting = parse_time(meta.get("deletionTimestamp"))
        if deleting is not None:
            deleting -= timedelta(seconds=int(meta.get("deletionGracePeriodSeconds") or 0))
        stop = min((t for t in (finished, deleting) if t is not None), default=end)
        serving = ready or started
        marks: list[tuple[str, datetime | None, datetime | None]] = [
            ("pending", created, scheduled or stop),
            ("starting", scheduled, serving or stop),
            ("ready" if ready else "running", serving, stop),
            ("finished", finished, deleting or end),
            ("terminating", deleting, end),
        ]
        segments = []
        for state, start, stop_at in marks:
            if start is None or stop_at is None:
                continue
            start, stop_at = max(start, created), min(stop_at, end)
            if stop_at >= start:
                segments.append({"state": state, "start": start, "end": stop_at})
        rows.append({"name": name, "node": (pod.get("spec") or {}).get("nodeName") or "",
                     "phase": "Terminating" if meta.get("deletionTimestamp")
                     else status.get("phase", "Pending"),
                     "created": created, "end": end, "segments": segments})
    rows.sort(key=lambda r: (r["created"], r["name"]))
    return rows


def _latest_condition_time(pod: dict) -> datetime | None:
    times = [parse_time(c.get("lastTransitionTime"))
             for c in (pod.get("status") or {}).get("conditions") or []]
    return max((t for t in times if t is not None), default=None)


# ---------------------------------------------------------------------------
# Show once per cell
# ---------------------------------------------------------------------------

def execution_count() -> int | None:
    """The running cell's number in a notebook, None elsewhere."""
    if not _display.in_notebook():
        return None
    from IPython import get_ipython

    ip = get_ipython()
    return getattr(ip, "execution_count", None)


class ShowOnce:
    """Displayed when made (in a notebook), and not again if the cell also returns it.

    A helper that both displays its result and returns it would otherwise show
    it twice when it is a cell's last line. Subclasses give the MIME bundle;
    ``text/plain`` should be a sentence, since it is what a headless run
    (papermill) keeps and what a reader of the saved notebook sees.
    """

    _shown_in: int | None = None

    def _bundle(self) -> dict:
        raise NotImplementedError

    def _text(self) -> str:
        return str(self._bundle().get("text/plain", ""))

    def _ipython_display_(self) -> None:
        count = execution_count()
        if count is not None and count == self._shown_in:
            return
        self._shown_in = count
        from IPython.display import display

        display(self._bundle(), raw=True)

    def _publish(self, *, echo: bool = True) -> None:
        """Display in a notebook; elsewhere print the text summary (when ``echo``)."""
        if _display.in_notebook():
            self._ipython_display_()
        elif echo:
            print(self._text())
