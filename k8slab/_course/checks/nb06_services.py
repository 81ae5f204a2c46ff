"""Checks for notebook 06, Services.

A Service "works" when its EndpointSlices list ready pods, so both checks
read the slices the EndpointSlice controller wrote, as kube-proxy would.

Example:
    >>> from k8slab._course.registry import run_check
    >>> run_check("06.fix-selector", "nb06-services").message     # doctest: +SKIP
    "Service 'storefront' has no ready endpoint: its selector app=web-frontend matches no pod"
"""

from __future__ import annotations

from k8slab._core.objects import is_true, selector_string
from k8slab._core.resources import find, list_
from k8slab._course.registry import Words, exercise, require, say

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


@exercise("06.frontend",
          say("Expose the web pods on port 8000", "Exposer les pods web sur le port 8000"),
          hint=say("Apply a Service named 'frontend' with selector app: web and one port: "
                   "port 8000, targetPort 8080 (or the port's name, http).",
                   "Appliquez un Service nommé 'frontend' avec le sélecteur app: web et un "
                   "seul port : port 8000, targetPort 8080 (ou le nom du port, http)."))
def _frontend(namespace: str) -> tuple[bool, Words]:
    svc = require("Service", "frontend", namespace,
                  missing=say(f"there is no Service called 'frontend' in namespace "
                              f"{namespace!r} yet",
                              f"il n'y a pas encore de Service 'frontend' dans le namespace "
                              f"{namespace!r}"))
    ports = (svc.get("spec") or {}).get("ports") or []
    port = next((p for p in ports if p.get("port") == 8000), None)
    if port is None:
        listens = [p.get("port") for p in ports]
        return False, say(f"Service 'frontend' listens on {listens}, not on 8000",
                          f"le Service 'frontend' écoute sur {listens}, pas sur 8000")
    if port.get("targetPort", 8000) not in (8080, "http"):
        target = port.get("targetPort")
        return False, say(f"port 8000 forwards to the pods' port {target!r}; "
                          "the web image listens on 8080",
                          f"le port 8000 transmet au port {target!r} des pods ; "
                          "l'image web écoute sur 8080")
    found, wanted = ready_endpoints("frontend", namespace), _web_pods(namespace)
    if not found:
        return False, say(f"Service 'frontend' has no ready endpoint (selector {_selector(svc)})",
                          f"le Service 'frontend' n'a aucun endpoint prêt "
                          f"(sélecteur {_selector(svc)})")
    if found != wanted:
        return False, say(f"Service 'frontend' reaches {found}; the web pods are {wanted}",
                          f"le Service 'frontend' atteint {found}, alors que les pods web "
                          f"sont {wanted}")
    return True, say(f"Service 'frontend' sends port 8000 to the {len(found)} web pods on 8080",
                     f"le Service 'frontend' envoie le port 8000 vers les {len(found)} pods "
                     f"web, sur 8080")


@exercise("06.fix-selector",
          say("Give the storefront Service its endpoints",
              "Donner ses endpoints au Service storefront"),
          hint=say("The pods are labelled app=web: apply the 'storefront' Service again with "
                   "selector app: web, then look at lab.table('Service', namespace).",
                   "Les pods portent le label app=web : appliquez de nouveau le Service "
                   "'storefront' avec le sélecteur app: web, puis regardez "
                   "lab.table('Service', namespace)."))
