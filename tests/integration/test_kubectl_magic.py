"""%kubectl against the live lab cluster: the real kubectl, its output as printed,
and a failing command that fails the cell (and a papermill run) unless expected."""

from __future__ import annotations

import json

import nbformat
import papermill
import pytest

import k8slab as lab
from tests.notebooks.harness import run_notebook


@pytest.fixture
def shell():
    from IPython import get_ipython
    from IPython.testing.globalipapp import start_ipython

    ip = start_ipython() or get_ipython()
    ip.run_cell("%load_ext k8slab")
    return ip


def test_line_magic_prints_what_kubectl_prints(shell, ns, capfd):
    lab.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "seen"},
               "data": {"k": "v"}}, ns)
    shell.user_ns["namespace"] = ns
    result = shell.run_cell("%kubectl get configmap seen -n {namespace} -o name")
    assert result.success
    assert capfd.readouterr().out.strip() == "configmap/seen"
    assert shell.user_ns["_kubectl"].returncode == 0


def test_cell_magic_feeds_the_body_to_kubectl(shell, ns, capfd):
    shell.user_ns["namespace"] = ns
    body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-cell\ndata:\n  a: b\n"
    result = shell.run_cell(f"%%kubectl apply -n {{namespace}} -f -\n{body}")
    assert result.success
    assert "configmap/from-cell created" in capfd.readouterr().out
    assert lab.get("ConfigMap", "from-cell", ns)["data"] == {"a": "b"}


def test_a_failing_command_is_an_error_unless_expected(shell, ns, capfd):
    shell.user_ns["namespace"] = ns
    result = shell.run_cell("%kubectl get pod missing -n $namespace")
    assert not result.success
    assert isinstance(result.error_in_exec, lab.magic.KubectlFailed)
    assert result.error_in_exec.returncode == 1
    assert 'pods "missing" not found' in capfd.readouterr().err
    assert shell.run_cell("%kubectl --expect-fail get pod missing -n $namespace").success
    unexpected = shell.run_cell("%kubectl --expect-fail get ns $namespace")
    assert not unexpected.success


def test_stop_after_ends_a_watch_without_failing(shell, ns):
    shell.user_ns["namespace"] = ns
    assert shell.run_cell("%kubectl --stop-after 1.5 get configmaps -n $namespace --watch").success
    assert shell.user_ns["_kubectl"].returncode is None


def _notebook(tmp_path, *sources: str):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import k8slab as lab")]
    nb.cells += [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = tmp_path / "magic.ipynb"
    nbformat.write(nb, path)
    return path


def test_papermill_fails_on_a_failing_kubectl_cell(tmp_path, ns):
    path = _notebook(tmp_path, f"%kubectl get deployment nowhere -n {ns}")
    with pytest.raises(papermill.PapermillExecutionError) as err:
        run_notebook(path, output_dir=tmp_path / "out")
    assert err.value.ename == "KubectlFailed"
    executed = json.loads((tmp_path / "out" / "magic.ipynb").read_text())
    streams = ["".join(o.get("text", "")) for c in executed["cells"] for o in c.get("outputs", [])
               if o.get("output_type") == "stream"]
    assert any('deployments.apps "nowhere" not found' in s for s in streams)


def test_papermill_accepts_an_expected_failure_and_load_ext(tmp_path, ns):
    path = _notebook(tmp_path, "%load_ext k8slab",
                     f"%kubectl --expect-fail get deployment nowhere -n {ns}",
                     f"%kubectl get namespace {ns} -o jsonpath={{.metadata.name}}")
    run = run_notebook(path, output_dir=tmp_path / "out")
    assert not run.errors()
    last = run.notebook["cells"][-1]["outputs"]
    assert ["".join(o["text"]) for o in last if o.get("name") == "stdout"] == [ns]
