"""Notebook hygiene, run by ``./run lint``: no stored outputs, ruff-clean code cells,
and solution cells that run as they are.

Outputs in git make diffs unreadable and leak a cluster's state into the
course; every notebook is stored clean and executed fresh.

Solution cells (tag ``solution``) are hidden until the learner reveals them,
and then run as they are: no ``if solve_exercises:`` guard turns them into a
silent no-op; the test harness decides whether they run
(``tests/notebooks/harness.py``). A solution that applies something shows the
YAML it applies (a ``%%kubectl apply -f -`` cell, or ``print(lab.manifest(...))``).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def stored_outputs(path: Path) -> list[int]:
    """Indexes of code cells that carry outputs or an execution count."""
    cells = json.loads(path.read_text())["cells"]
    return [i for i, c in enumerate(cells) if c["cell_type"] == "code"
            and (c.get("outputs") or c.get("execution_count") is not None)]


def out_of_sync(path: Path) -> str | None:
    """Why the notebook and its paired percent script differ, or None when in sync.

    The .py twin (jupytext percent format) is what reviewers read in diffs; it
    must say exactly what the .ipynb says.
    """
    import jupytext

    twin = path.with_suffix(".py")
    name = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name
    if not twin.exists():
        return f"{name} has no paired {twin.name} (run: jupytext --set-formats ipynb,py:percent {path})"
    def cells(nb) -> list[tuple]:
        return [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", [])),
                 c.metadata.get("jupyter", {})) for c in nb.cells]

    ours, theirs = cells(jupytext.read(path)), cells(jupytext.read(twin))
    if ours != theirs:
        where = next((i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b),
                     min(len(ours), len(theirs)))
        return (f"{name} and {twin.name} differ from cell {where} on "
                f"(run: jupytext --sync {twin})")
    return None



_APPLIES = re.compile(r"\blab\.apply\(|^%%kubectl\s+(apply|create|replace)\b", re.M)
_SHOWS = re.compile(r"^%%kubectl\b|print\(|display\(lab\.manifest\(", re.M)


def solution_problems(path: Path) -> list[str]:
    """What is wrong with the solution cells of one notebook.

    Example:
        >>> solution_problems(ROOT / "notebooks" / "01-getting-started.ipynb")
        []
    """
    cells = json.loads(path.read_text())["cells"]
    out = []
    for i, cell in enumerate(cells):
        if "solution" not in cell.get("metadata", {}).get("tags", []):
            continue
        source = "".join(cell["source"])
        where = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name} cell {i}"
        if cell["cell_type"] != "code":
            out.append(f"{where}: a solution is a code cell")
            continue
        if not cell.get("metadata", {}).get("jupyter", {}).get("source_hidden"):
            out.append(f"{where}: a solution cell is hidden until revealed "
                       '(jupyter={"source_hidden": true} in the .py twin)')
        if "solve_exercises" in source:
            out.append(f"{where}: a solution runs as it is; drop `if solve_exercises:` "
                       "(the harness decides what runs)")
        if _APPLIES.search(source) and not _SHOWS.search(source):
            out.append(f"{where}: a solution shows the YAML it applies "
                       "(%%kubectl apply -f - with the YAML, or print(lab.manifest(...)))")
    return out


def main() -> int:
    # Both editions: the English notebooks and the French ones (notebooks/fr/).
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted(
        (ROOT / "notebooks" / "fr").glob("*.ipynb"))
    problems = []
    for nb in notebooks:
        drift = out_of_sync(nb)
        if drift:
            problems.append(drift)
        problems += solution_problems(nb)
        dirty = stored_outputs(nb)
        if dirty:
            problems.append(f"{nb.relative_to(ROOT)}: cells {dirty} have stored outputs "
                            "(clear them: jupyter nbconvert --clear-output --inplace FILE)")
    if notebooks:
        ruff = subprocess.run([sys.executable, "-m", "ruff", "check",
                               *map(str, notebooks)], cwd=ROOT)
        if ruff.returncode:
            problems.append("ruff found problems in notebook code cells (see above)")
    for p in problems:
        print(f"lint: {p}", file=sys.stderr)
    print(f"lint: {len(notebooks)} notebooks checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