def _fix_selector(namespace: str) -> tuple[bool, Words]:
    svc = require("Service", "storefront", namespace,
                  missing=say("there is no Service called 'storefront' (apply it again)",
                              "il n'y a pas de Service 'storefront' (appliquez-le de nouveau)"))
    found, web = ready_endpoints("storefront", namespace), _web_pods(namespace)
    if not found:
        return False, say(f"Service 'storefront' has no ready endpoint: its selector "
                          f"{_selector(svc)} matches no ready pod",
                          f"le Service 'storefront' n'a aucun endpoint prêt : son sélecteur "
                          f"{_selector(svc)} ne correspond à aucun pod prêt")
    # Endpoints are not enough: they must be the web pods, and only them (a selector
    # that picks the client pod "works" too, and sends the shoppers to BusyBox).
    strangers = [name for name in found if name not in web]
    if strangers:
        return False, say(f"Service 'storefront' (selector {_selector(svc)}) reaches "
                          f"{', '.join(strangers)}, which is not a web pod: the storefront is "
                          f"meant for the web pods ({', '.join(web) or 'none running'}), "
                          "select their label",
                          f"le Service 'storefront' (sélecteur {_selector(svc)}) atteint "
                          f"{', '.join(strangers)}, qui n'est pas un pod web : la vitrine est "
                          f"destinée aux pods web ({', '.join(web) or 'aucun ne tourne'}), "
                          "sélectionnez leur label")
    if found != web:
        return False, say(f"Service 'storefront' reaches {len(found)} of the {len(web)} web pods "
                          "so far: wait a moment for the EndpointSlice controller",
                          f"le Service 'storefront' atteint pour l'instant {len(found)} des "
                          f"{len(web)} pods web : patientez un peu, le contrôleur des "
                          "EndpointSlices les ajoute")
    return True, say(f"Service 'storefront' now reaches {len(found)} pods: {', '.join(found)}",
                     f"le Service 'storefront' atteint désormais {len(found)} pods : "
                     f"{', '.join(found)}")


@exercise("06.readiness",
          say("Make the shop's pods ready endpoints",
              "Faire des pods de la boutique des endpoints prêts"),
          hint=say("The pods run but are not ready: read their Unhealthy events "
                   "(lab.events(namespace)). Which page does the readiness probe ask for, and "
                   "which pages does the web image serve? Fix the path in the YAML, apply it.",
                   "Les pods tournent mais ne sont pas prêts : lisez leurs événements Unhealthy "
                   "(lab.events(namespace)). Quelle page la readiness probe demande-t-elle, et "
                   "quelles pages l'image web sert-elle ? Corrigez le chemin dans le YAML, "
                   "appliquez-le."))
def _readiness(namespace: str) -> tuple[bool, Words]:
    if find("Service", "shop", namespace) is None or find("Deployment", "shop",
                                                          namespace) is None:
        return False, say("the Deployment and Service 'shop' are missing "
                          "(apply the shop manifest)",
                          "le Deployment et le Service 'shop' manquent "
                          "(appliquez le manifeste de la boutique)")
    pods = [p for p in list_("Pod", namespace, labels={"app": "shop"})
            if (p.get("status") or {}).get("phase") == "Running"
            and not p["metadata"].get("deletionTimestamp")]
    unready = sorted(p["metadata"]["name"] for p in pods if not is_true(p, "Ready"))
    found = ready_endpoints("shop", namespace)
    # Deleting the probe makes every pod "ready" at once, even one that cannot serve:
    # the guardrail is gone, not fixed.
    template = require("Deployment", "shop", namespace)["spec"]["template"]["spec"]
    unprobed = sorted({c["name"] for c in template["containers"] if not c.get("readinessProbe")}
                      | {c["name"] for p in pods if p["metadata"]["name"] in found
                         for c in p["spec"]["containers"] if not c.get("readinessProbe")})
    if unprobed:
        return False, say(f"the shop's container {', '.join(unprobed)} has no readiness probe "
                          "any more: its pods count as ready as soon as they start, even when "
                          "nginx cannot serve; keep the probe and fix the path it asks",
                          f"le conteneur {', '.join(unprobed)} de la boutique n'a plus de "
                          "readiness probe : ses pods comptent comme prêts dès leur démarrage, "
                          "même quand nginx ne peut pas servir ; gardez la sonde et corrigez "
                          "le chemin qu'elle demande")
    if unready or not found:
        paths = ", ".join(sorted({(c.get("readinessProbe") or {}).get("httpGet", {})
                                  .get("path", "?")
                                  for p in pods for c in p["spec"]["containers"]})) or "?"
        return False, say(f"Service 'shop' has {len(found)} ready endpoint(s); pods not ready: "
                          f"{', '.join(unready) or 'none running yet'} (their probe asks "
                          f"{paths})",
                          f"le Service 'shop' a {len(found)} endpoint(s) prêt(s) ; pods non "
                          f"prêts : {', '.join(unready) or 'aucun ne tourne encore'} (leur "
                          f"sonde demande {paths})")
    return True, say(f"Service 'shop' reaches {len(found)} ready pods: {', '.join(found)}",
                     f"le Service 'shop' atteint désormais {len(found)} pods prêts : "
                     f"{', '.join(found)}")
