"""How k8slab shows things: the "two views" of each call, and notebook output.

Every helper that talks to the API announces the equivalent ``kubectl``
command and the REST verb and path it used, so a learner can move from the
notebook to a terminal, and from a terminal to the raw API, without a jump.
It is on by default inside a notebook and off in scripts and tests; one
switch changes it: ``lab.show_commands(False)`` (or ``K8SLAB_SHOW_COMMANDS=0``).
"""

from __future__ import annotations

import contextlib
import html
import os
import shlex
import sys
import threading
from collections.abc import Callable, Iterator

_state: dict[str, bool | None] = {"show": None}
#: Per-thread mute depth: internal reads (checks, diagnoses, background watches)
#: hide their echo without touching what other threads, or the learner, see.
_local = threading.local()


def in_notebook() -> bool:
    """True inside a Jupyter kernel (JupyterLab, papermill), False in scripts."""
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    ip = shell.get_ipython()
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


def show_commands(on: bool | None = None) -> bool:
    """Turn the kubectl/REST echo on or off; with no argument, tell whether it is on.

    Example:
        >>> import k8slab as lab
        >>> lab.show_commands(False)
        False
    """
    if on is not None:
        _state["show"] = bool(on)
    return _showing()


def _showing() -> bool:
    if getattr(_local, "muted", 0):
        return False
    if _state["show"] is not None:
        return bool(_state["show"])
    env = os.environ.get("K8SLAB_SHOW_COMMANDS")
    if env is not None:
        return env.lower() not in ("0", "false", "no", "off")
    return in_notebook()


def mute() -> int:
    """Hide this thread's command echo until :func:`restore`; returns a token."""
    depth = getattr(_local, "muted", 0)
    _local.muted = depth + 1
    return depth


def restore(token: int) -> None:
    """Undo the matching :func:`mute`."""
    _local.muted = token


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Hide the command echo of the calls this thread makes inside the block
    (checks, diagnoses, background watches); other threads are unaffected."""
    token = mute()
    try:
        yield
    finally:
        restore(token)


class Command(str):
    """A kubectl command line as shown, which also keeps its arguments.

    Why keep them: the printed line must be exactly runnable, and a test
    (tests/notebooks/kubectl_equivalence.py) runs every announced line with the
    real kubectl; the arguments (and the text sent on stdin for ``-f -``)
    spare it from parsing the display back.

    Attributes:
        argv: the arguments after ``kubectl``.
        stdin: what the command reads on stdin (``apply -f -``), or None.
        shell: True when the line is a shell pipeline (port-forward plus curl),
            not a single kubectl run.
    """

    argv: tuple[str, ...]
    stdin: str | None
    shell: bool

    def __new__(cls, text: str, argv: tuple[str, ...] = (), stdin: str | None = None,
                shell: bool = False) -> Command:
        made = super().__new__(cls, text)
        made.argv, made.stdin, made.shell = tuple(argv), stdin, shell
        return made

    def with_stdin(self, stdin: str) -> Command:
        """The same command, fed ``stdin``."""
        return Command(str(self), self.argv, stdin, self.shell)


#: The user every request is made as, inside ``lab.as_user(...)`` (None: the lab's admin).
#: Set by k8slab._core.access; the lines shown then carry ``--as`` so that they do the same.
acting_as: str | None = None


def kubectl(*args: str) -> Command:
    """Quote a kubectl command line for display (empty arguments are left out).

    Inside ``lab.as_user(user)`` the line gets ``--as=user``: the request the
    library sends carries that impersonation, so must the command a learner copies.
    """
    kept = tuple(a for a in args if a)
    if acting_as and not any(a.startswith("--as=") or a == "--as" for a in kept):
        kept = (*kept, f"--as={acting_as}")
    return Command("kubectl " + " ".join(shlex.quote(a) for a in kept), kept)


#: Functions called with every announced (not muted) command, in the calling
#: thread, before the API call is sent: ``hook(command, verb, path)``. The
#: kubectl-equivalence test installs one; nothing else does.
hooks: list[Callable[[str, str, str], None]] = []


def announce(kubectl_cmd: str, verb: str, path: str) -> None:
    """Show the two views of one API call, when the switch is on."""
    if hooks and not getattr(_local, "muted", 0):
        for hook in list(hooks):
            hook(kubectl_cmd, verb, path)
    if not _showing():
        return
    text = f"$ {kubectl_cmd}    # {verb} {path}"
    if in_notebook():
        from IPython.display import HTML, display

        display(HTML(
            '<div style="font-family:monospace;font-size:85%;color:#555">'
            f"$ {html.escape(kubectl_cmd)} "
            f'<span style="color:#999">&nbsp;&rarr; {html.escape(verb)} '
            f"{html.escape(path)}</span></div>"
        ), metadata={"k8slab": "command"})
    else:
        print(text)


def show(obj: object) -> None:
    """Display an object in a notebook, print it elsewhere."""
    if in_notebook():
        from IPython.display import display

        display(obj)
    else:
        print(obj)


class Progress:
    """A single live status line: updated in place in a notebook, printed on change elsewhere.

    Long waits use it so a learner sees what is still missing, not a frozen cell.
    """

    def __init__(self, title: str) -> None:
        self.title = title
        self._last = ""
        self._handle = None
        if in_notebook():
            from IPython.display import HTML, display

            self._handle = display(HTML(self._html("starting...")), display_id=True)

    def _html(self, text: str) -> str:
        return (f'<div style="font-family:monospace">&#9203; <b>{html.escape(self.title)}</b>: '
                f"{html.escape(text)}</div>")

    def update(self, text: str) -> None:
        if text == self._last:
            return
        self._last = text
        if self._handle is not None:
            from IPython.display import HTML

            self._handle.update(HTML(self._html(text)))

    def done(self, text: str, ok: bool = True) -> None:
        mark = "&#9989;" if ok else "&#10060;"
        if self._handle is not None:
            from IPython.display import HTML

            self._handle.update(HTML(
                f'<div style="font-family:monospace">{mark} <b>{html.escape(self.title)}</b>: '
                f"{html.escape(text)}</div>"))
        elif _showing():
            print(f"{self.title}: {text}")
