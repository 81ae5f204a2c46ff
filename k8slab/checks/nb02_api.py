"""Checks for notebook 02, The API and the architecture.

Example:
    >>> from k8slab.exercises import run_check
    >>> run_check("02.desired-replicas", "nb02-api").passed      # doctest: +SKIP
    False
"""

from __future__ import annotations

from .._discovery import api_resources
from .._resources import list_
from ..exercises import exercise, require

#: The kinds exercise 02.api-versions asks about.
ASKED_KINDS = ("CronJob", "HorizontalPodAutoscaler", "Lease")


@exercise("02.api-versions", "Write down the apiVersion of three kinds",
          hint="The discovery table (api_resources()) lists every kind with its preferred "
               "api_version; store them in a ConfigMap 'api-versions' with keys CronJob, "
               "HorizontalPodAutoscaler and Lease.")
def _api_versions(namespace: str) -> tuple[bool, str]:
    answers = require("ConfigMap", "api-versions", namespace).get("data") or {}
    every = api_resources(all_versions=True)
    preferred = api_resources()
    for kind in ASKED_KINDS:
        wanted = preferred.loc[preferred.kind == kind, "api_version"].tolist()
        given = answers.get(kind)
        if given is None:
            return False, f"the ConfigMap has no key {kind!r} (keys: {sorted(answers)})"
        if given in wanted:
            continue
        served = every.loc[every.kind == kind, "api_version"].tolist()
        if given in served:
            return False, (f"{kind}: the cluster serves {given}, but prefers {wanted[0]}: "
                           "write the preferred one")
        return False, f"{kind}: {given!r} is not a version the cluster serves for this kind"
    return True, "all three apiVersions match the cluster's discovery"


@exercise("02.desired-replicas", "Declare two replicas and let the cluster converge",
          hint="Apply the web Deployment again with replicas: 2 (the same manifest, one "
               "number changed); scaling down takes a second, then check again.")
def _desired_replicas(namespace: str) -> tuple[bool, str]:
    web = require("Deployment", "web", namespace,
                  missing=f"there is no Deployment 'web' in namespace {namespace!r}")
    want = (web.get("spec") or {}).get("replicas")
    if want != 2:
        return False, f"web declares {want} replicas (desired state); 2 wanted"
    status = web.get("status") or {}
    if status.get("observedGeneration", 0) < web["metadata"].get("generation", 0):
        return False, "the controller has not seen the new spec yet (observedGeneration behind)"
    pods = [p for p in list_("Pod", namespace, labels="app=web")
            if not p["metadata"].get("deletionTimestamp")]
    running = sum(1 for p in pods if (p.get("status") or {}).get("phase") == "Running")
    if status.get("readyReplicas", 0) != 2 or len(pods) != 2 or running != 2:
        return False, (f"desired 2, observed {len(pods)} pods ({running} Running, "
                       f"{status.get('readyReplicas', 0)} ready): wait for the cluster to "
                       "converge")
    return True, "2 replicas declared, 2 pods Running: observed state matches desired state"
