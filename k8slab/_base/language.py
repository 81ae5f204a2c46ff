"""Which language the learner reads: English, or French for ``notebooks/fr/``.

The course has one set of code cells and two editions of the text (the French
notebooks live in ``notebooks/fr/`` under the same names). What the library
says to a learner in a notebook (an exercise check's card, its hint) follows
the edition the notebook belongs to, without a line of code that differs
between the two: the kernel finds the notebook's folder by itself.

How the language is chosen, first answer wins:

1. :func:`language` called with a code in this kernel (the learner's choice);
2. the notebook's own path, when the kernel knows it (JupyterLab gives it as
   ``JPY_SESSION_NAME``, IPython as ``__session__``): a notebook in a folder
   named ``fr`` is French, any other is English;
3. the environment variable ``K8SLAB_LANG`` (``k8slab lab --lang fr`` sets it);
4. the working directory: papermill and JupyterLab start a notebook's kernel
   in the notebook's folder, so ``notebooks/fr`` means French;
5. English.

Example:
    >>> language("fr")
    'fr'
    >>> language(None)          # back to automatic: this notebook's edition
    'en'
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from k8slab.errors import K8sLabError

#: The course's editions; English is the default and the fallback.
LANGUAGES = ("en", "fr")
DEFAULT = "en"
#: The notebook every edition starts with (the same name in each edition's folder).
FIRST_NOTEBOOK = "01-getting-started.ipynb"

_chosen: str | None = None


def known(code: str | None) -> str | None:
    """``"fr"`` for ``fr``, ``FR``, ``fr_FR``, ``fr-CA``...; None for a language we lack."""
    base = (code or "").strip().lower().replace("_", "-").split("-")[0]
    return base if base in LANGUAGES else None


def _notebook_path() -> str | None:
    """The running notebook's path, if the kernel was told it."""
    shell = sys.modules.get("IPython")
    if shell is not None:
        ip = shell.get_ipython() if hasattr(shell, "get_ipython") else None
        session = (getattr(ip, "user_ns", None) or {}).get("__session__")
        if isinstance(session, str) and session.endswith(".ipynb"):
            return session
    name = os.environ.get("JPY_SESSION_NAME", "")
    return name if name.endswith(".ipynb") else None


def _edition_of(folder: Path) -> str | None:
    """``fr`` for a folder named ``fr``; None for any other."""
    return folder.name if folder.name in LANGUAGES else None


def edition_folder(lang: str) -> str:
    """An edition's folder under ``notebooks/``: English at the top (``""``), others by language.

    Example:
        >>> edition_folder("fr"), edition_folder("en")
        ('fr', '')
    """
    return "" if lang == DEFAULT else lang


def edition_path(lang: str, name: str = FIRST_NOTEBOOK) -> str:
    """Where a notebook of an edition lives, relative to ``notebooks/``.

    Example:
        >>> edition_path("fr"), edition_path("en", "04-pods.ipynb")
        ('fr/01-getting-started.ipynb', '04-pods.ipynb')
    """
    return f"{edition_folder(lang)}/{name}".lstrip("/")


def current() -> str:
    """The language to speak now (see the module docstring for the order)."""
    if _chosen:
        return _chosen
    path = _notebook_path()
    if path:
        return _edition_of(Path(path).parent) or DEFAULT
    from_env = known(os.environ.get("K8SLAB_LANG"))
    if from_env:
        return from_env
    try:
        return _edition_of(Path.cwd()) or DEFAULT
    except OSError:  # the working directory was deleted under us
        return DEFAULT


def language(code: str | None = "") -> str:
    """Choose the language of check cards and hints, or ask which one is in use.

    Args:
        code: ``"fr"`` or ``"en"`` to choose for this kernel; ``None`` to go
            back to the automatic choice (the notebook's edition); empty (the
            default) to only ask.

    Returns:
        The language now in use.

    Raises:
        K8sLabError: a language the course does not have.

    Example:
        >>> lab.language("fr")                                  # doctest: +SKIP
        'fr'
    """
    global _chosen
    if code is None:
        _chosen = None
    elif code:
        chosen = known(code)
        if chosen is None:
            raise K8sLabError(
                f"The course has no {code!r} edition.",
                "Pick one of " + ", ".join(repr(c) for c in LANGUAGES)
                + ", e.g. lab.language('fr'); lab.language(None) goes back to the notebook's own.")
        _chosen = chosen
    return current()


@dataclass(frozen=True)
class Words:
    """One thing said to the learner, in every edition of the course.

    Kept whole (not translated when the module that says it is imported)
    because the language is the notebook's, known only when the text is shown;
    ``str()`` and f-strings pick it then, so a ``Words`` can sit inside both
    halves of another ``say``.
    """

    en: str
    fr: str

    def __str__(self) -> str:
        return self.fr if current() == "fr" else self.en

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def say(en: str, fr: str) -> Words:
    """The English and French of one message (a check's title, hint or verdict).

    Example:
        >>> print(say("pod 'web' is Running", "le pod 'web' est Running"))
        pod 'web' is Running
    """
    return Words(en, fr)
