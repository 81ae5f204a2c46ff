"""API clients of their own, for code that runs in background threads.

Why a module of its own: the official client's ``exec`` and ``port-forward``
streams replace the request method of the ApiClient they use for as long as
they run. Code in a background thread (the notebook's kopf operator, the GitOps
loop) that shared the notebook's client would then send its reads and watches
as websocket upgrades, and fail, each time a cell runs ``lab.exec`` or
``lab.http_get`` beside it.
"""

from __future__ import annotations

from kubernetes import client
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import ResourceNotFoundError

from k8slab._core.client import connect
from k8slab._core.resources import _search, resource_for


def own_client() -> DynamicClient:
    """A dynamic client on an ApiClient of its own (see the module's docstring).

    Example:
        >>> dyn = own_client()                                  # doctest: +SKIP
        >>> resource_of(dyn, "Deployment").kind                 # doctest: +SKIP
        'Deployment'
    """
    return DynamicClient(client.ApiClient(connect().configuration))


def resource_of(dyn: DynamicClient, kind: str, api_version: str | None = None):
    """The API resource for ``kind`` from ``dyn``'s discovery (the lab's, if unknown there)."""
    try:
        found = _search(dyn, kind, api_version)
    except ResourceNotFoundError:
        found = None
    return found or resource_for(kind, api_version)
