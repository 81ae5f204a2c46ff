"""Live status lines for the long steps of ``k8slab tools``: downloads and Go builds.

Why: a cold Go build of kube-apiserver runs for minutes without a word from
``go``, and a learner who sees nothing for a minute presses Ctrl-C. So every
binary being fetched or built gets a line with its elapsed time (and bytes
for a download), refreshed by a small thread: rewritten in place every second
on a terminal, printed again every ~10 s otherwise (CI logs, notebooks), so
that the output is never silent for longer than that.

Example:
    >>> from k8slab._binaries.progress import Progress
    >>> with Progress(quiet=True) as progress:
    ...     task = progress.start("building kubectl")
    ...     task.detail = "linking"
    ...     progress.finish(task, "built kubectl")
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO


def human_bytes(n: int) -> str:
    """``12.3 MB``: sizes as a learner reads them (decimal megabytes)."""
    if n < 1_000_000:
        return f"{n / 1000:.0f} kB"
    return f"{n / 1_000_000:.1f} MB"


@dataclass
class Task:
    """One binary (or one batch built together) in progress.

    Attributes:
        label: what is happening, e.g. ``building kube-apiserver, kubectl``.
        detail: a short changing part (``3/4 linked``, ``42 modules``).
        done_bytes: bytes received so far (downloads).
        total_bytes: the expected size, when the server said it.
    """

    label: str
    detail: str = ""
    done_bytes: int = 0
    total_bytes: int | None = None
    started: float = field(default_factory=time.monotonic)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def line(self) -> str:
        parts = [self.label, "..."]
        if self.total_bytes:
            parts.append(f"{human_bytes(self.done_bytes)}/{human_bytes(self.total_bytes)}")
        elif self.done_bytes:
            parts.append(human_bytes(self.done_bytes))
        if self.detail:
            parts.append(self.detail)
        parts.append(f"{self.elapsed():.0f}s")
        return " ".join(parts)


class Progress:
    """Owns stderr while tools are fetched or built; thread-safe.

    Args:
        quiet: print nothing at all.
        stream: where to write (stderr by default).
        interval: seconds between two printed lines when ``stream`` is not a
            terminal (``K8SLAB_PROGRESS_INTERVAL``, default 10).
        tick: seconds between two refreshes of the live line.
    """

    def __init__(self, quiet: bool = False, stream: TextIO | None = None,
                 interval: float | None = None, tick: float = 1.0) -> None:
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = interval if interval is not None else float(
            os.environ.get("K8SLAB_PROGRESS_INTERVAL", "10"))
        self.tick = tick
        self.started = time.monotonic()
        self._tasks: list[Task] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._live = False  # a \r line is on screen

    # -- lifecycle --------------------------------------------------------
    def __enter__(self) -> Progress:
        if not self.quiet:
            self._thread = threading.Thread(target=self._tick, name="k8slab-progress",
                                            daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            self._clear_live()

    # -- what callers use -------------------------------------------------
    def start(self, label: str) -> Task:
        """Register a task and announce it at once."""
        task = Task(label)
        with self._lock:
            self._tasks.append(task)
            if not self.tty:
                self._write(f"k8slab: {task.line()}")
        return task

    def finish(self, task: Task, message: str) -> None:
        """Remove a task and print its outcome (``built kubectl in 29s``)."""
        with self._lock:
            if task in self._tasks:
                self._tasks.remove(task)
            self._clear_live()
            self._write(f"k8slab: {message} in {task.elapsed():.0f}s")

    def say(self, message: str) -> None:
        """A one-off line (a fallback, a hint) that does not break the live line."""
        with self._lock:
            self._clear_live()
            self._write(f"k8slab: {message}")

    def total(self) -> float:
        return time.monotonic() - self.started

    # -- internals --------------------------------------------------------
    def _write(self, text: str) -> None:
        if not self.quiet:
            print(text, file=self.stream, flush=True)

    def _clear_live(self) -> None:
        if self._live and not self.quiet:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._live = False

    def _tick(self) -> None:
        last_print = time.monotonic()
        while not self._stop.wait(self.tick):
            with self._lock:
                if not self._tasks:
                    continue
                if self.tty:
                    width = shutil.get_terminal_size((100, 20)).columns - 1
                    text = " | ".join(t.line() for t in self._tasks)
                    self.stream.write("\r\033[K" + text[:width])
                    self.stream.flush()
                    self._live = True
                elif time.monotonic() - last_print >= self.interval:
                    for task in self._tasks:
                        self._write(f"k8slab: {task.line()}")
                    last_print = time.monotonic()


@contextlib.contextmanager
def exclusive(lock_file: Path, progress: Progress, waiting: str,
              ended: str) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_file``; wait, with a live line, while another holds it.

    Why: two k8slab processes (``./run lab`` in one terminal, ``./run test`` or a
    notebook cell in another) must not build or download the same thing twice
    at once; the second one waits for the first and then uses its result.

    Args:
        waiting: the live line while another process holds the lock.
        ended: what is printed once it let go.
    """
    with open(lock_file, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            task = progress.start(waiting)
            try:
                fcntl.flock(lock, fcntl.LOCK_EX)
            finally:
                progress.finish(task, ended)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
