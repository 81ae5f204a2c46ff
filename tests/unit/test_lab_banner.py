"""The first screen of ``k8slab lab``: one banner with the URL, how to stop, how to get a shell."""

from __future__ import annotations

import sys
from pathlib import Path

from k8slab.cli import lab_banner


def test_banner_names_the_url_the_stop_and_the_shell():
    text = lab_banner("0.0.0.0", 8899, "abc123", "fr/01-getting-started.ipynb", True)
    lines = text.splitlines()
    assert "http://127.0.0.1:8899/lab/tree/fr/01-getting-started.ipynb?token=abc123" in lines[1]
    assert "Ctrl-C" in text and "the lab cluster" in text
    assert f"source {Path(sys.executable).parent / 'activate'}" in text
    assert "export KUBECONFIG=" in text and "kubectl get nodes" in text


def test_banner_without_a_cluster_it_started_stops_only_jupyterlab():
    text = lab_banner("127.0.0.1", 8888, "t", None, False)
    assert "http://127.0.0.1:8888/lab?token=t" in text
    assert "stops JupyterLab)" in text
