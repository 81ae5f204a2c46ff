"""Wait for a lab cluster that is being started in the background (Binder).

Why: on Binder, ``binder/start`` must hand over to JupyterLab at once
(JupyterHub gives a session a limited time to answer, on one CPU), so it
starts the cluster in the background instead of before JupyterLab. A learner
who opens notebook 01 and runs its first cell at once would otherwise read
"no lab cluster is running" while the cluster is 20 seconds from ready. The
first call that needs the cluster (``lab.status()``, any request) waits here
instead, with one live line that says how long it has waited and what the
start is doing, and a clear error, with the log, if the start failed.

The protocol is three files in the state folder, written by ``binder/start``
(a shell script, so the names are spelled there too):

- ``background-up.pid``: the process id of the background start;
- ``background-up.log``: everything ``k8slab up`` printed;
- ``background-up.rc``: its exit status, written when it ends.

No ``background-up.pid``: nothing was started in the background, and this
module does nothing (the usual ``k8slab up`` / ``./run lab`` path).

Example:
    >>> from k8slab._core.starting import wait_if_starting
    >>> wait_if_starting()                 # doctest: +SKIP
    k8slab: the lab cluster is starting (12 s): kube-apiserver is ready
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TextIO

from k8slab._base.paths import kubeconfig_path, state_dir
from k8slab.errors import ClusterUnavailable

PID_FILE = "background-up.pid"
LOG_FILE = "background-up.log"
RC_FILE = "background-up.rc"
#: Set by ``binder/start`` for the background ``k8slab down`` and ``k8slab up``
#: themselves: their own requests must not wait for the start they are.
SELF_ENV = "K8SLAB_BACKGROUND_START"
#: Seconds between two refreshes of the live line.
TICK = 1.0
#: The live line is padded to this width, so that a shorter line covers a longer one
#: (a notebook honours ``\r`` but not the terminal's erase-line sequence).
WIDTH = 110


def _files() -> tuple[Path, Path, Path]:
    folder = state_dir()
    return folder / PID_FILE, folder / LOG_FILE, folder / RC_FILE


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, finished but not yet reaped, counts as ended).

    Why not only ``os.kill(pid, 0)``: after ``binder/start`` execs JupyterLab,
    the background start is JupyterLab's child, and JupyterLab never reaps
    it; its zombie would look alive forever.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _last_line(log: Path, width: int = 70) -> str:
    try:
        lines = [ln.strip() for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    line = lines[-1] if lines else ""
    return line if len(line) <= width else line[: width - 1] + "…"


def _tail(log: Path, count: int = 15) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-count:])
    except OSError:
        return "(no log was written)"


def background_state() -> str:
    """``none`` (no background start), ``running``, ``done`` or ``failed``.

    Example:
        >>> background_state() in ("none", "running", "done", "failed")
        True
    """
    pid_file, _, rc_file = _files()
    if not pid_file.is_file():
        return "none"
    if rc_file.is_file():
        return "done" if rc_file.read_text().strip() == "0" else "failed"
    try:
        pid = int(pid_file.read_text().strip())
    except ValueError:
        return "running"    # the pid is being written this instant
    return "running" if _alive(pid) else "failed"


def wait_if_starting(out: TextIO | None = None) -> None:
    """Return when no background start is under way; wait, with a live line, while one is.

    Never gives up on a timeout: a start on one shared CPU can be slow, and a
    cell that fails while the cluster is seconds away teaches nothing. It
    stops when the start ends: silently if it succeeded, with
    :class:`ClusterUnavailable` (and the end of the start's log) if it failed.

    Raises:
        ClusterUnavailable: the background start failed or was killed.
    """
    if os.environ.get(SELF_ENV) == "1":
        return   # this process is the background start: it must not wait for itself
    state = background_state()
    if state == "none" or state == "done":
        return
    if state == "failed" and kubeconfig_path().is_file():
        return   # started since by hand (`k8slab up` in a terminal): the usual path decides
    out = out or sys.stdout
    _, log, rc_file = _files()
    started = time.monotonic()
    waited = False
    while state == "running":
        waited = True
        detail = _last_line(log)
        line = (f"k8slab: the lab cluster is starting ({time.monotonic() - started:.0f} s)"
                f"{': ' + detail if detail else ''}")
        out.write(f"\r{line:<{WIDTH}}")
        out.flush()
        time.sleep(TICK)
        state = background_state()
    if waited:
        line = (f"k8slab: the lab cluster is running (started in the background; waited "
                f"{time.monotonic() - started:.0f} s here)")
        out.write(f"\r{line:<{WIDTH}}\n" if state == "done" else "\n")
        out.flush()
    if state == "failed":
        code = rc_file.read_text().strip() if rc_file.is_file() else "killed, no exit status"
        raise ClusterUnavailable(
            f"The lab cluster did not start (the background `k8slab up` ended: {code}). "
            f"The end of its log ({log}):\n{_tail(log)}",
            "Open a terminal (File > New > Terminal) and run `k8slab up` to see it start "
            "again, then re-run this cell.")
