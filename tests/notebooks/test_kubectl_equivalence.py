"""Every kubectl line the notebooks print is exactly runnable and does the same.

All notebooks but 11, whose operator rewrites the objects it owns between the
learner's apply and the diff that would prove it (the lines themselves are the
same functions', proven by the others).

The notebook runs with a hook (tests/notebooks/kubectl_equivalence.py) that, for
each announced command, runs the printed line with the real kubectl against the
cluster at that moment and logs whether it succeeded with the same result. One
line that fails, or a command announced as a plain string, fails the test.
"""

from __future__ import annotations

from collections import Counter

import pytest

import k8slab as lab
from tests.notebooks import kubectl_equivalence
from tests.notebooks.harness import run_notebook, unique_namespace

NOTEBOOKS = {
    "01-getting-started.ipynb": {},
    "02-api-and-architecture.ipynb": {"timeout": 60},
    "03-namespaces.ipynb": {"timeout": 60},
    "04-pods.ipynb": {"quiet_period": 3},
    "05-deployments.ipynb": {},
    "06-services.ipynb": {},
    "07-workloads.ipynb": {},
    "08-configuration.ipynb": {},
    "09-storage.ipynb": {},
    "10-ingress.ipynb": {},
    "12-helm.ipynb": {},
    "13-gitops.ipynb": {},
    "14-operating.ipynb": {},
}


@pytest.mark.parametrize("notebook", sorted(NOTEBOOKS), ids=lambda n: n[:2])
def test_printed_kubectl_lines_run_and_agree(notebook, cluster, tmp_path):
    ns = unique_namespace(f"kx{notebook[:2]}")
    log = tmp_path / "kubectl.jsonl"
    run = run_notebook(notebook, parameters={"namespace": ns, **NOTEBOOKS[notebook]},
                       output_dir=tmp_path, kubectl_log=log)
    assert not run.errors()
    outcomes = kubectl_equivalence.read(log)
    failed = [o for o in outcomes if not o["ok"]]
    assert not failed, "\n".join(f"{o['check']}: {o['line']}\n    {o['detail']}"
                                 for o in failed[:15])
    kinds = Counter(o["check"].split(" ")[0].rstrip(":") for o in outcomes)
    assert kinds["get"] >= 1 and kinds["apply"] >= 1, kinds
    assert len(outcomes) >= 5, outcomes
    assert not lab.exists("Namespace", ns)
