"""When is an object "done"? The rules kubectl uses, as pure functions.

Each function takes the object as a dict and returns ``(done, message)``;
the message says what is still missing, so a timeout can tell the learner
exactly where the rollout stopped. Pure, so unit tests feed them captured
objects.
"""

from __future__ import annotations

from k8slab._base.language import Words, say
from k8slab._core.objects import condition


def deployment_rollout(obj: dict) -> tuple[bool, str]:
    """The rule of ``kubectl rollout status deployment``.

    Example:
        >>> deployment_rollout({"metadata": {"generation": 2},
        ...     "spec": {"replicas": 3}, "status": {"observedGeneration": 2,
        ...     "replicas": 3, "updatedReplicas": 3, "availableReplicas": 2}})
        (False, '2 of 3 updated replicas are available')
    """
    done, words = deployment_rollout_said(obj)
    return done, words.en


def deployment_rollout_said(obj: dict) -> tuple[bool, Words]:
    """:func:`deployment_rollout` in both languages, for exercise checks' cards.

    The library's waits speak English, as kubectl does; a check shown in a
    French notebook quotes the French.
    """
    meta, spec, status = obj.get("metadata") or {}, obj.get("spec") or {}, obj.get("status") or {}
    if meta.get("generation", 0) > status.get("observedGeneration", 0):
        return False, say("waiting for the controller to see the new spec",
                          "le contrôleur n'a pas encore pris en compte la nouvelle spec")
    progressing = condition(obj, "Progressing")
    if progressing and progressing.get("reason") == "ProgressDeadlineExceeded":
        why = progressing.get("message", "progress deadline exceeded")
        return False, say(f"rollout stuck: {why}", f"rollout bloqué : {why}")
    want = spec.get("replicas", 1)
    updated = status.get("updatedReplicas", 0)
    total = status.get("replicas", 0)
    available = status.get("availableReplicas", 0)
    if updated < want:
        return False, say(f"{updated} of {want} replicas updated",
                          f"{updated} réplica(s) sur {want} mis à jour")
    if total > updated:
        return False, say(f"{total - updated} old replicas are pending termination",
                          f"{total - updated} ancien(s) réplica(s) en cours d'arrêt")
    if available < updated:
        return False, say(f"{available} of {updated} updated replicas are available",
                          f"{available} réplica(s) à jour sur {updated} disponible(s)")
    return True, say(f"{available}/{want} replicas available and up to date",
                     f"{available}/{want} réplicas disponibles et à jour")


def statefulset_rollout(obj: dict) -> tuple[bool, str]:
    """The rule of ``kubectl rollout status statefulset`` (RollingUpdate strategy)."""
    meta, spec, status = obj.get("metadata") or {}, obj.get("spec") or {}, obj.get("status") or {}
    if meta.get("generation", 0) > status.get("observedGeneration", 0):
        return False, "waiting for the controller to see the new spec"
    want = spec.get("replicas", 1)
    ready = status.get("readyReplicas", 0)
    if ready < want:
        return False, f"{ready} of {want} pods ready"
    if status.get("updateRevision") != status.get("currentRevision"):
        return False, f"{status.get('updatedReplicas', 0)} of {want} pods updated"
    return True, f"{ready}/{want} pods ready"


def daemonset_rollout(obj: dict) -> tuple[bool, str]:
    """The rule of ``kubectl rollout status daemonset``."""
    meta, status = obj.get("metadata") or {}, obj.get("status") or {}
    if meta.get("generation", 0) > status.get("observedGeneration", 0):
        return False, "waiting for the controller to see the new spec"
    want = status.get("desiredNumberScheduled", 0)
    updated = status.get("updatedNumberScheduled", 0)
    available = status.get("numberAvailable", 0)
    if updated < want:
        return False, f"{updated} of {want} pods updated"
    if available < want:
        return False, f"{available} of {want} pods available"
    return True, f"{available}/{want} pods available (one per eligible node)"


def pod_ready(obj: dict) -> tuple[bool, str]:
    """A pod is ready when its Ready condition is True."""
    phase = (obj.get("status") or {}).get("phase", "Pending")
    cond = condition(obj, "Ready")
    if cond and cond.get("status") == "True":
        return True, "Ready"
    if phase in ("Succeeded", "Failed"):
        return False, f"the pod ended ({phase}) and will never be Ready"
    return False, f"phase {phase}, not Ready yet"


def job_complete(obj: dict) -> tuple[bool, str]:
    """A Job is done when its Complete condition is True (Failed is reported)."""
    failed = condition(obj, "Failed")
    if failed and failed.get("status") == "True":
        return False, f"the Job failed: {failed.get('message') or failed.get('reason')}"
    done = condition(obj, "Complete")
    status = obj.get("status") or {}
    want = (obj.get("spec") or {}).get("completions", 1)
    if done and done.get("status") == "True":
        return True, f"{status.get('succeeded', 0)}/{want} completions"
    return False, f"{status.get('succeeded', 0)} of {want} completions, " \
                  f"{status.get('active', 0)} running"


def pvc_bound(obj: dict) -> tuple[bool, str]:
    phase = (obj.get("status") or {}).get("phase", "Pending")
    return phase == "Bound", f"phase {phase}"


def has_condition(kind: str):
    """A rule for ``until="condition=Available"`` style waits."""
    def rule(obj: dict) -> tuple[bool, str]:
        cond = condition(obj, kind)
        ok = bool(cond and cond.get("status") == "True")
        return ok, f"{kind}={cond.get('status') if cond else 'absent'}"
    return rule


RULES = {
    ("Deployment", "rollout"): deployment_rollout,
    ("StatefulSet", "rollout"): statefulset_rollout,
    ("DaemonSet", "rollout"): daemonset_rollout,
    ("Pod", "ready"): pod_ready,
    ("Job", "complete"): job_complete,
    ("PersistentVolumeClaim", "bound"): pvc_bound,
}

DEFAULT_UNTIL = {
    "Deployment": "rollout",
    "StatefulSet": "rollout",
    "DaemonSet": "rollout",
    "Pod": "ready",
    "Job": "complete",
    "PersistentVolumeClaim": "bound",
}
