"""Build the k8slab slide deck: one Markdown file per language -> static reveal.js HTML.

Why a build step at all: a workshop room often has poor Wi-Fi, and Binder or a
laptop may have none. The output folder therefore carries everything the deck
needs (reveal.js, its plugins, fonts, our CSS): open ``index.html`` from disk and
it works, with no CDN and no web server.

Why Markdown: the talk is text first. Each language lives in one readable file
(``slides/en.md``, ``slides/fr.md``) that translators can diff side by side. The
file format is described in ``slides/README.md``; in short::

    <!-- section: pods -->        starts a part of the talk (a horizontal stack)
    ---                           starts the next slide of that part
    Note:                         the rest of the slide is speaker notes
    [Try it](nb:04-pods.ipynb)    a link to a course notebook
    ![alt](diagram:architecture)  a picture drawn from slides/diagrams/architecture.dot

Both languages must declare the same sections in the same order; the build
refuses to produce a deck whose languages drifted apart.

Example:
    Build both decks into ``slides/_build/`` (runs ``npm ci`` the first time)::

        python slides/build.py
        xdg-open slides/_build/en/index.html
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

SLIDES = Path(__file__).resolve().parent
REPO = SLIDES.parent
NOTEBOOKS = REPO / "notebooks"
DEFAULT_OUT = SLIDES / "_build"
REVEAL_PKG = SLIDES / "node_modules" / "reveal.js"
LANGS = ("en", "fr")
# Written into every output folder, so a rebuild only ever wipes a folder we made.
MARKER = ".k8slab-slides"

# What the deck loads from the reveal.js package, relative to the package root.
# Only the UMD builds: ES modules are blocked by browsers on file:// pages.
REVEAL_FILES = (
    "LICENSE",
    "dist/reset.css",
    "dist/reveal.css",
    "dist/reveal.js",
    "dist/theme/white.css",
    "dist/theme/fonts/source-sans-pro",
    "plugin/highlight/highlight.js",
    "plugin/highlight/monokai.css",
    "plugin/notes/notes.js",
)
# Our own static files, copied next to the decks.
OWN_ASSETS = ("assets/k8slab.css", "assets/deck.js")

OTHER_LANG = {"en": ("fr", "Français"), "fr": ("en", "English")}

SECTION_RE = re.compile(r"^<!--\s*section:\s*(?P<id>[^\s>]*)\s*-->\s*$")
SECTION_ID_RE = re.compile(r"^[a-z][a-z0-9-]*$")
FENCE_RE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")
NOTE_RE = re.compile(r"^Note:\s*(?P<rest>.*)$")
NOTEBOOK_RE = re.compile(r"^(?:(?P<edition>en|fr)/)?\d\d-[a-z0-9-]+\.ipynb$")
# Where each edition of the notebooks lives, under notebooks/.
EDITION_DIRS = {"en": "", "fr": "fr"}
# Pictures: Graphviz sources with {{key}} labels, one label table per language.
DIAGRAMS = SLIDES / "diagrams"
DIAGRAM_RE = re.compile(r"!\[[^\]]*\]\(diagram:([^)\s]*)\)")
LABEL_RE = re.compile(r"\{\{([a-z_]+)\}\}")


class DeckError(Exception):
    """A deck source file breaks the format; the message says where and how to fix it."""


@dataclass
class Slide:
    """One slide: Markdown shown on screen, plus optional speaker notes."""

    body: str
    notes: str = ""


@dataclass
class Section:
    """One part of the talk: a horizontal stack of slides, linked by its id across languages."""

    id: str
    line: int
    slides: list[Slide] = field(default_factory=list)


def parse_deck(text: str, source: str = "<deck>") -> list[Section]:
    """Split a deck's Markdown into sections and slides.

    Separators inside fenced code blocks are ignored, so a multi-document YAML
    example (with its own ``---``) stays in one slide.

    Args:
        text: the Markdown of one language.
        source: file name used in error messages.

    Returns:
        The sections, in order.

    Raises:
        DeckError: text before the first section marker, a bad or repeated
            section id, an empty slide, or an unclosed code fence.

    Example:
        >>> [s.id for s in parse_deck("<!-- section: intro -->\\n# Hi\\n---\\nBye\\n")]
        ['intro']
    """
    sections: list[Section] = []
    lines: list[str] = []
    fence = ""
    fence_line = 0

    def close_slide(lineno: int) -> None:
        body = "\n".join(lines).strip("\n")
        lines.clear()
        if not sections:
            return
        if not body.strip():
            raise DeckError(
                f"{source}:{lineno}: empty slide in section {sections[-1].id!r} "
                "(two '---' in a row, or a '---' right after the section marker?)"
            )
        sections[-1].slides.append(_split_notes(body))

    for lineno, line in enumerate(text.splitlines(), start=1):
        if fence:
            lines.append(line)
            stripped = line.strip()
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = ""
            continue
        opening = FENCE_RE.match(line)
        if opening:
            fence, fence_line = opening["fence"], lineno
            lines.append(line)
            continue
        marker = SECTION_RE.match(line)
        if marker:
            if sections:
                close_slide(lineno)
            elif "\n".join(lines).strip():
                raise DeckError(
                    f"{source}:{lineno}: text before the first '<!-- section: id -->' marker; "
                    "every slide must belong to a section"
                )
            lines.clear()
            section_id = marker["id"]
            if not SECTION_ID_RE.match(section_id):
                raise DeckError(
                    f"{source}:{lineno}: section id {section_id!r} must be lowercase letters, "
                    "digits and dashes, starting with a letter (it becomes an HTML id and a URL)"
                )
            if any(s.id == section_id for s in sections):
                raise DeckError(f"{source}:{lineno}: section id {section_id!r} is used twice")
            sections.append(Section(section_id, lineno))
        elif line.strip() == "---" and sections:
            close_slide(lineno)
        else:
            lines.append(line)
    if fence:
        raise DeckError(f"{source}:{fence_line}: code fence {fence!r} is never closed")
    if sections:
        close_slide(len(text.splitlines()) + 1)
    if not sections:
        raise DeckError(f"{source}: no '<!-- section: id -->' marker found; the deck is empty")
    return sections


def _split_notes(body: str) -> Slide:
    """Cut a slide at its first ``Note:`` line (outside code): what follows is for the speaker."""
    shown: list[str] = []
    fence = ""
    all_lines = body.splitlines()
    for index, line in enumerate(all_lines):
        if fence:
            stripped = line.strip()
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = ""
        elif FENCE_RE.match(line):
            fence = FENCE_RE.match(line)["fence"]  # type: ignore[index]
        elif NOTE_RE.match(line):
            notes = [NOTE_RE.match(line)["rest"], *all_lines[index + 1 :]]  # type: ignore[index]
            return Slide("\n".join(shown).strip("\n"), "\n".join(notes).strip())
        shown.append(line)
    return Slide(body)


def _markdown():
    """A CommonMark renderer with tables and inline HTML (for two-column layouts)."""
    try:
        from markdown_it import MarkdownIt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise SystemExit(
            "slides/build.py needs the Python package markdown-it-py. Run it with the "
            "project's virtualenv (.venv/bin/python slides/build.py), or: "
            "pip install markdown-it-py"
        ) from exc
    return MarkdownIt("commonmark", {"html": True}).enable("table")


def notebook_path(target: str, edition: str) -> str:
    """``nb:`` target -> path under notebooks/: the deck's own edition unless it names one.

    Example:
        >>> notebook_path("04-pods.ipynb", "fr"), notebook_path("en/04-pods.ipynb", "fr")
        ('fr/04-pods.ipynb', '04-pods.ipynb')
    """
    match = NOTEBOOK_RE.match(target)
    if not match:
        raise DeckError(f"link target 'nb:{target}' is not a notebook name like "
                        "'nb:05-deployments.ipynb' (or 'nb:fr/05-deployments.ipynb' for "
                        "the French edition)")
    name = target.rsplit("/", 1)[-1]
    folder = EDITION_DIRS[match.group("edition") or edition]
    return f"{folder}/{name}" if folder else name


def render_markdown(text: str, notebook_prefix: str, md=None, edition: str = "en") -> str:
    """Render one slide's Markdown to HTML, turning ``nb:`` links into notebook links.

    ``[Open the notebook](nb:05-deployments.ipynb)`` becomes a link to
    ``<notebook_prefix>/05-deployments.ipynb`` with class ``notebook`` (under
    ``fr/`` in the French deck: each deck opens its own edition;
    ``nb:en/…`` or ``nb:fr/…`` names the other), so the Markdown never
    hard-codes where the built page sits relative to the repo.
    Links to other sites open in a new tab.

    Args:
        text: the slide's Markdown.
        notebook_prefix: relative URL from the built page to the repo's notebooks/.
        md: a renderer from ``_markdown()`` (one is made if omitted).
        edition: the deck's language, whose notebooks plain ``nb:`` links open.

    Raises:
        DeckError: an ``nb:`` link whose target is not a notebook file name.

    Example:
        >>> render_markdown("[go](nb:04-pods.ipynb)", "../../../notebooks")
        '<p><a href="../../../notebooks/04-pods.ipynb" class="notebook">go</a></p>\\n'
    """
    md = md or _markdown()
    env: dict = {}
    tokens = md.parse(text, env)
    for token in tokens:
        for child in token.children or ():
            if child.type == "image":
                _diagram_image(child)
            if child.type != "link_open":
                continue
            href = str(child.attrGet("href") or "")
            if href.startswith("nb:"):
                child.attrSet("href", f"{notebook_prefix}/{notebook_path(href[3:], edition)}")
                child.attrSet("class", "notebook")
            elif href.startswith(("http://", "https://")):
                child.attrSet("target", "_blank")
                child.attrSet("rel", "noopener")
    return md.renderer.render(tokens, md.options, env)


def _diagram_image(token) -> None:
    """Point a ``diagram:NAME`` image at the SVG the build draws next to the page."""
    src = str(token.attrGet("src") or "")
    if not src.startswith("diagram:"):
        return
    name = src[len("diagram:"):]
    if not (DIAGRAMS / f"{name}.dot").is_file():
        known = ", ".join(sorted(p.stem for p in DIAGRAMS.glob("*.dot")))
        raise DeckError(
            f"picture {src!r}: there is no slides/diagrams/{name}.dot "
            f"(known pictures: {known}); add the source or fix the name"
        )
    token.attrSet("src", f"diagrams/{name}.svg")
    token.attrSet("class", "diagram")


def diagram_names(sections: list[Section]) -> list[str]:
    """The pictures a deck shows (``![..](diagram:NAME)``), in order, each once."""
    names: list[str] = []
    for section in sections:
        for slide in section.slides:
            for name in DIAGRAM_RE.findall(slide.body):
                if name not in names:
                    names.append(name)
    return names


def diagram_sources(lang: str, names: list[str]) -> dict[str, str]:
    """Each picture's DOT source with its ``{{key}}`` labels in ``lang``.

    One source per picture and one label table per language
    (``slides/diagrams/labels.json``) keep the pictures identical in every
    language but for their words.

    Raises:
        DeckError: a label the source uses has no text in ``lang``.

    Example:
        >>> "Plan de contrôle" in diagram_sources("fr", ["architecture"])["architecture"]
        True
    """
    tables = json.loads((DIAGRAMS / "labels.json").read_text(encoding="utf-8"))
    labels = tables.get(lang, {})
    sources = {}
    for name in names:
        dot = (DIAGRAMS / f"{name}.dot").read_text(encoding="utf-8")
        missing = sorted(set(LABEL_RE.findall(dot)) - set(labels))
        if missing:
            raise DeckError(
                f"slides/diagrams/{name}.dot uses labels with no {lang!r} text in "
                f"slides/diagrams/labels.json: {', '.join(missing)}"
            )
        sources[name] = LABEL_RE.sub(
            lambda m: labels[m.group(1)].replace("\\", "\\\\").replace('"', '\\"')
            .replace("\n", "\\n"),
            dot,
        )
    return sources


def render_diagrams(sources: dict[str, str], node: str | None = None) -> dict[str, str]:
    """Draw DOT sources as SVG with @viz-js/viz (Graphviz in WebAssembly, from npm).

    Raises:
        SystemExit: Node.js is missing or Graphviz refused a source (its error is shown).
    """
    if not sources:
        return {}
    node = node or shutil.which("node")
    if not node:
        raise SystemExit("Node.js is needed to draw the slides' pictures (install Node.js 18+).")
    done = subprocess.run(
        [node, str(DIAGRAMS / "render.mjs")], input=json.dumps(sources),
        capture_output=True, text=True, cwd=SLIDES,
    )
    if done.returncode != 0:
        raise SystemExit(f"slides: drawing the pictures failed:\n{done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout)


def notebook_links(sections: list[Section]) -> dict[str, list[str]]:
    """Map each section id to the notebooks its Markdown links to (``nb:`` targets)."""
    pattern = re.compile(r"\]\(nb:([^)\s]+)\)")
    return {
        s.id: [m for slide in s.slides for m in pattern.findall(slide.body + "\n" + slide.notes)]
        for s in sections
    }


def deck_title(sections: list[Section]) -> str:
    """The text of the first level-1 heading: used for the page's <title>."""
    for section in sections:
        for slide in section.slides:
            for line in slide.body.splitlines():
                if line.startswith("# "):
                    return re.sub(r"[*_`]", "", line[2:]).strip()
    raise DeckError("the deck has no '# Title' heading to name the page after")


