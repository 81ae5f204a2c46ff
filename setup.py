"""Puts the course's files inside the wheel (everything else is in pyproject.toml).

Why a build step: an installed k8slab (``pip install .``, ``pipx install .``)
has no project folder, yet it needs what the library reads from one: the
notebooks of both editions (``k8slab course`` copies them for the learner), the
manifests, and the Go wrapper modules under ``tools/`` that pin and build the
cluster's binaries. Those folders stay where they are in git (never two copies);
building the wheel copies them under ``k8slab/_data/``, where
``k8slab._base.paths.PROJECT_ROOT`` points when k8slab runs from an installed
package. An editable install (``pip install -e .``, what ``./run`` makes) reads
the checkout itself, so nothing is copied for it. ``MANIFEST.in`` puts the same
folders in the source distribution, so a wheel built from it has them too.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent

#: Folders copied whole (every file but caches and hidden files).
TREES = ("manifests", "tools")
#: The notebooks: each edition's ``.ipynb`` files (English at the top, ``fr/``), not
#: the jupytext twins (kept for review) nor the ``manifests`` links.
NOTEBOOKS = ("notebooks/*.ipynb", "notebooks/*/*.ipynb")


def course_files(root: Path) -> list[Path]:
    """The files shipped under ``k8slab/_data/``, relative to ``root``."""
    found: set[Path] = set()
    for tree in TREES:
        for path in (root / tree).rglob("*"):
            rel = path.relative_to(root)
            if path.is_file() and not any(
                    part.startswith(".") or part == "__pycache__" for part in rel.parts):
                found.add(rel)
    for pattern in NOTEBOOKS:
        for path in root.glob(pattern):
            rel = path.relative_to(root)
            if not any(part.startswith(".") for part in rel.parts):
                found.add(rel)
    return sorted(found)


class BuildWithCourse(build_py):
    """``build_py``, then the course's files copied into ``k8slab/_data/``."""

    def _editable(self) -> bool:
        return bool(getattr(self, "editable_mode", False))

    def run(self) -> None:
        super().run()
        if self._editable():
            return
        files = course_files(HERE)
        if not any(f.suffix == ".ipynb" for f in files):
            raise SystemExit("setup.py: no notebooks found beside setup.py: "
                             "the wheel would have no course in it.")
        data = Path(self.build_lib) / "k8slab" / "_data"
        shutil.rmtree(data, ignore_errors=True)
        for rel in files:
            (data / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(HERE / rel, data / rel)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        if not self._editable():
            data = Path(self.build_lib) / "k8slab" / "_data"
            outputs += [str(data / rel) for rel in course_files(HERE)]
        return outputs


setup(cmdclass={"build_py": BuildWithCourse})
