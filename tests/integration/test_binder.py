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


def test_binder_start_as_an_ordinary_user_shows_exec_output(tmp_path):
    """Binder runs the image as jovyan, not root: binder/start, then notebook 04's exec.

    kwok cannot switch users when it is not root; an exec that silently
    answered "" would leave the lesson blank. The command's own output (``id``
    naming this very user, ``pwd``) must reach the notebook, or the notebook
    must fail; here it must reach it.
    """
    import json
    import pwd

    from k8slab._base.paths import cache_dir
    from k8slab._course.recorded import extract
    from tests.tools.throwaway_user import throwaway_user

    with throwaway_user(cache_dir()) as user:
        state = user.home / "state"
        port = str(_free_port())
        bindir = user.python.parent
        env = user.env(K8SLAB_STATE=str(state), K8SLAB_API_PORT=port,
                       K8SLAB_SHOW_COMMANDS="0", PATH=f"{bindir}{os.pathsep}/usr/bin:/bin")
        output = user.home / "04-out.ipynb"
        run = [*user.prefix, "env", "-i", *(f"{k}={v}" for k, v in env.items())]
        try:
            proc = subprocess.run(
                [*run, str(ROOT / "binder" / "start"), str(user.python), "-m", "papermill",
                 str(ROOT / "notebooks" / "04-pods.ipynb"), str(output),
                 "-p", "namespace", "binder-exec", "-p", "solve_exercises", "True",
                 "--cwd", str(ROOT / "notebooks"), "-k", "python3"],
                capture_output=True, text=True, timeout=900, cwd=str(user.home))
            assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
            assert "the lab cluster is running" in proc.stdout
            record = json.loads((state / "cluster.json").read_text())
            # Every process of the lab runs as the ordinary user.
            for pid_file in (state / "kwok" / "clusters" / "k8slab" / "pids").glob("*.pid"):
                pid = int(pid_file.read_text())
                assert Path(f"/proc/{pid}").stat().st_uid == user.uid, pid_file.name
            records = extract(json.loads(output.read_text()))
            exec_output = records["exec_output"][-1]
            name = pwd.getpwuid(user.uid).pw_name
            assert f"uid={user.uid}({name})" in exec_output, exec_output
            if record["extra"]["exec_sandbox"] == "bwrap":   # the pod's own folder
                assert "/sandbox" in exec_output, exec_output
            else:                                            # said why, and still ran
                assert record["extra"]["exec_sandbox_reason"]
        finally:
            subprocess.run([*run, str(user.python), "-m", "k8slab", "down"],
                           capture_output=True, timeout=300, cwd=str(user.home))
        assert not (state / "kubeconfig.yaml").exists()
