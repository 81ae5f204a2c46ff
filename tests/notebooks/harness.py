"""Execute course notebooks with papermill and read back what they recorded.

A notebook test runs the notebook against the live lab cluster in a namespace
of its own, then asserts on values the notebook recorded with ``lab.record``
and on the exercise checks (``check:<id>`` is recorded each time ``lab.check``
runs).

Solution cells: each exercise's solution is a plain code cell tagged
``solution`` (source hidden), which runs as it is when a learner reveals and
runs it; no flag inside the cell makes it a no-op. The harness decides what
runs: by default every cell (the solutions solve the exercises, as CI needs);
``solutions=False`` (or the parameter ``solve_exercises=False``) runs a copy of
the notebook without its ``solution`` cells, the path of a learner who has not
solved anything yet. Notebooks whose parameters cell still declares
``solve_exercises`` (the older guard) get that parameter passed through.
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

from k8slab._base.language import LANGUAGES, edition_folder
from k8slab._course.recorded import extract

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

    On kwok every notebook runs twice, once per edition; on the host engine,
    where containers really run and the suite is slower, once
    (``K8SLAB_NOTEBOOK_RUNS=1``).
    """
    return os.environ.get("K8SLAB_NOTEBOOK_RUNS", "2") != "1"


#: Notebooks whose printed kubectl lines the second run does not replay: 11's
#: operator rewrites the objects it owns between the learner's apply and the
#: diff that would prove it (its lines are the same functions' as the others').
NO_KUBECTL_REPLAY = frozenset({"11-extending.ipynb"})


#: The edition a notebook test runs: ``en`` (``notebooks/``) or ``fr`` (``notebooks/fr/``,
#: the same code cells; ``K8SLAB_NOTEBOOK_LANG=fr`` runs every notebook test on it).
EDITIONS = {lang: NOTEBOOKS / edition_folder(lang) for lang in LANGUAGES}


def edition() -> str:
    """The edition of the course the notebook tests run (``K8SLAB_NOTEBOOK_LANG``)."""
    lang = os.environ.get("K8SLAB_NOTEBOOK_LANG", "en")
    if lang not in EDITIONS:
        raise ValueError(f"K8SLAB_NOTEBOOK_LANG={lang!r}: the course has the editions "
                         f"{sorted(EDITIONS)}")
    return lang


def other_edition() -> str:
    """The edition a second run uses: French after English, English after French."""
    return next(lang for lang in LANGUAGES if lang != edition())


def unique_namespace(stem: str) -> str:
    return f"{stem}-{uuid.uuid4().hex[:5]}"


SOLUTION_TAG = "solution"


def solution_cells(nb: nbformat.NotebookNode) -> list[int]:
    """Indexes of the cells tagged ``solution``."""
    return [i for i, c in enumerate(nb.cells)
            if SOLUTION_TAG in c.get("metadata", {}).get("tags", [])]


def declares_solve_flag(path: Path) -> bool:
    """Whether the notebook still guards its solutions with ``if solve_exercises:``."""
    cell = parameters_cell(path)
    return cell is not None and "solve_exercises" in cell.source


def _without_solutions(source: Path, out_dir: Path) -> Path:
    nb = nbformat.read(source, as_version=4)
    drop = set(solution_cells(nb))
    nb.cells = [c for i, c in enumerate(nb.cells) if i not in drop]
    stripped = out_dir / f"{source.stem}.no-solutions.ipynb"
    nbformat.write(nb, stripped)
    return stripped


def _with_kubectl_check(source: Path, out_dir: Path, log: Path) -> Path:
    """A copy whose first cell installs the kubectl-equivalence hook (kubectl_equivalence.py)."""
    nb = nbformat.read(source, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
        "from tests.notebooks import kubectl_equivalence\n"
        f"kubectl_equivalence.install({str(log)!r})"))
    hooked = out_dir / f"{source.stem}.kubectl-check.ipynb"
    nbformat.write(nb, hooked)
    return hooked


def run_notebook(path: str | Path, *, parameters: dict[str, Any] | None = None,
                 output_dir: Path | None = None, timeout: int = 600,
                 solutions: bool | None = None, kubectl_log: Path | None = None,
                 lang: str | None = None) -> Executed:
    """Run a notebook with papermill (kernel ``python3`` of this environment).

    Args:
        path: the notebook (relative paths are under ``notebooks/``, or
            ``notebooks/fr/`` when ``K8SLAB_NOTEBOOK_LANG=fr``).
        parameters: papermill parameters (``namespace``...).
        output_dir: where the executed notebook is written.
        timeout: seconds per cell.
        solutions: run the ``solution`` cells (default True; the parameter
            ``solve_exercises`` says the same for older callers).
        kubectl_log: run every kubectl line the notebook prints with the real
            kubectl as it goes, logging each outcome there (kubectl_equivalence.py).
        lang: the edition to run (default: :func:`edition`).

    Raises:
        papermill.PapermillExecutionError: a cell raised; the message names the cell.
    """
    source = Path(path)
    if not source.is_absolute():
        source = EDITIONS[lang or edition()] / source
    out_dir = output_dir or Path(os.environ.get("K8SLAB_TEST_ARTIFACTS",
                                                ROOT / "test-artifacts" / "notebooks"))
    if source.parent.name in EDITIONS:  # notebooks/fr/04-pods.ipynb -> .../fr/04-pods.ipynb
        out_dir = out_dir / source.parent.name
    out_dir.mkdir(parents=True, exist_ok=True)
    output = out_dir / source.name
    params = dict(parameters or {})
    if declares_solve_flag(source):
        params.setdefault("solve_exercises", True if solutions is None else solutions)
    else:
        flag = params.pop("solve_exercises", True)
        solutions = flag if solutions is None else solutions
    run_from = source if solutions in (None, True) else _without_solutions(source, out_dir)
    if kubectl_log is not None:
        run_from = _with_kubectl_check(run_from, out_dir, kubectl_log)
    papermill.execute_notebook(
        str(run_from), str(output), parameters=params, kernel_name="python3",
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


def run_second(path: str, *, parameters: dict[str, Any]) -> Executed:
    """The second run of a notebook test: the other edition, every kubectl line replayed.

    Why one run does three jobs: the second run proves the notebook is
    idempotent (a learner runs it again from the top); running it in the other
    edition proves that edition's cells work (the pairing test makes their code
    the same); and replaying each printed kubectl line with the real kubectl
    proves the lines are exact. Each used to be a run of its own.

    Raises:
        AssertionError: a replayed kubectl line failed (kubectl_equivalence.py).
    """
    name = Path(path).name
    replay = name not in NO_KUBECTL_REPLAY
    out_dir = Path(os.environ.get("K8SLAB_TEST_ARTIFACTS", ROOT / "test-artifacts" / "notebooks"))
    log = out_dir / "kubectl" / f"{Path(name).stem}-{parameters.get('namespace', 'x')}.jsonl"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.unlink(missing_ok=True)
    run = run_notebook(path, parameters=parameters, lang=other_edition(),
                       kubectl_log=log if replay else None)
    if replay:
        from tests.notebooks.kubectl_equivalence import assert_equivalent

        assert not run.errors(), run.errors()
        assert_equivalent(log)
    return run
