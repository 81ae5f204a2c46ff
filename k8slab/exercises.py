"""Exercises whose checks look at the live cluster.

An exercise is a goal ("scale web to 5 replicas"), a check that inspects the
cluster and says pass or fail with a reason, and a hint. Checks live in the
library (``k8slab/checks/``), not in notebooks, so the instructor's workshop
view can run every attendee's checks, and CI can prove that each check fails
on a lesson's starting state and passes once the solution ran.

Everything a check says to the learner exists in each edition of the course
(:func:`say`): the card speaks the language of the notebook it shows in
(:mod:`k8slab._language`), from the same code cell in both editions.

Example:
    >>> from k8slab.exercises import exercise, say
    >>> @exercise("demo.greeting", say("Store a greeting", "Stocker un message"),
    ...           hint=say("apply a ConfigMap 'hello'", "appliquez une ConfigMap 'hello'"))
    ... def _check(namespace):
    ...     hello = require("ConfigMap", "hello", namespace)   # "not yet" when missing
    ...     return "greeting" in (hello.get("data") or {}), say("a key 'greeting' is wanted",
    ...                                                         "il faut une clé 'greeting'")
"""

from __future__ import annotations

import html
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

from . import _display, _language
from ._language import Words, say
from ._record_output import record
from ._resources import find
from .errors import K8sLabError

__all__ = ["Exercise", "NotYet", "Result", "Said", "Words", "check", "exercise", "exercises",
           "require", "run_check", "say"]


#: What a check returns: passed or not, and why (in both languages, or English only).
Said = str | Words
CheckFn = Callable[[str], tuple[bool, Said]]

#: The words of the card itself, per language: passed, not yet, hint, and the colon
#: (French sets a space before it).
CARD_WORDS = {"en": ("Passed", "Not yet", "Hint", ":"),
              "fr": ("Réussi", "Pas encore", "Indice", " :")}


@dataclass(frozen=True)
class Exercise:
    """One exercise: an id like ``05.scale``, a title, a check and a hint."""

    id: str
    title: Said
    check: CheckFn
    hint: Said


@dataclass(frozen=True)
class Result:
    """The outcome of one check, shown as a compact card in a notebook."""

    exercise: str
    title: str
    passed: bool
    message: str
    hint: str
    language: str = _language.DEFAULT

    def __bool__(self) -> bool:
        return self.passed

    def _repr_html_(self) -> str:
        passed, not_yet, hint_word, colon = CARD_WORDS[self.language]
        color, mark, word = (("#2e7d32", "&#9989;", passed) if self.passed
                             else ("#c62828", "&#10060;", not_yet))
        hint = ("" if self.passed else f'<div style="margin-top:4px"><b>{hint_word}{colon}</b> '
                                       f'{html.escape(self.hint)}</div>')
        return (f'<div class="k8slab-check" lang="{self.language}" '
                f'style="border:1px solid {color};border-left:6px solid {color};'
                f'border-radius:4px;padding:6px 10px;margin:4px 0">'
                f'{mark} <b>{word}</b> &mdash; {html.escape(self.title)} '
                f'<code style="color:#777">{html.escape(self.exercise)}</code>'
                f"<div>{html.escape(self.message)}</div>{hint}</div>")

    def __repr__(self) -> str:
        passed, not_yet, hint_word, colon = CARD_WORDS[self.language]
        word = (passed if self.passed else not_yet).upper()
        text = f"[{word}] {self.title} ({self.exercise}){colon} {self.message}"
        return text if self.passed else f"{text}\n  {hint_word}{colon} {self.hint}"


class NotYet(K8sLabError):
    """A check's "not yet": what the learner still has to do, in one sentence.

    Raised by :func:`require` inside a check; :func:`run_check` turns it (like
    any :class:`K8sLabError`) into a failed result whose message is this one.
    """

    def __init__(self, message: Said, hint: Said | None = None) -> None:
        super().__init__(str(message), None if hint is None else str(hint))


def require(kind: str, name: str, namespace: str | None = None, *,
            missing: Said | None = None) -> dict:
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
        if missing is None:
            missing = say(
                f"there is no {kind} {name!r}" + (f" in namespace {namespace!r}" if namespace
                                                  else "") + " yet",
                f"il n'y a pas encore de {kind} {name!r}" + (f" dans le namespace {namespace!r}"
                                                             if namespace else ""))
        raise NotYet(str(missing))
    return obj


REGISTRY: dict[str, Exercise] = {}


def exercise(id: str, title: Said, *, hint: Said) -> Callable[[CheckFn], CheckFn]:
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
    return Result(ex.id, str(ex.title), bool(passed), str(message), str(ex.hint),
                  _language.current())


def check(id: str, namespace: str) -> Result:
    """Run an exercise's check against the cluster, show the card, record the outcome.

    Example:
        >>> lab.check("05.scale", "demo")                   # doctest: +SKIP
        [NOT YET] Scale web to 5 replicas (05.scale): 3 replicas ready, 5 wanted
    """
    result = run_check(id, namespace)
    record(f"check:{id}", result.passed)
    return result
