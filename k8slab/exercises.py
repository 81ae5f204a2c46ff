"""Exercises whose checks look at the live cluster.

An exercise is a goal ("scale web to 5 replicas"), a check that inspects the
cluster and says pass or fail with a reason, and a hint. Checks live in the
library (``k8slab/checks/``), not in notebooks, so the instructor's workshop
view can run every attendee's checks, and CI can prove that each check fails
on a lesson's starting state and passes once the solution ran.

Example:
    >>> from k8slab.exercises import exercise
    >>> @exercise("demo.greeting", "Store a greeting", hint="apply a ConfigMap 'hello'")
    ... def _check(namespace):
    ...     hello = require("ConfigMap", "hello", namespace)   # "not yet" when missing
    ...     return "greeting" in (hello.get("data") or {}), "a key 'greeting' is wanted"
"""

from __future__ import annotations

import html
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

from . import _display
from ._record_output import record
from ._resources import find
from .errors import K8sLabError

CheckFn = Callable[[str], tuple[bool, str]]


@dataclass(frozen=True)
class Exercise:
    """One exercise: an id like ``05.scale``, a title, a check and a hint."""

    id: str
    title: str
    check: CheckFn
    hint: str


@dataclass(frozen=True)
class Result:
    """The outcome of one check, shown as a compact card in a notebook."""

    exercise: str
    title: str
    passed: bool
    message: str
    hint: str

    def __bool__(self) -> bool:
        return self.passed

    def _repr_html_(self) -> str:
        color, mark, word = (("#2e7d32", "&#9989;", "Passed") if self.passed
                             else ("#c62828", "&#10060;", "Not yet"))
        hint = ("" if self.passed else
                f'<div style="margin-top:4px"><b>Hint:</b> {html.escape(self.hint)}</div>')
        return (f'<div class="k8slab-check" style="border:1px solid {color};border-left:6px '
                f'solid {color};border-radius:4px;padding:6px 10px;margin:4px 0">'
                f'{mark} <b>{word}</b> &mdash; {html.escape(self.title)} '
                f'<code style="color:#777">{html.escape(self.exercise)}</code>'
                f"<div>{html.escape(self.message)}</div>{hint}</div>")

    def __repr__(self) -> str:
        word = "PASSED" if self.passed else "NOT YET"
        text = f"[{word}] {self.title} ({self.exercise}): {self.message}"
        return text if self.passed else f"{text}\n  Hint: {self.hint}"


class NotYet(K8sLabError):
    """A check's "not yet": what the learner still has to do, in one sentence.

    Raised by :func:`require` inside a check; :func:`run_check` turns it (like
    any :class:`K8sLabError`) into a failed result whose message is this one.
    """


def require(kind: str, name: str, namespace: str | None = None, *,
            missing: str | None = None) -> dict:
    """The object a check looks at, read once; "not yet" when it does not exist.

    Why not ``exists`` then ``get``: that is two requests, and the object may
    go between them (a rollout replaces pods, a learner deletes and applies
    again), which would fail the check with an API error instead of a hint.

    Args:
        missing: the learner-facing message when the object is absent
            (default: ``there is no <kind> '<name>' in namespace '<ns>' yet``).

    Raises:
        NotYet: the object does not exist.

    Example:
        >>> web = require("Deployment", "web", "demo")             # doctest: +SKIP
        Traceback (most recent call last):
        k8slab.exercises.NotYet: there is no Deployment 'web' in namespace 'demo' yet
    """
    obj = find(kind, name, namespace)
    if obj is None:
        where = f" in namespace {namespace!r}" if namespace else ""
        raise NotYet(missing or f"there is no {kind} {name!r}{where} yet")
    return obj


REGISTRY: dict[str, Exercise] = {}


def exercise(id: str, title: str, *, hint: str) -> Callable[[CheckFn], CheckFn]:
    """Register a check function ``namespace -> (passed, message)`` as an exercise."""
    def register(fn: CheckFn) -> CheckFn:
        REGISTRY[id] = Exercise(id, title, fn, hint)
        return fn
    return register


def _load_all() -> None:
    from . import checks

    for mod in pkgutil.iter_modules(checks.__path__):
        importlib.import_module(f"{checks.__name__}.{mod.name}")


def exercises(prefix: str = "") -> list[Exercise]:
    """All registered exercises whose id starts with ``prefix`` (e.g. ``"05."``)."""
    _load_all()
    return [ex for key, ex in sorted(REGISTRY.items()) if key.startswith(prefix)]


def run_check(id: str, namespace: str) -> Result:
    """Run one check quietly and return its result (no display): for code and tests."""
    _load_all()
    if id not in REGISTRY:
        raise K8sLabError(f"There is no exercise {id!r}.",
                          "Known: " + ", ".join(sorted(REGISTRY)) if REGISTRY else None)
    ex = REGISTRY[id]
    with _display.quiet():
        try:
            passed, message = ex.check(namespace)
        except K8sLabError as err:
            passed, message = False, err.message
    return Result(ex.id, ex.title, bool(passed), message, ex.hint)


def check(id: str, namespace: str) -> Result:
    """Run an exercise's check against the cluster, show the card, record the outcome.

    Example:
        >>> lab.check("05.scale", "demo")                   # doctest: +SKIP
        [NOT YET] Scale web to 5 replicas (05.scale): 3 replicas ready, 5 wanted
    """
    result = run_check(id, namespace)
    record(f"check:{id}", result.passed)
    return result
