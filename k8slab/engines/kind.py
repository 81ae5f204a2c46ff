"""The kind engine: Kubernetes in Docker containers, for workshop laptops.

Real containers run, so learners see real logs and real HTTP answers. Needs the
``kind`` CLI and a running Docker engine; the cluster layout (one control
plane, two workers) is ``manifests/kind-cluster.yaml``.
"""

from __future__ import annotations

import subprocess

from k8slab._base.cluster_record import ClusterRecord
from k8slab._base.paths import manifests_dir, state_dir
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


class KindEngine(Engine):
    """``kind create cluster`` with the lab's config; kubeconfig kept in the lab folder."""

    name = "kind"
    runs_containers = True
    loads_images = True

    def availability(self) -> Availability:
        if base.which("kind") is None:
            return base.not_installed(
                "kind", "https://kind.sigs.k8s.io/docs/user/quick-start/#installation")
        return base.docker_for("kind (its nodes are Docker containers)")

    def create_command(self, nodes: int) -> list[str]:
        cmd = ["kind", "create", "cluster", "--name", CLUSTER_NAME, "--wait", "180s",
               "--kubeconfig", str(self._scratch_kubeconfig())]
        if nodes == 2:
            cmd += ["--config", str(manifests_dir() / KIND_CONFIG)]
        return cmd

    def delete_command(self) -> list[str]:
        return ["kind", "delete", "cluster", "--name", CLUSTER_NAME,
                "--kubeconfig", str(self._scratch_kubeconfig())]

    def kubeconfig_command(self) -> list[str]:
        return ["kind", "get", "kubeconfig", "--name", CLUSTER_NAME]

    @staticmethod
    def _scratch_kubeconfig():
        return state_dir() / "kind-kubeconfig.yaml"

    def up(self, nodes: int = 2) -> ClusterRecord:
        self.require_available()
        if nodes != 2:
            raise K8sLabError("The kind engine uses the layout in manifests/kind-cluster.yaml "
                              "(one control plane, two workers).",
                              "Drop --nodes, or edit that file for another layout.")
        run_logged(self.create_command(nodes), "kind.log", what="kind create cluster")
        text = subprocess.run(self.kubeconfig_command(), capture_output=True, text=True,
                              check=True).stdout
        write_kubeconfig(text)
        record = ClusterRecord(engine=self.name, context=f"kind-{CLUSTER_NAME}",
                               extra={"nodes": 3})
        record.save()
        base.load_course_images(self.name)
        return record

    def down(self, record: ClusterRecord | None) -> None:
        if base.which("kind") is not None:
            run_logged(self.delete_command(), "kind.log", what="kind delete cluster")
