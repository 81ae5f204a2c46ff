"""The safety guard, the lab paths and the command line's error handling."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from k8slab import K8sLabError
from k8slab._base import paths as _paths
from k8slab._base.cluster_record import ClusterRecord
from k8slab._core.guard import require_lab_cluster
from k8slab.cli import lab_command, main
from k8slab.errors import ClusterUnavailable, UnsafeContext


def test_state_lives_in_the_project_unless_overridden(monkeypatch, tmp_path):
    monkeypatch.delenv("K8SLAB_STATE")
    assert _paths.state_dir() == (_paths.PROJECT_ROOT / ".k8slab").resolve()
    monkeypatch.setenv("K8SLAB_STATE", str(tmp_path))
    assert _paths.kubeconfig_path() == tmp_path / "kubeconfig.yaml"
    assert Path.home() / ".kube" not in _paths.kubeconfig_path().parents


def test_cache_is_outside_the_project(monkeypatch, tmp_path):
    monkeypatch.delenv("K8SLAB_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert _paths.cache_dir() == tmp_path / "k8slab"


def test_guard_allows_lab_engines():
    for engine in ("kwok", "kind", "minikube"):
        rec = ClusterRecord(engine=engine, context=f"{engine}-k8slab")
        assert require_lab_cluster("delete x", record=rec) is rec


def test_guard_refuses_foreign_context_and_names_it():
    rec = ClusterRecord(engine="existing", context="prod-cluster", lab=False)
    with pytest.raises(UnsafeContext) as err:
        require_lab_cluster("delete namespace team-a", record=rec)
    assert "'prod-cluster'" in err.value.message
    assert "delete namespace team-a" in err.value.message
    assert "K8SLAB_ALLOW_ANY_CONTEXT=1" in err.value.hint


def test_guard_opt_in_by_flag_or_environment(monkeypatch):
    rec = ClusterRecord(engine="existing", context="prod", lab=False)
    assert require_lab_cluster("x", record=rec, allow_any_context=True) is rec
    monkeypatch.setenv("K8SLAB_ALLOW_ANY_CONTEXT", "1")
    assert require_lab_cluster("x", record=rec) is rec


def test_guard_without_cluster_says_how_to_start():
    with pytest.raises(ClusterUnavailable) as err:
        require_lab_cluster("delete x")
    assert "k8slab up" in err.value.hint


def test_record_round_trip(isolated_state):
    ClusterRecord(engine="kwok", context="kwok-k8slab", extra={"port": 1}).save()
    loaded = ClusterRecord.load()
    assert loaded.engine == "kwok" and loaded.extra == {"port": 1}
    ClusterRecord.clear()
    assert ClusterRecord.load() is None


def test_status_without_cluster_fails_with_a_hint(capsys):
    assert main(["status"]) == 1
    err = capsys.readouterr().err
    assert "No lab cluster is running" in err and "k8slab up" in err


def test_lab_without_cluster_fails_with_a_hint(capsys):
    assert main(["lab"]) == 1
    assert "k8slab up" in capsys.readouterr().err


def test_unknown_engine_on_the_command_line(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["up", "--engine", "podman"])
    assert exc.value.code == 2
    assert "invalid choice: 'podman'" in capsys.readouterr().err


def test_up_rejects_zero_nodes(capsys):
    assert main(["up", "--nodes", "0"]) == 1
    assert "--nodes must be at least 1" in capsys.readouterr().err


def test_lab_command_binds_loopback_and_opens_first_notebook():
    cmd = lab_command(8888, "127.0.0.1", "01-getting-started.ipynb")
    assert "--ServerApp.ip=127.0.0.1" in cmd
    assert any(a.endswith("/lab/tree/01-getting-started.ipynb") for a in cmd)
    assert any(a.startswith("--ServerApp.root_dir=") and a.endswith("notebooks") for a in cmd)


def test_output_into_a_closed_pipe_is_not_a_traceback():
    # `k8slab status | head -3`: the reader is gone before the command prints.
    # (`tools --check` prints without a cluster; status prints the same way.)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run([sys.executable, "-m", "k8slab", "tools", "--check", "kwokctl"],
                              stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr
    assert done.returncode == 141  # 128 + SIGPIPE, as a Unix tool the signal stopped


def test_importing_the_library_loads_no_command_line_engine_or_tool_builder():
    # Layers run one way: a notebook's `import k8slab` needs none of the CLI machinery.
    code = ("import sys, k8slab; print(sorted(m for m in sys.modules if m.startswith("
            "('k8slab.cli', 'k8slab.engines', 'k8slab._binaries.catalog', 'k8slab.workshop'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.strip() == "[]", done.stdout


def test_the_command_lines_help_loads_no_pandas_or_matplotlib():
    # `k8slab --help`, `up`, `status` show no table or picture: they must not pay for them.
    code = ("import sys\nfrom k8slab.cli import main\ntry:\n    main(['--help'])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in ('pandas', 'matplotlib', 'IPython') if m in sys.modules),"
            " file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert "workshop" in done.stdout  # the command is listed without loading its module
    assert done.stderr.strip() == "[]", done.stderr


def test_the_workshop_command_is_loaded_when_named():
    done = subprocess.run([sys.executable, "-m", "k8slab", "workshop", "--help"],
                          capture_output=True, text=True, timeout=120, check=True)
    assert "create" in done.stdout and "progress" in done.stdout


def test_lab_opens_the_first_notebook_of_the_chosen_edition(tmp_path):
    from k8slab.cli import first_notebook

    (tmp_path / "fr").mkdir()
    for name in ("01-getting-started.ipynb", "02-api.ipynb"):
        (tmp_path / name).write_text("{}")
    assert first_notebook(tmp_path, "en") == "01-getting-started.ipynb"
    with pytest.raises(K8sLabError) as err:
        first_notebook(tmp_path, "fr")
    assert "no 'fr' edition" in err.value.message and "--lang en" in err.value.hint
    (tmp_path / "fr" / "01-getting-started.ipynb").write_text("{}")
    assert first_notebook(tmp_path, "fr") == "fr/01-getting-started.ipynb"
    cmd = lab_command(8888, "127.0.0.1", first_notebook(tmp_path, "fr"), str(tmp_path))
    assert "--LabApp.default_url=/lab/tree/fr/01-getting-started.ipynb" in cmd


def test_lab_refuses_a_language_the_course_lacks(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["lab", "--lang", "de"])
    assert exit_.value.code == 2
    assert "invalid choice: 'de'" in capsys.readouterr().err
