"""Checks for notebook 14, Operating a cluster."""

from __future__ import annotations

from .._resources import exists, get, list_
from .._rollout import deployment_rollout
from ..exercises import exercise


@exercise("14.fit-limits", "Let the batch workers start within the namespace's limits",
          hint="The ReplicaSet's FailedCreate events (kubectl describe replicaset -l app=batch) "
               "name the refused value; kubectl describe limitrange limits shows the max. Lower "
               "resources.limits.cpu in manifests/14-operating-batch.yaml to the max or below, "
               "apply it, then kubectl rollout status deployment/batch.")
def _fit_limits(namespace: str) -> tuple[bool, str]:
    if not exists("Deployment", "batch", namespace):
        return False, ("there is no Deployment 'batch' yet: apply "
                       "manifests/14-operating-batch.yaml")
    deployment = get("Deployment", "batch", namespace)
    failure = next((c for c in (deployment.get("status") or {}).get("conditions") or []
                    if c.get("type") == "ReplicaFailure" and c.get("status") == "True"), None)
    done, message = deployment_rollout(deployment)
    if not done:
        why = f" — {failure.get('message')}" if failure else ""
        return False, f"the Deployment 'batch' is not rolled out: {message}{why}"
    pods = [p for p in list_("Pod", namespace, labels="app=batch")
            if not p["metadata"].get("deletionTimestamp")]
    running = [p for p in pods if (p.get("status") or {}).get("phase") == "Running"]
    if len(running) < 2:
        return False, f"{len(running)} of the 2 batch pods run"
    return True, "both batch workers run, within the LimitRange and the quota"
