"""Execute course notebooks with papermill and read back what they recorded.

A notebook test runs the notebook against the live lab cluster in a namespace
of its own, with ``solve_exercises=True`` so the hidden solution cells run,
then asserts on values the notebook recorded with ``lab.record`` and on the
exercise checks (``check:<id>`` is recorded each time ``lab.check`` runs).
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import papermill

from k8slab._record_output import extract

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"


@dataclass
class Executed:
    """An executed notebook: the notebook itself and the values it recorded."""

    path: Path
    notebook: dict
    records: dict[str, list[Any]]

    def last(self, name: str) -> Any:
        """The last value recorded under ``name`` (KeyError names what exists)."""
        if name not in self.records:
            raise KeyError(f"{name!r} was not recorded; recorded: {sorted(self.records)}")
        return self.records[name][-1]

    def checks(self) -> dict[str, list[bool]]:
        """Exercise id -> the outcomes of each ``lab.check`` call, in order."""
        return {k.split(":", 1)[1]: v for k, v in self.records.items() if k.startswith("check:")}

    def errors(self) -> list[str]:
        """Error outputs of any cell (there should be none)."""
        return [f"{o.get('ename')}: {o.get('evalue')}" for c in self.notebook["cells"]
                for o in c.get("outputs", []) if o.get("output_type") == "error"]


def second_run_wanted() -> bool:
    """Whether a notebook test runs its notebook a second time (idempotence).

    On kwok every notebook runs twice; on the host engine, where containers
    really run and the suite is slower, once (``K8SLAB_NOTEBOOK_RUNS=1``).
    """
    return os.environ.get("K8SLAB_NOTEBOOK_RUNS", "2") != "1"


def unique_namespace(stem: str) -> str:
    return f"{stem}-{uuid.uuid4().hex[:5]}"


def run_notebook(path: str | Path, *, parameters: dict[str, Any] | None = None,
                 output_dir: Path | None = None, timeout: int = 600) -> Executed:
    """Run a notebook with papermill (kernel ``python3`` of this environment).

    Raises:
        papermill.PapermillExecutionError: a cell raised; the message names the cell.
    """
    source = Path(path)
    if not source.is_absolute():
        source = NOTEBOOKS / source
    out_dir = output_dir or Path(os.environ.get("K8SLAB_TEST_ARTIFACTS",
                                                ROOT / "test-artifacts" / "notebooks"))
    out_dir.mkdir(parents=True, exist_ok=True)
    output = out_dir / source.name
    papermill.execute_notebook(
        str(source), str(output), parameters=parameters or {}, kernel_name="python3",
        cwd=str(source.parent), execution_timeout=timeout, progress_bar=False,
        log_output=False, request_save_on_cell_execute=False,
    )
    nb = json.loads(output.read_text())
    return Executed(output, nb, extract(nb))


def parameters_cell(path: Path) -> nbformat.NotebookNode | None:
    """The cell tagged ``parameters`` (papermill's convention), if any."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return cell
    return None
