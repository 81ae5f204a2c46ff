"""Checks for notebook 04, Pods.

Example:
    >>> from k8slab.exercises import run_check
    >>> run_check("04.guaranteed", "nb04-pods").passed         # doctest: +SKIP
    False
"""

from __future__ import annotations

from .._diagnose import from_pod
from ..exercises import exercise, require


def _phase(pod: dict) -> str:
    return (pod.get("status") or {}).get("phase", "Pending")


@exercise("04.guaranteed", "Run a pod whose QoS class is Guaranteed",
          hint="Apply a pod named 'steady' whose container sets requests equal to limits, "
               "for both cpu and memory (e.g. 200m and 128Mi), then lab.wait for it.")
def _guaranteed(namespace: str) -> tuple[bool, str]:
    pod = require("Pod", "steady", namespace,
                  missing=f"there is no pod called 'steady' in namespace {namespace!r} yet")
    qos = (pod.get("status") or {}).get("qosClass", "?")
    if qos != "Guaranteed":
        return False, (f"pod 'steady' has QoS class {qos}: every container needs cpu and "
                       "memory limits, with requests equal to them")
    if _phase(pod) != "Running":
        return False, f"pod 'steady' is Guaranteed but {_phase(pod)}, not Running yet"
    return True, "pod 'steady' runs with QoS class Guaranteed"


@exercise("04.greedy-fits", "Make the greedy pod fit on a node",
          hint="A pod's resources cannot be changed in place: lab.delete('Pod', 'greedy', "
               "namespace, wait=True), then apply it again with a cpu request of 250m.")
def _greedy_fits(namespace: str) -> tuple[bool, str]:
    pod = require("Pod", "greedy", namespace, missing="there is no pod called 'greedy' (apply "
                  "it again with a smaller request)")
    if _phase(pod) != "Running":
        cause = from_pod(pod) or "it has not started yet"
        return False, f"pod 'greedy' is {_phase(pod)}: {cause}"
    node = (pod.get("spec") or {}).get("nodeName")
    return True, f"pod 'greedy' was scheduled on {node} and is Running"


@exercise("04.fix-image", "Fix the pod whose image has a typo",
          hint="kubectl describe pod shop names the image it cannot pull: change the image "
               "line to k8slab.local/web:1.0 in the %%kubectl apply cell and run it again.")
def _fix_image(namespace: str) -> tuple[bool, str]:
    pod = require("Pod", "shop", namespace,
                  missing=f"there is no pod called 'shop' in namespace {namespace!r}: apply it")
    image = pod["spec"]["containers"][0]["image"]
    if image != "k8slab.local/web:1.0":
        return False, f"pod 'shop' still asks for image {image!r}"
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    if _phase(pod) != "Running" or not statuses or not statuses[0].get("ready"):
        cause = from_pod(pod) or "its container has not started yet"
        return False, f"pod 'shop' has the right image but is {_phase(pod)}: {cause}"
    return True, "pod 'shop' runs k8slab.local/web:1.0: the image was pulled and started"
