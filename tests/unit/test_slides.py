"""The slide deck builds, opens offline, and sends learners to every course notebook.

The module builds the deck once with ``slides/build.py`` (exactly what an
instructor runs), then reads the generated pages back with ``html.parser``.
Notebook links are resolved from each page's own folder against the repo, so a
renamed or missing notebook fails here rather than in front of a class.

Example:
    .venv/bin/python -m pytest tests/unit/test_slides.py -q
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SLIDES = REPO / "slides"
BUILD = SLIDES / "_build"
NOTEBOOKS = REPO / "notebooks"
LANGS = ("en", "fr")
COURSE_NOTEBOOKS = (
    "01-getting-started.ipynb",
    "02-api-and-architecture.ipynb",
    "03-namespaces.ipynb",
    "04-pods.ipynb",
    "05-deployments.ipynb",
    "06-services.ipynb",
    "07-workloads.ipynb",
    "08-configuration.ipynb",
    "09-storage.ipynb",
    "10-ingress.ipynb",
    "11-extending.ipynb",
    "12-helm.ipynb",
    "13-gitops.ipynb",
)
# The parts of the talk that the deck must carry, whatever else it adds.
CORE_SECTIONS = {
    "containers", "kubernetes", "goals", "declarative", "self-healing", "immutable",
    "architecture", "namespaces", "pods", "deployments", "services", "workloads",
    "configuration", "storage", "ingress", "extending", "helm", "gitops", "cncf",
    "conclusion",
}
VOID_TAGS = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
    "source", "track", "wbr",
}
# Attributes through which a page makes the browser fetch something.
FETCHING_ATTRS = {"src", "href", "data-src", "poster", "srcset", "data", "background"}
EXTERNAL = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+?)['\"]?\s*\)")
CSS_IMPORT = re.compile(r"@import\s+(?:url\()?\s*['\"]?([^'\")\s;]+)")


@dataclass
class Page:
    """What the tests need to know about one built deck."""

    path: Path
    lang: str = ""
    sections: list[str] = field(default_factory=list)
    # (href, id of the top-level section the link sits in)
    links: list[tuple[str, str]] = field(default_factory=list)
    # (tag, attribute, value) for every attribute that fetches a resource
    fetches: list[tuple[str, str, str]] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    stylesheets: list[str] = field(default_factory=list)
    yaml_blocks: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class DeckParser(HTMLParser):
    """Collects sections, links, fetched assets and YAML examples; flags unbalanced tags."""

    def __init__(self, page: Page) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.stack: list[str] = []
        self.section_depth = 0
        self.current_section = ""
        self.yaml_text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag not in VOID_TAGS:
            self.stack.append(tag)
        if tag == "html":
            self.page.lang = values.get("lang", "")
        if tag == "section":
            if self.section_depth == 0:
                self.current_section = values.get("id", "")
                self.page.sections.append(self.current_section)
            self.section_depth += 1
        if tag == "a" and "href" in values:
            self.page.links.append((values["href"], self.current_section))
        for name, value in values.items():
            if name in FETCHING_ATTRS and tag != "a":
                self.page.fetches.append((tag, name, value))
            if name == "style" and CSS_URL.search(value):
                self.page.fetches.extend(("style", "url", u) for u in CSS_URL.findall(value))
        if tag == "script" and "src" in values:
            self.page.scripts.append(values["src"])
        if tag == "link" and "stylesheet" in values.get("rel", "").split():
            self.page.stylesheets.append(values.get("href", ""))
        if tag == "code" and "language-yaml" in values.get("class", "").split():
            self.yaml_text = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_TAGS:
            return
        if not self.stack or self.stack[-1] != tag:
            where = "/".join(self.stack[-4:])
            self.page.problems.append(f"line {self.getpos()[0]}: </{tag}> closes <{where}>")
            if tag in self.stack:  # recover, so one slip is reported once
                while self.stack.pop() != tag:
                    pass
        else:
            self.stack.pop()
        if tag == "section":
            self.section_depth -= 1
        if tag == "code" and self.yaml_text is not None:
            self.page.yaml_blocks.append("".join(self.yaml_text))
            self.yaml_text = None

    def handle_data(self, data: str) -> None:
        if self.yaml_text is not None:
            self.yaml_text.append(data)

    def close(self) -> None:
        super().close()
        if self.stack:
            self.page.problems.append(f"never closed: {self.stack}")


def parse_page(path: Path) -> Page:
    page = Page(path)
    text = path.read_text(encoding="utf-8")
    if not text.lstrip().lower().startswith("<!doctype html>"):
        page.problems.append("missing <!DOCTYPE html>")
    parser = DeckParser(page)
    parser.feed(text)
    parser.close()
    return page


def local_target(page: Path, ref: str) -> Path:
    """The file a relative URL in a page (or CSS file) points at, without ?query or #hash."""
    return (page.parent / re.split(r"[?#]", ref, maxsplit=1)[0]).resolve()


