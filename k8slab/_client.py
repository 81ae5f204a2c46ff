"""The connection to the lab cluster.

One :class:`kubernetes.client.ApiClient` per kubeconfig, built from the lab
kubeconfig in the state folder and nothing else: a learner's
``~/.kube/config`` is never read by accident, so a course step cannot land on
a production cluster.
"""

from __future__ import annotations

import os
from pathlib import Path

from kubernetes import client, config

from ._paths import kubeconfig_path
from ._record import ClusterRecord
from .errors import ClusterUnavailable

_cache: dict[tuple[str, float], client.ApiClient] = {}


def lab_kubeconfig() -> Path:
    """The kubeconfig k8slab uses: ``K8SLAB_KUBECONFIG`` or the lab state file."""
    override = os.environ.get("K8SLAB_KUBECONFIG")
    return Path(override) if override else kubeconfig_path()


def connect(*, fresh: bool = False) -> client.ApiClient:
    """Return an API client for the lab cluster.

    Args:
        fresh: build a new client even if one is cached.

    Raises:
        ClusterUnavailable: there is no lab kubeconfig (the cluster is not up).

    Example:
        >>> import k8slab as lab
        >>> api = lab.connect()                       # doctest: +SKIP
        >>> api.configuration.host                    # doctest: +SKIP
        'https://127.0.0.1:36443'
    """
    path = lab_kubeconfig()
    if not path.is_file():
        raise ClusterUnavailable(
            f"No lab cluster is running (no kubeconfig at {path}).",
            "Start one with `k8slab up` in a terminal (or `./run lab`), then re-run this cell.",
        )
    key = (str(path), path.stat().st_mtime)
    if not fresh and key in _cache:
        return _cache[key]
    record = ClusterRecord.load()
    context = record.context if record and not os.environ.get("K8SLAB_KUBECONFIG") else None
    configuration = client.Configuration()
    config.load_kube_config(config_file=str(path), context=context,
                            client_configuration=configuration, persist_config=False)
    api = client.ApiClient(configuration)
    _cache.clear()
    _cache[key] = api
    return api
