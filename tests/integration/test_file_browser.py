"""The learner's file browser lists each notebook once, in ``k8slab lab`` and on Binder.

The jupytext twins (``notebooks/NN-name.py``) stay in the repository for
review, but Jupyter Server's ``ContentsManager.hide_globs`` (set in
``k8slab/jupyter/jupyter_server_config.json``) keeps them out of listings. The
tests start the real servers on 127.0.0.1 and read the contents API, which is
what JupyterLab's file browser shows: ``k8slab lab`` itself (as a workshop
attendee, so no cluster is needed) and ``binder/start`` (its cluster commands
replaced by ``true``). Hidden is not gone: the twin still opens by its path, and
saving the notebook still writes its paired twin.

Example:
    .venv/bin/python -m pytest tests/integration/test_file_browser.py -q
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import ROOT

NOTEBOOKS = ROOT / "notebooks"
TOKEN = "k8slab-file-browser-test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def contents(port: int, path: str = "", **query: str) -> dict:
    params = "&".join(f"{k}={v}" for k, v in {"token": TOKEN, **query}.items())
    url = f"http://127.0.0.1:{port}/api/contents/{path}?{params}"
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.load(answer)


def put(port: int, path: str, model: dict) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/contents/{path}?token={TOKEN}", method="PUT",
        data=json.dumps(model).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30):
        pass


@contextmanager
def serve(cmd: list[str], env: dict[str, str], port: int) -> Iterator[subprocess.Popen]:
    """Run a Jupyter server while the block runs, from the moment its contents API answers."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    deadline = time.monotonic() + 90
    try:
        while True:
            try:
                contents(port)
                break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read() if proc.poll() is not None else ""
                    pytest.fail(f"the Jupyter server did not come up: {cmd}\n{out[-3000:]}")
                time.sleep(0.5)
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def names(listing: dict) -> list[str]:
    return sorted(item["name"] for item in listing["content"])


@pytest.fixture
def course(tmp_path) -> Path:
    """A copy of the course notebooks (ipynb and twins), so saving touches no repo file."""
    target = tmp_path / "notebooks"
    target.mkdir()
    for path in NOTEBOOKS.glob("[0-9][0-9]-*"):
        if path.suffix in (".ipynb", ".py"):
            shutil.copy2(path, target / path.name)
    return target


@pytest.fixture
def attendee_env(tmp_path) -> dict[str, str]:
    kubeconfig = tmp_path / "attendee-kubeconfig.yaml"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\n")
    bindir = str(Path(sys.executable).parent)
    return {**os.environ, "K8SLAB_KUBECONFIG": str(kubeconfig), "HOME": str(tmp_path),
            "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
            "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}


def test_k8slab_lab_lists_each_notebook_once(course, attendee_env):
    port = free_port()
    cmd = [sys.executable, "-m", "k8slab", "lab", "--port", str(port), "--token", TOKEN,
           "--root-dir", str(course)]
    twins = sorted(p.name for p in course.glob("*.py"))
    assert len(twins) >= 13, "the course's jupytext twins are missing from notebooks/"
    with serve(cmd, attendee_env, port):
        listed = names(contents(port))
        assert listed == sorted(p.name for p in course.glob("*.ipynb")), listed
        assert not set(twins) & set(listed)
        # Hidden from the listing, still there for whoever asks by name.
        assert contents(port, twins[0], content="0")["type"] in ("file", "notebook")
        # Saving the notebook still writes its paired twin (jupytext pairing intact).
        path = "01-getting-started.ipynb"
        model = contents(port, path)
        model["content"]["cells"].append(
            {"cell_type": "markdown", "metadata": {}, "source": "Saved by the test."})
        put(port, path, {"type": "notebook", "format": "json", "content": model["content"]})
        assert "Saved by the test." in (course / "01-getting-started.py").read_text()


def test_binder_start_lists_each_notebook_once(attendee_env):
    port = free_port()
    env = {**attendee_env, "K8SLAB_CLI": "true", "K8SLAB_STATE": attendee_env["HOME"]}
    env.pop("K8SLAB_KUBECONFIG")
    cmd = [str(ROOT / "binder" / "start"), sys.executable, "-m", "jupyter", "server",
           "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={TOKEN}",
           f"--ServerApp.root_dir={ROOT}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    with serve(cmd, env, port):
        listed = names(contents(port, "notebooks"))
        assert "01-getting-started.ipynb" in listed
        assert not [n for n in listed if n.endswith(".py")], listed
