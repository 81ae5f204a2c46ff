"""Exercise checks speak both editions: every title, hint and message is a ``say(en, fr)``.

A check module that returns a bare string shows English on a French card; the
source is read (ast) so that even a message on a rarely taken path is caught.
The card itself picks the language of the notebook (k8slab/_base/language.py).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from k8slab._base import language as _language
from k8slab.exercises import Result, Words, exercises, say

CHECKS_DIR = Path(__file__).resolve().parents[2] / "k8slab" / "_course" / "checks"
CHECKS = sorted(CHECKS_DIR.glob("nb*.py"))


def _bare(node: ast.AST | None) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str))


def bare_messages(path: Path) -> list[str]:
    """Lines where a learner-facing text is a plain string, not ``say(...)``."""
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) \
                and len(node.value.elts) == 2 and _bare(node.value.elts[1]):
            found.append(f"{path.name}:{node.lineno}: a check's message")
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name == "NotYet" and node.args and _bare(node.args[0]):
                found.append(f"{path.name}:{node.lineno}: a NotYet message")
            for kw in node.keywords:
                if kw.arg in ("missing", "hint") and _bare(kw.value):
                    found.append(f"{path.name}:{node.lineno}: {kw.arg}=")
            if name == "exercise" and len(node.args) > 1 and _bare(node.args[1]):
                found.append(f"{path.name}:{node.lineno}: an exercise title")
    return found


@pytest.mark.parametrize("path", CHECKS, ids=lambda p: p.stem)
def test_every_text_of_a_check_module_is_said_in_both_languages(path):
    found = bare_messages(path)
    assert not found, ("texts left in English only (wrap them in say(english, french)):\n"
                       + "\n".join(found))


def test_every_exercise_has_a_french_title_and_hint():
    missing = [ex.id for ex in exercises()
               if not (isinstance(ex.title, Words) and isinstance(ex.hint, Words)
                       and ex.title.fr.strip() and ex.hint.fr.strip()
                       and ex.title.fr != ex.title.en)]
    assert not missing, f"exercises without French: {missing}"


def test_the_card_speaks_the_language_in_use():
    words = say("pod 'web' is Running", "le pod 'web' est Running")
    try:
        assert _language.language("fr") == "fr"
        assert str(words) == "le pod 'web' est Running" and f"{words}" == str(words)
        card = Result("05.scale", "Mettre web à l'échelle", False, str(words), "Appliquez",
                      _language.current())
        assert "Pas encore" in card._repr_html_() and 'lang="fr"' in card._repr_html_()
        assert "Indice : Appliquez" in repr(card)
        assert _language.language("en") == "en" and str(words) == "pod 'web' is Running"
    finally:
        _language.language(None)


def test_a_bare_english_message_is_caught(tmp_path):
    module = tmp_path / "nb99_demo.py"
    module.write_text('def _c(ns):\n    return False, f"no pod in {ns}"\n')
    assert bare_messages(module) == ["nb99_demo.py:2: a check's message"]
