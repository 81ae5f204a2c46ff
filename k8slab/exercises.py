"""Exercises whose checks look at the live cluster.

An exercise is a goal ("scale web to 5 replicas"), a check that inspects the
cluster and says pass or fail with a reason, and a hint. Checks live in the
library (``k8slab/_course/checks/``), not in notebooks, so the instructor's workshop
view can run every attendee's checks, and CI can prove that each check fails
on a lesson's starting state and passes once the solution ran.

Everything a check says to the learner exists in each edition of the course
(:func:`say`): the card speaks the language of the notebook it shows in
(:mod:`k8slab._base.language`), from the same code cell in both editions.

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

import importlib
import json
import os
import pkgutil
import urllib.request

from k8slab._base import display as _display
from k8slab._base import language as _language
from k8slab._base.language import Words, say
from k8slab._course.recorded import record
from k8slab._course.registry import (
    REGISTRY,
    Exercise,
    Result,
    Said,
    exercise,
    require,
)
from k8slab.errors import K8sLabError, NotYet

__all__ = ["Exercise", "NotYet", "Result", "Said", "Words", "check", "default_namespace",
           "exercise", "exercises", "require", "run_check", "say", "select"]


def _load_all() -> None:
    from k8slab._course import checks

    for mod in pkgutil.iter_modules(checks.__path__):
        importlib.import_module(f"{checks.__name__}.{mod.name}")


def exercises(prefix: str = "") -> list[Exercise]:
    """All registered exercises whose id starts with ``prefix`` (e.g. ``"05."``)."""
    _load_all()
    return [ex for key, ex in sorted(REGISTRY.items()) if key.startswith(prefix)]


def select(patterns: list[str] | tuple[str, ...]) -> list[Exercise]:
    """The exercises ``k8slab check`` runs: each an id (``05.scale``) or a prefix (``05.``).

    Why prefixes too: ``k8slab check 05.`` checks a whole notebook, as
    ``k8slab workshop progress --exercises 05.`` shows it for a room.

    Raises:
        K8sLabError: a pattern matches no exercise (a typo must not pass silently).
    """
    _load_all()
    chosen: dict[str, Exercise] = {}
    for pattern in patterns or [""]:
        found = [ex for key, ex in sorted(REGISTRY.items())
                 if key == pattern or (key.startswith(pattern) and pattern.endswith("."))
                 or not pattern]
        if not found:
            raise K8sLabError(f"There is no exercise {pattern!r}.",
                              "List them with `k8slab check --list`; an id looks like "
                              "05.scale, and 05. means every exercise of notebook 05.")
        chosen.update((ex.id, ex) for ex in found)
    return list(chosen.values())


def default_namespace(id: str) -> str:
    """Where an exercise is done when nobody says: ``$K8SLAB_NAMESPACE``, else its notebook's.

    Each notebook works in ``nbNN-<topic>`` (its parameter cell), and its checks
    live in ``_course/checks/nbNN_<topic>.py``: the module's name gives the
    namespace, so a terminal check looks where the notebook worked.

    Example:
        >>> default_namespace("05.scale")          # doctest: +SKIP
        'nb05-deployments'
    """
    if os.environ.get("K8SLAB_NAMESPACE"):
        return os.environ["K8SLAB_NAMESPACE"]
    _load_all()
    if id not in REGISTRY:
        raise K8sLabError(f"There is no exercise {id!r}.", "List them with `k8slab check --list`.")
    return REGISTRY[id].check.__module__.rsplit(".", 1)[-1].replace("_", "-")


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
    if result.passed:
        tell_the_hub(id)
    return result


def tell_the_hub(id: str, timeout: float = 20) -> bool:
    """In the workshop hub: ask the instructor's progress service to look at a pass.

    The hub gives each attendee's server ``K8SLAB_PROGRESS_URL`` (the service,
    on 127.0.0.1) and ``JUPYTERHUB_API_TOKEN``; the service learns from the
    hub who owns the token and runs the check itself on that attendee's
    namespace, so this only says *when* to look: a pass counts only if the
    service sees it. It waits for the answer, so the objects are still there
    when the service looks (the notebook's clean-up comes later). Anywhere
    else (no such variables) it does nothing.

    Returns:
        True when the service answered (whatever it found).
    """
    url = os.environ.get("K8SLAB_PROGRESS_URL", "")
    token = os.environ.get("JUPYTERHUB_API_TOKEN", "")
    # The token goes to this machine's loopback only, never to an address set elsewhere.
    if not (token and url.startswith("http://127.0.0.1:")):
        return False
    request = urllib.request.Request(url, data=json.dumps({"exercise": id}).encode(),
                                     method="POST",
                                     headers={"Authorization": f"token {token}",
                                              "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            answer.read()
    except OSError:  # the hub is gone or busy: the page's own rounds may still see it
        return False
    return True
