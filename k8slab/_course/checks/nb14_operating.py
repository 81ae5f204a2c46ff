"""Checks for notebook 14, Operating a cluster."""

from __future__ import annotations

from k8slab._core.resources import exists, get, list_
from k8slab._core.rollout import deployment_rollout_said
from k8slab._course.registry import Words, exercise, say


@exercise("14.fit-limits",
          say("Let the batch workers start within the namespace's limits",
              "Laisser démarrer les workers batch dans les limites du namespace"),
          hint=say("The ReplicaSet's FailedCreate events (kubectl describe replicaset "
                   "-l app=batch) name the refused value; kubectl describe limitrange limits "
                   "shows the max. Lower resources.limits.cpu in manifests/14-operating-batch.yaml "
                   "to the max or below, apply it, then kubectl rollout status deployment/batch.",
                   "Les événements FailedCreate du ReplicaSet (kubectl describe replicaset "
                   "-l app=batch) nomment la valeur refusée ; kubectl describe limitrange limits "
                   "montre le max. Ramenez resources.limits.cpu de "
                   "manifests/14-operating-batch.yaml au max ou en dessous, appliquez-le, puis "
                   "kubectl rollout status deployment/batch."))
def _fit_limits(namespace: str) -> tuple[bool, str | Words]:
    if not exists("Deployment", "batch", namespace):
        return False, say("there is no Deployment 'batch' yet: apply "
                          "manifests/14-operating-batch.yaml",
                          "il n'y a pas encore de Deployment 'batch' : appliquez "
                          "manifests/14-operating-batch.yaml")
    deployment = get("Deployment", "batch", namespace)
    failure = next((c for c in (deployment.get("status") or {}).get("conditions") or []
                    if c.get("type") == "ReplicaFailure" and c.get("status") == "True"), None)
    done, message = deployment_rollout_said(deployment)
    if not done:
        why = f" — {failure.get('message')}" if failure else ""
        return False, say(f"the Deployment 'batch' is not rolled out: {message}{why}",
                          f"le rollout du Deployment 'batch' n'est pas terminé : {message}{why}")
    pods = [p for p in list_("Pod", namespace, labels="app=batch")
            if not p["metadata"].get("deletionTimestamp")]
    running = [p for p in pods if (p.get("status") or {}).get("phase") == "Running"]
    if len(running) < 2:
        return False, say(f"{len(running)} of the 2 batch pods run",
                          f"{len(running)} des 2 pods batch tournent")
    return True, say("both batch workers run, within the LimitRange and the quota",
                     "les deux workers batch tournent, dans les limites du LimitRange et du quota")
