"""Every slide of both decks, drawn by a real browser: none blank, none overflowing.

The Markdown can be right and the slide still wrong on screen: a picture that
failed to draw, a list too long for the slide. This module builds both decks,
has headless Chromium (playwright-core, as in tests/browser) show every slide,
screenshots it and measures what lies outside the slide's frame.

Example:
    ./run slides        # builds the decks, then runs tests/slides
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tools.deck_html import LANGS, REPO, SLIDES

SHOOT = Path(__file__).with_name("shoot.mjs")
PLAYWRIGHT = REPO / "tests" / "browser" / "node_modules" / "playwright-core"
#: Pictures the talk must show (slides/diagrams/<name>.dot), in both languages.
PICTURES = {
    "architecture", "owner-chain", "service-labels", "rolling-update", "pv-pvc", "gitops-loop",
}


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> list[dict]:
    """Build the decks into a temporary folder and screenshot every slide."""
    if not PLAYWRIGHT.is_dir():
        pytest.fail("playwright-core is not installed in tests/browser: "
                    "run ./run slides (it installs it)")
    node = shutil.which("node")
    assert node, "Node.js is needed: run ./run slides (it installs it)"
    root = tmp_path_factory.mktemp("shots")
    deck, out = root / "deck", root / "png"
    out.mkdir()
    built = subprocess.run(
        [sys.executable, str(SLIDES / "build.py"), "--out", str(deck)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert built.returncode == 0, f"slides/build.py failed:\n{built.stdout}\n{built.stderr}"
    job = {"deck": str(deck), "langs": list(LANGS), "outDir": str(out)}
    done = subprocess.run(
        [node, str(SHOOT), json.dumps(job)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, f"shoot.mjs failed:\n{done.stderr[-3000:]}"
    return json.loads(done.stdout)


def ink(png: Path) -> float:
    """The share of the screenshot's pixels that are not (almost) the background."""
    from PIL import Image

    with Image.open(png) as image:
        grey = image.convert("L")
        histogram = grey.histogram()
    total = sum(histogram)
    return sum(histogram[:235]) / total


def test_every_slide_of_both_decks_was_shot(shots):
    counts = {lang: sum(1 for s in shots if s["lang"] == lang) for lang in LANGS}
    assert counts["en"] > 20, counts
    assert len(set(counts.values())) == 1, f"the decks have different slide counts: {counts}"


def test_no_slide_is_blank(shots):
    blank = [f"{s['lang']} slide {s['h']}.{s['v']} ({s['title']!r}): {ink(Path(s['file'])):.4f}"
             for s in shots if ink(Path(s["file"])) < 0.003]
    assert not blank, "slides with (almost) nothing on them:\n" + "\n".join(blank)


def test_no_slide_overflows(shots):
    over = [f"{s['lang']} slide {s['h']}.{s['v']} ({s['title']!r}): {s['outside']}"
            for s in shots if s["outside"]]
    assert not over, (
        "content outside the slide (shorten it or split the slide):\n" + "\n".join(over)
    )


def test_every_picture_is_shown_and_drawn_in_both_languages(shots):
    for lang in LANGS:
        images = [i for s in shots if s["lang"] == lang for i in s["images"]]
        shown = {Path(i["src"]).stem for i in images if i["src"].startswith("diagrams/")}
        missing = sorted(PICTURES - shown)
        assert not missing, f"{lang}: pictures missing from the deck: {missing}"
        broken = [i["src"] for i in images if not i["ok"]]
        assert not broken, f"{lang}: pictures that did not load: {broken}"
