"""Checks for notebook 11, Extending Kubernetes (the Website custom kind)."""

from __future__ import annotations

import time

from .._resources import find, list_
from ..crds import WEBSITE_CRD
from ..exercises import exercise, require
from ..operators import running

#: Seconds the operator is given to converge before the check says what is missing.
SETTLE = 10.0


def _crd_ready() -> str | None:
    if find("CustomResourceDefinition", WEBSITE_CRD) is None:
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
    shop = require("Website", "shop", namespace,
                   missing="there is no Website 'shop' yet: the API server refused it, or it "
                           "was never applied")
    spec = shop.get("spec") or {}
    if spec.get("replicas") != 2:
        return False, f"Website 'shop' asks for {spec.get('replicas')} replicas, wanted 2"
    return True, f"Website 'shop' was accepted: 2 replicas of {spec.get('image')}, " \
                 f"port {spec.get('port')}"


def _owned_by(obj: dict, site: dict) -> bool:
    return any(ref.get("uid") == site["metadata"]["uid"] and ref.get("controller")
               for ref in obj["metadata"].get("ownerReferences") or [])


def _website_problem(site: dict, namespace: str) -> str | None:
    """What the operator has not (yet) done for one Website, or None."""
    name, spec = site["metadata"]["name"], site.get("spec") or {}
    deployment = find("Deployment", name, namespace)
    if deployment is None:
        return f"Website '{name}' has no Deployment '{name}': step 1 and 2 of reconcile"
    if not _owned_by(deployment, site):
        return (f"Deployment '{name}' has no ownerReference to its Website: "
                "kopf.adopt(obj, owner=site) before applying it")
    dspec = deployment["spec"]
    if dspec.get("replicas") != spec.get("replicas"):
        return (f"Deployment '{name}' asks for {dspec.get('replicas')} replicas, its Website "
                f"for {spec.get('replicas')}: use spec['replicas']")
    containers = dspec["template"]["spec"]["containers"]
    if containers[0].get("image") != spec.get("image"):
        return (f"Deployment '{name}' runs {containers[0].get('image')!r}, its Website asks "
                f"for {spec.get('image')!r}: use spec['image']")
    ports = [p.get("containerPort") for c in containers for p in c.get("ports") or []]
    if spec.get("port") not in ports:
        return (f"Deployment '{name}' declares container ports {ports}, its Website says "
                f"{spec.get('port')}: use spec['port'] (named http)")
    labels = dspec["template"]["metadata"].get("labels") or {}
    service = find("Service", name, namespace)
    if service is None:
        return f"Website '{name}' has no Service '{name}' (step 1 makes two objects)"
    if not _owned_by(service, site):
        return f"Service '{name}' has no ownerReference to its Website: kopf.adopt it too"
    selector = service["spec"].get("selector") or {}
    if not selector or any(labels.get(k) != v for k, v in selector.items()):
        return (f"Service '{name}' selects {selector}, which its pods' labels {labels} do "
                "not match")
    if not any(p.get("port") == 80 for p in service["spec"].get("ports") or []):
        return f"Service '{name}' does not offer port 80"
    status = site.get("status") or {}
    ready = (deployment.get("status") or {}).get("readyReplicas") or 0
    if status.get("phase") != "Ready" or status.get("readyReplicas") != spec.get("replicas"):
        return (f"Website '{name}' has status phase={status.get('phase')}, readyReplicas="
                f"{status.get('readyReplicas')} while its Deployment has {ready}/"
                f"{spec.get('replicas')} ready: step 3 (operators.set_status)")
    return None


@exercise("11.operator", "Write the reconcile handler of a kopf operator",
          hint="In reconcile(site, logger): a Deployment and a Service from site['spec'] "
               "(image, replicas, port; pods labelled k8slab.io/website: <name>), "
               "kopf.adopt(obj, owner=site) and operators.apply(obj, logger) each, then read "
               "the Deployment back and operators.set_status(site, {'phase': 'Ready' or "
               "'Progressing', 'replicas': ..., 'readyReplicas': ...}, logger). Run the "
               "handlers and operators.start cells again; op.problems() shows its errors.")
def _operator(namespace: str) -> tuple[bool, str]:
    problem = _crd_ready()
    if problem:
        return False, problem
    operator = running(namespace)
    if operator is None:
        return False, f"no operator runs for namespace {namespace!r}: run " \
                      "`op = operators.start(namespace)`"
    deadline = time.monotonic() + SETTLE
    while True:
        sites = list_("Website", namespace)
        problems = [p for p in (_website_problem(s, namespace) for s in sites) if p]
        if sites and not problems:
            names = ", ".join(sorted(s["metadata"]["name"] for s in sites))
            return True, f"the operator made and reports every Website ({names}): all Ready"
        if time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    if not sites:
        return False, "there is no Website in the namespace: apply home and shop first"
    errors = operator.problems()
    more = f" (the handler raised: {errors[-1]})" if errors else ""
    return False, problems[0] + more


@exercise("11.scale", "Scale a Website through its custom object",
          hint="Apply the Website 'home' again with spec.replicas: 3 (keep its image); the "
               "operator updates the Deployment, then the Website's status.")
def _scale(namespace: str) -> tuple[bool, str]:
    problem = _crd_ready()
    if problem:
        return False, problem
    site = require("Website", "home", namespace,
                   missing="there is no Website 'home' in the namespace")
    want = (site.get("spec") or {}).get("replicas")
    if want != 3:
        return False, f"Website 'home' asks for {want} replica(s), wanted 3 (scaling the " \
                      "Deployment by hand does not count: the operator puts it back)"
    deployment = require("Deployment", "home", namespace,
                         missing="Website 'home' has no Deployment: is the operator running?")
    ready = (deployment.get("status") or {}).get("readyReplicas", 0)
    status = site.get("status") or {}
    if ready != 3 or status.get("readyReplicas") != 3 or status.get("phase") != "Ready":
        return False, (f"Deployment 'home' has {ready or 0}/3 ready pods; the Website's status "
                       f"says {status.get('phase')} with {status.get('readyReplicas')} ready "
                       "(is the operator running? wait a few seconds)")
    return True, "Website 'home' runs 3 ready replicas and its status says Ready"
