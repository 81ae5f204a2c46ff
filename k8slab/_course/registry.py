"""The exercise registry: what a check is, how it registers, how its card looks.

Why apart from :mod:`k8slab.exercises`: the checks (``_course/checks/``) register
here, and :mod:`k8slab.exercises` loads them; with the registry below both, no
import climbs back up from a check to the public face that loads it.

Example:
    >>> from k8slab._course.registry import exercise, require, say
    >>> @exercise("demo.greeting", say("Store a greeting", "Stocker un message"),
    ...           hint=say("apply a ConfigMap 'hello'", "appliquez une ConfigMap 'hello'"))
    ... def _check(namespace):
    ...     hello = require("ConfigMap", "hello", namespace)   # "not yet" when missing
    ...     return "greeting" in (hello.get("data") or {}), say("a key 'greeting' is wanted",
    ...                                                         "il faut une clé 'greeting'")
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from k8slab._base import language as _language
from k8slab._base.language import Words, say
from k8slab._core.resources import find
from k8slab.errors import NotYet

__all__ = ["CARD_WORDS", "REGISTRY", "Exercise", "NotYet", "Result", "Said", "Words", "exercise",
           "require", "say"]


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
