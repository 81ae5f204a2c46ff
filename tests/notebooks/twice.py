"""The end every notebook test shares: exercises went from "not yet" to "passed", then run it again.

A course notebook must be idempotent (a learner re-runs it from the top), so
each test asserts the same things about its run: every exercise check was
called twice and failed on the lesson's starting state, then passed once the
solution ran; the clean-up cells left nothing behind; and a second run (when
:func:`~tests.notebooks.harness.second_run_wanted`) has no error and the same
check outcomes, in the other edition of the course, with every printed kubectl
line replayed (:func:`~tests.notebooks.harness.run_second`). :func:`run_again`
asserts all of it, so a test only adds what is particular to its notebook.

Example:
    >>> run = run_notebook(NOTEBOOK, parameters=params)          # doctest: +SKIP
    >>> again = run_again(run, NOTEBOOK, params, {"01.configmap", "01.first-pod"})
    >>> if again:                                                # doctest: +SKIP
    ...     assert again.last("pods") == 1
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import k8slab as lab
from tests.notebooks.harness import Executed, run_second, second_run_wanted


def assert_exercises(run: Executed, exercises: Iterable[str]) -> dict[str, list[bool]]:
    """Each exercise was checked twice: "not yet" on the starting state, then "passed"."""
    checks = run.checks()
    assert set(checks) == set(exercises)
    for exercise, outcomes in checks.items():
        assert outcomes == [False, True], (exercise, outcomes)
    return checks


def run_again(run: Executed, notebook: str, parameters: dict[str, Any],
              exercises: Iterable[str], *,
              cleaned: Callable[[], None] | None = None) -> Executed | None:
    """Assert the first run's exercises and clean-up, then run the notebook a second time.

    Args:
        run: the first run.
        notebook: the notebook, as given to ``run_notebook``.
        parameters: the same parameters (``namespace`` among them).
        exercises: the ids of the notebook's exercises.
        cleaned: asserts the clean-up after each run (default: the namespace is gone).

    Returns:
        The second run, for assertions of the test's own; None when no second
        run is wanted (``K8SLAB_NOTEBOOK_RUNS=1``).
    """
    def namespace_gone() -> None:
        assert not lab.exists("Namespace", parameters["namespace"])

    cleaned = cleaned or namespace_gone
    checks = assert_exercises(run, exercises)
    cleaned()
    if not second_run_wanted():
        return None
    again = run_second(notebook, parameters=parameters)
    assert not again.errors() and again.checks() == checks
    cleaned()
    return again
