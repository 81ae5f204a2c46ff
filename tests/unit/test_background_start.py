"""lab.status() and every request wait for a cluster binder/start starts in the background.

Real processes stand in for the background start (a ``sleep``, a process
that has ended); the files are the ones ``binder/start`` writes.
"""

from __future__ import annotations

import io
import os
import subprocess
import threading
import time

import pytest

from k8slab._core import starting
from k8slab.errors import ClusterUnavailable


@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("K8SLAB_STATE", str(tmp_path))
    monkeypatch.setattr(starting, "TICK", 0.05)
    return tmp_path


def test_nothing_started_in_the_background_returns_at_once(state):
    out = io.StringIO()
    starting.wait_if_starting(out)
    assert starting.background_state() == "none" and out.getvalue() == ""


def test_waits_with_a_live_line_until_the_start_ends(state):
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        (state / starting.PID_FILE).write_text(str(sleeper.pid))
        (state / starting.LOG_FILE).write_text("k8slab: starting kube-apiserver\n")

        def finish() -> None:
            time.sleep(0.4)
            (state / starting.RC_FILE).write_text("0\n")

        threading.Thread(target=finish).start()
        out = io.StringIO()
        starting.wait_if_starting(out)
    finally:
        sleeper.kill()
        sleeper.wait()
    text = out.getvalue()
    assert "\rk8slab: the lab cluster is starting (0 s): k8slab: starting kube-apiserver" in text
    assert text.rstrip().endswith("s here)")
    assert starting.background_state() == "done"
    out = io.StringIO()
    starting.wait_if_starting(out)   # done: silent from now on
    assert out.getvalue() == ""


def test_a_failed_start_says_so_with_its_log(state):
    (state / starting.PID_FILE).write_text("1")
    (state / starting.LOG_FILE).write_text("k8slab: error: kube-apiserver exited\n")
    (state / starting.RC_FILE).write_text("1\n")
    with pytest.raises(ClusterUnavailable) as err:
        starting.wait_if_starting(io.StringIO())
    assert "did not start" in err.value.message and "ended: 1" in err.value.message
    assert "kube-apiserver exited" in err.value.message
    assert "k8slab up" in err.value.hint


def test_a_start_killed_without_a_word_is_not_waited_for_forever(state):
    gone = subprocess.Popen(["true"])
    gone.wait()   # reaped: its pid names no process any more
    (state / starting.PID_FILE).write_text(str(gone.pid))
    with pytest.raises(ClusterUnavailable) as err:
        starting.wait_if_starting(io.StringIO())
    assert "killed, no exit status" in err.value.message


def test_a_zombie_counts_as_ended(state):
    zombie = subprocess.Popen(["true"])
    time.sleep(0.3)   # it ended, and nobody reaped it yet: state Z
    try:
        assert not starting._alive(zombie.pid)
    finally:
        zombie.wait()
    assert starting._alive(os.getpid())


def test_a_cluster_started_by_hand_after_a_failed_start_is_used(state):
    (state / starting.PID_FILE).write_text("1")
    (state / starting.RC_FILE).write_text("1\n")
    (state / "kubeconfig.yaml").write_text("apiVersion: v1\n")   # `k8slab up` in a terminal
    starting.wait_if_starting(io.StringIO())   # no error: connecting decides from here


def test_the_background_start_itself_never_waits_for_itself(tmp_path, monkeypatch):
    """`k8slab up` run by binder/start connects to its own cluster: it must not wait on itself."""
    import os

    from k8slab._core import starting

    monkeypatch.setenv("K8SLAB_STATE", str(tmp_path))
    (tmp_path / starting.PID_FILE).write_text(str(os.getpid()))   # "running": this very process
    assert starting.background_state() == "running"
    monkeypatch.setenv(starting.SELF_ENV, "1")
    starting.wait_if_starting()     # returns at once (without the variable it would wait forever)
