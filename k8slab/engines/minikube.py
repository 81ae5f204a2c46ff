"""The minikube engine: a local cluster in a VM or container, for workshop laptops."""

from __future__ import annotations

import os

from k8slab._base.cluster_record import ClusterRecord
from k8slab._base.paths import state_dir
from k8slab.engines import base
from k8slab.engines.base import CLUSTER_NAME, Availability, Engine, run_logged

PROFILE = CLUSTER_NAME


class MinikubeEngine(Engine):
    """``minikube start -p k8slab`` with its kubeconfig redirected into the lab folder."""

    name = "minikube"
    runs_containers = True
    loads_images = True

    def availability(self) -> Availability:
        if base.which("minikube") is None:
            return base.not_installed("minikube", "https://minikube.sigs.k8s.io/docs/start/")
        if os.environ.get("K8SLAB_MINIKUBE_DRIVER", "docker") == "docker":
            return base.docker_for("minikube's docker driver")
        return Availability(True)

    def env(self) -> dict[str, str]:
        # minikube writes the context into $KUBECONFIG: point it at the lab file.
        return {**os.environ, "KUBECONFIG": str(state_dir() / "kubeconfig.yaml")}

    def create_command(self, nodes: int) -> list[str]:
        driver = os.environ.get("K8SLAB_MINIKUBE_DRIVER", "docker")
        return ["minikube", "start", "-p", PROFILE, "--nodes", str(nodes + 1),
                "--driver", driver, "--wait", "all"]

    def delete_command(self) -> list[str]:
        return ["minikube", "delete", "-p", PROFILE]

    def up(self, nodes: int = 2) -> ClusterRecord:
        self.require_available()
        state_dir().mkdir(parents=True, exist_ok=True)
        run_logged(self.create_command(nodes), "minikube.log", env=self.env(),
                   what="minikube start")
        (state_dir() / "kubeconfig.yaml").chmod(0o600)
        record = ClusterRecord(engine=self.name, context=PROFILE, extra={"nodes": nodes + 1})
        record.save()
        base.load_course_images(self.name)
        return record

    def down(self, record: ClusterRecord | None) -> None:
        if base.which("minikube") is not None:
            run_logged(self.delete_command(), "minikube.log", env=self.env(),
                       what="minikube delete")
