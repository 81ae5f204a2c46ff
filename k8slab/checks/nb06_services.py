"""Checks for notebook 06, Services.

A Service "works" when its EndpointSlices list ready pods, so both checks
read the slices the EndpointSlice controller wrote, as kube-proxy would.

Example:
    >>> from k8slab.exercises import run_check
    >>> run_check("06.fix-selector", "nb06-services").message     # doctest: +SKIP
    "Service 'storefront' has no ready endpoint: its selector app=web-frontend matches no pod"
"""

from __future__ import annotations

from .._objects import is_true, selector_string
from .._resources import find, list_
from ..exercises import exercise, require

SERVICE_NAME_LABEL = "kubernetes.io/service-name"


def ready_endpoints(service: str, namespace: str) -> list[str]:
    """Names of the pods listed as ready in a Service's EndpointSlices."""
    slices = list_("EndpointSlice", namespace, labels={SERVICE_NAME_LABEL: service})
    return sorted((ep.get("targetRef") or {}).get("name", ep["addresses"][0])
                  for s in slices for ep in s.get("endpoints") or []
                  if (ep.get("conditions") or {}).get("ready"))


def _selector(svc: dict) -> str:
    return selector_string((svc.get("spec") or {}).get("selector")) or "(none)"


def _web_pods(namespace: str) -> list[str]:
    """Running web pods, without those being deleted (they are no endpoint any more)."""
    return sorted(p["metadata"]["name"] for p in list_("Pod", namespace, labels={"app": "web"})
                  if (p.get("status") or {}).get("phase") == "Running"
                  and not p["metadata"].get("deletionTimestamp"))


@exercise("06.frontend", "Expose the web pods on port 8000",
          hint="Apply a Service named 'frontend' with selector app: web and one port: "
               "port 8000, targetPort 8080 (or the port's name, http).")
def _frontend(namespace: str) -> tuple[bool, str]:
    svc = require("Service", "frontend", namespace, missing="there is no Service called "
                  f"'frontend' in namespace {namespace!r} yet")
    ports = (svc.get("spec") or {}).get("ports") or []
    port = next((p for p in ports if p.get("port") == 8000), None)
    if port is None:
        return False, (f"Service 'frontend' listens on {[p.get('port') for p in ports]}, "
                       "not on 8000")
    if port.get("targetPort", 8000) not in (8080, "http"):
        return False, (f"port 8000 forwards to the pods' port {port.get('targetPort')!r}; "
                       "the web image listens on 8080")
    found, wanted = ready_endpoints("frontend", namespace), _web_pods(namespace)
    if not found:
        return False, f"Service 'frontend' has no ready endpoint (selector {_selector(svc)})"
    if found != wanted:
        return False, f"Service 'frontend' reaches {found}; the web pods are {wanted}"
    return True, f"Service 'frontend' sends port 8000 to the {len(found)} web pods on 8080"


@exercise("06.fix-selector", "Give the storefront Service its endpoints",
          hint="The pods are labelled app=web: apply the 'storefront' Service again with "
               "selector app: web, then look at lab.table('Service', namespace).")
def _fix_selector(namespace: str) -> tuple[bool, str]:
    svc = require("Service", "storefront", namespace,
                  missing="there is no Service called 'storefront' (apply it again)")
    found = ready_endpoints("storefront", namespace)
    if not found:
        return False, (f"Service 'storefront' has no ready endpoint: its selector "
                       f"{_selector(svc)} matches no ready pod")
    return True, f"Service 'storefront' now reaches {len(found)} pods: {', '.join(found)}"


@exercise("06.readiness", "Make the shop's pods ready endpoints",
          hint="The pods run but are not ready: read their Unhealthy events "
               "(lab.events(namespace)). Which page does the readiness probe ask for, and "
               "which pages does the web image serve? Fix the path in the YAML, apply it.")
def _readiness(namespace: str) -> tuple[bool, str]:
    if find("Service", "shop", namespace) is None or find("Deployment", "shop",
                                                          namespace) is None:
        return False, "the Deployment and Service 'shop' are missing (apply the shop manifest)"
    pods = [p for p in list_("Pod", namespace, labels={"app": "shop"})
            if (p.get("status") or {}).get("phase") == "Running"
            and not p["metadata"].get("deletionTimestamp")]
    unready = sorted(p["metadata"]["name"] for p in pods if not is_true(p, "Ready"))
    found = ready_endpoints("shop", namespace)
    if unready or not found:
        paths = sorted({(c.get("readinessProbe") or {}).get("httpGet", {}).get("path", "?")
                        for p in pods for c in p["spec"]["containers"]})
        return False, (f"Service 'shop' has {len(found)} ready endpoint(s); pods not ready: "
                       f"{', '.join(unready) or 'none running yet'} (their probe asks "
                       f"{', '.join(paths) or '?'})")
    return True, f"Service 'shop' reaches {len(found)} ready pods: {', '.join(found)}"
