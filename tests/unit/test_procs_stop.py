"""k8slab._base.procs.stop: ask, wait, insist; the one way the lab stops its processes."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from k8slab._base import procs

#: A Python program that ignores SIGTERM (and says so once it does).
STUBBORN = ("import signal, sys, time\n"
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            "print('ready', flush=True)\n"
            "time.sleep(120)\n")


def _default_sigint() -> None:
    """In the child: SIGINT as a terminal gives it (a shell's background job ignores it)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _stubborn() -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", STUBBORN], stdout=subprocess.PIPE, text=True,
                            preexec_fn=_default_sigint)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def test_a_process_that_ignores_sigterm_is_killed_after_the_grace_period():
    proc = _stubborn()
    started = time.monotonic()
    assert procs.stop(proc, grace=1.0) is True
    assert time.monotonic() - started >= 1.0          # it was given its grace period
    assert proc.returncode == -signal.SIGKILL


def test_a_pid_that_ignores_sigterm_is_killed_too_and_its_popen_keeps_the_status():
    proc = _stubborn()
    assert procs.stop(proc.pid, grace=0.5) is True
    assert not procs.alive(proc.pid)
    assert proc.wait(timeout=5) == -signal.SIGKILL     # not reaped behind its Popen's back


def test_a_polite_process_stops_on_sigterm_without_being_killed():
    proc = subprocess.Popen(["sleep", "60"])
    assert procs.stop(proc, grace=10) is True
    assert proc.returncode == -signal.SIGTERM


def test_an_already_dead_process_or_pid_is_fine():
    proc = subprocess.Popen(["true"])
    proc.wait()
    assert procs.stop(proc) is True
    assert procs.stop(proc.pid) is True                # reaped: the pid is gone
    assert procs.stop(999_999_999) is True             # no such pid at all
    assert procs.stop([]) is True


def test_without_kill_a_stubborn_process_is_reported_not_killed():
    proc = _stubborn()
    try:
        assert procs.stop(proc, grace=0.3, kill=False) is False
        assert proc.poll() is None
    finally:
        proc.kill()
        proc.wait()


def test_several_at_once_and_another_polite_signal():
    polite = subprocess.Popen(["sleep", "60"], preexec_fn=_default_sigint)
    stubborn = _stubborn()
    # A grace long enough for a loaded machine: both end on SIGINT, neither is killed.
    assert procs.stop([polite, stubborn.pid], grace=10, sig=signal.SIGINT) is True
    assert polite.returncode == -signal.SIGINT
    assert not procs.alive(stubborn.pid)
    assert stubborn.wait(timeout=5) == -signal.SIGINT     # it ignores only SIGTERM


def test_a_pid_taken_over_by_another_program_is_not_signalled(monkeypatch):
    other = subprocess.Popen(["sleep", "60"])
    try:
        target = procs._Pid(other.pid)
        assert target.running()
        target.started = "0"                           # as if `other` had reused its pid
        assert not target.running()
        target.send_signal(signal.SIGKILL)
        assert other.poll() is None                    # untouched
    finally:
        other.kill()
        other.wait()
