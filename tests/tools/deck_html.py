"""Read a slide-deck page back: sections, notebook links, fetched assets, YAML examples.

Why a module of its own: the unit tests read pages rendered in memory from the
Markdown sources (no npm), and ``tests/slides`` reads the pages the real build
wrote next to reveal.js; both must judge them the same way.

Example:
    >>> page = parse_page(Path("slides/_build/en/index.html"))
    >>> page.problems
    []
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SLIDES = REPO / "slides"
NOTEBOOKS = REPO / "notebooks"
LANGS = ("en", "fr")
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
    """What the tests need to know about one deck page (``path`` is where it sits, or would)."""

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


def parse_html(text: str, path: Path) -> Page:
    """Read one page's HTML; ``path`` is where the page sits, to resolve its relative links."""
    page = Page(path)
    if not text.lstrip().lower().startswith("<!doctype html>"):
        page.problems.append("missing <!DOCTYPE html>")
    parser = DeckParser(page)
    parser.feed(text)
    parser.close()
    return page


def parse_page(path: Path) -> Page:
    """Read one built page from disk."""
    return parse_html(path.read_text(encoding="utf-8"), path)


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


def css_refs(text: str) -> list[str]:
    """Every url(...) and @import target in a stylesheet."""
    return CSS_URL.findall(text) + CSS_IMPORT.findall(text)
