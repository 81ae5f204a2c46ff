"""Every exercise check, run on a namespace where nothing was done yet, in both editions.

The check must say "not yet" in each language: the French card in French (a
language identifier reads it), the English one unchanged, and neither in the
other's words. This is the path every learner meets first, for every
exercise of the course, against the live cluster.
"""

from __future__ import annotations

import pytest

from k8slab._base import language as _language
from k8slab.exercises import exercises, run_check
from tests.tools.editions import MIN_WORDS, language_of

IDS = [ex.id for ex in exercises()]


def prose_words(text: str) -> list[str]:
    """The words of a hint or message that are prose, not commands, names or numbers."""
    return [w for w in text.split() if w.strip(",.;:!?«»()").isalpha()]


@pytest.fixture
def speaking():
    yield _language.language
    _language.language(None)


@pytest.mark.parametrize("exercise", IDS)
def test_a_check_says_not_yet_in_each_language(ns, speaking, exercise):
    speaking("en")
    english = run_check(exercise, ns)
    speaking("fr")
    french = run_check(exercise, ns)
    assert not english.passed and not french.passed
    assert (english.language, french.language) == ("en", "fr")
    assert french.title != english.title and french.hint != english.hint
    said = [french.hint, french.title]
    # Notebook 13's checks read Flux's objects: on a cluster without Flux's CRDs the
    # library's own error (English, like every library error) is the message.
    if "serves no kind" not in english.message:
        assert french.message != english.message, french.message
        said.append(french.message)
    for text in said:
        words = prose_words(text)
        if len(words) >= MIN_WORDS:
            assert language_of(" ".join(words)) == "fr", text
    assert "Pas encore" in french._repr_html_() and "Not yet" in english._repr_html_()
