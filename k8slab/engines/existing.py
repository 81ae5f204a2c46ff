"""The existing engine: adopt a context from a kubeconfig the user names.

k8slab copies that one context into the lab kubeconfig (so the user's file is
never written) and marks the cluster as *not* a lab cluster: destructive
course steps then refuse to run unless the user opts in.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from k8slab._base.cluster_record import ClusterRecord
from k8slab.engines.base import Availability, Engine, write_kubeconfig
from k8slab.errors import K8sLabError


def extract_context(config: dict, context: str | None) -> dict:
    """A kubeconfig holding only ``context`` (default: the file's current one).

    Raises:
        K8sLabError: the context, its cluster or its user is not in the file.
    """
    name = context or config.get("current-context")
    contexts = {c["name"]: c for c in config.get("contexts") or []}
    if not name or name not in contexts:
        known = ", ".join(contexts) or "none"
        raise K8sLabError(f"Context {name!r} is not in that kubeconfig (contexts: {known}).",
                          "Pass one of them with --context NAME.")
    ctx = contexts[name]
    clusters = {c["name"]: c for c in config.get("clusters") or []}
    users = {u["name"]: u for u in config.get("users") or []}
    cluster = clusters.get(ctx["context"].get("cluster"))
    user = users.get(ctx["context"].get("user"))
    if cluster is None:
        raise K8sLabError(f"Context {name!r} names a cluster that the kubeconfig does not define.")
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": name,
        "contexts": [ctx],
        "clusters": [cluster],
        "users": [user] if user else [],
    }


class ExistingEngine(Engine):
    """Use a cluster that already exists (a university cluster, a cloud one...)."""

    name = "existing"
    runs_containers = True
    is_lab_cluster = False

    def __init__(self, kubeconfig: str | None = None, context: str | None = None) -> None:
        default = os.environ.get("KUBECONFIG", "~/.kube/config").split(os.pathsep)[0]
        self.kubeconfig = Path(kubeconfig or default).expanduser()
        self.context = context

    def availability(self) -> Availability:
        if not self.kubeconfig.is_file():
            return Availability(False, f"there is no kubeconfig at {self.kubeconfig}.",
                                "Name one with --kubeconfig PATH.")
        return Availability(True)

    def up(self, nodes: int = 2) -> ClusterRecord:
        self.require_available()
        config = yaml.safe_load(self.kubeconfig.read_text()) or {}
        single = extract_context(config, self.context)
        write_kubeconfig(yaml.safe_dump(single, sort_keys=False))
        server = single["clusters"][0]["cluster"].get("server", "")
        record = ClusterRecord(engine=self.name, context=single["current-context"],
                               lab=self.is_lab_cluster,
                               server=server, extra={"source": str(self.kubeconfig)})
        record.save()
        return record

    def down(self, record: ClusterRecord | None) -> None:
        """Nothing to delete: the cluster is not ours. Only the lab copy is forgotten."""

    def next_steps(self) -> str:
        return ("This cluster is not a lab cluster: destructive course steps will ask for "
                "K8SLAB_ALLOW_ANY_CONTEXT=1. Next: `k8slab status`, then `k8slab lab`.")


class AttendeeSeat(Engine):
    """What a workshop attendee's kubeconfig points at: a namespace of the instructor's lab.

    Not an engine anyone starts (``k8slab up`` does not offer it): it is what
    :func:`k8slab.engines.engine_for` answers for the record of an attendee's
    kubeconfig (engine ``workshop``). The lab is one k8slab made, so destructive
    steps are allowed in the attendee's own namespace; what its nodes can do
    is not known from the kubeconfig, so nothing more is claimed.
    """

    name = "workshop"

    def availability(self) -> Availability:
        return Availability(False, "an attendee's cluster is the instructor's workshop lab.",
                            "Ask your instructor; `k8slab status` shows what you are using.")

    def _refuse(self, what: str) -> K8sLabError:
        avail = self.availability()
        return K8sLabError(f"k8slab cannot {what} here: {avail.reason}", avail.fix)

    def up(self, nodes: int = 2) -> ClusterRecord:
        raise self._refuse("start an attendee's cluster")

    def down(self, record: ClusterRecord | None) -> None:
        raise self._refuse("stop an attendee's cluster")
