"""Which lab cluster k8slab talks to, and what state it is in (``lab.status()``).

Why a module of its own: the notebook API (``lab.status()``) and the command
line (``k8slab status``) give the same answer, and ``import k8slab`` must not
load the command line, the engines or the tool builder to give it. This module
sits below both: it reads the cluster record and the API, nothing else.

Example:
    >>> import k8slab as lab
    >>> lab.status()["nodes"][0]["ready"]                  # doctest: +SKIP
    True
"""

from __future__ import annotations

from kubernetes import client

from k8slab._base.cluster_record import ClusterRecord
from k8slab._core import request
from k8slab._core import target as _target
from k8slab._core.client import connect
from k8slab._core.starting import wait_if_starting
from k8slab.errors import ClusterUnavailable, K8sLabError


def no_cluster_error() -> ClusterUnavailable:
    """The error for "no lab cluster is recorded", with the command that starts one."""
    return ClusterUnavailable(
        "No lab cluster is running.",
        "Start one with `k8slab up` (or `./run lab` for cluster + JupyterLab).")


def status_record() -> ClusterRecord:
    """The cluster k8slab talks to, as a record.

    ``K8SLAB_KUBECONFIG`` wins over the record on disk, as it does when
    connecting: a workshop attendee's kubeconfig gives engine ``workshop``
    (see :func:`k8slab._core.target.current`), even on the instructor's
    machine where a record of the lab cluster exists too.

    Raises:
        ClusterUnavailable: no cluster is recorded and no attendee kubeconfig is set.
        K8sLabError: ``K8SLAB_KUBECONFIG`` names a file that does not exist.

    A cluster still starting in the background (Binder's ``binder/start``) is
    waited for first, with a live line (:mod:`k8slab._core.starting`).

    Example:
        >>> status_record().engine                         # doctest: +SKIP
        'kwok'
    """
    wait_if_starting()
    record = _target.current()
    if record is None:
        if _target.attendee_kubeconfig():
            raise K8sLabError(
                f"{_target.ATTENDEE_ENV} names {_target.attendee_kubeconfig()!r}, "
                "which is not a file.",
                "Point it at the kubeconfig your instructor gave you, or unset it.")
        raise no_cluster_error()
    return record


def cluster_status() -> dict:
    """Engine, context, server, versions and nodes of the running lab cluster.

    Works for a workshop attendee too (``K8SLAB_KUBECONFIG`` set, no cluster
    record): the engine is then ``workshop`` and the context and server are
    those of the attendee's kubeconfig.

    Example:
        >>> lab.status()["engine"]                          # doctest: +SKIP
        'kwok'
    """
    record = status_record()
    api = connect()
    # Not announced: `k8slab status` is the lab's own health check, not a lesson's request.
    version, nodes = request.send(
        "read the cluster status", quiet=True,
        call=lambda: (client.VersionApi(api).get_code(),
                      client.CoreV1Api(api).list_node(_request_timeout=10).items))
    return {
        "engine": record.engine,
        "context": record.context,
        "server": api.configuration.host,
        "server_version": version.git_version,
        "lab_cluster": record.lab,
        "nodes": [
            {
                "name": n.metadata.name,
                "ready": any(c.type == "Ready" and c.status == "True"
                             for c in (n.status.conditions or [])),
                "kubelet": n.status.node_info.kubelet_version if n.status.node_info else "",
                "runtime": (n.status.node_info.container_runtime_version
                            if n.status.node_info else ""),
                "simulated": (n.metadata.annotations or {}).get("kwok.x-k8s.io/node") == "fake",
            }
            for n in nodes
        ],
    }
