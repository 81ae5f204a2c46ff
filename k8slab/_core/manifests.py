"""Read manifests from files, YAML text or dicts, with errors that point at the line.

A learner's first YAML mistake (a tab, a missing colon, ``kind`` misspelt)
should cost seconds, not minutes: every error names the file, the line and
what to change, and nothing is applied from a file that does not parse.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from k8slab._base.paths import PROJECT_ROOT
from k8slab.errors import ManifestError

Source = str | Path | dict | Iterable[dict]


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader that remembers the line where each document starts."""


def _is_path_like(text: str) -> bool:
    return "\n" not in text and text.strip().endswith((".yaml", ".yml", ".json"))


def resolve_path(path: str | Path) -> Path:
    """Find a manifest: as given, else relative to the project (``manifests/x.yaml``)."""
    candidate = Path(path).expanduser()
    if candidate.is_file():
        return candidate
    for base in (PROJECT_ROOT, PROJECT_ROOT / "manifests"):
        alt = base / path
        if alt.is_file():
            return alt
    raise ManifestError(f"Manifest file {str(path)!r} not found.",
                        "Check the name; course manifests live in the manifests/ folder "
                        "(write 'manifests/NAME.yaml').")


class ManifestText(str):
    """A manifest file's text: prints as plain text, shows as highlighted YAML in notebooks."""

    path: Path

    def _repr_markdown_(self) -> str:
        return f"`{self.path.name}`\n\n```yaml\n{self}\n```"


def manifest(path: str | Path) -> ManifestText | Path:
    """Read a course manifest, wherever the notebook runs from.

    Paths are resolved like :func:`k8slab.apply` does (as given, then relative to
    the project and to ``manifests/``), so notebooks do not depend on their
    working directory. A folder (a Helm chart, a kustomize tree) comes back as
    its absolute :class:`~pathlib.Path`.

    Example:
        >>> print(lab.manifest("manifests/05-deployments-web.yaml"))   # doctest: +SKIP
    """
    candidate = Path(path).expanduser()
    for base in (Path("."), PROJECT_ROOT, PROJECT_ROOT / "manifests"):
        folder = candidate if candidate.is_absolute() else base / candidate
        if folder.is_dir():
            return folder.resolve()
    found = resolve_path(path)
    text = ManifestText(found.read_text())
    text.path = found
    return text


def parse_yaml(text: str, origin: str = "<text>") -> list[tuple[dict, int]]:
    """Parse YAML text into (document, first line) pairs, skipping empty documents.

    Raises:
        ManifestError: the text is not valid YAML, or a document is not a mapping.
    """
    if "\t" in text:
        line = next(i for i, row in enumerate(text.splitlines(), 1) if "\t" in row)
        if text.splitlines()[line - 1].lstrip(" ").startswith("\t"):
            raise ManifestError(f"{origin}, line {line}: YAML does not allow tabs for indentation.",
                                "Replace the tab with spaces (2 per level is the custom).")
    docs: list[tuple[dict, int]] = []
    try:
        loader = _LineLoader(text)
        try:
            while loader.check_node():
                node = loader.get_node()
                if node is None:
                    continue
                line = node.start_mark.line + 1
                value = loader.construct_document(node)
                if value is None:
                    continue
                if not isinstance(value, dict):
                    raise ManifestError(
                        f"{origin}, line {line}: expected a mapping (apiVersion, kind, "
                        f"metadata...), found a {type(value).__name__}.",
                        "Each YAML document must be one Kubernetes object.")
                docs.append((value, line))
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or "invalid YAML"
        raise ManifestError(
            f"{origin}{where}: {problem}" + (f" ({exc.context})" if exc.context else ""),
            "Check the indentation and the colons on that line and the one before it.",
        ) from exc
    return docs


def _check(doc: dict, origin: str, line: int) -> None:
    for field in ("apiVersion", "kind"):
        if not doc.get(field):
            raise ManifestError(f"{origin}, line {line}: the object has no {field!r}.",
                                "Every object needs apiVersion, kind and metadata.name.")
    meta = doc.get("metadata")
    if not isinstance(meta, dict) or not (meta.get("name") or meta.get("generateName")):
        raise ManifestError(
            f"{origin}, line {line}: the {doc['kind']} has no metadata.name.",
            "Add `metadata:` with a `name:` under it.")


def load(source: Source) -> list[dict]:
    """Load Kubernetes objects from a file path, YAML text, a dict or a list of dicts.

    ``List`` objects are flattened. Every object is checked for apiVersion, kind
    and metadata.name, with the file and line in the message when one is missing.

    Example:
        >>> [o["kind"] for o in load("apiVersion: v1\\nkind: Namespace\\nmetadata: {name: a}")]
        ['Namespace']
    """
    pairs: list[tuple[dict, int, str]]
    if isinstance(source, dict):
        pairs = [(copy.deepcopy(source), 1, "<dict>")]
    elif isinstance(source, Path) or (isinstance(source, str) and _is_path_like(source)):
        path = resolve_path(source)
        origin = str(path)
        try:
            text = path.read_text()
        except UnicodeDecodeError as exc:
            raise ManifestError(f"{origin} is not a text file.") from exc
        pairs = [(d, ln, origin) for d, ln in parse_yaml(text, origin)]
    elif isinstance(source, str):
        pairs = [(d, ln, "<yaml text>") for d, ln in parse_yaml(source, "<yaml text>")]
    else:
        pairs = []
        for i, item in enumerate(source):
            if not isinstance(item, dict):
                raise ManifestError(f"Item {i} of the list is a {type(item).__name__}, "
                                    "not a Kubernetes object (dict).")
            pairs.append((copy.deepcopy(item), 1, f"<list item {i}>"))
    objects: list[dict] = []
    for doc, line, origin in pairs:
        if doc.get("kind") == "List" or (doc.get("kind", "").endswith("List") and "items" in doc):
            for item in doc.get("items") or []:
                _check(item, origin, line)
                objects.append(item)
            continue
        _check(doc, origin, line)
        objects.append(doc)
    if not objects:
        raise ManifestError("The manifest holds no object.", "Is the file empty?")
    return objects


def label_of(obj: dict[str, Any]) -> str:
    """``deployment/web`` style name of an object, for messages and tables."""
    return f"{obj.get('kind', '?').lower()}/{(obj.get('metadata') or {}).get('name', '?')}"
