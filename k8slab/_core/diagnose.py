"""One-line diagnoses: why is this object not doing what I asked?

When a wait times out or a check fails, a learner needs the cause, not a stack
trace. :func:`diagnose` reads the object's status, its pods and the recent
Events and names the most likely cause in one sentence: no node fits, the
image cannot be pulled, a Service selector matches no pod, a claim has no
volume. Rules are pure functions over dicts (unit-tested with captured
objects); only :func:`diagnose` talks to the cluster.
"""

from __future__ import annotations

from k8slab._base import display as _display
from k8slab._base.language import Words, say
from k8slab._core.api_errors import translate
from k8slab._core.objects import condition, matches, selector_string
from k8slab._core.resources import get, list_
from k8slab.errors import K8sLabError


def from_events(events: list[dict]) -> str:
    """The cause suggested by a list of Events (most recent last), or ''."""
    for ev in reversed(events):
        reason = ev.get("reason", "")
        msg = ev.get("message") or ev.get("note") or ""
        if reason == "FailedScheduling":
            return f"no node fits the pod: {msg}"
        if reason in ("Failed", "ErrImagePull", "ImagePullBackOff") and "image" in msg.lower():
            return f"the image cannot be pulled: {msg}"
        if reason == "ProvisioningFailed" or (reason == "FailedBinding"):
            return f"the claim has no volume: {msg}"
        if reason == "FailedCreate":
            return f"the controller cannot create pods: {msg}"
        if reason == "BackOff":
            return f"a container keeps crashing: {msg}"
        if reason == "Unhealthy":
            return f"a probe fails: {msg}"
    return ""


def from_pod(pod: dict) -> str:
    """The cause visible in one pod's status, or ''."""
    said = from_pod_said(pod)
    return said.en if said else ""


def from_pod_said(pod: dict) -> Words | None:
    """:func:`from_pod` in both languages (for exercise checks' cards), or None.

    Kubernetes' own words (the scheduler's message, a reason) stay as it wrote them.
    """
    status = pod.get("status") or {}
    scheduled = condition(pod, "PodScheduled") or {}
    if scheduled.get("status") == "False":
        why = scheduled.get("message", scheduled.get("reason", ""))
        return say(f"no node fits the pod: {why}", f"aucun nœud ne convient au pod : {why}")
    for cs in status.get("containerStatuses") or []:
        waiting = (cs.get("state") or {}).get("waiting") or {}
        reason = waiting.get("reason", "")
        if reason in ("ErrImagePull", "ImagePullBackOff", "InvalidImageName"):
            return say(f"the image {cs.get('image')!r} cannot be pulled ({reason})",
                       f"l'image {cs.get('image')!r} ne peut pas être tirée ({reason})")
        if reason == "CrashLoopBackOff":
            return say(f"container {cs.get('name')!r} keeps crashing (CrashLoopBackOff)",
                       f"le conteneur {cs.get('name')!r} plante en boucle (CrashLoopBackOff)")
    return None


def from_service(service: dict, pods: list[dict]) -> str:
    """A Service whose selector matches no (ready) pod."""
    selector = (service.get("spec") or {}).get("selector") or {}
    if not selector:
        return ""
    if not any(matches(selector, p) for p in pods):
        return (f"the Service selector {selector_string(selector)} matches no pod "
                "(check the pods' labels)")
    return ""


def from_pvc(pvc: dict) -> str:
    status = pvc.get("status") or {}
    if status.get("phase") == "Pending":
        cls = (pvc.get("spec") or {}).get("storageClassName")
        return ("the claim has no volume yet: no PersistentVolume matches it"
                + (f" and StorageClass {cls!r} did not provision one" if cls else "")
                + " (check size, access modes and storageClassName)")
    return ""


def diagnose(kind: str, name: str, namespace: str | None) -> str:
    """Name the most likely cause of trouble with an object, in one line ('' if none seen)."""
    with _display.quiet():
        return _diagnose(kind, name, namespace)


def _diagnose(kind: str, name: str, namespace: str | None) -> str:
    try:
        if kind == "Service":
            return from_service(get("Service", name, namespace), list_("Pod", namespace))
        if kind == "PersistentVolumeClaim":
            return from_pvc(get(kind, name, namespace))
        pods = [p for p in list_("Pod", namespace)
                if p["metadata"]["name"] == name or p["metadata"]["name"].startswith(name + "-")]
        for pod in pods:
            cause = from_pod(pod)
            if cause:
                return cause
        names = {name} | {p["metadata"]["name"] for p in pods}
        events = [e for e in list_("Event", namespace)
                  if (e.get("involvedObject") or e.get("regarding") or {}).get("name") in names
                  or any((e.get("involvedObject") or {}).get("name", "").startswith(n + "-")
                         for n in names)]
        events.sort(key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or "")
        return from_events(events)
    except K8sLabError:
        return ""
    except Exception as exc:  # diagnosis must never hide the original problem
        return f"(could not diagnose: {translate(exc).message})"
