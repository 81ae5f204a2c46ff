"""Checks for notebook 02, The API and the architecture.

Example:
    >>> from k8slab._course.registry import run_check
    >>> run_check("02.desired-replicas", "nb02-api").passed      # doctest: +SKIP
    False
"""

from __future__ import annotations

from k8slab._core.discovery import api_resources
from k8slab._core.resources import list_
from k8slab._course.registry import Words, exercise, require, say

#: The kinds exercise 02.api-versions asks about.
ASKED_KINDS = ("CronJob", "HorizontalPodAutoscaler", "Lease")


@exercise("02.api-versions",
          say("Write down the apiVersion of three kinds",
              "Noter l'apiVersion de trois types d'objets"),
          hint=say("The discovery table (api_resources()) lists every kind with its preferred "
                   "api_version; store them in a ConfigMap 'api-versions' with keys CronJob, "
                   "HorizontalPodAutoscaler and Lease.",
                   "La table de découverte (api_resources()) liste chaque type avec son "
                   "api_version préférée ; rangez-les dans une ConfigMap 'api-versions', avec "
                   "les clés CronJob, HorizontalPodAutoscaler et Lease."))
def _api_versions(namespace: str) -> tuple[bool, Words]:
    answers = require("ConfigMap", "api-versions", namespace).get("data") or {}
    every = api_resources(all_versions=True)
    preferred = api_resources()
    for kind in ASKED_KINDS:
        wanted = preferred.loc[preferred.kind == kind, "api_version"].tolist()
        given = answers.get(kind)
        if given is None:
            return False, say(f"the ConfigMap has no key {kind!r} (keys: {sorted(answers)})",
                              f"la ConfigMap n'a pas de clé {kind!r} (clés : {sorted(answers)})")
        if given in wanted:
            continue
        served = every.loc[every.kind == kind, "api_version"].tolist()
        if given in served:
            return False, say(f"{kind}: the cluster serves {given}, but prefers {wanted[0]}: "
                              "write the preferred one",
                              f"{kind} : le cluster sert {given}, mais préfère {wanted[0]} : "
                              "écrivez la version préférée")
        return False, say(f"{kind}: {given!r} is not a version the cluster serves for this kind",
                          f"{kind} : {given!r} n'est pas une version que le cluster sert pour "
                          "ce type")
    return True, say("all three apiVersions match the cluster's discovery",
                     "les trois apiVersions correspondent à la découverte du cluster")


@exercise("02.desired-replicas",
          say("Declare two replicas and let the cluster converge",
              "Déclarer deux réplicas et laisser le cluster converger"),
          hint=say("Apply the web Deployment again with replicas: 2 (the same manifest, one "
                   "number changed); scaling down takes a second, then check again.",
                   "Appliquez de nouveau le Deployment web avec replicas: 2 (le même manifeste, "
                   "un nombre changé) ; la réduction prend une seconde, puis relancez la "
                   "vérification."))
def _desired_replicas(namespace: str) -> tuple[bool, Words]:
    web = require("Deployment", "web", namespace,
                  missing=say(f"there is no Deployment 'web' in namespace {namespace!r}",
                              f"il n'y a pas de Deployment 'web' dans le namespace "
                              f"{namespace!r}"))
    want = (web.get("spec") or {}).get("replicas")
    if want != 2:
        return False, say(f"web declares {want} replicas (desired state); 2 wanted",
                          f"web déclare {want} réplicas (état souhaité) ; il en faut 2")
    status = web.get("status") or {}
    if status.get("observedGeneration", 0) < web["metadata"].get("generation", 0):
        return False, say("the controller has not seen the new spec yet "
                          "(observedGeneration behind)",
                          "le contrôleur n'a pas encore vu la nouvelle spec "
                          "(observedGeneration en retard)")
    pods = [p for p in list_("Pod", namespace, labels="app=web")
            if not p["metadata"].get("deletionTimestamp")]
    running = sum(1 for p in pods if (p.get("status") or {}).get("phase") == "Running")
    if status.get("readyReplicas", 0) != 2 or len(pods) != 2 or running != 2:
        return False, say(f"desired 2, observed {len(pods)} pods ({running} Running, "
                          f"{status.get('readyReplicas', 0)} ready): wait for the cluster to "
                          "converge",
                          f"2 souhaités, {len(pods)} pods observés ({running} Running, "
                          f"{status.get('readyReplicas', 0)} prêts) : attendez que le cluster "
                          "converge")
    return True, say("2 replicas declared, 2 pods Running: observed state matches desired state",
                     "2 réplicas déclarés, 2 pods Running : l'état observé correspond à l'état "
                     "souhaité")
