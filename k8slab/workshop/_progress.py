"""The instructor's view: which attendee has passed which exercise.

Exercises are checks on the live cluster (:mod:`k8slab.exercises`), and each
attendee works in a namespace named after them, so the instructor can run
every check against every attendee's namespace with the lab's own
credentials: no attendee has to submit anything.

A check looks at live objects, and each notebook's clean-up deletes them, so
a pass seen once is kept by the instructor's side (:class:`PassLog`, a file
in the hub's 0700 folder that no attendee can reach): the workshop hub's
progress page shows "passed" for an exercise that passed at any time
(:func:`remembered`), grouped by notebook (:func:`by_notebook`).
"""

from __future__ import annotations

import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from k8slab._base import display as _display
from k8slab._base.paths import PROJECT_ROOT
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


class PassLog:
    """The exercises each attendee has passed, kept by the instructor's side.

    One JSON file, ``{attendee: {exercise: unix time of the first pass}}``,
    written atomically with mode 0600. Only whoever runs the checks with the
    instructor's credentials writes it (the hub's progress service): an
    attendee can ask for a check to be run, never say that it passed.
    A pass is never taken back: the notebook's clean-up deleting the objects
    does not undo the exercise.

    Example:
        >>> log = PassLog(tmp / "passed.json")                   # doctest: +SKIP
        >>> log.record("attendee-01", "05.scale")                # doctest: +SKIP
        True
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def load(self) -> dict[str, dict[str, float]]:
        try:
            data = json.loads(self.path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}
        return {str(k): {str(e): float(t) for e, t in v.items()} for k, v in data.items()
                if isinstance(v, dict)}

    def record(self, attendee: str, exercise: str, when: float | None = None) -> bool:
        """Keep a pass; True if it is new (a pass already kept keeps its first time)."""
        return bool(self.record_many([(attendee, exercise)], when))

    def record_many(self, cells, when: float | None = None) -> list[tuple[str, str]]:
        """Keep several passes at once; returns those that were new."""
        stamp = time.time() if when is None else when
        with self._lock:
            data = self.load()
            new = [(a, e) for a, e in cells if e not in data.get(a, {})]
            if not new:
                return []
            for attendee, exercise in new:
                data.setdefault(attendee, {})[exercise] = stamp
            self._write(data)
            return new

    def forget(self, names: list[str]) -> None:
        """Attendees deleted from the workshop: their passes go too."""
        with self._lock:
            data = self.load()
            if any(n in data for n in names):
                self._write({k: v for k, v in data.items() if k not in set(names)})

    def _write(self, data: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
        os.replace(tmp, self.path)


def remembered(df: pd.DataFrame, log: PassLog) -> pd.DataFrame:
    """``df`` of :func:`progress`, with every pass it shows kept in ``log`` and every
    pass ``log`` kept shown: True where the exercise passes now or passed before.

    ``attrs["remembered"]`` lists the cells shown as passed from the log alone
    (their objects are gone), so a page can tell "passed earlier" from "passes now".
    """
    now = [(p, c) for p in df.index for c in df.columns if bool(df.at[p, c])]
    log.record_many(now)
    kept = log.load()
    out = df.copy()
    earlier = []
    for person in out.index:
        for ex in kept.get(person, {}):
            if ex in out.columns and not bool(out.at[person, ex]):
                out.at[person, ex] = True
                earlier.append((person, ex))
    out.attrs = {**df.attrs, "remembered": earlier}
    return out


def notebook_of(exercise_id: str) -> str:
    """The notebook an exercise belongs to: its id's prefix (``"05.scale"`` -> ``"05"``)."""
    return exercise_id.split(".", 1)[0]


def notebook_titles() -> dict[str, str]:
    """``{"05": "Deployments", ...}`` from the course's file names, for column heads."""
    titles = {}
    for nb in sorted((PROJECT_ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        number, _, rest = nb.stem.partition("-")
        titles[number] = rest.replace("-", " ").capitalize()
    return titles


def by_notebook(df: pd.DataFrame) -> pd.DataFrame:
    """Passed exercises per attendee and notebook: one row per attendee, one column per
    notebook (``"05"``), the number passed; ``attrs["totals"]`` the exercises of each.

    Example:
        >>> df = pd.DataFrame({"05.a": [True, False], "05.b": [True, True],
        ...                    "06.a": [False, False]}, index=["a-01", "a-02"])
        >>> summary = by_notebook(df)
        >>> summary.to_dict("index"), summary.attrs["totals"]
        ({'a-01': {'05': 2, '06': 0}, 'a-02': {'05': 1, '06': 0}}, {'05': 2, '06': 1})
    """
    groups: dict[str, list[str]] = {}
    for column in df.columns:
        groups.setdefault(notebook_of(str(column)), []).append(column)
    out = pd.DataFrame({nb: df[cols].astype(bool).sum(axis=1).astype(int)
                        for nb, cols in groups.items()}, index=df.index)
    out.attrs["totals"] = {nb: len(cols) for nb, cols in groups.items()}
    return out
