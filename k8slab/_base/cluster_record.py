"""The record of the running lab cluster (``cluster.json``), kept in the state folder.

Not to be confused with :mod:`k8slab._course.recorded` (``lab.record``: values a
notebook records for its tests). Which cluster k8slab talks to, the record or
a workshop attendee's kubeconfig, is :mod:`k8slab._core.target`'s answer.

``k8slab up`` writes it, ``k8slab down`` removes it; everything else reads it
to know which engine and context the lab uses. Keeping it in a file (not in
memory) lets the CLI, a notebook kernel and pytest agree on one cluster.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from k8slab._base.paths import cluster_record_path, kubeconfig_path


@dataclass
class ClusterRecord:
    """What k8slab knows about the lab cluster it started or adopted.

    Attributes:
        engine: ``kwok``, ``kind``, ``minikube`` or ``existing``.
        context: the context name inside the lab kubeconfig.
        kubeconfig: path of the lab kubeconfig.
        lab: True when k8slab created the cluster (destructive steps allowed).
        server: the API server URL.
        extra: engine-specific details (ports, process ids, profile name).
    """

    engine: str
    context: str
    kubeconfig: str = field(default_factory=lambda: str(kubeconfig_path()))
    lab: bool = True
    server: str = ""
    extra: dict = field(default_factory=dict)

    def save(self) -> None:
        path = cluster_record_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")

    @staticmethod
    def load() -> ClusterRecord | None:
        path = cluster_record_path()
        if not path.is_file():
            return None
        data = json.loads(path.read_text())
        return ClusterRecord(**data)

    @staticmethod
    def clear() -> None:
        cluster_record_path().unlink(missing_ok=True)
