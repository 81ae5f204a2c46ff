"""Pictures of what the cluster does: replicas over time, pod lifecycles, resources, owners.

Each plotting function returns a matplotlib ``Figure`` and, in a notebook, also
shows it (once, even when the cell returns it too). Figures are made without
``pyplot``: nothing global, no GUI backend, so they work headless (papermill,
CI) and from any thread. Each function has a pure builder next to it
(:func:`replicas_over_time`, :func:`timeline_rows`, :func:`resource_rows`,
:func:`owner_graph`) that turns object dicts into data, tested without a cluster.

Example:
    >>> from k8slab import plots
    >>> with plots.ReplicaRecorder("web", "demo") as rec:        # doctest: +SKIP
    ...     lab.apply(scaled_to_5, "demo")
    ...     rec.wait_for(ready=5)
    >>> rec.plot(title="Scaling web from 3 to 5")                 # doctest: +SKIP
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch
from matplotlib.ticker import MaxNLocator

from . import _display
from ._timeline import BackgroundWatch, ShowOnce, timeline_rows
from .errors import K8sLabError, ManifestError, WaitTimeout

__all__ = [
    "ReplicaRecorder",
    "owner_graph",
    "owner_tree",
    "parse_quantity",
    "plot_owner_graph",
    "plot_resources",
    "plot_timeline",
    "pod_timeline",
    "replicas_over_time",
    "resource_rows",
    "resources",
    "timeline_rows",
]


class LabFigure(ShowOnce, Figure):
    """A matplotlib Figure that shows itself once per notebook cell."""

    def _bundle(self) -> dict:
        from IPython.core.pylabtools import print_figure

        return {"image/png": print_figure(self, fmt="png", bbox_inches="tight", base64=True),
                "text/plain": repr(self)}


def _figure(width: float, height: float) -> LabFigure:
    return LabFigure(figsize=(width, height), layout="constrained")


def _done(fig: LabFigure) -> LabFigure:
    fig._publish(echo=False)
    return fig


def _selector(labels: str | dict | None) -> str | None:
    if labels is None or isinstance(labels, str):
        return labels
    return ",".join(f"{k}={v}" for k, v in labels.items())


# ---------------------------------------------------------------------------
# Replicas over time
# ---------------------------------------------------------------------------

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
    fig = _figure(9, 3.8)
    ax = fig.add_subplot()
    ax.set_title(title or "Replicas over time")
    ax.set_xlabel("seconds since the recording started")
    ax.set_ylabel("replicas")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(True, alpha=0.3)
    if not samples:
        ax.text(0.5, 0.5, "no samples yet: start the recorder, then change the Deployment",
                ha="center", va="center", transform=ax.transAxes, color="#777")
        return _done(fig)
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
    return _done(fig)


def _match_labels(selector: dict) -> str:
    """A label selector object (``spec.selector``) as the ``-l`` string kubectl takes."""
    parts = [f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items()]
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In":
            parts.append(f"{key} in ({','.join(values)})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({','.join(values)})")
        elif op == "Exists":
            parts.append(str(key))
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts)


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
        from ._resources import get, resource_for

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
            selector = _match_labels((deployment.get("spec") or {}).get("selector") or {})
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
        sample = {"t": self._now(),
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


# ---------------------------------------------------------------------------
# Pod timeline
# ---------------------------------------------------------------------------

STATE_COLOURS = {
    "pending": "#bdbdbd",
    "starting": "#f0ad4e",
    "running": "#5bc0de",
    "ready": "#5cb85c",
    "finished": "#337ab7",
    "terminating": "#d9534f",
}


def plot_timeline(rows: list[dict], *, title: str | None = None) -> LabFigure:
    """Gantt-like chart of :func:`timeline_rows`: one bar per pod, coloured by state."""
    fig = _figure(10, 1.2 + 0.45 * max(len(rows), 2))
    ax = fig.add_subplot()
    ax.set_title(title or "Pod lifecycles")
    if not rows:
        ax.text(0.5, 0.5, "no pods", ha="center", va="center", transform=ax.transAxes,
                color="#777")
        ax.set_axis_off()
        return _done(fig)
    origin = min(r["created"] for r in rows)
    used: set[str] = set()
    for y, row in enumerate(rows):
        for seg in row["segments"]:
            left = (seg["start"] - origin).total_seconds()
            width = max((seg["end"] - seg["start"]).total_seconds(), 0.12)
            ax.barh(y, width, left=left, height=0.6, color=STATE_COLOURS[seg["state"]],
                    edgecolor="white", linewidth=0.5, gid=f"segment:{row['name']}:{seg['state']}")
            used.add(seg["state"])
    ax.set_yticks(range(len(rows)),
                  [f"{r['name']}  ({r['node'] or 'no node'})" for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(f"seconds since {origin:%H:%M:%S} UTC (first pod created)")
    ax.grid(True, axis="x", alpha=0.3)
    fig.legend(handles=[Patch(color=STATE_COLOURS[s], label=s) for s in STATE_COLOURS
                        if s in used], loc="outside lower center", ncols=6, fontsize=8)
    return _done(fig)


def pod_timeline(namespace: str, labels: str | dict | None = None, *,
                 title: str | None = None) -> LabFigure:
    """Chart each pod's lifecycle (pending, starting, ready, terminating) from its timestamps.

    Only pods that still exist can be shown (a deleted pod's record is gone);
    :meth:`ReplicaRecorder.timeline` also shows pods deleted while recording.

    Example:
        >>> plots.pod_timeline("demo", labels="app=web")            # doctest: +SKIP
    """
    from ._resources import list_

    pods = list_("Pod", namespace, labels=labels)
    where = f" ({_selector(labels)})" if labels else ""
    return plot_timeline(timeline_rows(pods, now=datetime.now(UTC)),
                         title=title or f"Pod lifecycles in {namespace}{where}")


# ---------------------------------------------------------------------------
# Resources
# ---------------------------------------------------------------------------

_SUFFIXES = {
    "n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1.0, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
    "P": 1e15, "E": 1e18, "Ki": 2.0**10, "Mi": 2.0**20, "Gi": 2.0**30, "Ti": 2.0**40,
    "Pi": 2.0**50, "Ei": 2.0**60,
}
_QUANTITY = re.compile(
    r"^(?P<num>[+-]?(?:\d+(?:\.\d*)?|\.\d+))"
    r"(?:(?P<exp>[eE][+-]?\d+)|(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$")


def parse_quantity(value: str | float | int) -> float:
    """A Kubernetes quantity as a plain number (cores for CPU, bytes for memory).

    Decimal suffixes count in powers of 1000 (``m`` milli, ``k``, ``M``, ``G``...),
    binary ones in powers of 1024 (``Ki``, ``Mi``, ``Gi``...): ``1G`` is
    1 000 000 000 bytes, ``1Gi`` is 1 073 741 824. Case matters: ``m`` is milli,
    ``M`` is mega.

    Raises:
        ManifestError: the text is not a quantity (the message says how to write one).

    Example:
        >>> parse_quantity("100m"), parse_quantity("0.5"), parse_quantity("512Mi")
        (0.1, 0.5, 536870912.0)
        >>> parse_quantity("1G"), parse_quantity("1e3")
        (1000000000.0, 1000.0)
    """
    if isinstance(value, bool):
        raise ManifestError(f"{value!r} is not a quantity.", "Write a number, like '250m' or 1.")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    found = _QUANTITY.match(text)
    if not found:
        hint = ("Write a number with an optional suffix: m (thousandths, for CPU), "
                "k, M, G, T (powers of 1000) or Ki, Mi, Gi, Ti (powers of 1024), "
                "e.g. '250m', '0.5', '512Mi', '1G'.")
        if re.fullmatch(r"[\d.]+\s*[KMGTPE]?i?B", text, flags=re.IGNORECASE):
            hint = (f"Drop the 'B': Kubernetes writes {text.rstrip('bB')} "
                    "(no byte unit); 'Mi' means 2^20 bytes, 'M' means 10^6.")
        elif re.fullmatch(r"[\d.]+\s*[kmgtpe]i", text):
            hint = f"Binary suffixes are capitalised: {text[:-2]}{text[-2].upper()}i."
        raise ManifestError(f"{value!r} is not a Kubernetes quantity.", hint)
    number = float(found["num"])
    if found["exp"]:
        return number * 10.0 ** int(found["exp"][1:])
    return number * _SUFFIXES[found["suffix"] or ""]


def _workload(pod: dict) -> str:
    meta = pod.get("metadata") or {}
    for owner in meta.get("ownerReferences") or []:
        if owner.get("controller"):
            return f"{owner['kind']}/{owner['name']}"
    return f"Pod/{meta.get('name', '')}"


def resource_rows(pods: list[dict]) -> list[dict]:
    """CPU and memory requests and limits per container, pods of one workload merged.

    Pods made by one controller (a ReplicaSet, a StatefulSet...) share a
    template, so they are counted together (``pods``) rather than listed one by one.

    Returns:
        One dict per (workload, container): ``workload``, ``container``, ``init``,
        ``pods``, ``label``, and ``cpu_request``, ``cpu_limit`` (cores),
        ``memory_request``, ``memory_limit`` (bytes), each None when unset.

    Example:
        >>> pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c",
        ...        "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}}}]}}
        >>> row = resource_rows([pod])[0]
        >>> row["cpu_request"], row["memory_request"], row["cpu_limit"]
        (0.25, 67108864.0, None)
    """
    rows: dict[tuple[str, str, bool], dict] = {}
    for pod in sorted(pods, key=lambda p: (p.get("metadata") or {}).get("name", "")):
        spec = pod.get("spec") or {}
        workload = _workload(pod)
        containers = [(c, True) for c in spec.get("initContainers") or []] + [
            (c, False) for c in spec.get("containers") or []]
        for container, init in containers:
            key = (workload, container.get("name", ""), init)
            if key in rows:
                rows[key]["pods"] += 1
                continue
            res = container.get("resources") or {}
            requests, limits = res.get("requests") or {}, res.get("limits") or {}

            def amount(table: dict, what: str) -> float | None:
                return parse_quantity(table[what]) if what in table else None

            rows[key] = {"workload": workload, "container": key[1], "init": init, "pods": 1,
                         "cpu_request": amount(requests, "cpu"),
                         "cpu_limit": amount(limits, "cpu"),
                         "memory_request": amount(requests, "memory"),
                         "memory_limit": amount(limits, "memory")}
    for row in rows.values():
        name = row["workload"].split("/", 1)[1]
        count = f" ×{row['pods']}" if row["pods"] > 1 else ""
        row["label"] = f"{name}{count} · {row['container']}{' (init)' if row['init'] else ''}"
    return list(rows.values())


def plot_resources(rows: list[dict], *, title: str | None = None) -> LabFigure:
    """Bar chart of :func:`resource_rows`: CPU (millicores) and memory (MiB), per container.

    Each container gets a request bar and a limit bar per resource; an unset
    value has no bar (no request means the scheduler reserves nothing; no limit
    means the container may use whatever the node has left).
    """
    fig = _figure(11, 1.6 + 0.6 * max(len(rows), 2))
    cpu_ax, mem_ax = fig.subplots(1, 2, sharey=True)
    fig.suptitle(title or "CPU and memory requests and limits, per container")
    if not rows:
        cpu_ax.text(0.5, 0.5, "no pods", ha="center", va="center",
                    transform=cpu_ax.transAxes, color="#777")
    panels = ((cpu_ax, "cpu", 1000.0, "CPU (millicores)"),
              (mem_ax, "memory", 1.0 / 2**20, "memory (MiB)"))
    colours = {"request": "#4c72b0", "limit": "#dd8452"}
    for ax, what, scale, label in panels:
        for y, row in enumerate(rows):
            for offset, kind in ((-0.2, "request"), (0.2, "limit")):
                value = row[f"{what}_{kind}"]
                if value is None:
                    ax.text(0, y + offset, f" no {kind}", va="center", fontsize=7,
                            color="#999")
                    continue
                ax.barh(y + offset, value * scale, height=0.38, color=colours[kind],
                        gid=f"bar:{what}-{kind}:{row['label']}")
                ax.text(value * scale, y + offset, f" {value * scale:g}", va="center",
                        fontsize=7)
        ax.set_xlabel(label)
        ax.grid(True, axis="x", alpha=0.3)
        biggest = max((row[f"{what}_{kind}"] or 0) * scale for row in rows
                      for kind in ("request", "limit")) if rows else 0
        ax.set_xlim(0, biggest * 1.25 if biggest else 1)
    cpu_ax.set_yticks(range(len(rows)), [r["label"] for r in rows], fontsize=8)
    cpu_ax.set_ylim(len(rows) - 0.45, -0.55)
    fig.legend(handles=[Patch(color=c, label=k) for k, c in colours.items()],
               loc="outside lower center", ncols=2, fontsize=8)
    return _done(fig)


def resources(namespace: str, labels: str | dict | None = None, *,
              title: str | None = None) -> LabFigure:
    """Bar chart of the CPU and memory each container requests and is limited to.

    Example:
        >>> plots.resources("demo")                                  # doctest: +SKIP
    """
    from ._resources import list_

    rows = resource_rows(list_("Pod", namespace, labels=labels))
    return plot_resources(rows, title=title or f"Requests and limits in {namespace}")


# ---------------------------------------------------------------------------
# Owner tree
# ---------------------------------------------------------------------------

#: Column of each kind in the picture: owners on the left, Services on the right.
COLUMNS = {"CronJob": 0, "Deployment": 0, "StatefulSet": 0, "DaemonSet": 0,
           "Job": 1, "ReplicaSet": 1, "Pod": 2, "Service": 3}
KIND_COLOURS = {"Deployment": "#cfe2ff", "StatefulSet": "#cfe2ff", "DaemonSet": "#cfe2ff",
                "CronJob": "#cfe2ff", "ReplicaSet": "#e2d9f3", "Job": "#e2d9f3",
                "Pod": "#d1e7dd", "Service": "#fff3cd"}
#: What each kind owns, to know what to fetch for :func:`owner_tree`.
CHILD_KINDS = {"Deployment": ("ReplicaSet", "Pod"), "CronJob": ("Job", "Pod"),
               "ReplicaSet": ("Pod",), "StatefulSet": ("Pod",), "DaemonSet": ("Pod",),
               "Job": ("Pod",), "Pod": ()}


def _node_id(obj: dict) -> str:
    if "kind" not in obj:
        raise ManifestError(f"Object {(obj.get('metadata') or {}).get('name')!r} has no kind.",
                            "Pass objects as lab.get/lab.list return them (they carry 'kind').")
    return f"{obj['kind']}/{obj['metadata']['name']}"


def _detail(obj: dict) -> str:
    kind, spec, status = obj["kind"], obj.get("spec") or {}, obj.get("status") or {}
    if kind in ("Deployment", "ReplicaSet", "StatefulSet"):
        return f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)} ready"
    if kind == "Pod":
        phase = "Terminating" if obj["metadata"].get("deletionTimestamp") else status.get(
            "phase", "Pending")
        return f"{phase} on {spec['nodeName']}" if spec.get("nodeName") else phase
    if kind == "Service":
        selector = ",".join(f"{k}={v}" for k, v in (spec.get("selector") or {}).items())
        return f"selector {selector}" if selector else "no selector"
    return ""


def _selects(service: dict, pod: dict) -> bool:
    selector = (service.get("spec") or {}).get("selector") or {}
    labels = pod["metadata"].get("labels") or {}
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def owner_graph(objects: list[dict], root: str | None = None
                ) -> tuple[list[dict], list[dict]]:
    """Who owns whom (``ownerReferences``), and which Services select which pods.

    Args:
        objects: object dicts of any kinds (Deployments, ReplicaSets, Pods, Services...).
        root: ``"Deployment/web"`` to keep only that object, what it owns
            (transitively), and the Services selecting those pods.

    Returns:
        ``(nodes, edges)``: nodes are dicts ``id`` (``Kind/name``), ``kind``,
        ``name``, ``column``, ``detail``; edges are dicts ``source``, ``target``,
        ``relation`` (``owns``: owner to owned; ``selects``: Service to Pod).

    Example:
        >>> dep = {"kind": "Deployment", "metadata": {"name": "web", "uid": "1"}}
        >>> rs = {"kind": "ReplicaSet", "metadata": {"name": "web-5d", "uid": "2",
        ...       "ownerReferences": [{"kind": "Deployment", "name": "web", "uid": "1"}]}}
        >>> nodes, edges = owner_graph([dep, rs])
        >>> [(e["source"], e["relation"], e["target"]) for e in edges]
        [('Deployment/web', 'owns', 'ReplicaSet/web-5d')]
    """
    by_id = {_node_id(o): o for o in objects}
    by_uid = {o["metadata"]["uid"]: _node_id(o) for o in objects if o["metadata"].get("uid")}
    edges = []
    for oid, obj in by_id.items():
        for ref in obj["metadata"].get("ownerReferences") or []:
            owner = by_uid.get(ref.get("uid", "")) or f"{ref.get('kind')}/{ref.get('name')}"
            if owner in by_id:
                edges.append({"source": owner, "target": oid, "relation": "owns"})
    keep = set(by_id)
    if root is not None:
        if root not in by_id:
            raise ManifestError(f"{root} is not among the objects given.",
                                "Name the root as Kind/name, e.g. 'Deployment/web'.")
        keep, frontier = {root}, [root]
        while frontier:
            current = frontier.pop()
            for e in edges:
                if e["source"] == current and e["target"] not in keep:
                    keep.add(e["target"])
                    frontier.append(e["target"])
    pods = [by_id[i] for i in sorted(keep) if by_id[i]["kind"] == "Pod"]
    for sid, svc in sorted(by_id.items()):
        if svc["kind"] != "Service":
            continue
        chosen = [p for p in pods if _selects(svc, p)]
        if root is not None and not chosen:
            continue
        keep.add(sid)
        edges.extend({"source": sid, "target": _node_id(p), "relation": "selects"}
                     for p in chosen)
    edges = [e for e in edges if e["source"] in keep and e["target"] in keep]
    max_column = max(COLUMNS.values())
    nodes = [{"id": i, "kind": by_id[i]["kind"], "name": by_id[i]["metadata"]["name"],
              "column": COLUMNS.get(by_id[i]["kind"], max_column + 1),
              "detail": _detail(by_id[i])} for i in keep]
    nodes.sort(key=lambda n: (n["column"], n["name"]))
    edges.sort(key=lambda e: (e["relation"], e["source"], e["target"]))
    return nodes, edges


def plot_owner_graph(nodes: list[dict], edges: list[dict], *,
                     title: str | None = None) -> LabFigure:
    """Draw :func:`owner_graph` with boxes and arrows: owners left, Services right.

    Solid arrows go from an owner to what it owns; dashed ones, labelled
    ``selects``, from a Service to the pods its selector matches.
    """
    columns = sorted({n["column"] for n in nodes})
    place = {c: i for i, c in enumerate(columns)}
    per_column = {c: [n for n in nodes if n["column"] == c] for c in columns}
    tallest = max((len(v) for v in per_column.values()), default=1)
    width, height, dx, dy = 2.7, 0.78, 3.9, 1.05
    fig = _figure(3.2 * max(len(columns), 2), 1.2 + 0.8 * max(tallest, 2))
    ax = fig.add_subplot()
    ax.set_title(title or "Who owns whom")
    ax.set_axis_off()
    centre: dict[str, tuple[float, float]] = {}
    for c, group in per_column.items():
        x = place[c] * dx
        top = (len(group) - 1) * dy / 2
        for k, node in enumerate(group):
            y = top - k * dy
            centre[node["id"]] = (x, y)
            ax.add_patch(FancyBboxPatch(
                (x - width / 2, y - height / 2), width, height,
                boxstyle="round,pad=0.02,rounding_size=0.12", linewidth=1.2,
                facecolor=KIND_COLOURS.get(node["kind"], "#eeeeee"), edgecolor="#555",
                gid=f"node:{node['id']}"))
            ax.text(x, y + 0.16, f"{node['kind']}", ha="center", va="center", fontsize=7,
                    color="#555")
            ax.text(x, y - 0.02, node["name"], ha="center", va="center", fontsize=8,
                    weight="bold")
            ax.text(x, y - 0.22, node["detail"], ha="center", va="center", fontsize=7,
                    color="#333")
    for edge in edges:
        (x1, y1), (x2, y2) = centre[edge["source"]], centre[edge["target"]]
        selects = edge["relation"] == "selects"
        start = (x1 - width / 2, y1) if x2 < x1 else (x1 + width / 2, y1)
        end = (x2 + width / 2, y2) if x2 < x1 else (x2 - width / 2, y2)
        ax.add_patch(FancyArrowPatch(
            start, end, arrowstyle="-|>", mutation_scale=11, linewidth=1.1,
            linestyle="--" if selects else "-", color="#b8860b" if selects else "#444",
            shrinkA=2, shrinkB=2,
            gid=f"edge:{edge['relation']}:{edge['source']}->{edge['target']}"))
        if selects:
            lx, ly = start[0] + 0.62 * (end[0] - start[0]), start[1] + 0.62 * (end[1] - start[1])
            ax.text(lx, ly, "selects", fontsize=6.5, color="#8a6d0b", ha="center",
                    va="center", backgroundcolor="white")
    if not nodes:
        ax.text(0.5, 0.5, "nothing to draw", ha="center", va="center",
                transform=ax.transAxes, color="#777")
    else:
        xs = [p[0] for p in centre.values()]
        ys = [p[1] for p in centre.values()]
        ax.set_xlim(min(xs) - width / 2 - 0.2, max(xs) + width / 2 + 0.2)
        ax.set_ylim(min(ys) - height, max(ys) + height)
        ax.legend(handles=[Line2D([], [], color="#444", label="owns (ownerReferences)"),
                           Line2D([], [], color="#b8860b", linestyle="--",
                                  label="selects (Service selector)")],
                  loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=2, fontsize=8,
                  frameon=False)
    return _done(fig)


def owner_tree(kind: str, name: str, namespace: str, *, title: str | None = None
               ) -> LabFigure:
    """Picture an object's ownership chain, e.g. Deployment -> ReplicaSets -> Pods,
    plus the Services whose selector matches those pods.

    Example:
        >>> plots.owner_tree("Deployment", "web", "demo")            # doctest: +SKIP
    """
    from ._resources import get, list_, resource_for

    res = resource_for(kind)
    kinds = [*CHILD_KINDS.get(res.kind, ("Pod",)), "Service"]
    _display.announce(
        _display.kubectl("get", ",".join(k.lower() + "s" for k in [res.kind, *kinds]),
                         "-n", namespace, "-o", "wide"),
        "GET", " + ".join(resource_for(k).path(namespace=namespace) for k in [res.kind, *kinds]))
    with _display.quiet():
        root = get(res.kind, name, namespace)
        root.setdefault("kind", res.kind)
        objects = [root]
        for child in kinds:
            for obj in list_(child, namespace):
                obj.setdefault("kind", child)
                if _node_id(obj) != _node_id(root):
                    objects.append(obj)
    nodes, edges = owner_graph(objects, root=_node_id(root))
    return plot_owner_graph(nodes, edges,
                            title=title or f"{res.kind.lower()}/{name}: owners and selectors")
