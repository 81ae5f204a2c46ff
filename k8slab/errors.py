"""The exceptions k8slab raises, all rooted at :class:`K8sLabError`.

Each message is written for a learner: what went wrong, on which object and
namespace, and the next command to run. The original exception (an
``ApiException``, a ``yaml.YAMLError``...) stays chained as ``__cause__`` for
experts.

This module is public (``k8slab.errors``, re-exported as ``lab.K8sLabError``...)
and holds the classes only; :mod:`k8slab._core.api_errors` is the private translator
that turns the client's exceptions into them.
"""

from __future__ import annotations

from html import escape

__all__ = ["ApiError", "ChecksumMismatch", "ClusterUnavailable", "EtcdctlFailed", "ExecFailed",
           "HelmError", "K8sLabError", "KubectlFailed", "ManifestError", "NotYet", "ToolMissing",
           "UnsafeContext", "WaitTimeout"]


class K8sLabError(Exception):
    """Root of every error k8slab raises on purpose.

    Args:
        message: what went wrong, in one or two sentences.
        hint: what to do about it (a command to run, a field to fix).
    """

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if not hint else f"{message}\n  -> {hint}")

    def _repr_html_(self) -> str:  # pragma: no cover - notebook display only
        hint = f"<br><b>Fix:</b> {escape(self.hint)}" if self.hint else ""
        return (
            '<div style="border-left:4px solid #c0392b;padding:4px 8px">'
            f"<b>{type(self).__name__}</b>: {escape(self.message)}{hint}</div>"
        )


class ClusterUnavailable(K8sLabError):
    """No lab cluster is running, or the API server cannot be reached.

    Attributes:
        server: the API server URL that did not answer (``""`` when none was tried).
        reason: how it failed, in a few words (``connection refused``, ``timed out``).
    """

    def __init__(self, message: str, hint: str | None = None, *, server: str = "",
                 reason: str = "") -> None:
        super().__init__(message, hint)
        self.server = server
        self.reason = reason


class ToolMissing(K8sLabError):
    """A program k8slab needs (go, kind, docker, helm...) is not installed."""


class ChecksumMismatch(ToolMissing):
    """A downloaded binary did not match its published checksum, so it was thrown away.

    A child of :class:`ToolMissing` (the tool is still missing), kept apart so
    that k8slab never falls back to a build after it: a wrong checksum means a
    broken mirror or a tampered file, and the user should know.
    """


class UnsafeContext(K8sLabError):
    """A destructive step was refused because the context is not a lab cluster."""


class ManifestError(K8sLabError):
    """A manifest could not be read: bad YAML, missing field, unknown kind."""


class ApiError(K8sLabError):
    """The API server refused a request (403, 404, 409, 422...).

    Attributes:
        status: the HTTP status code the API server answered.
        reason: the API server's short reason (``NotFound``, ``Forbidden``...).
    """

    def __init__(
        self, message: str, hint: str | None = None, status: int = 0, reason: str = ""
    ) -> None:
        super().__init__(message, hint)
        self.status = status
        self.reason = reason


class WaitTimeout(K8sLabError):
    """A wait ran out of time before the cluster reached the expected state."""


class HelmError(K8sLabError):
    """The helm command failed; the message carries helm's own words."""


class NotYet(K8sLabError):
    """A check's "not yet": what the learner still has to do, in one sentence.

    Raised by :func:`require` inside a check; :func:`run_check` turns it (like
    any :class:`K8sLabError`) into a failed result whose message is this one.
    """

    def __init__(self, message: object, hint: object | None = None) -> None:
        super().__init__(str(message), None if hint is None else str(hint))


class ExecFailed(K8sLabError):
    """The command ran in the pod and exited with a non-zero code (``kubectl exec`` fails too).

    Attributes:
        exit_code: the command's exit code.
        output: what it printed (stdout and stderr, as they came).
    """

    def __init__(self, message: str, hint: str, *, exit_code: int, output: str) -> None:
        super().__init__(message, hint)
        self.exit_code = exit_code
        self.output = output


class EtcdctlFailed(K8sLabError):
    """etcdctl or etcdutl exited with a non-zero status; its message is in ours."""


class KubectlFailed(K8sLabError):
    """kubectl exited with a non-zero status (its own message was printed above).

    Attributes:
        returncode: kubectl's exit status.
        command: the command line as the learner wrote it (``kubectl get pod web``).
    """

    def __init__(self, message: str, hint: str | None = None, *, returncode: int = 1,
                 command: str = "") -> None:
        super().__init__(message, hint)
        self.returncode = returncode
        self.command = command

    def _render_traceback_(self) -> list[str]:  # pragma: no cover - IPython display only
        """IPython shows this instead of a Python traceback: kubectl already said why."""
        lines = [f"\x1b[31mKubectlFailed\x1b[0m: {self.message}"]
        if self.hint:
            lines.append(f"  -> {self.hint}")
        return lines
