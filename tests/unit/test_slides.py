"""The slide deck's sources render to sound pages that send learners to every course notebook.

These checks need no npm and no network: they render each language's deck in
memory with ``slides/build.py``'s own functions (the same code the build runs)
and read the HTML back with ``html.parser``. Notebook links are resolved from
where the page would sit in ``slides/_build/<lang>/``, so a renamed or missing
notebook fails here rather than in front of a class. The real build (``npm ci``
for reveal.js, assets copied, the deck opening offline) is tested in
``tests/slides``, which ``./run slides`` and ``./run test`` run after setting up npm.

Example:
    .venv/bin/python -m pytest tests/unit/test_slides.py -q
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from pathlib import Path

import pytest
import yaml

from tests.tools.deck_html import (
    EXTERNAL,
    LANGS,
    NOTEBOOKS,
    SLIDES,
    Page,
    css_refs,
    notebook_targets,
    parse_html,
)

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
    "14-operating.ipynb",
)
# The parts of the talk that the deck must carry, whatever else it adds.
CORE_SECTIONS = {
    "containers", "kubernetes", "goals", "declarative", "self-healing", "immutable",
    "architecture", "namespaces", "pods", "deployments", "services", "workloads",
    "configuration", "storage", "ingress", "extending", "helm", "gitops", "cncf",
    "conclusion",
}


@pytest.fixture(scope="module")
def builder():
    """slides/build.py imported as a module, to render decks and test its parser directly."""
    spec = importlib.util.spec_from_file_location("k8slab_slides_build", SLIDES / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


@pytest.fixture(scope="module")
def pages(builder) -> dict[str, Page]:
    """Each language's page, rendered in memory as the build would write it."""
    rendered = {}
    for lang, sections in builder.load_decks().items():
        where = builder.DEFAULT_OUT / lang / "index.html"
        prefix = Path(os.path.relpath(NOTEBOOKS, where.parent)).as_posix()
        rendered[lang] = parse_html(builder.render_deck(sections, lang, prefix), where)
    return rendered


@pytest.mark.parametrize("lang", LANGS)
def test_page_is_well_formed(pages, lang):
    page = pages[lang]
    assert page.problems == [], f"{page.path}: unbalanced HTML: {page.problems[:5]}"
    assert page.lang == lang, f"<html lang> is {page.lang!r}, expected {lang!r}"
    assert all(page.sections), "every top-level <section> needs an id (it is the URL hash)"


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
        if target.parent not in (NOTEBOOKS, NOTEBOOKS / "fr") or not target.is_file()
    ]
    assert not broken, f"{lang}: notebook links that lead nowhere:\n" + "\n".join(broken)


@pytest.mark.parametrize("notebook", COURSE_NOTEBOOKS)
def test_course_notebook_is_linked_and_exists(pages, notebook):
    for lang in LANGS:   # each deck links its own edition: notebooks/ or notebooks/fr/
        own = NOTEBOOKS / ("fr" if lang == "fr" else "") / notebook
        targets = {target for _, _, target in notebook_targets(pages[lang])}
        assert own in targets, f"the {lang} deck never links {own.relative_to(NOTEBOOKS)}"
        assert own.is_file(), f"{own} does not exist"


@pytest.mark.parametrize("lang", LANGS)
def test_page_fetches_nothing_from_outside(pages, lang):
    page = pages[lang]
    external = [f"<{tag} {attr}={value!r}>" for tag, attr, value in page.fetches
                if EXTERNAL.match(value)]
    assert not external, f"{lang}: assets loaded from the network: {external}"
    assert any(src.endswith("reveal/dist/reveal.js") for src in page.scripts), (
        f"{lang}: no <script> loads reveal.js: {page.scripts}"
    )


def test_own_assets_reach_no_network():
    css = (SLIDES / "assets" / "k8slab.css").read_text(encoding="utf-8")
    outside = [ref for ref in css_refs(css) if EXTERNAL.match(ref)]
    assert not outside, f"slides/assets/k8slab.css loads {outside}"
    deck_js = (SLIDES / "assets" / "deck.js").read_text(encoding="utf-8")
    assert not re.search(r"https?://", deck_js), "deck.js must not reach the network"


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
    # The French deck opens the French edition; nb:en/ and nb:fr/ name one.
    french = builder.render_markdown("[go](nb:04-pods.ipynb)", "../n", edition="fr")
    assert 'href="../n/fr/04-pods.ipynb"' in french
    assert 'href="../n/04-pods.ipynb"' in builder.render_markdown(
        "[go](nb:en/04-pods.ipynb)", "../n", edition="fr")
    assert 'href="../n/fr/04-pods.ipynb"' in builder.render_markdown(
        "[go](nb:fr/04-pods.ipynb)", "../n")
    with pytest.raises(builder.DeckError, match="not a notebook name"):
        builder.render_markdown("[go](nb:de/04-pods.ipynb)", "..")


# --- Pictures (slides/diagrams): one DOT source each, words from labels.json --------------

def test_both_decks_show_the_same_pictures(builder):
    decks = builder.load_decks()
    names = {lang: builder.diagram_names(sections) for lang, sections in decks.items()}
    assert names["en"] == names["fr"]
    assert {"architecture", "owner-chain", "service-labels", "rolling-update", "pv-pvc",
            "gitops-loop"} <= set(names["en"])


@pytest.mark.parametrize("lang", LANGS)
def test_every_picture_has_all_its_words(builder, lang):
    names = [p.stem for p in builder.DIAGRAMS.glob("*.dot")]
    sources = builder.diagram_sources(lang, names)
    for name, dot in sources.items():
        assert "{{" not in dot, f"{name}: a label was left untranslated"


def test_picture_words_differ_by_language_only(builder):
    en = builder.diagram_sources("en", ["architecture"])["architecture"]
    fr = builder.diagram_sources("fr", ["architecture"])["architecture"]
    assert "Control plane" in en and "Plan de contrôle" in fr
    strip = builder.LABEL_RE
    source = (builder.DIAGRAMS / "architecture.dot").read_text()
    assert strip.sub("", source).count("->") == en.count("->") == fr.count("->")


def test_a_missing_label_or_picture_is_explained(builder, tmp_path, monkeypatch):
    (tmp_path / "labels.json").write_text('{"en": {}}')
    (tmp_path / "x.dot").write_text('digraph x { a [label="{{word}}"]; }')
    monkeypatch.setattr(builder, "DIAGRAMS", tmp_path)
    with pytest.raises(builder.DeckError, match="word"):
        builder.diagram_sources("en", ["x"])
    with pytest.raises(builder.DeckError, match=r"no slides/diagrams/nope\.dot"):
        builder.render_markdown("![a](diagram:nope)", "../../../notebooks")
    html = builder.render_markdown("![a](diagram:x)", "../../../notebooks")
    assert 'src="diagrams/x.svg"' in html and 'class="diagram"' in html
