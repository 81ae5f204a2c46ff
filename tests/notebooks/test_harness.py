"""The notebook harness itself: it must fail when a notebook fails, and every
course notebook must be covered, clean and parameterised."""

from __future__ import annotations

import json
import re
from pathlib import Path

import papermill
import pytest

from tests.notebooks.harness import NOTEBOOKS, parameters_cell, run_notebook

HERE = Path(__file__).parent
COURSE = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


def test_a_failing_cell_fails_the_run(tmp_path):
    with pytest.raises(papermill.PapermillExecutionError) as err:
        run_notebook(HERE / "fixtures" / "broken.ipynb", output_dir=tmp_path)
    assert "this fixture notebook fails on purpose" in str(err.value)
    executed = json.loads((tmp_path / "broken.ipynb").read_text())
    outputs = [o for c in executed["cells"] for o in c.get("outputs", [])]
    assert any(o.get("output_type") == "error" for o in outputs)


def test_a_bad_manifest_fails_with_file_and_line(tmp_path, cluster):
    with pytest.raises(papermill.PapermillExecutionError) as err:
        run_notebook(HERE / "fixtures" / "bad_manifest.ipynb", output_dir=tmp_path)
    assert err.value.ename == "ManifestError"
    assert "line 5" in err.value.evalue


def test_there_is_a_course():
    assert len(COURSE) == 14, [p.name for p in COURSE]


@pytest.mark.parametrize("path", COURSE, ids=lambda p: p.stem)
def test_notebook_is_covered_clean_and_parameterised(path):
    tests = list(HERE.glob("test_nb*.py"))
    assert any(path.name in t.read_text() for t in tests), f"no test runs {path.name}"
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert not cell.get("outputs"), f"{path.name} has stored outputs"
            assert cell.get("execution_count") is None, f"{path.name} has execution counts"
    params = parameters_cell(path)
    assert params is not None, f"{path.name} has no cell tagged 'parameters'"
    assert re.search(r"^namespace\s*=", params.source, re.M), "namespace is not a parameter"
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    for heading in ("## Overview", "## Prerequisites", "## Summary", "## What's next"):
        assert heading in text, f"{path.name} lacks the section {heading!r}"


@pytest.mark.parametrize("path", COURSE, ids=lambda p: p.stem)
def test_solution_cells_are_plain_cells_the_harness_can_leave_out(path, tmp_path):
    import nbformat

    from tests.notebooks.harness import _without_solutions, declares_solve_flag, solution_cells

    nb = nbformat.read(path, as_version=4)
    solutions = solution_cells(nb)
    assert solutions, f"{path.name} has no solution cell"
    if not declares_solve_flag(path):
        for i in solutions:
            assert "solve_exercises" not in nb.cells[i].source, (path.name, i)
    stripped = nbformat.read(_without_solutions(path, tmp_path), as_version=4)
    assert len(stripped.cells) == len(nb.cells) - len(solutions)
    assert not solution_cells(stripped)
