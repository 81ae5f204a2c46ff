"""The lab as a learner sees it: JupyterLab in headless Chromium, course notebooks run.

Starts ``k8slab lab`` (JupyterLab with the lab kubeconfig) on a copy of the
notebooks, drives it with playwright-core and the system's Chromium
(drive.mjs), then checks what the browser saw, the notebooks it saved, and
the cluster: moving the replica slider must scale the Deployment.
Screenshots are kept in test-artifacts/browser/.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

import k8slab as lab
from k8slab._course.recorded import extract
from k8slab.engines.base import port_in_use
from tests.conftest import ROOT

HERE = Path(__file__).parent
ARTIFACTS = ROOT / "test-artifacts" / "browser"
SLIDER_NOTEBOOK = "05-deployments.ipynb"
SLIDER_NAMESPACE = "nb05-deployments"   # the notebook's default parameter
SLIDER_DEPLOYMENT = "web"
#: The French edition's first notebook: same code, so its check cards must come out in French.
FRENCH_FIRST = "fr/01-getting-started.ipynb"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _chromium() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which(
        "chromium-browser")
    assert path, "Chromium is not installed: ./run browser installs it (apt-get install chromium)"
    return path


@pytest.fixture
def jupyterlab(cluster, tmp_path):
    """A running `k8slab lab` on a scratch copy of the notebooks: (url, token, root)."""
    root = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", root)
    settings = tmp_path / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    # Render every cell (no virtual scrolling) so the test sees all outputs.
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    news = tmp_path / "settings" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    port, token = _free_port(), uuid.uuid4().hex
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    env.pop("K8SLAB_SHOW_COMMANDS", None)   # learners see the kubectl echo
    log = (tmp_path / "lab.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "k8slab", "lab", "--port", str(port),
                             "--token", token, "--root-dir", str(root)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
        assert proc.poll() is None, (tmp_path / "lab.log").read_text()
    else:
        proc.terminate()
        pytest.fail("JupyterLab did not answer: " + (tmp_path / "lab.log").read_text()[-2000:])
    yield url, token, root
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
    # Stopping `k8slab lab` stops the JupyterLab it started: the port is free again.
    deadline = time.monotonic() + 15
    while port_in_use(port) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not port_in_use(port), "JupyterLab outlived `k8slab lab`"
    lab.cleanup(SLIDER_NAMESPACE, wait_for=False) if lab.exists(
        "Namespace", SLIDER_NAMESPACE) else None


def test_lab_listens_on_loopback_only(jupyterlab):
    url, _token, _root = jupyterlab
    port = int(url.rsplit(":", 1)[1])
    hosts = {line.split()[1] for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
             if line.split()[3] == "0A" and int(line.split()[1].split(":")[1], 16) == port}
    assert hosts == {f"0100007F:{port:04X}"}


def test_course_notebooks_run_in_the_browser(jupyterlab):
    url, token, root = jupyterlab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if lab.exists("Namespace", SLIDER_NAMESPACE):
        lab.cleanup(SLIDER_NAMESPACE)
    config = {"base": url, "token": token, "outDir": str(ARTIFACTS), "notebooks": [
        {"path": "01-getting-started.ipynb", "mode": "all"},
        {"path": FRENCH_FIRST, "mode": "all"},
        {"path": SLIDER_NOTEBOOK, "mode": "above-last", "moveSlider": 2, "settleMs": 5000},
    ]}
    proc = subprocess.run(["node", str(HERE / "drive.mjs"), json.dumps(config)], cwd=HERE,
                          capture_output=True, text=True, timeout=900,
                          env={**os.environ, "CHROMIUM": _chromium()})
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = {r["path"]: r for r in json.loads(proc.stdout)}

    first = results["01-getting-started.ipynb"]
    cells = first["cells"]
    assert cells["executed"] + cells["hiddenInputs"] == cells["codeCells"] > 5, cells
    assert first["tables"] >= 2, "no DataFrame table rendered"
    assert first["errorOutputs"] == 0

    # The same check cells, run from each edition: the kernel knows the notebook's
    # folder (JupyterLab's JPY_SESSION_NAME), so the cards speak its language.
    english_cards = first["checkCards"]
    french_cards = results[FRENCH_FIRST]["checkCards"]
    assert english_cards and len(french_cards) == len(english_cards), (english_cards,
                                                                        french_cards)
    assert {c["lang"] for c in english_cards} == {"en"}
    assert {c["lang"] for c in french_cards} == {"fr"}
    assert any("Pas encore" in c["text"] for c in french_cards)
    assert any("Réussi" in c["text"] for c in french_cards)
    assert not any("Not yet" in c["text"] or "Passed" in c["text"] for c in french_cards)
    assert results[FRENCH_FIRST]["errorOutputs"] == 0

    slider_run = results[SLIDER_NOTEBOOK]
    cells = slider_run["cells"]   # everything but the clean-up cell ran
    assert cells["executed"] + cells["hiddenInputs"] == cells["codeCells"] - 1, cells
    assert slider_run["errorOutputs"] == 0
    assert slider_run["images"] >= 1, "no matplotlib image rendered"
    assert slider_run["sliders"] >= 1, "the replica slider did not render"
    replicas = lab.get("Deployment", SLIDER_DEPLOYMENT, SLIDER_NAMESPACE)["spec"]["replicas"]
    assert slider_run["sliderReadout"] != slider_run["sliderBefore"], slider_run
    assert str(replicas) == slider_run["sliderReadout"], (replicas, slider_run)
    for shot in (s for r in results.values() for s in r["screenshots"]):
        assert Path(shot).stat().st_size > 1000

    # The notebooks JupyterLab saved: no error output, and the kernel used the lab cluster.
    saved = json.loads((root / "01-getting-started.ipynb").read_text())
    errors = [o for c in saved["cells"] for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors, errors
    assert extract(saved)["engine"] == [lab.status()["engine"]]
