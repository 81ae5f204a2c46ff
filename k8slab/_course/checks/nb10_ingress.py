"""Checks for notebook 10, Ingress.

They judge Ingresses by where requests would land (:func:`k8slab.ingress.route`),
not by their exact YAML: any set of rules that sends the right requests to the
right Services passes.
"""

from __future__ import annotations

from k8slab._core.resources import list_
from k8slab._course.registry import Words, exercise, require, say
from k8slab.ingress import route


def _expect(ingresses: list[dict], host: str, path: str, service: str) -> Words | None:
    """None when ``host``+``path`` reaches ``service``, else what happens instead."""
    found = route(ingresses, host, path)
    if found is None:
        return say(f"{host}{path} matches no rule (the controller would answer 404), "
                   f"wanted {service}",
                   f"la requête {host}{path} ne correspond à aucune règle (le contrôleur "
                   f"répondrait 404) ; attendu : {service}")
    if found.service != service:
        return say(f"{host}{path} goes to {found.service}, wanted {service}",
                   f"la requête {host}{path} arrive sur {found.service} au lieu de {service}")
    return None


@exercise("10.fanout",
          say("Route two services by path", "Router deux Services selon le chemin"),
          hint=say("Apply an Ingress named 'fanout' (ingressClassName traefik, no host) with two "
                   "Prefix paths: /app1 -> service app1 port 80, /app2 -> service app2 port 80.",
                   "Appliquez un Ingress nommé 'fanout' (ingressClassName traefik, sans hôte) "
                   "avec deux chemins Prefix : /app1 -> Service app1 port 80, /app2 -> Service "
                   "app2 port 80."))
def _fanout(namespace: str) -> tuple[bool, Words]:
    fanout = require("Ingress", "fanout", namespace,
                     missing=say(f"no Ingress 'fanout' in namespace {namespace!r} yet",
                                 f"pas encore d'Ingress 'fanout' dans le namespace "
                                 f"{namespace!r}"))
    klass = (fanout.get("spec") or {}).get("ingressClassName")
    if klass != "traefik":
        return False, say(f"Ingress 'fanout' has ingressClassName {klass!r}, wanted 'traefik'",
                          f"l'Ingress 'fanout' a pour ingressClassName {klass!r} au lieu "
                          "de 'traefik'")
    for path, service in (("/app1", "app1"), ("/app1/cart", "app1"), ("/app2", "app2"),
                          ("/app2/admin", "app2")):
        problem = _expect([fanout], "k8slab.test", path, service)
        if problem:
            return False, say(f"Ingress 'fanout': {problem.en}",
                              f"l'Ingress 'fanout' : {problem.fr}")
    return True, say("Ingress 'fanout' sends /app1/... to app1 and /app2/... to app2",
                     "l'Ingress 'fanout' envoie /app1/... vers app1 et /app2/... vers app2")


@exercise("10.host",
          say("Give a host name to one application",
              "Donner un nom d'hôte à une application"),
          hint=say("Apply an Ingress named 'admin' with one rule for host admin.k8slab.test, "
                   "path / (Prefix) -> service app2 port 80.",
                   "Appliquez un Ingress nommé 'admin' avec une seule règle pour l'hôte "
                   "admin.k8slab.test, chemin / (Prefix) -> Service app2 port 80."))
def _host(namespace: str) -> tuple[bool, Words]:
    ingresses = list_("Ingress", namespace)
    if not any(r.get("host") == "admin.k8slab.test"
               for i in ingresses for r in (i.get("spec") or {}).get("rules") or []):
        return False, say("no Ingress in the namespace has a rule for host admin.k8slab.test yet",
                          "aucun Ingress du namespace n'a encore de règle pour l'hôte "
                          "admin.k8slab.test")
    for host, path, service in (("admin.k8slab.test", "/", "app2"),
                                ("admin.k8slab.test", "/app1", "app2"),
                                ("admin.k8slab.test", "/reports/2024", "app2"),
                                ("k8slab.test", "/app1", "app1")):
        problem = _expect(ingresses, host, path, service)
        if problem:
            return False, problem
    return True, say("every path of admin.k8slab.test reaches app2; other hosts still route by "
                     "path",
                     "tous les chemins d'admin.k8slab.test mènent à app2 ; les autres hôtes sont "
                     "toujours routés selon le chemin")