def render_deck(sections: list[Section], lang: str, notebook_prefix: str) -> str:
    """Render one language's sections into a complete, self-contained reveal.js page."""
    md = _markdown()
    parts: list[str] = []
    for section in sections:
        parts.append(f'<section id="{section.id}">')
        for number, slide in enumerate(section.slides, start=1):
            try:
                shown = render_markdown(slide.body, notebook_prefix, md, lang).rstrip()
                notes = render_markdown(slide.notes, notebook_prefix, md, lang).rstrip()
            except DeckError as exc:
                raise DeckError(
                    f"slides/{lang}.md, section {section.id!r}, slide {number}: {exc}"
                ) from exc
            parts.append("<section>")
            parts.append(shown)
            if notes:
                parts.extend(('<aside class="notes">', notes, "</aside>"))
            parts.append("</section>")
        parts.append("</section>")
    other, other_label = OTHER_LANG[lang]
    return PAGE.format(
        lang=lang,
        title=html.escape(deck_title(sections)),
        slides="\n".join(parts),
        other=other,
        other_label=other_label,
    )


PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="../reveal/dist/reset.css">
<link rel="stylesheet" href="../reveal/dist/reveal.css">
<link rel="stylesheet" href="../reveal/dist/theme/white.css">
<link rel="stylesheet" href="../reveal/plugin/highlight/monokai.css">
<link rel="stylesheet" href="../k8slab.css">
</head>
<body>
<div class="reveal">
<div class="slides">
{slides}
</div>
</div>
<a id="k8slab-lang" class="k8slab-lang" href="../{other}/index.html" hreflang="{other}" \
data-base="../{other}/index.html">{other_label}</a>
<script src="../reveal/dist/reveal.js"></script>
<script src="../reveal/plugin/notes/notes.js"></script>
<script src="../reveal/plugin/highlight/highlight.js"></script>
<script src="../deck.js"></script>
</body>
</html>
"""

LANDING = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="stylesheet" href="k8slab.css">
</head>
<body class="k8slab-landing">
<h1>{title}</h1>
<ul>
<li><a href="en/index.html" hreflang="en">English</a></li>
<li><a href="fr/index.html" hreflang="fr">Français</a></li>
</ul>
<p>Press <kbd>S</kbd> in a deck for the speaker notes, <kbd>F</kbd> for full screen,
<kbd>Esc</kbd> for the overview.</p>
</body>
</html>
"""


