"""Processes and ports of this machine: is a pid still ours, which 127.0.0.1 ports are free.

Several parts of the lab start local processes (the kwok cluster, the host
node, Flux, the workshop hub, a restored etcd) and pick ports for them; they
ask these questions the same way, so they get the same answers, and they stop
their processes the same way (:func:`stop`: ask, wait, then insist).

Example:
    >>> alive(os.getpid())
    True
    >>> len(set(free_ports(3)))
    3
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

#: What :func:`stop` accepts: a process we started, or the pid of one.
Stoppable = subprocess.Popen | int


def alive(pid: int) -> bool:
    """Whether ``pid`` still runs; a zombie (exited, not yet reaped by its parent) does not.

    A pid of another user's process counts as running (``kill(pid, 0)`` is
    refused, but the process is there).
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def free_ports(count: int) -> list[int]:
    """``count`` distinct ports free on 127.0.0.1 right now (held together, then released).

    Held together so that the kernel cannot hand the same port out twice; a
    process started right after binds them (a small race that nothing avoids).
    """
    held = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in held:
            sock.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in held]
    finally:
        for sock in held:
            sock.close()


def free_port() -> int:
    """One port free on 127.0.0.1 right now."""
    return free_ports(1)[0]


def _started(pid: int) -> str | None:
    """When ``pid`` started (``/proc/PID/stat`` field 22); None when it is gone or off Linux."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()  # the name, in parentheses, may hold spaces
    return fields[19] if len(fields) > 19 else None


class _Pid:
    """A process known by its pid, and by when it started: a pid reused meanwhile by
    another program (after ours exited) is not that process, and is never signalled."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.started = _started(pid)
        self.gone = not alive(pid)

    def running(self) -> bool:
        # Never reaped here, even when it is our child: its Popen, if some other
        # code holds one, keeps its exit status to read (a zombie counts as gone).
        if not self.gone and (not alive(self.pid) or (
                self.started is not None and _started(self.pid) != self.started)):
            self.gone = True
        return not self.gone

    def send_signal(self, sig: int) -> None:
        if self.running():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self.pid, sig)


class _Child:
    """A process we started (``subprocess.Popen``): waited for, so it leaves no zombie."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc

    def running(self) -> bool:
        return self.proc.poll() is None

    def send_signal(self, sig: int) -> None:
        if self.running():
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(sig)


def stop(targets: Stoppable | Iterable[Stoppable], grace: float = 5.0, *,
         sig: int = signal.SIGTERM, kill: bool = True, kill_wait: float = 5.0) -> bool:
    """Stop processes: ``sig`` (SIGTERM) first, ``grace`` seconds to exit, then SIGKILL.

    Why one function: a program asked politely gets to save its state and end
    its children (etcd flushes, JupyterHub stops every attendee server); one
    that does not answer must not keep a port or a file busy forever. Every
    part of the lab that stops processes does it here, the same way.

    Args:
        targets: a ``subprocess.Popen``, a pid, or several of them. A process
            that has already exited, or a pid that is gone, is fine; a pid is
            only signalled while it is the process that had it when called.
        grace: seconds to wait after ``sig`` before SIGKILL.
        sig: the polite signal (``SIGINT`` for a program that saves on Ctrl-C).
        kill: False to never send SIGKILL (the caller reports a process that stays).
        kill_wait: seconds to wait for the processes to vanish after SIGKILL.

    Returns:
        True when none of them runs any more.

    Example:
        >>> proc = subprocess.Popen(["sleep", "60"])
        >>> stop(proc, grace=2)
        True
    """
    given = [targets] if isinstance(targets, subprocess.Popen | int) else list(targets)
    procs = [_Child(t) if isinstance(t, subprocess.Popen) else _Pid(t) for t in given]
    for signum, wait in ((sig, grace), *(((signal.SIGKILL, kill_wait),) if kill else ())):
        left = [p for p in procs if p.running()]
        if not left:
            return True
        for proc in left:
            proc.send_signal(signum)
        deadline = time.monotonic() + wait
        while any(p.running() for p in left) and time.monotonic() < deadline:
            time.sleep(0.05)
    return not any(p.running() for p in procs)
