"""Checks for notebook 10, Ingress.

They judge Ingresses by where requests would land (:func:`k8slab.ingress.route`),
not by their exact YAML: any set of rules that sends the right requests to the
right Services passes.
"""

from __future__ import annotations

from .._resources import list_
from ..exercises import exercise, require
from ..ingress import route


def _expect(ingresses: list[dict], host: str, path: str, service: str) -> str | None:
    """None when ``host``+``path`` reaches ``service``, else what happens instead."""
    found = route(ingresses, host, path)
    if found is None:
        return f"{host}{path} matches no rule (the controller would answer 404), wanted {service}"
    if found.service != service:
        return f"{host}{path} goes to {found.service}, wanted {service}"
    return None


@exercise("10.fanout", "Route two services by path",
          hint="Apply an Ingress named 'fanout' (ingressClassName traefik, no host) with two "
               "Prefix paths: /app1 -> service app1 port 80, /app2 -> service app2 port 80.")
def _fanout(namespace: str) -> tuple[bool, str]:
    fanout = require("Ingress", "fanout", namespace,
                     missing=f"no Ingress 'fanout' in namespace {namespace!r} yet")
    klass = (fanout.get("spec") or {}).get("ingressClassName")
    if klass != "traefik":
        return False, f"Ingress 'fanout' has ingressClassName {klass!r}, wanted 'traefik'"
    for path, service in (("/app1", "app1"), ("/app1/cart", "app1"), ("/app2", "app2"),
                          ("/app2/admin", "app2")):
        problem = _expect([fanout], "k8slab.test", path, service)
        if problem:
            return False, f"Ingress 'fanout': {problem}"
    return True, "Ingress 'fanout' sends /app1/... to app1 and /app2/... to app2"


@exercise("10.host", "Give a host name to one application",
          hint="Apply an Ingress named 'admin' with one rule for host admin.k8slab.test, "
               "path / (Prefix) -> service app2 port 80.")
def _host(namespace: str) -> tuple[bool, str]:
    ingresses = list_("Ingress", namespace)
    if not any(r.get("host") == "admin.k8slab.test"
               for i in ingresses for r in (i.get("spec") or {}).get("rules") or []):
        return False, "no Ingress in the namespace has a rule for host admin.k8slab.test yet"
    for host, path, service in (("admin.k8slab.test", "/", "app2"),
                                ("admin.k8slab.test", "/app1", "app2"),
                                ("admin.k8slab.test", "/reports/2024", "app2"),
                                ("k8slab.test", "/app1", "app1")):
        problem = _expect(ingresses, host, path, service)
        if problem:
            return False, problem
    return True, "every path of admin.k8slab.test reaches app2; other hosts still route by path"