def ensure_reveal(npm: str | None = None) -> Path:
    """Make sure ``slides/node_modules`` holds reveal.js as pinned, and @viz-js/viz.

    Runs ``npm ci`` (or ``npm install`` when there is no lock file) only when the
    package is missing or its version differs, so a rebuild costs no network.

    Returns:
        The reveal.js package folder.

    Raises:
        SystemExit: npm is not installed or failed; the message says what to do.

    Example:
        >>> ensure_reveal().name
        'reveal.js'
    """
    lock = SLIDES / "package-lock.json"
    wanted = None
    if lock.exists():
        packages = json.loads(lock.read_text())["packages"]
        wanted = packages.get("node_modules/reveal.js", {}).get("version")
    installed_manifest = REVEAL_PKG / "package.json"
    viz_manifest = SLIDES / "node_modules" / "@viz-js" / "viz" / "package.json"
    if installed_manifest.exists() and viz_manifest.exists():
        installed = json.loads(installed_manifest.read_text()).get("version")
        if wanted is None or installed == wanted:
            return REVEAL_PKG
    npm = npm or shutil.which("npm")
    if not npm:
        raise SystemExit(
            "npm is needed once to fetch reveal.js into slides/node_modules/ "
            "(install Node.js 18+, e.g. 'apt-get install npm'), then run this script again."
        )
    command = [npm, "ci" if lock.exists() else "install", "--no-audit", "--no-fund"]
    print(f"slides: {' '.join(command[1:])} in {SLIDES} (fetching reveal.js)", file=sys.stderr)
    done = subprocess.run(command, cwd=SLIDES, capture_output=True, text=True)
    if done.returncode != 0 or not installed_manifest.exists():
        raise SystemExit(
            f"'{' '.join(command)}' failed in {SLIDES} (exit {done.returncode}):\n"
            f"{done.stderr.strip()[-2000:]}\n"
            "Check that the npm registry is reachable, then run this script again."
        )
    return REVEAL_PKG


