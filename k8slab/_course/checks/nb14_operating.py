"""Checks for notebook 14, Operating a cluster."""

from __future__ import annotations

from kubernetes.utils import parse_quantity

from k8slab._core.resources import exists, find, get, list_
from k8slab._core.rollout import deployment_rollout_said
from k8slab._course.registry import Words, exercise, say

#: The guardrails of notebook 14 (manifests/14-operating-limits.yaml) and the most
#: they allow: the exercise is to fit within them, not to remove or widen them.
LIMIT_RANGE, QUOTA = "limits", "quota"
MAX_CONTAINER_CPU = "500m"
QUOTA_HARD = {"requests.cpu": "1", "limits.cpu": "2"}


def _loosened_guardrails(namespace: str) -> list[Words]:
    """What became of the LimitRange and the quota, in words, when they are gone or wider."""
    found = []
    limit_range = find("LimitRange", LIMIT_RANGE, namespace)
    if limit_range is None:
        found.append(say(f"the LimitRange {LIMIT_RANGE!r} was deleted",
                         f"la LimitRange {LIMIT_RANGE!r} a été supprimée"))
    else:
        ceiling = next((item["max"]["cpu"]
                        for item in (limit_range.get("spec") or {}).get("limits") or []
                        if item.get("type") == "Container" and (item.get("max") or {}).get("cpu")),
                       None)
        if ceiling is None or parse_quantity(ceiling) > parse_quantity(MAX_CONTAINER_CPU):
            found.append(say(f"the LimitRange's CPU max per container is {ceiling or 'gone'}, "
                             f"not {MAX_CONTAINER_CPU}",
                             f"le max de CPU par conteneur de la LimitRange est "
                             f"{ceiling or 'absent'} au lieu de {MAX_CONTAINER_CPU}"))
    quota = find("ResourceQuota", QUOTA, namespace)
    if quota is None:
        found.append(say(f"the ResourceQuota {QUOTA!r} was deleted",
                         f"le ResourceQuota {QUOTA!r} a été supprimé"))
    else:
        hard = (quota.get("spec") or {}).get("hard") or {}
        for key, most in QUOTA_HARD.items():
            if key not in hard or parse_quantity(hard[key]) > parse_quantity(most):
                found.append(say(f"the quota's {key} is {hard.get(key, 'gone')}, not {most}",
                                 f"le quota donne {key}={hard.get(key, 'rien')} au lieu de "
                                 f"{most}"))
    return found


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
    loosened = _loosened_guardrails(namespace)
    if loosened:
        return False, say(f"the batch may start now, but only because "
                          f"{'; '.join(w.en for w in loosened)}: the limits protect the "
                          "namespace's neighbours; put them back "
                          "(manifests/14-operating-limits.yaml) and lower the batch's CPU limit "
                          "instead",
                          f"le batch peut démarrer, mais seulement parce que "
                          f"{' ; '.join(w.fr for w in loosened)} : ces limites protègent les "
                          "voisins du namespace ; remettez-les "
                          "(manifests/14-operating-limits.yaml) et baissez plutôt la limite de "
                          "CPU du batch")
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
