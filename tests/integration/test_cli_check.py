"""``k8slab check`` (and ``kubectl lab check``) against the live cluster, as a terminal runs it.

Why here and not only in unit tests: the card must come from the real check
reading the real API server, and the exit status must be what a shell script
or a Killercoda-style "check" button sees (0 passed, 1 not yet).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import k8slab as lab
from k8slab._binaries import catalog
from tests.conftest import k8slab_cli

GREETING = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "hello"},
            "data": {"greeting": "hello, kubernetes"}}


def _english() -> dict[str, str]:
    return {**os.environ, "K8SLAB_LANG": "en"}


def test_check_passes_for_a_solved_exercise(ns):
    lab.apply(GREETING, ns)
    done = k8slab_cli("check", "01.configmap", "--namespace", ns, env=_english(), check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == ("[PASSED] Store a greeting in a ConfigMap (01.configmap): "
                                   "ConfigMap 'hello' holds the greeting")


def test_check_fails_for_an_unsolved_exercise_with_the_card(ns):
    lab.apply({**GREETING, "data": {"greeting": "hi"}}, ns)
    done = k8slab_cli("check", "01.configmap", "01.first-pod", "-n", ns, env=_english(),
                      check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert ("[NOT YET] Store a greeting in a ConfigMap (01.configmap): ConfigMap 'hello' has "
            "greeting='hi'") in out
    assert "  Hint: lab.apply a ConfigMap named 'hello'" in out
    assert "[NOT YET] Run your first pod (01.first-pod): there is no pod called 'first' yet" \
        in out
    assert "0/2 passed; not yet: 01.configmap, 01.first-pod" in out
    assert "Traceback" not in done.stderr


def test_check_speaks_french_when_asked(ns):
    done = k8slab_cli("check", "01.first-pod", "-n", ns,
                      env={**os.environ, "K8SLAB_LANG": "fr"}, check=False)
    assert done.returncode == 1
    assert "[PAS ENCORE] Lancer votre premier pod (01.first-pod) : il n'y a pas encore de " \
           "pod appelé 'first'" in done.stdout
    assert "  Indice : " in done.stdout


def test_check_looks_in_k8slab_namespace_by_default(ns):
    lab.apply(GREETING, ns)
    done = k8slab_cli("check", "01.configmap", env={**_english(), "K8SLAB_NAMESPACE": ns},
                      check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_kubectl_runs_it_as_the_lab_plugin(ns, tmp_path):
    """``kubectl lab check``: kubectl finds ``kubectl-lab`` on PATH (the entry point pip made)."""
    plugin = Path(sys.executable).parent / "kubectl-lab"
    kubectl = catalog.find("kubectl")
    if not plugin.is_file() or kubectl is None:
        pytest.skip("kubectl-lab (reinstall k8slab) or the lab's kubectl is missing")
    lab.apply(GREETING, ns)
    env = {**_english(), "PATH": f"{plugin.parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "KUBECONFIG": str(tmp_path / "none")}  # the plugin needs no kubeconfig of kubectl's
    done = subprocess.run([str(kubectl), "lab", "check", "01.configmap", "-n", ns],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[PASSED]" in done.stdout
    failed = subprocess.run([str(kubectl), "lab", "check", "01.first-pod", "-n", ns],
                            capture_output=True, text=True, env=env, timeout=300)
    assert failed.returncode == 1 and "[NOT YET]" in failed.stdout
    assert shutil.which("kubectl-lab", path=env["PATH"])