def _prepare_out(out: Path) -> None:
    """Empty the output folder, refusing to wipe a folder this script did not create."""
    if out.exists():
        if not (out / MARKER).exists() and any(out.iterdir()):
            raise SystemExit(
                f"{out} exists, is not empty and was not made by slides/build.py: "
                "choose another --out folder (the build replaces its whole content)."
            )
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("Built by slides/build.py; safe to delete.\n")


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copy2(source, target)


def load_decks() -> dict[str, list[Section]]:
    """Parse every language's Markdown and check that they declare the same sections.

    Raises:
        DeckError: a source is malformed, or the languages' section ids differ.
    """
    decks = {}
    for lang in LANGS:
        path = SLIDES / f"{lang}.md"
        decks[lang] = parse_deck(path.read_text(encoding="utf-8"), str(path.relative_to(REPO)))
    reference = [s.id for s in decks[LANGS[0]]]
    for lang in LANGS[1:]:
        ids = [s.id for s in decks[lang]]
        if ids != reference:
            raise DeckError(
                f"slides/{lang}.md and slides/{LANGS[0]}.md must list the same sections in the "
                f"same order.\n  {LANGS[0]}: {reference}\n  {lang}: {ids}"
            )
    pictures = diagram_names(decks[LANGS[0]])
    for lang in LANGS[1:]:
        if diagram_names(decks[lang]) != pictures:
            raise DeckError(
                f"slides/{lang}.md and slides/{LANGS[0]}.md must show the same pictures in the "
                f"same order.\n  {LANGS[0]}: {pictures}\n  {lang}: {diagram_names(decks[lang])}"
            )
    return decks


