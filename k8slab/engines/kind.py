"""The kind engine: Kubernetes in Docker containers, for workshop laptops.

Real containers run, so learners see real logs and real HTTP answers. Needs the
``kind`` CLI (the user's, or k8slab's own pinned build: ``k8slab tools kind``)
and a running Docker engine (the one ``DOCKER_HOST`` names); the cluster
layout (one control plane, two workers) is ``manifests/kind-cluster.yaml``.

Node image: kind's own default unless ``K8SLAB_KIND_NODE_IMAGE`` says
otherwise; ``K8SLAB_KIND_NODE_IMAGE=offline`` makes k8slab's node image with
no registry (:mod:`._kind_node`) and tells kubeadm where its images are.
On a cgroup v1 machine the kubelet (>= 1.35) must be told to accept it
(``failCgroupV1: false``): k8slab adds that patch there only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from k8slab._base.cluster_record import ClusterRecord
from k8slab._base.paths import manifests_dir, state_dir
from k8slab._binaries import catalog as _tools
from k8slab.engines import base
from k8slab.engines.base import (
    CLUSTER_NAME,
    Availability,
    Engine,
    run_logged,
    write_kubeconfig,
)
from k8slab.errors import K8sLabError

KIND_CONFIG = "kind-cluster.yaml"
#: ``K8SLAB_KIND_NODE_IMAGE``: a node image name, or ``offline`` for k8slab's own.
NODE_IMAGE_ENV = "K8SLAB_KIND_NODE_IMAGE"


def kind_binary() -> str | None:
    """The user's ``kind`` first, else k8slab's pinned build if it is in the cache."""
    found = base.which("kind")
    if found is not None:
        return found
    cached = _tools.find("kind")
    return str(cached) if cached is not None else None


def cgroup_v1() -> bool:
    """True on a cgroup v1 (or hybrid) machine: no unified hierarchy at the root."""
    return not Path("/sys/fs/cgroup/cgroup.controllers").exists()


def config_patches(*, offline: bool, v1: bool) -> str:
    """kubeadm patches k8slab adds to kind's configuration (empty when none are needed).

    Example:
        >>> "failCgroupV1: false" in config_patches(offline=False, v1=True)
        True
        >>> config_patches(offline=False, v1=False)
        ''
    """
    patches = []
    if offline:
        from k8slab.engines._kind_node import COREDNS_TAG, ETCD_TAG, IMAGE_REPOSITORY

        patches.append(f"""  kind: ClusterConfiguration
  imageRepository: {IMAGE_REPOSITORY}
  etcd:
    local:
      imageTag: {ETCD_TAG}
  dns:
    imageTag: {COREDNS_TAG}""")
    if v1:
        patches.append("""  kind: KubeletConfiguration
  failCgroupV1: false""")
    if not patches:
        return ""
    return "kubeadmConfigPatches:\n" + "".join(f"- |\n{p}\n" for p in patches)


def cluster_config(nodes: int, *, offline: bool, v1: bool) -> str:
    """The kind configuration: the lab's layout (or one node) plus k8slab's patches."""
    if nodes == 2:
        text = (manifests_dir() / KIND_CONFIG).read_text()
    else:
        text = ("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nname: k8slab\n"
                "networking:\n  apiServerAddress: \"127.0.0.1\"\n")
    return text.rstrip("\n") + "\n" + config_patches(offline=offline, v1=v1)

class KindEngine(Engine):
    """``kind create cluster`` with the lab's config; kubeconfig kept in the lab folder."""

    name = "kind"
    runs_containers = True
    loads_images = True

    def availability(self) -> Availability:
        if kind_binary() is None:
            return base.not_installed(
                "kind", "https://kind.sigs.k8s.io/docs/user/quick-start/#installation")
        return base.docker_for("kind (its nodes are Docker containers)")

    def create_command(self, nodes: int, *, image: str = "", config: Path | None = None
                       ) -> list[str]:
        """``kind create cluster``: the lab's layout file, or ``config`` when k8slab wrote one."""
        cmd = [kind_binary() or "kind", "create", "cluster", "--name", CLUSTER_NAME,
               "--wait", "300s", "--kubeconfig", str(self._scratch_kubeconfig())]
        if config is not None:
            cmd += ["--config", str(config)]
        elif nodes == 2:
            cmd += ["--config", str(manifests_dir() / KIND_CONFIG)]
        if image:
            cmd += ["--image", image]
        return cmd

    def delete_command(self) -> list[str]:
        return [kind_binary() or "kind", "delete", "cluster", "--name", CLUSTER_NAME,
                "--kubeconfig", str(self._scratch_kubeconfig())]

    def kubeconfig_command(self) -> list[str]:
        return [kind_binary() or "kind", "get", "kubeconfig", "--name", CLUSTER_NAME]

    def node_image(self) -> str:
        """The node image to use: ``K8SLAB_KIND_NODE_IMAGE``, k8slab's own when
        it is ``offline`` (made now if Docker lacks it), else kind's default."""
        wanted = os.environ.get(NODE_IMAGE_ENV, "")
        if wanted != "offline":
            return wanted
        from k8slab.engines import _kind_node

        return _kind_node.build(say=lambda m: print(m, file=sys.stderr, flush=True))

    @staticmethod
    def _scratch_kubeconfig():
        return state_dir() / "kind-kubeconfig.yaml"

    def up(self, nodes: int = 2) -> ClusterRecord:
        self.require_available()
        if nodes not in (1, 2):
            raise K8sLabError("The kind engine uses the layout in manifests/kind-cluster.yaml "
                              "(one control plane, two workers), or one node with --nodes 1.",
                              "Drop --nodes, or edit that file for another layout.")
        image = self.node_image()
        offline = image.startswith("k8slab.local/")
        config = None
        if offline or cgroup_v1():
            base.ensure_state()
            config = state_dir() / "kind-config.yaml"
            config.write_text(cluster_config(nodes, offline=offline, v1=cgroup_v1()))
        run_logged(self.create_command(nodes, image=image, config=config), "kind.log",
                   what="kind create cluster")
        if offline:
            self._fit_coredns()
        text = subprocess.run(self.kubeconfig_command(), capture_output=True, text=True,
                              check=True).stdout
        write_kubeconfig(text)
        record = ClusterRecord(engine=self.name, context=f"kind-{CLUSTER_NAME}",
                               extra={"nodes": 1 if nodes == 1 else 3,
                                      "image": image or "kind's default"})
        record.save()
        base.load_course_images(self.name)
        return record

    def _fit_coredns(self) -> None:
        """Give CoreDNS a Corefile its offline build understands, then restart it.

        kubeadm's Corefile uses ``forward``, ``prometheus``, ``loop`` and
        ``reload``, which k8slab's reduced CoreDNS (tools/coredns) leaves out;
        with no internet there is nothing to forward to anyway. Cluster names
        resolve as usual; other names fail (said in the README).
        """
        from k8slab.engines._kind_node import OFFLINE_COREFILE

        node = f"{CLUSTER_NAME}-control-plane"
        kubectl = ["docker", "exec", "-i", node, "kubectl",
                   "--kubeconfig=/etc/kubernetes/admin.conf", "-n", "kube-system"]
        patch = json.dumps({"data": {"Corefile": OFFLINE_COREFILE}})
        run_logged([*kubectl, "patch", "configmap", "coredns", "--type=merge", "-p", patch],
                   "kind.log", what="fitting CoreDNS's configuration")
        run_logged([*kubectl, "rollout", "restart", "deployment", "coredns"], "kind.log",
                   what="restarting CoreDNS")

    def down(self, record: ClusterRecord | None) -> None:
        if kind_binary() is not None:
            run_logged(self.delete_command(), "kind.log", what="kind delete cluster")
