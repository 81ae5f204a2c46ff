"""Pod lifecycles as a Gantt-like chart, from :func:`k8slab._core.pod_lifecycle.timeline_rows`."""

from __future__ import annotations

from datetime import UTC, datetime

from matplotlib.patches import Patch

from k8slab._core.objects import selector_string
from k8slab._core.pod_lifecycle import timeline_rows
from k8slab._core.resources import list_
from k8slab.plots._figure import LabFigure, done, figure

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
    fig = figure(10, 1.2 + 0.45 * max(len(rows), 2))
    ax = fig.add_subplot()
    ax.set_title(title or "Pod lifecycles")
    if not rows:
        ax.text(0.5, 0.5, "no pods", ha="center", va="center", transform=ax.transAxes,
                color="#777")
        ax.set_axis_off()
        return done(fig)
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
    return done(fig)


def pod_timeline(namespace: str, labels: str | dict | None = None, *,
                 title: str | None = None) -> LabFigure:
    """Chart each pod's lifecycle (pending, starting, ready, terminating) from its timestamps.

    Only pods that still exist can be shown (a deleted pod's record is gone);
    :meth:`ReplicaRecorder.timeline` also shows pods deleted while recording.

    Example:
        >>> plots.pod_timeline("demo", labels="app=web")            # doctest: +SKIP
    """
    pods = list_("Pod", namespace, labels=labels)
    where = f" ({selector_string(labels)})" if labels else ""
    return plot_timeline(timeline_rows(pods, now=datetime.now(UTC)),
                         title=title or f"Pod lifecycles in {namespace}{where}")
