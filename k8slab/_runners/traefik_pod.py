"""Find the namespace's running Traefik and ask it its version.

Why a module of its own: both the lesson (:mod:`k8slab.ingress`, which sends
requests to Traefik) and the installer (:mod:`k8slab._runners.traefik`, which starts
it) need to find its pod, and the installer sits above the lesson.
"""

from __future__ import annotations

import json

from k8slab._base import display as _display
from k8slab._core.pods import forward_get
from k8slab._core.resources import list_
from k8slab.errors import K8sLabError

#: Traefik's ports: requests come in on ``web``, its API and ``/ping`` on ``admin``.
WEB_PORT, ADMIN_PORT = 8000, 8080


def controller_pod(namespace: str) -> str | None:
    """The name of the namespace's ready Traefik pod, or None."""
    with _display.quiet():
        pods = list_("Pod", namespace, labels={"app": "traefik"})
    for pod in pods:
        conditions = (pod.get("status") or {}).get("conditions") or []
        if not pod["metadata"].get("deletionTimestamp") and any(
                c.get("type") == "Ready" and c.get("status") == "True" for c in conditions):
            return pod["metadata"]["name"]
    return None


def controller_version(namespace: str) -> str:
    """Ask the running Traefik its version (its API: ``GET /api/version``)."""
    pod = controller_pod(namespace)
    if pod is None:
        raise K8sLabError(f"No ready Traefik pod in namespace {namespace!r}.",
                          f"Start it with ingress.install_controller({namespace!r}).")
    with _display.quiet():
        answer = forward_get(pod, ADMIN_PORT, "/api/version", namespace)
    try:
        return json.loads(answer.body)["Version"]
    except (ValueError, KeyError) as exc:
        raise K8sLabError(f"Traefik in pod {pod!r} ({namespace!r}) gave no version: "
                          f"{answer.status} {answer.body[:200]}",
                          f"Look at its log: lab.logs({pod!r}, {namespace!r}).") from exc
