"""Checks for notebook 11, Extending Kubernetes (the Website custom kind)."""

from __future__ import annotations

from .._resources import exists, get
from ..controller import WEBSITE_CRD
from ..exercises import exercise


def _crd_ready() -> str | None:
    if not exists("CustomResourceDefinition", WEBSITE_CRD):
        return (f"the CRD {WEBSITE_CRD} is not installed: run the notebook's setup cell "
                "(lab.setup with manifests/11-extending-crd.yaml)")
    return None


@exercise("11.shop", "Write a Website the API server accepts",
          hint="Fix manifests/11-extending-website-shop-invalid.yaml: replicas between 1 and "
               "10 (use 2) and a port of 1024 or more (8080), then lab.apply it.")
def _shop(namespace: str) -> tuple[bool, str]:
    problem = _crd_ready()
    if problem:
        return False, problem
    if not exists("Website", "shop", namespace):
        return False, "there is no Website 'shop' yet: the API server refused it, or it was " \
                      "never applied"
    spec = get("Website", "shop", namespace).get("spec") or {}
    if spec.get("replicas") != 2:
        return False, f"Website 'shop' asks for {spec.get('replicas')} replicas, wanted 2"
    return True, f"Website 'shop' was accepted: 2 replicas of {spec.get('image')}, " \
                 f"port {spec.get('port')}"


@exercise("11.scale", "Scale a Website through its custom object",
          hint="Apply the Website 'home' again with spec.replicas: 3 (keep its image); the "
               "controller updates the Deployment, then the Website's status.")
def _scale(namespace: str) -> tuple[bool, str]:
    problem = _crd_ready()
    if problem:
        return False, problem
    if not exists("Website", "home", namespace):
        return False, "there is no Website 'home' in the namespace"
    site = get("Website", "home", namespace)
    want = (site.get("spec") or {}).get("replicas")
    if want != 3:
        return False, f"Website 'home' asks for {want} replica(s), wanted 3 (scaling the " \
                      "Deployment by hand does not count: the controller puts it back)"
    if not exists("Deployment", "home", namespace):
        return False, "Website 'home' has no Deployment: is the controller running?"
    ready = (get("Deployment", "home", namespace).get("status") or {}).get("readyReplicas", 0)
    status = site.get("status") or {}
    if ready != 3 or status.get("readyReplicas") != 3 or status.get("phase") != "Ready":
        return False, (f"Deployment 'home' has {ready or 0}/3 ready pods; the Website's status "
                       f"says {status.get('phase')} with {status.get('readyReplicas')} ready "
                       "(is the controller running? wait a few seconds)")
    return True, "Website 'home' runs 3 ready replicas and its status says Ready"
