"""What the bench scripts read of running processes, written once.

Example:
    >>> rss_mib({os.getpid()}) > 0          # doctest: +SKIP
    True
"""

from __future__ import annotations

from pathlib import Path


def rss_mib(pids: set[int]) -> float:
    """The summed resident memory (VmRSS) of ``pids`` in MiB; gone processes count 0."""
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines()
                       if line.startswith("VmRSS:")), 0)
    return total / 1024
