"""Notebooks are reviewable: no stored outputs, in sync with their percent scripts,
ruff-clean code cells."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.tools.lint_notebooks import ROOT, out_of_sync, stored_outputs

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_clean_and_in_sync(path):
    assert stored_outputs(path) == []
    assert out_of_sync(path) is None


def test_sync_check_notices_a_drift(tmp_path):
    source = NOTEBOOKS[0]
    copy = tmp_path / source.name
    copy.write_text(source.read_text())
    twin = copy.with_suffix(".py")
    twin.write_text(source.with_suffix(".py").read_text() + "\n# %%\nprint('added')\n")
    assert "differ" in out_of_sync(copy)
    twin.unlink()
    assert "no paired" in out_of_sync(copy)


def test_notebook_code_cells_are_ruff_clean():
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", *map(str, NOTEBOOKS)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout
