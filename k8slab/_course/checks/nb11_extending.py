"""Checks for notebook 11, Extending Kubernetes (the Website custom kind)."""

from __future__ import annotations

import time

from k8slab._core.resources import find, list_
from k8slab._course.registry import Words, exercise, require, say
from k8slab.crds import WEBSITE_CRD
from k8slab.operators import running

#: Seconds the operator is given to converge before the check says what is missing.
SETTLE = 10.0


def _crd_ready() -> Words | None:
    if find("CustomResourceDefinition", WEBSITE_CRD) is None:
        return say(f"the CRD {WEBSITE_CRD} is not installed: run the notebook's setup cell "
                   "(lab.setup with manifests/11-extending-crd.yaml)",
                   f"la CRD {WEBSITE_CRD} n'est pas installée : exécutez la cellule de mise en "
                   "place du notebook (lab.setup avec manifests/11-extending-crd.yaml)")
    return None


@exercise("11.shop",
          say("Write a Website the API server accepts",
              "Écrire un Website que le serveur d'API accepte"),
          hint=say("Fix manifests/11-extending-website-shop-invalid.yaml: replicas between 1 and "
                   "10 (use 2) and a port of 1024 or more (8080), then lab.apply it.",
                   "Corrigez manifests/11-extending-website-shop-invalid.yaml : replicas entre "
                   "1 et 10 (mettez 2) et un port de 1024 ou plus (8080), puis appliquez-le "
                   "avec lab.apply."))
def _shop(namespace: str) -> tuple[bool, Words]:
    problem = _crd_ready()
    if problem:
        return False, problem
    shop = require("Website", "shop", namespace,
                   missing=say("there is no Website 'shop' yet: the API server refused it, or "
                               "it was never applied",
                               "il n'y a pas encore de Website 'shop' : le serveur d'API l'a "
                               "refusé, ou il n'a jamais été appliqué"))
    spec = shop.get("spec") or {}
    if spec.get("replicas") != 2:
        return False, say(f"Website 'shop' asks for {spec.get('replicas')} replicas, wanted 2",
                          f"le Website 'shop' demande {spec.get('replicas')} réplicas, "
                          "2 sont attendus")
    return True, say(f"Website 'shop' was accepted: 2 replicas of {spec.get('image')}, "
                     f"port {spec.get('port')}",
                     f"le Website 'shop' a été accepté : 2 réplicas de {spec.get('image')}, "
                     f"port {spec.get('port')}")


def _owned_by(obj: dict, site: dict) -> bool:
    return any(ref.get("uid") == site["metadata"]["uid"] and ref.get("controller")
               for ref in obj["metadata"].get("ownerReferences") or [])


def _website_problem(site: dict, namespace: str) -> Words | None:
    """What the operator has not (yet) done for one Website, or None."""
    name, spec = site["metadata"]["name"], site.get("spec") or {}
    deployment = find("Deployment", name, namespace)
    if deployment is None:
        return say(f"Website '{name}' has no Deployment '{name}': step 1 and 2 of reconcile",
                   f"le Website '{name}' n'a pas de Deployment '{name}' : étapes 1 et 2 de "
                   "reconcile")
    if not _owned_by(deployment, site):
        return say(f"Deployment '{name}' has no ownerReference to its Website: "
                   "kopf.adopt(obj, owner=site) before applying it",
                   f"le Deployment '{name}' n'a pas d'ownerReference vers son Website : "
                   "kopf.adopt(obj, owner=site) avant de l'appliquer")
    dspec = deployment["spec"]
    if dspec.get("replicas") != spec.get("replicas"):
        return say(f"Deployment '{name}' asks for {dspec.get('replicas')} replicas, its Website "
                   f"for {spec.get('replicas')}: use spec['replicas']",
                   f"le Deployment '{name}' demande {dspec.get('replicas')} réplicas, son "
                   f"Website {spec.get('replicas')} : utilisez spec['replicas']")
    containers = dspec["template"]["spec"]["containers"]
    if containers[0].get("image") != spec.get("image"):
        return say(f"Deployment '{name}' runs {containers[0].get('image')!r}, its Website asks "
                   f"for {spec.get('image')!r}: use spec['image']",
                   f"le Deployment '{name}' fait tourner {containers[0].get('image')!r}, son "
                   f"Website demande {spec.get('image')!r} : utilisez spec['image']")
    ports = [p.get("containerPort") for c in containers for p in c.get("ports") or []]
    if spec.get("port") not in ports:
        return say(f"Deployment '{name}' declares container ports {ports}, its Website says "
                   f"{spec.get('port')}: use spec['port'] (named http)",
                   f"le Deployment '{name}' déclare les ports de conteneur {ports}, son Website "
                   f"indique {spec.get('port')} : utilisez spec['port'] (nommé http)")
    labels = dspec["template"]["metadata"].get("labels") or {}
    service = find("Service", name, namespace)
    if service is None:
        return say(f"Website '{name}' has no Service '{name}' (step 1 makes two objects)",
                   f"le Website '{name}' n'a pas de Service '{name}' (l'étape 1 crée deux "
                   "objets)")
    if not _owned_by(service, site):
        return say(f"Service '{name}' has no ownerReference to its Website: kopf.adopt it too",
                   f"le Service '{name}' n'a pas d'ownerReference vers son Website : passez-le "
                   "aussi à kopf.adopt")
    selector = service["spec"].get("selector") or {}
    if not selector or any(labels.get(k) != v for k, v in selector.items()):
        return say(f"Service '{name}' selects {selector}, which its pods' labels {labels} do "
                   "not match",
                   f"le Service '{name}' sélectionne {selector}, ce qui ne correspond pas aux "
                   f"labels de ses pods, {labels}")
    if not any(p.get("port") == 80 for p in service["spec"].get("ports") or []):
        return say(f"Service '{name}' does not offer port 80",
                   f"le Service '{name}' ne propose pas le port 80")
    status = site.get("status") or {}
    ready = (deployment.get("status") or {}).get("readyReplicas") or 0
    if status.get("phase") != "Ready" or status.get("readyReplicas") != spec.get("replicas"):
        return say(f"Website '{name}' has status phase={status.get('phase')}, readyReplicas="
                   f"{status.get('readyReplicas')} while its Deployment has {ready}/"
                   f"{spec.get('replicas')} ready: step 3 (operators.set_status)",
                   f"le Website '{name}' a le status phase={status.get('phase')}, "
                   f"readyReplicas={status.get('readyReplicas')} alors que son Deployment en "
                   f"a {ready}/{spec.get('replicas')} prêts : étape 3 (operators.set_status)")
    return None


@exercise("11.operator",
          say("Write the reconcile handler of a kopf operator",
              "Écrire le handler de réconciliation d'un opérateur kopf"),
          hint=say("In reconcile(site, logger): a Deployment and a Service from site['spec'] "
                   "(image, replicas, port; pods labelled k8slab.io/website: <name>), "
                   "kopf.adopt(obj, owner=site) and operators.apply(obj, logger) each, then "
                   "read the Deployment back and operators.set_status(site, {'phase': 'Ready' "
                   "or 'Progressing', 'replicas': ..., 'readyReplicas': ...}, logger). Run the "
                   "handlers and operators.start cells again; op.problems() shows its errors.",
                   "Dans reconcile(site, logger) : un Deployment et un Service à partir de "
                   "site['spec'] (image, replicas, port ; des pods portant le label "
                   "k8slab.io/website: <name>), kopf.adopt(obj, owner=site) puis "
                   "operators.apply(obj, logger) pour chacun, ensuite relisez le Deployment et "
                   "operators.set_status(site, {'phase': 'Ready' ou 'Progressing', "
                   "'replicas': ..., 'readyReplicas': ...}, logger). Relancez les cellules des "
                   "handlers et de operators.start ; op.problems() montre ses erreurs."))
def _operator(namespace: str) -> tuple[bool, Words]:
    problem = _crd_ready()
    if problem:
        return False, problem
    operator = running(namespace)
    if operator is None:
        return False, say(f"no operator runs for namespace {namespace!r}: run "
                          "`op = operators.start(namespace)`",
                          f"aucun opérateur ne tourne pour le namespace {namespace!r} : "
                          "exécutez `op = operators.start(namespace)`")
    deadline = time.monotonic() + SETTLE
    while True:
        sites = list_("Website", namespace)
        problems = [p for p in (_website_problem(s, namespace) for s in sites) if p]
        if sites and not problems:
            names = ", ".join(sorted(s["metadata"]["name"] for s in sites))
            return True, say(f"the operator made and reports every Website ({names}): all Ready",
                             f"l'opérateur a créé chaque Website et en rend compte ({names}) : "
                             "tous Ready")
        if time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    if not sites:
        return False, say("there is no Website in the namespace: apply home and shop first",
                          "il n'y a aucun Website dans le namespace : appliquez d'abord home "
                          "et shop")
    errors = operator.problems()
    first = problems[0]
    return False, say(first.en + (f" (the handler raised: {errors[-1]})" if errors else ""),
                      first.fr + (f" (le handler a levé : {errors[-1]})" if errors else ""))


@exercise("11.scale",
          say("Scale a Website through its custom object",
              "Mettre un Website à l'échelle par son objet personnalisé"),
          hint=say("Apply the Website 'home' again with spec.replicas: 3 (keep its image); the "
                   "operator updates the Deployment, then the Website's status.",
                   "Appliquez de nouveau le Website 'home' avec spec.replicas: 3 (gardez son "
                   "image) ; l'opérateur met à jour le Deployment, puis le status du Website."))
def _scale(namespace: str) -> tuple[bool, Words]:
    problem = _crd_ready()
    if problem:
        return False, problem
    site = require("Website", "home", namespace,
                   missing=say("there is no Website 'home' in the namespace",
                               "il n'y a pas de Website 'home' dans le namespace"))
    want = (site.get("spec") or {}).get("replicas")
    if want != 3:
        return False, say(f"Website 'home' asks for {want} replica(s), wanted 3 (scaling the "
                          "Deployment by hand does not count: the operator puts it back)",
                          f"le Website 'home' demande {want} réplica(s), 3 sont attendus "
                          "(changer l'échelle du Deployment à la main ne compte pas : "
                          "l'opérateur la remet comme avant)")
    deployment = require("Deployment", "home", namespace,
                         missing=say("Website 'home' has no Deployment: is the operator running?",
                                     "le Website 'home' n'a pas de Deployment : l'opérateur "
                                     "tourne-t-il ?"))
    ready = (deployment.get("status") or {}).get("readyReplicas", 0)
    status = site.get("status") or {}
    if ready != 3 or status.get("readyReplicas") != 3 or status.get("phase") != "Ready":
        return False, say(f"Deployment 'home' has {ready or 0}/3 ready pods; the Website's "
                          f"status says {status.get('phase')} with {status.get('readyReplicas')} "
                          "ready (is the operator running? wait a few seconds)",
                          f"le Deployment 'home' a {ready or 0}/3 pods prêts ; le status du "
                          f"Website indique {status.get('phase')} avec "
                          f"{status.get('readyReplicas')} prêts (l'opérateur tourne-t-il ? "
                          "attendez quelques secondes)")
    return True, say("Website 'home' runs 3 ready replicas and its status says Ready",
                     "le Website 'home' fait tourner 3 réplicas prêts et son status indique "
                     "Ready")
