"""The learner's own copy of the course: ``k8slab course DIR``.

Why a copy: the notebooks are meant to be run, edited and saved, and an
installed k8slab keeps its notebooks inside the Python package (site-packages,
a pipx virtualenv), which is no place for a learner's work. ``k8slab course
DIR`` puts both editions and the manifests in a folder of the learner's
choosing, laid out as the workshop hub lays out an attendee's home:

    DIR/01-getting-started.ipynb ...   the English edition
    DIR/fr/01-getting-started.ipynb ...  the French edition (its kernels speak French)
    DIR/manifests/                     every YAML the course applies
    DIR/fr/manifests -> ../manifests   so ``manifests/NAME.yaml`` works from both editions

Running it again brings the copy up to date with the installed k8slab and never
loses work: ``DIR/.k8slab-course.json`` records the digest of every file as it
was copied, so a file the learner has not touched is updated, while a file the
learner changed (a notebook run and saved, an edited manifest) stops the whole
copy before anything is written, unless ``force`` is given.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from k8slab._base.language import DEFAULT, FIRST_NOTEBOOK, LANGUAGES, edition_folder, edition_path
from k8slab._base.paths import manifests_dir, notebooks_dir
from k8slab.errors import K8sLabError

#: What was copied, file by file (relative path -> sha256 of the copied content).
RECORD = ".k8slab-course.json"


@dataclass
class CourseCopy:
    """What :func:`copy_course` did, by relative path."""

    folder: Path
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    overwritten: list[str] = field(default_factory=list)

    @property
    def notebooks(self) -> list[str]:
        every = self.new + self.updated + self.unchanged + self.overwritten
        return sorted(p for p in every if p.endswith(".ipynb"))

    def summary(self) -> str:
        """One line: how many notebooks and manifests, and what changed."""
        every = self.new + self.updated + self.unchanged + self.overwritten
        counts = [f"{len(self.new)} new", f"{len(self.updated)} updated",
                  f"{len(self.unchanged)} already up to date"]
        if self.overwritten:
            counts.append(f"{len(self.overwritten)} of your changed files overwritten")
        return (f"{len(self.notebooks)} notebooks and {len(every) - len(self.notebooks)} "
                f"manifest files in {self.folder} ({', '.join(counts)})")


def course_sources() -> dict[str, Path]:
    """Every file of the course copy: its path relative to DIR -> the installed file.

    Raises:
        K8sLabError: this k8slab has no notebooks (a broken install).
    """
    files: dict[str, Path] = {}
    for lang in LANGUAGES:
        for nb in sorted((notebooks_dir() / edition_folder(lang)).glob("*.ipynb")):
            files[edition_path(lang, nb.name)] = nb
    if edition_path(DEFAULT) not in files:
        raise K8sLabError(f"This k8slab has no course notebooks in {notebooks_dir()}.",
                          "Reinstall it from a wheel or a source checkout "
                          "(`pipx install --force k8slab`, or `pip install .` in the project).")
    root = manifests_dir()
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and not any(p.startswith(".") or p == "__pycache__"
                                      for p in rel.parts):
            files[f"manifests/{rel.as_posix()}"] = path
    return files


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _recorded(folder: Path) -> dict[str, str]:
    """The digests of the last copy (empty when there is none or it is unreadable)."""
    try:
        files = json.loads((folder / RECORD).read_text()).get("files", {})
    except (OSError, ValueError, AttributeError):
        return {}
    return files if isinstance(files, dict) else {}


def is_course_copy(folder: Path) -> bool:
    """True for a folder holding the course as :func:`copy_course` lays it out."""
    return (folder / FIRST_NOTEBOOK).is_file()


def copy_course(folder: str | Path, *, force: bool = False) -> CourseCopy:
    """Copy (or bring up to date) the course into ``folder``, keeping the learner's changes.

    Args:
        folder: where the course goes; made if missing. Files of the learner's
            that are not course files are left alone.
        force: overwrite course files the learner changed (their work is lost).

    Raises:
        K8sLabError: ``folder`` is a file, or some course files there were changed
            since they were copied (nothing is written then, unless ``force``).

    Example:
        >>> copy_course("~/k8s-course").summary()        # doctest: +SKIP
        '28 notebooks and 86 manifest files in /home/me/k8s-course (114 new, ...)'
    """
    dest = Path(folder).expanduser().absolute()
    if dest.exists() and not dest.is_dir():
        raise K8sLabError(f"{dest} is a file, not a folder.",
                          "Name a folder for the course (it is made if missing).")
    sources = course_sources()
    recorded = _recorded(dest)
    result = CourseCopy(dest)
    conflicts: list[str] = []
    digests: dict[str, str] = {}
    for rel, src in sources.items():
        target = dest / rel
        digests[rel] = want = _digest(src)
        if not target.exists() and not target.is_symlink():
            result.new.append(rel)
        elif not target.is_file():
            conflicts.append(rel)
        else:
            have = _digest(target)
            if have == want:
                result.unchanged.append(rel)
            elif recorded.get(rel) == have:
                result.updated.append(rel)     # ours, untouched: the course moved on
            else:
                conflicts.append(rel)
    if conflicts and not force:
        shown = ", ".join(conflicts[:6]) + (f" and {len(conflicts) - 6} more"
                                            if len(conflicts) > 6 else "")
        raise K8sLabError(
            f"{len(conflicts)} course file(s) in {dest} differ from the course and from what "
            f"k8slab copied there (your changes, kept): {shown}. Nothing was copied.",
            f"Your copy is ready to use as it is (`k8slab lab --course {dest}`). For a fresh "
            f"copy, pick another folder (`k8slab course OTHER_FOLDER`), or overwrite your "
            f"changes: `k8slab course {dest} --force`.")
    result.overwritten = conflicts
    for rel in [*result.new, *result.updated, *result.overwritten]:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.is_symlink():
            target.unlink()
        shutil.copyfile(sources[rel], target)
    _link_manifests(dest, sources)
    tmp = dest / f"{RECORD}.tmp"
    tmp.write_text(json.dumps({"files": digests}, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, dest / RECORD)
    return result


def _link_manifests(dest: Path, sources: dict[str, Path]) -> None:
    """``fr/manifests -> ../manifests``: each edition's notebooks find the same YAML."""
    for lang in LANGUAGES:
        where = edition_folder(lang)
        if not where or edition_path(lang) not in sources:
            continue
        link = dest / where / "manifests"
        if not link.exists() and not link.is_symlink():
            link.symlink_to(Path("..") / "manifests")
