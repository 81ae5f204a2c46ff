"""kind for real: ``k8slab up --engine kind`` with k8slab's offline node image.

Everything runs on a private Docker engine started for this test
(:class:`k8slab.engines._private_docker.PrivateDocker`: its own network
namespace, data root and socket), never on the user's. The test creates a
one-node kind cluster from the node image k8slab makes with no registry,
checks that the node is Ready and that a pod really runs (its log line and an
exec'd command come from the container), deletes the cluster, stops the
engine and checks that the host is as it was.

Run it as root: ``.venv/bin/python -m pytest -m kind tests/kind``. On a
machine whose root lacks a capability Docker asks for (this project's CI
sandbox lacks CAP_SYS_RESOURCE), add the sandbox-only switch
``K8SLAB_TEST_DROP_CAPS=1``. The first run builds the tools and the node
image (many minutes); later runs reuse them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from k8slab._binaries import catalog as _tools
from k8slab.engines import host_state
from k8slab.engines._private_docker import PrivateDocker

pytestmark = pytest.mark.kind

POD = """
apiVersion: v1
kind: Pod
metadata: {name: hello}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: sh
    image: k8slab.local/busybox:1.35
    imagePullPolicy: Never
    # ($$$$: Kubernetes turns $$ into $, so the shell sees $$, its own pid.)
    command: [sh, -c, 'echo "hello from $(hostname) pid $$$$"; exec sleep 3600']
"""


def _run(cmd: list[str], env: dict[str, str], timeout: float = 900
         ) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)


def test_kind_cluster_on_a_private_docker(tmp_path: Path):
    if os.geteuid() != 0:
        pytest.fail("the kind test needs root (a private Docker engine)", pytrace=False)
    before = host_state.HostSnapshot.take()
    # A short folder: containerd's socket path must stay under 108 bytes.
    docker = PrivateDocker(Path(tempfile.mkdtemp(prefix="k8slab-kind-", dir="/tmp")) / "d")
    state = tmp_path / "state"
    kind_dir = str(_tools.locate("kind").parent)
    env = {**docker.env(), "K8SLAB_STATE": str(state), "K8SLAB_KIND_NODE_IMAGE": "offline",
           "PATH": kind_dir + os.pathsep + os.environ["PATH"]}
    kubectl = str(_tools.locate("kubectl"))
    docker.start()
    try:
        started = time.monotonic()
        up = _run([sys.executable, "-m", "k8slab", "up", "--engine", "kind", "--nodes", "1"],
                  env, timeout=2400)
        print(f"k8slab up --engine kind: {time.monotonic() - started:.0f}s")
        assert up.returncode == 0, up.stdout[-2000:] + up.stderr[-3000:]
        kubeconfig = state / "kubeconfig.yaml"
        # The API server's published port exists inside the engine's namespace only.
        k = ["nsenter", f"--net={docker.netns_path}", kubectl, "--kubeconfig", str(kubeconfig)]

        nodes = json.loads(_run([*k, "get", "nodes", "-o", "json"], env).stdout)["items"]
        assert [n["metadata"]["name"] for n in nodes] == ["k8slab-control-plane"]
        ready = {c["type"]: c["status"] for c in nodes[0]["status"]["conditions"]}
        assert ready["Ready"] == "True", ready
        assert nodes[0]["status"]["nodeInfo"]["kubeletVersion"] == _tools.KUBE_VERSION
        assert nodes[0]["status"]["nodeInfo"]["containerRuntimeVersion"].startswith(
            "containerd://2.")

        apply = subprocess.run([*k, "apply", "-f", "-"], input=POD, env=env,
                               capture_output=True, text=True)
        assert apply.returncode == 0, apply.stderr
        wait = _run([*k, "wait", "--for=condition=Ready", "pod/hello", "--timeout=180s"], env)
        assert wait.returncode == 0, wait.stderr + _run([*k, "describe", "pod", "hello"],
                                                        env).stdout
        logs = _run([*k, "logs", "hello"], env).stdout
        assert logs.startswith("hello from hello pid 1"), logs
        exec_ = _run([*k, "exec", "hello", "--", "cat", "/proc/1/cmdline"], env)
        assert exec_.stdout.split("\0")[:2] == ["sleep", "3600"], exec_
        system = _run([*k, "get", "pods", "-n", "kube-system", "-o", "wide"], env).stdout
        print(system)

        down = _run([sys.executable, "-m", "k8slab", "down"], env, timeout=600)
        assert down.returncode == 0, down.stderr
        left = _run(["docker", "ps", "-aq"], env).stdout.split()
        assert left == [], f"containers left after k8slab down: {left}"
    finally:
        docker.stop()
        docker.root.parent.rmdir()
    after = host_state.HostSnapshot.take()
    assert before.differences(after) == []
    assert subprocess.run(["ip", "netns", "list"], capture_output=True,
                          text=True).stdout.count(docker.netns) == 0
