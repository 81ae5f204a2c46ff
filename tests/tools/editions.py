"""What makes a French notebook the pair of its English one, and what a text's language is.

The French edition (``notebooks/fr/``) shares its code with the English one:
same cells in the same order, same tags and cell metadata, the same code but
for comments (translated, in Python and in the YAML of ``%%kubectl`` cells),
and prose in the edition's language. Used by ``tests/unit/test_french_pairing.py``
and by the notebook lint.

The language of prose is told by py3langid (a fork of langid.py, a trained
language identifier), limited to the course's languages, on the text that is
left once code, links and markup are removed.

Example:
    >>> code_without_comments("x = 1  # un\\n# deux\\ny = 'a # b'")
    "x = 1\\ny = 'a # b'"
    >>> language_of("Le pod démarre sur un nœud du cluster.")
    'fr'
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
ENGLISH = ROOT / "notebooks"
FRENCH = ENGLISH / "fr"


def _strip_python(source: str) -> str:
    """Python source without its comments (IPython magics kept as they are)."""
    lines = source.splitlines()
    # Magics are not Python: tokenize a placeholder, keep the line verbatim.
    magic = {i for i, line in enumerate(lines) if line.lstrip().startswith(("%", "!"))}
    text = "\n".join("pass" if i in magic else line for i, line in enumerate(lines)) + "\n"
    cut: dict[int, int] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                cut[tok.start[0] - 1] = tok.start[1]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return _strip_hash_lines(source)
    out = []
    for i, line in enumerate(lines):
        if i in cut and i not in magic:
            line = line[:cut[i]]
        out.append(line.rstrip())
    return "\n".join(line for line in out if line.strip())


def _strip_hash_lines(source: str) -> str:
    """YAML and shell: drop whole-line comments and ``  # ...`` tails outside quotes."""
    out = []
    for line in source.splitlines():
        if line.lstrip().startswith("#"):
            continue
        line = re.sub(r"""\s+#(?=[^'"]*$).*$""", "", line)
        if line.strip():
            out.append(line.rstrip())
    return "\n".join(out)


def code_without_comments(source: str) -> str:
    """The code that must be identical in both editions.

    A ``%%kubectl`` cell (YAML or kubectl arguments after its first line) loses
    its ``#`` comments line by line; a Python cell loses the comment tokens the
    tokenizer finds (so a ``#`` inside a string stays).
    """
    if source.lstrip().startswith("%%"):
        first, _, rest = source.strip().partition("\n")
        return "\n".join(filter(None, [first.rstrip(), _strip_hash_lines(rest)]))
    return _strip_python(source)


_FENCE = re.compile(r"```.*?```|~~~.*?~~~", re.S)
_INLINE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
_HTML = re.compile(r"<[^>]+>")
_MARKS = re.compile(r"[#*_|>\-=:;,.!?()\[\]{}«»\"“”'’/\\+~^$%&0-9·–—…]+")


def prose(markdown: str) -> str:
    """The words of a Markdown text: no code, no link targets, no markup."""
    text = _FENCE.sub(" ", markdown)
    text = _INLINE.sub(" ", text)
    text = _LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    text = _HTML.sub(" ", text)
    text = _MARKS.sub(" ", text)
    return " ".join(text.split())


def paragraphs(markdown: str) -> list[str]:
    """The prose of each paragraph (blank-line separated) of a Markdown text."""
    return [p for p in (prose(block) for block in re.split(r"\n\s*\n", markdown)) if p]


_IDENTIFIER = None


def language_of(text: str) -> str:
    """``en`` or ``fr``: the course language the text is written in."""
    global _IDENTIFIER
    if _IDENTIFIER is None:
        import py3langid

        py3langid.set_languages(["en", "fr"])
        _IDENTIFIER = py3langid
    return _IDENTIFIER.classify(text)[0]


def cells(path: Path) -> list[nbformat.NotebookNode]:
    """A notebook's cells (the .ipynb; its .py twin is kept equal by the lint)."""
    return nbformat.read(path, as_version=4).cells


def _metadata(cell: nbformat.NotebookNode) -> dict:
    return {k: v for k, v in cell.get("metadata", {}).items() if k not in ("id", "execution")}


#: Fewest words a paragraph needs before its language is judged (shorter ones:
#: headings, a name, a table cell, where a language identifier guesses).
MIN_WORDS = 5


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def pairing_problems(english: Path, french: Path) -> list[str]:
    """Why ``french`` is not the French pair of ``english`` (empty: it is)."""
    if not french.exists():
        return [f"{_shown(french)} does not exist: the French edition has one "
                f"notebook per English notebook, with the same name "
                f"(start from a copy of {_shown(english.with_suffix('.py'))})"]
    ours, theirs = cells(english), cells(french)
    where = _shown(french)
    if [c.cell_type for c in ours] != [c.cell_type for c in theirs]:
        return [f"{where}: its cells are not those of {english.name} "
                f"({len(theirs)} cells vs {len(ours)}; types "
                f"{''.join(c.cell_type[0] for c in theirs)} vs "
                f"{''.join(c.cell_type[0] for c in ours)}): never add, drop, split or merge a cell"]
    problems = []
    for i, (en, fr) in enumerate(zip(ours, theirs, strict=True)):
        if _metadata(en) != _metadata(fr):
            problems.append(f"{where} cell {i}: metadata {_metadata(fr)} differs from the "
                            f"English {_metadata(en)} (tags and cell options stay the same)")
        if en.cell_type == "code":
            if code_without_comments(en.source) != code_without_comments(fr.source):
                problems.append(f"{where} cell {i}: the code differs from the English cell "
                                "(only comments may be translated)")
            continue
        if en.cell_type != "markdown":
            continue
        for para in paragraphs(fr.source):
            if len(para.split()) >= MIN_WORDS and language_of(para) != "fr":
                problems.append(f"{where} cell {i}: not French: {para[:80]!r}")
        whole = prose(fr.source)
        if (whole and len(whole.split()) >= MIN_WORDS and fr.source.strip() == en.source.strip()):
            problems.append(f"{where} cell {i}: the same text as the English cell")
    return problems


def english_problems(english: Path) -> list[str]:
    """Paragraphs of an English notebook that the identifier does not read as English."""
    return [f"{_shown(english)} cell {i}: not English: {para[:80]!r}"
            for i, cell in enumerate(cells(english)) if cell.cell_type == "markdown"
            for para in paragraphs(cell.source)
            if len(para.split()) >= MIN_WORDS and language_of(para) != "en"]
