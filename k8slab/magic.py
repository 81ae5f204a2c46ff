"""``%kubectl`` and ``%%kubectl``: the real kubectl in a notebook cell.

Registered by ``import k8slab`` inside IPython/Jupyter (every course notebook's
set-up cell does it), or by ``%load_ext k8slab`` in any notebook. It runs the
lab's own kubectl against the lab kubeconfig only (:mod:`k8slab._runners.kubectl`),
and shows what kubectl prints, exactly as it prints it.

Line magic, one command::

    %kubectl get pods -n {namespace} -o wide

Cell magic, the cell's body is kubectl's standard input (``-f -``)::

    %%kubectl apply -n {namespace} -f -
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: hello

``{namespace}`` (or ``$namespace``) is replaced by the Python variable, as in
any IPython magic. A non-zero exit is an error under the cell, and stops a
notebook run. Options of the magic itself come before kubectl's arguments:

- ``--expect-fail``: the command is meant to fail (a break-and-fix lesson shows
  kubectl's refusal); its failure is shown, not raised, and a success is an error.
- ``--stop-after SECONDS``: end a command that never ends by itself
  (``logs -f``, ``get --watch``, ``events --watch``) after that long.
- ``--quiet``: print nothing (the output is still in ``_kubectl``).

After each run the Python variable ``_kubectl`` holds the
:class:`k8slab._runners.kubectl.Result` (``_kubectl.stdout``, ``_kubectl.returncode``).
"""

from __future__ import annotations

import shlex
from typing import Any

from k8slab._runners.kubectl import KubectlFailed, Result, run

__all__ = ["KubectlFailed", "load_ipython_extension", "parse", "register"]

_registered: set[int] = set()


def parse(line: str) -> tuple[dict[str, Any], list[str]]:
    """Split a magic line into the magic's own options and kubectl's arguments.

    Example:
        >>> parse("--expect-fail --stop-after 5 logs -f web")
        ({'expect_fail': True, 'stop_after': 5.0, 'echo': True}, ['logs', '-f', 'web'])
    """
    words = shlex.split(line)
    options: dict[str, Any] = {"expect_fail": False, "stop_after": None, "echo": True}
    while words:
        word = words[0]
        if word == "--expect-fail":
            options["expect_fail"] = True
        elif word == "--quiet":
            options["echo"] = False
        elif word == "--stop-after" and len(words) > 1:
            options["stop_after"] = float(words[1])
            words.pop(0)
        elif word.startswith("--stop-after="):
            options["stop_after"] = float(word.split("=", 1)[1])
        else:
            break
        words.pop(0)
    if words and words[0] == "kubectl":
        words.pop(0)
    if not words:
        raise KubectlFailed("`%kubectl` needs a kubectl command, e.g. `%kubectl get pods`.",
                            "Write the command after %kubectl, as you would after kubectl "
                            "in a terminal.")
    return options, words


def kubectl_magic(line: str, cell: str | None = None) -> None:
    """The body of ``%kubectl`` (``cell`` is None) and ``%%kubectl``."""
    options, args = parse(line)
    result: Result = run(args, stdin=cell, **options)
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        shell.user_ns["_kubectl"] = result


def register(shell: Any) -> None:
    """Register ``%kubectl``/``%%kubectl`` in an IPython shell (once per shell)."""
    if shell is None or id(shell) in _registered:
        return
    shell.register_magic_function(kubectl_magic, magic_kind="line_cell", magic_name="kubectl")
    _registered.add(id(shell))


def load_ipython_extension(shell: Any) -> None:
    """``%load_ext k8slab.magic`` (``%load_ext k8slab`` does the same)."""
    register(shell)


def register_if_interactive() -> None:
    """Called by ``import k8slab``: register the magic when IPython is running."""
    import sys

    ipython = sys.modules.get("IPython")
    if ipython is None:
        return
    shell = ipython.get_ipython()
    if shell is not None:
        register(shell)
