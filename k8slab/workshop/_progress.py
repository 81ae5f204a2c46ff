"""The instructor's view: which attendee has passed which exercise.

Exercises are checks on the live cluster (:mod:`k8slab.exercises`), and each
attendee works in a namespace named after them, so the instructor can run
every check against every attendee's namespace with the lab's own
credentials: no attendee has to submit anything.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from k8slab._base import display as _display
from k8slab._core.client import connect
from k8slab._core.resources import dynamic
from k8slab.exercises import exercises, run_check
from k8slab.workshop._cluster import attendees


def _one(exercise_id: str, namespace: str) -> tuple[bool, str]:
    try:
        result = run_check(exercise_id, namespace)
    except Exception as exc:  # a broken check must not hide the other cells
        return False, f"the check itself failed: {type(exc).__name__}: {exc}"
    return result.passed, result.message


def progress(prefix: str = "", *, workshop: str | None = None,
             names: list[str] | None = None, workers: int = 8) -> pd.DataFrame:
    """Run every exercise's check for every attendee.

    Args:
        prefix: only exercises whose id starts with it (``"05."`` for one notebook).
        workshop: only this workshop's attendees (default: every attendee on the cluster).
        names: only these attendees.
        workers: checks run in parallel threads (they mostly wait for the API server).

    Returns:
        A frame with one row per attendee (index ``attendee``), one column per
        exercise id, True where the check passes. ``df.attrs["messages"]``
        holds each check's message by ``(attendee, exercise)``, and
        ``df.attrs["titles"]`` each exercise's title.

    Example:
        >>> from k8slab import workshop
        >>> workshop.progress("05.")                             # doctest: +SKIP
                     05.scale  05.rollout
        attendee
        attendee-01      True       False
        attendee-02     False       False
    """
    people = [a.name for a in attendees(workshop)]
    if names is not None:
        people = [n for n in people if n in set(names)]
    todo = exercises(prefix)
    ids = [ex.id for ex in todo]
    cells = [(person, ex_id) for person in people for ex_id in ids]
    with _display.quiet():
        if cells:
            dynamic()  # warm the connection and API discovery once, before the threads
            connect()
            with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
                outcomes = list(pool.map(lambda cell: _one(cell[1], cell[0]), cells))
        else:
            outcomes = []
    passed = {cell: ok for cell, (ok, _) in zip(cells, outcomes, strict=True)}
    frame = pd.DataFrame([[passed[(p, i)] for i in ids] for p in people],
                         index=pd.Index(people, name="attendee"), columns=ids, dtype=bool)
    frame.attrs["messages"] = {cell: msg for cell, (_, msg) in zip(cells, outcomes, strict=True)}
    frame.attrs["titles"] = {ex.id: str(ex.title) for ex in todo}
    return frame


def plot_progress(df: pd.DataFrame, *, title: str = "Workshop progress"):
    """A heatmap of :func:`progress`: attendees down, exercises across, green = passed.

    Each row ends with the attendee's score and each column with how many
    attendees passed, so a glance shows who is stuck and which exercise is
    hard for everybody.

    Returns:
        A :class:`matplotlib.figure.Figure` (displayed by Jupyter when it ends a cell).

    Example:
        >>> workshop.plot_progress(workshop.progress())        # doctest: +SKIP
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure

    rows, cols = df.shape
    fig = Figure(figsize=(min(2.5 + 0.6 * max(cols, 1), 16), min(1.5 + 0.35 * max(rows, 1), 20)),
                 layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(title)
    if not rows or not cols:
        ax.text(0.5, 0.5, "no attendees yet" if not rows else "no exercises registered",
                ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    values = df.astype(bool).to_numpy().astype(int)
    ax.imshow(values, cmap=ListedColormap(["#ef9a9a", "#81c784"]), vmin=0, vmax=1,
              aspect="auto")
    ax.set_xticks(range(cols), [str(c) for c in df.columns], rotation=45, ha="right")
    ax.set_yticks(range(rows), [str(i) for i in df.index])
    ax.set_xticks([x - 0.5 for x in range(1, cols)], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, rows)], minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.tick_params(which="minor", length=0)
    for r in range(rows):
        for c in range(cols):
            ax.text(c, r, "✓" if values[r, c] else "✗", ha="center", va="center",
                    color="#1b5e20" if values[r, c] else "#b71c1c")
    right = ax.secondary_yaxis("right")
    right.set_yticks(range(rows), [f"{s}/{cols}" for s in values.sum(axis=1)])
    top = ax.secondary_xaxis("top")
    top.set_xticks(range(cols), [f"{s}/{rows}" for s in values.sum(axis=0)])
    return fig
