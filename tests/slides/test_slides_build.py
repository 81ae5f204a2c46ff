"""The real slide build: reveal.js fetched with npm, assets copied, the deck opens offline.

This lives outside ``tests/unit`` because the build runs ``npm ci`` the first
time (network, Node.js) and writes ``slides/node_modules``. ``./run slides`` and
``./run test`` install npm first and run it; the checks of the deck's content
(sections, notebook links, YAML) are unit tests in ``tests/unit/test_slides.py``.
The deck is built into a temporary folder with the instructor's own command, so
the test leaves ``slides/_build`` alone.

Example:
    ./run slides        # builds slides/_build, then runs this module
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.tools.deck_html import (
    EXTERNAL,
    LANGS,
    NOTEBOOKS,
    REPO,
    SLIDES,
    Page,
    css_refs,
    local_target,
    notebook_targets,
    parse_page,
)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The output folder of ``python slides/build.py --out <tmp>``."""
    out = tmp_path_factory.mktemp("slides") / "deck"
    done = subprocess.run(
        [sys.executable, str(SLIDES / "build.py"), "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, f"slides/build.py failed:\n{done.stdout}\n{done.stderr}"
    return out


@pytest.fixture(scope="module")
def pages(built) -> dict[str, Page]:
    return {lang: parse_page(built / lang / "index.html") for lang in LANGS}


def test_build_writes_every_page(built, pages):
    assert (built / "index.html").is_file(), "the language-choice page is missing"
    for lang, page in pages.items():
        assert page.problems == [], f"{lang}: unbalanced HTML: {page.problems[:5]}"
        assert page.lang == lang


@pytest.mark.parametrize("lang", LANGS)
def test_built_notebook_links_resolve(pages, lang):
    targets = notebook_targets(pages[lang])
    assert targets, f"{lang}: the built deck links no notebook"
    editions = {"en": NOTEBOOKS.resolve(), "fr": NOTEBOOKS.resolve() / "fr"}
    broken = [f"{href} -> {target}" for href, _, target in targets
              if target.parent not in editions.values() or not target.is_file()]
    assert not broken, f"{lang}: links from the built page lead nowhere: {broken}"
    # Each deck opens its own edition; one link (the last slide) names the other.
    others = [href for href, _, target in targets if target.parent != editions[lang]]
    assert len(others) == 1, f"{lang}: links to the other edition: {others}"


@pytest.mark.parametrize("lang", LANGS)
def test_local_assets_are_in_the_build(built, pages, lang):
    page = pages[lang]
    reveal = [src for src in page.scripts if src.endswith("reveal/dist/reveal.js")]
    assert reveal, f"{lang}: no <script> loads reveal.js: {page.scripts}"
    for ref in page.scripts + page.stylesheets:
        target = local_target(page.path, ref)
        assert target.is_file(), f"{lang}: {ref} is referenced but missing from the build"
        assert built.resolve() in target.parents, f"{lang}: {ref} lies outside the build"
    script = local_target(page.path, reveal[0]).read_text(encoding="utf-8")
    assert "Reveal" in script and len(script) > 50_000, "reveal.js in the build looks truncated"


def test_stylesheets_load_only_local_files(built):
    sheets = list(built.rglob("*.css"))
    assert len(sheets) >= 4, f"expected reveal's and our stylesheets, found {sheets}"
    for css in sheets:
        for ref in css_refs(css.read_text(encoding="utf-8")):
            assert not EXTERNAL.match(ref), f"{css.relative_to(built)} loads {ref}"
            if not ref.startswith("data:"):
                # Fonts and imports must be there too, or text renders oddly offline.
                assert local_target(css, ref).is_file(), f"{css.name} needs missing {ref}"
