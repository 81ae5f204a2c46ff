"""Processes and ports of this machine: is a pid still ours, which 127.0.0.1 ports are free.

Several parts of the lab start local processes (the kwok cluster, the host
node, Flux, the workshop hub, a restored etcd) and pick ports for them; they
ask these questions the same way, so they get the same answers.

Example:
    >>> alive(os.getpid())
    True
    >>> len(set(free_ports(3)))
    3
"""

from __future__ import annotations

import os
import socket
from pathlib import Path


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