def notebook_targets(page: Page) -> list[tuple[str, str, Path]]:
    """(href, section id, resolved file) for every link to a notebook."""
    return [
        (href, section, local_target(page.path, href))
        for href, section in page.links
        if re.split(r"[?#]", href, maxsplit=1)[0].endswith(".ipynb")
    ]


@pytest.fixture(scope="module")
def pages() -> dict[str, Page]:
    """Build the deck with its own script, then parse each language's page."""
    done = subprocess.run(
        [sys.executable, str(SLIDES / "build.py")],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, f"slides/build.py failed:\n{done.stdout}\n{done.stderr}"
    return {lang: parse_page(BUILD / lang / "index.html") for lang in LANGS}


@pytest.fixture(scope="module")
def builder():
    """slides/build.py imported as a module, to test its parser directly."""
    spec = importlib.util.spec_from_file_location("k8slab_slides_build", SLIDES / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


@pytest.mark.parametrize("lang", LANGS)
def test_page_is_well_formed(pages, lang):
    page = pages[lang]
    assert page.problems == [], f"{page.path}: unbalanced HTML: {page.problems[:5]}"
    assert page.lang == lang, f"<html lang> is {page.lang!r}, expected {lang!r}"
    assert all(page.sections), "every top-level <section> needs an id (it is the URL hash)"
    assert (BUILD / "index.html").is_file(), "the language-choice page is missing"


def test_languages_carry_the_same_sections(pages):
    english, french = pages["en"].sections, pages["fr"].sections
    assert english == french, "EN and FR must list the same section ids in the same order"
    assert len(set(english)) == len(english), f"duplicate section ids: {english}"
    missing = CORE_SECTIONS - set(english)
    assert not missing, f"parts of the talk missing from the deck: {sorted(missing)}"


def test_languages_link_the_same_notebooks_per_section(pages):
    def by_section(page: Page) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for _, section, target in notebook_targets(page):
            found.setdefault(section, set()).add(target.name)
        return found

    assert by_section(pages["en"]) == by_section(pages["fr"])


@pytest.mark.parametrize("lang", LANGS)
def test_every_section_links_a_notebook(pages, lang):
    linked = {section for _, section, _ in notebook_targets(pages[lang])}
    unlinked = [s for s in pages[lang].sections if s not in linked]
    assert not unlinked, f"{lang}: sections with no notebook link: {unlinked}"


@pytest.mark.parametrize("lang", LANGS)
def test_every_notebook_link_resolves_into_notebooks(pages, lang):
    broken = [
        f"{href} (section {section}) -> {target}"
        for href, section, target in notebook_targets(pages[lang])
        if target.parent != NOTEBOOKS or not target.is_file()
    ]
    assert not broken, f"{lang}: notebook links that lead nowhere:\n" + "\n".join(broken)


@pytest.mark.parametrize("notebook", COURSE_NOTEBOOKS)
def test_course_notebook_is_linked_and_exists(pages, notebook):
    for lang in LANGS:
        targets = {target for _, _, target in notebook_targets(pages[lang])}
        assert NOTEBOOKS / notebook in targets, f"the {lang} deck never links {notebook}"
    assert (NOTEBOOKS / notebook).is_file(), f"notebooks/{notebook} does not exist"


@pytest.mark.parametrize("lang", LANGS)
def test_nothing_is_fetched_from_outside(pages, lang):
    page = pages[lang]
    external = [f"<{tag} {attr}={value!r}>" for tag, attr, value in page.fetches
                if EXTERNAL.match(value)]
    assert not external, f"{lang}: assets loaded from the network: {external}"
    for css in BUILD.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        refs = CSS_URL.findall(text) + CSS_IMPORT.findall(text)
        outside = [ref for ref in refs if EXTERNAL.match(ref)]
        assert not outside, f"{css.relative_to(BUILD)} loads {outside}"
    deck_js = (BUILD / "deck.js").read_text(encoding="utf-8")
    assert not re.search(r"https?://", deck_js), "deck.js must not reach the network"


@pytest.mark.parametrize("lang", LANGS)
def test_local_assets_are_in_the_build(pages, lang):
    page = pages[lang]
    reveal = [src for src in page.scripts if src.endswith("reveal/dist/reveal.js")]
    assert reveal, f"{lang}: no <script> loads reveal.js: {page.scripts}"
    for ref in page.scripts + page.stylesheets:
        target = local_target(page.path, ref)
        assert target.is_file(), f"{lang}: {ref} is referenced but missing from the build"
        assert BUILD.resolve() in target.parents, f"{lang}: {ref} lies outside slides/_build"
    script = local_target(page.path, reveal[0]).read_text(encoding="utf-8")
    assert "Reveal" in script and len(script) > 50_000, "reveal.js in the build looks truncated"
    # Fonts and imports inside the stylesheets must be there too, or text renders oddly offline.
    for css in BUILD.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        for ref in CSS_URL.findall(text) + CSS_IMPORT.findall(text):
            if not ref.startswith("data:"):
                assert local_target(css, ref).is_file(), f"{css.name} needs missing {ref}"


@pytest.mark.parametrize("lang", LANGS)
def test_yaml_examples_are_valid(pages, lang):
    blocks = pages[lang].yaml_blocks
    assert len(blocks) >= 10, f"{lang}: expected the talk's YAML examples, found {len(blocks)}"
    for block in blocks:
        documents = [d for d in yaml.safe_load_all(block) if d is not None]
        assert documents, f"empty YAML example:\n{block}"
        for document in documents:
            assert isinstance(document, dict), f"YAML example is not a mapping:\n{block}"
            if "kind" in document:
                assert "apiVersion" in document, f"{document['kind']} without apiVersion"
                assert document.get("metadata", {}).get("name") or document["kind"] in {
                    "Kustomization"
                }, f"{document['kind']} example without metadata.name"


def test_parser_keeps_code_separators_inside_code(builder):
    text = (
        "<!-- section: intro -->\n# Hi\n---\n```yaml\na: 1\n---\nb: 2\n```\n"
        "Note:\nsay hi\n<!-- section: end -->\nBye\n"
    )
    sections = builder.parse_deck(text)
    assert [s.id for s in sections] == ["intro", "end"]
    intro = sections[0].slides
    assert len(intro) == 2, "the '---' inside the fence must not start a slide"
    assert "b: 2" in intro[1].body and intro[1].notes == "say hi"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# stray\n<!-- section: a -->\nx\n", "before the first"),
        ("<!-- section: a -->\nx\n<!-- section: a -->\ny\n", "used twice"),
        ("<!-- section: Bad_Id -->\nx\n", "lowercase"),
        ("<!-- section: a -->\nx\n---\n---\ny\n", "empty slide"),
        ("<!-- section: a -->\n```\nx\n", "never closed"),
    ],
)
def test_parser_explains_bad_sources(builder, text, message):
    with pytest.raises(builder.DeckError, match=message):
        builder.parse_deck(text)


def test_notebook_links_are_rewritten_and_checked(builder):
    rendered = builder.render_markdown("[go](nb:04-pods.ipynb)", "../../../notebooks")
    assert 'href="../../../notebooks/04-pods.ipynb"' in rendered
    assert 'class="notebook"' in rendered
    with pytest.raises(builder.DeckError, match="not a notebook name"):
        builder.render_markdown("[go](nb:pods.md)", "..")
