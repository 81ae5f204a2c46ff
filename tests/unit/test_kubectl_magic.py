"""The %kubectl magic's own logic, without a cluster: option parsing, registration,
and the refusal to run kubectl when no lab kubeconfig exists (never ~/.kube/config)."""

from __future__ import annotations

import pytest

from k8slab import magic
from k8slab._runners import kubectl as _kubectl
from k8slab.errors import ClusterUnavailable


def test_magic_options_come_before_kubectl_arguments():
    options, args = magic.parse("--expect-fail --stop-after=2.5 logs -f web -n demo")
    assert options == {"expect_fail": True, "stop_after": 2.5, "echo": True}
    assert args == ["logs", "-f", "web", "-n", "demo"]
    options, args = magic.parse("--quiet kubectl get pods -o 'jsonpath={.items[*].name}'")
    assert options["echo"] is False
    assert args == ["get", "pods", "-o", "jsonpath={.items[*].name}"]
    # kubectl's own flags are left alone, even the ones that look like ours
    assert magic.parse("get pods --watch")[1] == ["get", "pods", "--watch"]


def test_an_empty_magic_says_what_to_write():
    with pytest.raises(_kubectl.KubectlFailed, match="needs a kubectl command"):
        magic.parse("--expect-fail")


def test_import_registers_the_magic_in_ipython():
    from IPython import get_ipython
    from IPython.testing.globalipapp import start_ipython

    shell = start_ipython() or get_ipython()
    magic.register_if_interactive()  # what `import k8slab` runs (k8slab is imported already)
    assert "kubectl" in shell.magics_manager.magics["line"]
    assert "kubectl" in shell.magics_manager.magics["cell"]


def test_no_lab_kubeconfig_means_no_kubectl_run(tmp_path, monkeypatch):
    monkeypatch.setenv("K8SLAB_STATE", str(tmp_path))
    monkeypatch.delenv("K8SLAB_KUBECONFIG", raising=False)
    with pytest.raises(ClusterUnavailable, match="no kubeconfig at"):
        _kubectl.connection_args()


def test_kubectl_only_ever_sees_the_lab_kubeconfig(tmp_path, monkeypatch):
    config = tmp_path / "kubeconfig.yaml"
    config.write_text("apiVersion: v1\nkind: Config\n")
    monkeypatch.setenv("K8SLAB_STATE", str(tmp_path))
    monkeypatch.setenv("KUBECONFIG", "/root/.kube/config")
    monkeypatch.delenv("K8SLAB_KUBECONFIG", raising=False)
    assert _kubectl.connection_args()[:2] == ["--kubeconfig", str(config)]
    env = _kubectl.environment()
    assert env["KUBECONFIG"] == str(config)
    assert env["KUBECACHEDIR"].startswith(str(tmp_path))