def build(out: Path = DEFAULT_OUT) -> dict[str, Path]:
    """Build every language's deck plus a language-choice page into ``out``.

    Layout: ``out/<lang>/index.html``, shared assets in ``out/reveal/`` and
    ``out/``. Notebook links are made relative from each page to the repo's
    ``notebooks/`` folder, so they work wherever ``out`` is on the same disk.

    Returns:
        ``{"en": out/en/index.html, "fr": ..., "index": out/index.html}``.

    Example:
        >>> pages = build()
        >>> pages["fr"].name
        'index.html'
    """
    decks = load_decks()
    reveal = ensure_reveal()
    out = out.resolve()
    _prepare_out(out)
    for name in REVEAL_FILES:
        source = reveal / name
        if not source.exists():
            raise SystemExit(f"{source} is missing: delete slides/node_modules and build again.")
        _copy(source, out / "reveal" / name)
    for name in OWN_ASSETS:
        _copy(SLIDES / name, out / Path(name).name)
    pages: dict[str, Path] = {}
    for lang, sections in decks.items():
        page = out / lang / "index.html"
        page.parent.mkdir(parents=True)
        prefix = Path(os.path.relpath(NOTEBOOKS, page.parent)).as_posix()
        page.write_text(render_deck(sections, lang, prefix), encoding="utf-8")
        drawn = render_diagrams(diagram_sources(lang, diagram_names(sections)))
        for name, svg in drawn.items():
            target = page.parent / "diagrams" / f"{name}.svg"
            target.parent.mkdir(exist_ok=True)
            target.write_text(svg, encoding="utf-8")
        pages[lang] = page
        missing = sorted(
            {notebook_path(n, lang) for names in notebook_links(sections).values()
             for n in names} - {p.relative_to(NOTEBOOKS).as_posix()
                                for p in NOTEBOOKS.glob("**/*.ipynb")}
        )
        if missing:
            print(f"slides: warning: {lang} links to notebooks not (yet) in notebooks/: "
                  f"{', '.join(missing)}", file=sys.stderr)
    pages["index"] = out / "index.html"
    pages["index"].write_text(
        LANDING.format(title=html.escape(deck_title(decks[LANGS[0]]))), encoding="utf-8"
    )
    return pages


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python slides/build.py [--out DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT,
        help="output folder, replaced entirely (default: slides/_build)",
    )
    args = parser.parse_args(argv)
    try:
        pages = build(args.out)
    except DeckError as exc:
        print(f"slides: error: {exc}", file=sys.stderr)
        return 1
    for name, page in pages.items():
        print(f"{name}: {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
