"""Run the real kubectl, the lab's own, against the lab kubeconfig only.

Why the real one: a sysadmin's daily tool is kubectl, so the course puts it in
the learner's hands (``%kubectl`` in a notebook, :mod:`k8slab.magic`) instead
of imitating it. Why the lab's own build (:func:`k8slab._binaries.catalog.locate`): it is
pinned to the cluster's version and needs no download. Why only the lab
kubeconfig: ``--kubeconfig`` is always given and ``KUBECONFIG`` is replaced,
so a learner's ``~/.kube/config`` (maybe a production cluster) is never read;
kubectl's discovery cache goes to the lab's state folder, not to ``~/.kube``.

What kubectl prints is streamed as it comes (``logs -f``, ``rollout status``,
``get --watch`` show progress live), stdout to stdout and stderr to stderr,
byte for byte. A non-zero exit raises :class:`KubectlFailed`, so a notebook
run (papermill) stops on it unless the cell says it expects a failure.

Example:
    >>> from k8slab import _kubectl
    >>> _kubectl.run(["get", "nodes"])                 # doctest: +SKIP
    NAME     STATUS   ROLES    AGE   VERSION
    ...
"""

from __future__ import annotations

import codecs
import os
import selectors
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from k8slab._base.cluster_record import ClusterRecord
from k8slab._base.paths import state_dir
from k8slab._base.procs import stop as _stop_process
from k8slab._core.client import lab_kubeconfig
from k8slab.errors import ClusterUnavailable, KubectlFailed


@dataclass
class Result:
    """What one kubectl run produced.

    Attributes:
        args: the arguments after ``kubectl``.
        returncode: the exit status (``None`` when stopped by ``stop_after``).
        stdout: everything kubectl wrote to stdout.
        stderr: everything kubectl wrote to stderr.
    """

    args: list[str]
    returncode: int | None
    stdout: str
    stderr: str

    @property
    def command(self) -> str:
        return "kubectl " + shlex.join(self.args)


def binary() -> Path:
    """The lab's kubectl (downloaded or built into the cache once)."""
    from k8slab._binaries import catalog as _tools

    return _tools.locate("kubectl", quiet=True)


def connection_args() -> list[str]:
    """``--kubeconfig`` (always the lab one) and ``--context`` when a cluster is recorded."""
    path = lab_kubeconfig()
    if not path.is_file():
        raise ClusterUnavailable(
            f"No lab cluster is running (no kubeconfig at {path}), so kubectl has nothing "
            "to talk to.",
            "Start one with `k8slab up` in a terminal (or `./run lab`), then re-run this cell.",
        )
    args = ["--kubeconfig", str(path)]
    record = ClusterRecord.load()
    if record and record.context and not os.environ.get("K8SLAB_KUBECONFIG"):
        args += ["--context", record.context]
    return args


def environment() -> dict[str, str]:
    """kubectl's environment: the lab kubeconfig only, its cache in the state folder."""
    env = dict(os.environ)
    env["KUBECONFIG"] = str(lab_kubeconfig())
    env["KUBECACHEDIR"] = str(state_dir() / "kubectl-cache")
    env.setdefault("KUBECTL_INTERACTIVE_DELETE", "false")
    return env


def _stream(proc: subprocess.Popen, chunks: dict[int, list[bytes]],
            sinks: dict[int, IO[str]] | None, deadline: float | None) -> bool:
    """Copy kubectl's stdout and stderr to ours as they come, in this thread.

    Why in this thread: a notebook attributes output to the cell whose code
    wrote it, so kubectl's lines land under the right cell, in order.

    Returns:
        True when kubectl was stopped at ``deadline``.
    """
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ, 1)  # type: ignore[arg-type]
    selector.register(proc.stderr, selectors.EVENT_READ, 2)  # type: ignore[arg-type]
    decoders = {n: codecs.getincrementaldecoder("utf-8")(errors="replace") for n in (1, 2)}
    open_streams = 2
    stopped = False
    while open_streams:
        wait = None if deadline is None else max(0.0, deadline - time.monotonic())
        events = selector.select(timeout=wait)
        if not events and deadline is not None and time.monotonic() >= deadline:
            stopped = True
            proc.terminate()
            deadline = None  # read what is left until kubectl closes its streams
            continue
        for key, _ in events:
            data = os.read(key.fd, 65536)
            if not data:
                selector.unregister(key.fileobj)
                open_streams -= 1
                continue
            chunks[key.data].append(data)
            if sinks is not None:
                sinks[key.data].write(decoders[key.data].decode(data))
                sinks[key.data].flush()
    selector.close()
    proc.wait(timeout=30)
    return stopped


