"""How the library knows the learner's language (k8slab/_base/language.py)."""

from __future__ import annotations

import pytest

from k8slab import K8sLabError
from k8slab._base import language as _language


@pytest.fixture(autouse=True)
def automatic(monkeypatch):
    monkeypatch.delenv("K8SLAB_LANG", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    _language.language(None)
    yield
    _language.language(None)


def test_the_notebook_folder_decides(monkeypatch, tmp_path):
    (tmp_path / "fr").mkdir()
    monkeypatch.chdir(tmp_path / "fr")
    assert _language.current() == "fr"
    monkeypatch.chdir(tmp_path)
    assert _language.current() == "en"


def test_the_session_path_wins_over_the_folder_and_the_environment(monkeypatch, tmp_path):
    (tmp_path / "fr").mkdir()
    monkeypatch.chdir(tmp_path / "fr")
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/me/notebooks/04-pods.ipynb")
    monkeypatch.setenv("K8SLAB_LANG", "fr")
    assert _language.current() == "en"
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/me/notebooks/fr/04-pods.ipynb")
    assert _language.current() == "fr"


def test_the_environment_when_no_notebook_is_known(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("K8SLAB_LANG", "fr_FR.UTF-8")
    assert _language.current() == "fr"
    monkeypatch.setenv("K8SLAB_LANG", "de")
    assert _language.current() == "en"


def test_the_learners_choice_wins_until_taken_back(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert _language.language("FR") == "fr"
    assert _language.language() == "fr"
    assert _language.language(None) == "en"


def test_an_unknown_language_is_refused_with_the_choices():
    with pytest.raises(K8sLabError) as err:
        _language.language("klingon")
    assert "'klingon'" in err.value.message and "'fr'" in err.value.hint
    assert _language.current() == "en"
