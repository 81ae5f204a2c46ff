"""Checks for notebook 05, Deployments.

Example:
    >>> from k8slab.exercises import run_check
    >>> run_check("05.rollback", "nb05-deployments").passed       # doctest: +SKIP
    False
"""

from __future__ import annotations

from .._objects import condition
from .._resources import dynamic, list_, resource_for
from .._rollout import deployment_rollout
from ..exercises import exercise, require

REVISION = "deployment.kubernetes.io/revision"
FIRST_IMAGE = "k8slab.local/web:1.0"


def _web(namespace: str) -> dict:
    return require("Deployment", "web", namespace,
                   missing=f"there is no Deployment 'web' in namespace {namespace!r}")


def _image(deployment: dict) -> str:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    return containers[0].get("image", "") if containers else ""


def _web_with_managed_fields(namespace: str) -> dict | None:
    """The web Deployment as stored, ``managedFields`` included (``find`` drops them)."""
    try:
        return dynamic().get(resource_for("Deployment"), name="web",
                             namespace=namespace).to_dict()
    except Exception as exc:
        if getattr(exc, "status", None) == 404:
            return None
        raise


def replicas_manager(deployment: dict) -> tuple[str, str]:
    """Who last set ``spec.replicas``, and how: ``(manager, operation)``.

    The API server records in ``metadata.managedFields`` which client owns
    each field. An ``Apply`` (``kubectl apply --server-side``, ``lab.apply``)
    is a declarative change; an ``Update`` (``kubectl scale``, the slider, an
    edit) is an imperative one. Returns ``("", "")`` when nobody owns it.

    Example:
        >>> replicas_manager({"metadata": {"managedFields": [{"manager": "k8slab",
        ...     "operation": "Apply", "fieldsV1": {"f:spec": {"f:replicas": {}}}}]}})
        ('k8slab', 'Apply')
    """
    for entry in (deployment.get("metadata") or {}).get("managedFields") or []:
        if "f:replicas" in ((entry.get("fieldsV1") or {}).get("f:spec") or {}):
            return entry.get("manager", ""), entry.get("operation", "")
    return "", ""


#: The field manager of a client-side ``kubectl apply``: an Update, but from a manifest.
CLIENT_SIDE_APPLY = "kubectl-client-side-apply"


def declarative(manager: str, operation: str) -> bool:
    """Did a manifest set the field (any apply), rather than a command (scale, edit, slider)?

    Example:
        >>> declarative("kubectl-client-side-apply", "Update"), declarative("kubectl", "Apply")
        (True, True)
        >>> declarative("kubectl-scale", "Update")
        False
    """
    return operation == "Apply" or manager == CLIENT_SIDE_APPLY


@exercise("05.scale", "Scale web to 4 replicas, declaratively",
          hint="Apply the web manifest with 'replicas: 4' (%%kubectl apply -n NAMESPACE -f - "
               "and the YAML; the slider or kubectl scale is imperative, and does not "
               "count), then %kubectl rollout status deployment/web -n NAMESPACE.")
def _scale(namespace: str) -> tuple[bool, str]:
    web = _web(namespace)
    wanted = web["spec"].get("replicas", 1)
    ready = (web.get("status") or {}).get("readyReplicas") or 0
    if wanted != 4:
        return False, f"web asks for {wanted} replicas, not 4"
    manager, operation = replicas_manager(_web_with_managed_fields(namespace) or web)
    if not declarative(manager, operation):
        return False, (f"web has 4 replicas, but set imperatively ({manager or 'someone'}, "
                       f"{operation or 'no record'}): apply a manifest that says replicas: 4")
    if ready != 4:
        return False, f"web asks for 4 replicas but only {ready} are ready yet: wait a moment"
    return True, "web runs 4 ready replicas"


@exercise("05.rollback", "Roll web back to web 1.0",
          hint="Re-apply manifests/05-deployments-web.yaml (the previous template), then "
               "lab.wait('Deployment', 'web', namespace).")
def _rollback(namespace: str) -> tuple[bool, str]:
    web = _web(namespace)
    image = _image(web)
    revision = int((web["metadata"].get("annotations") or {}).get(REVISION, "0"))
    if image != FIRST_IMAGE:
        return False, f"web's template runs {image}, not {FIRST_IMAGE}"
    if revision < 3:
        return False, (f"web runs {image} at revision {revision}: roll it out to web 2.0 "
                       "first (the section above), then roll back")
    done, message = deployment_rollout(web)
    if not done:
        return False, f"the rollback is under way: {message}"
    return True, f"web runs {image} again, as revision {revision} ({message})"


def _unscheduled(pod: dict) -> str | None:
    """The scheduler's message for a pod it could not place, else None."""
    scheduled = condition(pod, "PodScheduled") or {}
    if scheduled.get("status") == "False":
        return scheduled.get("message") or scheduled.get("reason") or "not scheduled"
    return None


@exercise("05.unstuck", "Finish the stuck rollout of web",
          hint="Read the events of the Pending pod (lab.events(namespace)): what does the "
               "scheduler say? Compare the pod's resources with the earlier manifests, fix the "
               "YAML, apply it, then lab.wait('Deployment', 'web', namespace).")
def _unstuck(namespace: str) -> tuple[bool, str]:
    web = _web(namespace)
    pods = [p for p in list_("Pod", namespace, labels={"app": "web"})
            if not p["metadata"].get("deletionTimestamp")]
    stuck = {p["metadata"]["name"]: _unscheduled(p) for p in pods if _unscheduled(p)}
    if stuck:
        name, why = next(iter(stuck.items()))
        return False, f"pod {name} cannot be scheduled: {why}"
    done, message = deployment_rollout(web)
    if not done:
        return False, f"the rollout of web is not finished: {message}"
    return True, f"web runs {_image(web)}, rollout finished ({message})"


@exercise("05.fix-crash", "Fix the worker whose command has a typo",
          hint="kubectl describe pods -l app=worker quotes the program it could not find: "
               "change the command to [\"sleep\", \"3600\"] in the %%kubectl apply cell.")
def _fix_crash(namespace: str) -> tuple[bool, str]:
    worker = require("Deployment", "worker", namespace)
    status = worker.get("status") or {}
    wanted = (worker.get("spec") or {}).get("replicas", 1)
    current = status.get("observedGeneration", 0) >= worker["metadata"].get("generation", 0)
    if not current or (status.get("updatedReplicas") or 0) < wanted:
        return False, "the worker's rollout has not started a pod from the latest template yet"
    if (status.get("readyReplicas") or 0) < wanted or (status.get("replicas") or 0) > wanted:
        return False, (f"worker has {status.get('readyReplicas') or 0} of {wanted} pods ready: "
                       "its container still does not start (kubectl describe pods -l app=worker)")
    return True, "worker's pod runs: the command starts, the rollout is complete"
