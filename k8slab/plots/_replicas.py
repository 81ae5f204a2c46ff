"""Replicas over time: a Deployment's desired, updated, available and ready counts.

:class:`ReplicaRecorder` records them from a watch while the learner scales or
rolls out; :func:`replicas_over_time` draws the samples (pure: tested without a cluster).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from matplotlib.ticker import MaxNLocator

from k8slab._base import display as _display
from k8slab._core.background_watch import BackgroundWatch
from k8slab._core.objects import selector_string
from k8slab._core.pod_lifecycle import timeline_rows
from k8slab._core.resources import get, resource_for
from k8slab.errors import K8sLabError, ManifestError, WaitTimeout
from k8slab.plots._figure import LabFigure, done, figure
from k8slab.plots._lifecycle import plot_timeline

#: (series, colour, line width, line style): thick lines under thin ones, so
#: equal values stay visible as stacked strokes.
SERIES = (
    ("desired", "#9e9e9e", 6.0, "-"),
    ("updated", "#1f77b4", 4.0, "-"),
    ("available", "#ff7f0e", 2.6, "-"),
    ("ready", "#2ca02c", 1.4, "-"),
    ("pods", "#7b3294", 1.2, ":"),
)


def _marks(marks: Iterable | None) -> list[tuple[float, str]]:
    out = []
    for mark in marks or []:
        if isinstance(mark, dict):
            out.append((float(mark["t"]), str(mark.get("label", ""))))
        else:
            t, label = mark
            out.append((float(t), str(label)))
    return out


def replicas_over_time(samples: list[dict], marks: Iterable | None = None, *,
                       title: str | None = None) -> LabFigure:
    """Step plot of a Deployment's replica counts over time.

    Args:
        samples: dicts with ``t`` (seconds) and any of ``desired``, ``updated``,
            ``available``, ``ready``, ``pods`` (what :class:`ReplicaRecorder` records).
        marks: events to draw as vertical lines: ``{"t": 3.2, "label": "deleted a pod"}``
            dicts or ``(t, label)`` pairs.
        title: the figure's title.

    Returns:
        The figure; each series is a line labelled with its name.

    Example:
        >>> fig = replicas_over_time([{"t": 0, "desired": 2, "ready": 2},
        ...                           {"t": 1.5, "desired": 4, "ready": 2},
        ...                           {"t": 3.0, "desired": 4, "ready": 4}],
        ...                          marks=[(1.4, "scale to 4")])
        >>> sorted(line.get_label() for line in fig.axes[0].get_lines()
        ...        if line.get_gid().startswith("series:"))
        ['desired', 'ready']
    """
    fig = figure(9, 3.8)
    ax = fig.add_subplot()
    ax.set_title(title or "Replicas over time")
    ax.set_xlabel("seconds since the recording started")
    ax.set_ylabel("replicas")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(True, alpha=0.3)
    if not samples:
        ax.text(0.5, 0.5, "no samples yet: start the recorder, then change the Deployment",
                ha="center", va="center", transform=ax.transAxes, color="#777")
        return done(fig)
    times = [float(s["t"]) for s in samples]
    top = 1
    for name, colour, width, style in SERIES:
        if not any(name in s for s in samples):
            continue
        values = [int(s.get(name) or 0) for s in samples]
        top = max(top, *values)
        ax.step(times, values, where="post", label=name, color=colour, linewidth=width,
                linestyle=style, alpha=0.9, gid=f"series:{name}")
    ax.set_ylim(-0.3, top + 1.2)
    for t, label in _marks(marks):
        ax.axvline(t, color="#444", linestyle="--", linewidth=0.9, gid=f"mark:{label}")
        ax.text(t, top + 1.1, f" {label}", rotation=90, va="top", ha="left", fontsize=8,
                color="#444")
    ax.legend(loc="lower right", fontsize=8, ncols=5)
    return done(fig)


class ReplicaRecorder:
    """Record a Deployment's replica counts, from a watch, while you change it.

    Starts two background watches (the Deployment, and its pods unless
    ``pods=False``) and appends a sample each time a count changes:
    ``desired`` (``spec.replicas``), ``updated``, ``available`` and ``ready``
    (from ``status``), and ``pods`` (pods that exist and are not being deleted).
    Watching, rather than polling, catches every step the controllers take.

    Args:
        name: the Deployment.
        namespace: its namespace.
        pods: also follow the pods (``pods`` series, :meth:`timeline`).
        timeout: stop recording by itself after this many seconds.

    Example:
        >>> rec = ReplicaRecorder("web", "demo").start()              # doctest: +SKIP
        >>> rec.mark("scale to 5"); lab.apply(web_with_5, "demo")     # doctest: +SKIP
        >>> rec.wait_for(ready=5); rec.stop()                          # doctest: +SKIP
        >>> rec.plot(title="Scaling up")                               # doctest: +SKIP
    """

    def __init__(self, name: str, namespace: str, *, pods: bool = True,
                 timeout: float = 600) -> None:
        self.name, self.namespace = name, namespace
        self.follow_pods = pods
        self.timeout = timeout
        self._samples: list[dict] = []
        self._marks: list[dict] = []
        self._pods: dict[str, dict] = {}
        self._seen: list[str] = []
        self._versions: list[dict] = []
        self._deployment: dict | None = None
        self._cond = threading.Condition()
        self._t0 = 0.0
        self._watches: list[BackgroundWatch] = []
        self._pod_watch: BackgroundWatch | None = None

    # -- life cycle ---------------------------------------------------------
    def start(self) -> ReplicaRecorder:
        """Start recording (the first sample is the Deployment as it is now)."""
        if self._watches:
            raise K8sLabError("This recorder has already been started.",
                              "Make a new ReplicaRecorder for a new recording.")
        with _display.quiet():
            deployment = get("Deployment", self.name, self.namespace)
            path = resource_for("Deployment").path(namespace=self.namespace)
        _display.announce(
            _display.kubectl("get", "deployment", self.name, "-n", self.namespace, "--watch"),
            "GET", f"{path}?watch=true&fieldSelector=metadata.name={self.name}")
        self._t0 = time.monotonic()
        if self.follow_pods:
            selector = selector_string((deployment.get("spec") or {}).get("selector"))
            self._pod_watch = BackgroundWatch("Pod", self.namespace, labels=selector or None,
                                              timeout=self.timeout, on_change=self._on_pod)
            self._watches.append(self._pod_watch.start())
        self._watches.append(BackgroundWatch(
            "Deployment", self.namespace, name=self.name, timeout=self.timeout,
            on_change=self._on_deployment).start())
        return self

    def stop(self) -> ReplicaRecorder:
        """Stop the watches and close the series at the current time.

        Raises:
            K8sLabError: a watch failed meanwhile (e.g. the namespace was deleted).
        """
        for w in self._watches:
            w.stop(wait=0)
        for w in self._watches:
            w.stop()
        with self._cond:
            if self._samples:
                last = dict(self._samples[-1])
                now = self._now()
                if now > last["t"]:
                    last.update(t=now, note="recording stopped")
                    self._samples.append(last)
        for w in self._watches:
            if w.error is not None:
                raise w.error
        return self

    def __enter__(self) -> ReplicaRecorder:
        return self.start()

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.stop()
        else:
            for w in self._watches:
                w.stop()

    @property
    def recording(self) -> bool:
        """True while the watches run."""
        return any(w.running for w in self._watches)

    @property
    def threads(self) -> list[threading.Thread]:
        """The watch threads (for tests and the curious)."""
        return [w.thread for w in self._watches]

    # -- data ---------------------------------------------------------------
    def _now(self) -> float:
        return round(time.monotonic() - self._t0, 3)

    def _on_deployment(self, event: str, obj: dict) -> None:
        with self._cond:
            self._deployment = None if event == "DELETED" else obj
            self._sample(f"deployment {event.lower()}")

    def _on_pod(self, event: str, obj: dict) -> None:
        name = obj["metadata"]["name"]
        with self._cond:
            self._versions.append(obj)
            if event == "DELETED":
                self._pods.pop(name, None)
            else:
                self._pods[name] = obj
                if name not in self._seen:
                    self._seen.append(name)
            if self._deployment is not None:
                self._sample(f"pod {name} {event.lower()}")

    def _sample(self, note: str) -> None:
        dep = self._deployment or {}
        spec, status = dep.get("spec") or {}, dep.get("status") or {}
        sample: dict[str, float | str] = {"t": self._now(),
                  "desired": int(spec.get("replicas", 1) if dep else 0),
                  "ready": int(status.get("readyReplicas") or 0),
                  "updated": int(status.get("updatedReplicas") or 0),
                  "available": int(status.get("availableReplicas") or 0)}
        if self.follow_pods:
            sample["pods"] = sum(1 for p in self._pods.values()
                                 if not p["metadata"].get("deletionTimestamp"))
        keys = [k for k in sample if k != "t"]
        if self._samples and all(self._samples[-1][k] == sample[k] for k in keys):
            return
        sample["note"] = note
        self._samples.append(sample)
        self._cond.notify_all()

    @property
    def samples(self) -> list[dict]:
        """The samples so far: ``t``, ``desired``, ``ready``, ``updated``, ``available``
        (and ``pods``), plus ``note``: the change that triggered it."""
        with self._cond:
            return [dict(s) for s in self._samples]

    @property
    def marks(self) -> list[dict]:
        """The notes added with :meth:`mark`, as ``{"t", "label"}``."""
        with self._cond:
            return [dict(m) for m in self._marks]

    @property
    def pods_seen(self) -> list[str]:
        """Names of every pod seen while recording, in order of appearance."""
        with self._cond:
            return list(self._seen)

    def mark(self, label: str) -> None:
        """Note an event at the current time (drawn as a vertical line by :meth:`plot`)."""
        with self._cond:
            self._marks.append({"t": self._now(), "label": label})

    def wait_for(self, timeout: float = 60, **expected: int) -> dict:
        """Wait until the latest sample has the given values, e.g. ``wait_for(ready=5)``.

        Raises:
            WaitTimeout: the values were not reached in time (the message shows the last sample).
        """
        deadline = time.monotonic() + timeout

        def reached() -> bool:
            return bool(self._samples) and all(
                self._samples[-1].get(k) == v for k, v in expected.items())

        with self._cond:
            while not reached():
                left = deadline - time.monotonic()
                errors = [w.error for w in self._watches if w.error is not None]
                if errors:
                    raise errors[0]
                if left <= 0 or not self.recording:
                    last = self._samples[-1] if self._samples else {}
                    wanted = ", ".join(f"{k}={v}" for k, v in expected.items())
                    raise WaitTimeout(
                        f"deployment/{self.name} did not reach {wanted} "
                        f"within {timeout:.0f}s; last sample: {last}.",
                        "Look at lab.events(namespace) or lab.diagnose('Deployment', "
                        f"{self.name!r}, namespace) for what holds it back.")
                self._cond.wait(min(left, 0.5))
            return dict(self._samples[-1])

    def frame(self):
        """The samples as a pandas DataFrame (one row per change)."""
        import pandas as pd

        return pd.DataFrame(self.samples)

    def plot(self, title: str | None = None) -> LabFigure:
        """Step plot of the samples, with the marks as vertical lines."""
        return replicas_over_time(self.samples, self.marks, title=title or
                                  f"deployment/{self.name}: replicas over time")

    def timeline(self, title: str | None = None) -> LabFigure:
        """Lifecycles of every pod seen while recording, deleted ones included."""
        if self._pod_watch is None:
            raise ManifestError("This recorder does not follow pods.",
                                "Create it with ReplicaRecorder(name, namespace, pods=True).")
        with self._pod_watch.lock:
            gone = dict(self._pod_watch.gone)
        with self._cond:
            versions = list(self._versions)
        return plot_timeline(timeline_rows(versions, gone=gone),
                             title=title or f"pods of deployment/{self.name}")

    def __repr__(self) -> str:
        state = "recording" if self.recording else "stopped"
        return (f"<ReplicaRecorder deployment/{self.name} in {self.namespace}: "
                f"{len(self._samples)} samples, {state}>")
