"""Notebook hygiene, run by ``./run lint``: no stored outputs, ruff-clean code cells.

Outputs in git make diffs unreadable and leak a cluster's state into the
course; every notebook is stored clean and executed fresh.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def stored_outputs(path: Path) -> list[int]:
    """Indexes of code cells that carry outputs or an execution count."""
    cells = json.loads(path.read_text())["cells"]
    return [i for i, c in enumerate(cells) if c["cell_type"] == "code"
            and (c.get("outputs") or c.get("execution_count") is not None)]


def main() -> int:
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    problems = []
    for nb in notebooks:
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