def run(args: Sequence[str], *, stdin: str | None = None, expect_fail: bool = False,
        stop_after: float | None = None, echo: bool = True) -> Result:
    """Run ``kubectl ARGS`` against the lab cluster, showing its output as it prints it.

    Args:
        args: kubectl's arguments (``["get", "pods", "-n", "demo"]``).
        stdin: text sent to kubectl's standard input (``apply -f -``).
        expect_fail: the command is meant to fail (a break-and-fix lesson): a
            non-zero exit is reported, not raised, and a success raises.
        stop_after: stop a command that never ends by itself (``logs -f``,
            ``get --watch``) after this many seconds; that stop is not a failure.
        echo: copy kubectl's output to ours (False: only return it).

    Returns:
        The command's :class:`Result`.

    Raises:
        KubectlFailed: kubectl exited non-zero (or succeeded with ``expect_fail``).
        ClusterUnavailable: no lab cluster is running.
    """
    args = list(args)
    if args and args[0] == "kubectl":
        args = args[1:]
    command = "kubectl " + shlex.join(args)
    full = [str(binary()), *connection_args(), *args]
    proc = subprocess.Popen(full, stdin=subprocess.PIPE if stdin is not None else
                            subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=environment())
    chunks: dict[int, list[bytes]] = {1: [], 2: []}
    sinks = {1: sys.stdout, 2: sys.stderr}
    if stdin is not None:
        assert proc.stdin is not None
        try:
            proc.stdin.write(stdin.encode())
            proc.stdin.close()
        except BrokenPipeError:  # kubectl stopped reading (a flag error): its message says why
            pass
    stopped = False
    deadline = None if stop_after is None else time.monotonic() + stop_after
    try:
        stopped = _stream(proc, chunks, sinks if echo else None, deadline)
    except BaseException:  # Ctrl-C / the notebook's stop button: end kubectl too
        _stop_process(proc, grace=0)
        raise
    out, err = chunks[1], chunks[2]
    result = Result(args, None if stopped else proc.returncode,
                    b"".join(out).decode("utf-8", errors="replace"),
                    b"".join(err).decode("utf-8", errors="replace"))
    if stopped:
        if echo:
            print(f"(stopped after {stop_after:g} s, as asked: {command} runs until "
                  "interrupted)", file=sys.stderr)
        return result
    if result.returncode != 0 and not expect_fail:
        raise KubectlFailed(
            f"`{command}` exited with status {result.returncode} (kubectl's message is above).",
            "Read kubectl's message, fix the command or the object it names, and run the "
            "cell again; `kubectl COMMAND --help` lists the flags.",
            returncode=result.returncode, command=command)
    if result.returncode == 0 and expect_fail:
        raise KubectlFailed(
            f"`{command}` succeeded, but this cell expects it to fail (--expect-fail).",
            "Maybe the object was already fixed; remove --expect-fail if success is what "
            "you want.", returncode=0, command=command)
    if expect_fail and echo:
        print(f"(kubectl exited with status {result.returncode}, as this cell expects)",
              file=sys.stderr)
    return result


def kubectl(*args: str, stdin: str | None = None, expect_fail: bool = False,
            stop_after: float | None = None, echo: bool = True) -> str:
    """``lab.kubectl("get", "pods", "-n", ns)``: the real kubectl from Python code.

    The same as ``%kubectl get pods -n NS`` in a cell, for code that needs
    kubectl's output as a string (a single string argument is split like a
    shell would: ``lab.kubectl("get pods -n demo")``).

    Returns:
        What kubectl printed on stdout.

    Raises:
        KubectlFailed: kubectl exited non-zero (unless ``expect_fail``).
    """
    words = shlex.split(args[0]) if len(args) == 1 else list(args)
    return run(words, stdin=stdin, expect_fail=expect_fail, stop_after=stop_after,
               echo=echo).stdout
