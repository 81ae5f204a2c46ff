"""binder/start, as far as this machine allows: from a clean state it starts
the embedded cluster, then runs the command it is given (here, the first
notebook instead of JupyterLab), which must work against that cluster."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, k8slab_cli


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_binder_start_runs_the_first_notebook(tmp_path):
    state = tmp_path / "state"
    bindir = Path(sys.executable).parent
    env = {**os.environ, "K8SLAB_STATE": str(state), "K8SLAB_API_PORT": str(_free_port()),
           "HOME": str(tmp_path), "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
           "K8SLAB_CACHE": os.environ.get("K8SLAB_CACHE",
                                          str(Path.home() / ".cache" / "k8slab"))}
    output = tmp_path / "01-out.ipynb"
    try:
        proc = subprocess.run(
            [str(ROOT / "binder" / "start"), sys.executable, "-m", "papermill",
             str(ROOT / "notebooks" / "01-getting-started.ipynb"), str(output),
             "-p", "namespace", "binder-start", "-p", "solve_exercises", "True",
             "--cwd", str(ROOT / "notebooks"), "-k", "python3"],
            env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
        assert "the lab cluster is running" in proc.stdout
        assert output.exists()
        assert (state / "cluster.json").exists()
    finally:
        k8slab_cli("down", env=env, check=False)
    assert not (state / "kubeconfig.yaml").exists()
