"""Checks for notebook 04, Pods.

Example:
    >>> from k8slab._course.registry import run_check
    >>> run_check("04.guaranteed", "nb04-pods").passed         # doctest: +SKIP
    False
"""

from __future__ import annotations

from k8slab._core.diagnose import from_pod_said
from k8slab._course.registry import Words, exercise, require, say


def _phase(pod: dict) -> str:
    return (pod.get("status") or {}).get("phase", "Pending")


@exercise("04.guaranteed",
          say("Run a pod whose QoS class is Guaranteed",
              "Lancer un pod dont la classe QoS est Guaranteed"),
          hint=say("Apply a pod named 'steady' whose container sets requests equal to limits, "
                   "for both cpu and memory (e.g. 200m and 128Mi), then lab.wait for it.",
                   "Appliquez un pod nommé 'steady' dont le conteneur a des demandes (requests) "
                   "égales à ses limites (limits), pour cpu comme pour memory (par exemple 200m "
                   "et 128Mi), puis attendez-le avec lab.wait."))
def _guaranteed(namespace: str) -> tuple[bool, Words]:
    pod = require("Pod", "steady", namespace,
                  missing=say(f"there is no pod called 'steady' in namespace {namespace!r} yet",
                              f"il n'y a pas encore de pod nommé 'steady' dans le namespace "
                              f"{namespace!r}"))
    qos = (pod.get("status") or {}).get("qosClass", "?")
    if qos != "Guaranteed":
        return False, say(f"pod 'steady' has QoS class {qos}: every container needs cpu and "
                          "memory limits, with requests equal to them",
                          f"le pod 'steady' a la classe QoS {qos} : chaque conteneur a besoin "
                          "de limites de cpu et de memory, avec des demandes égales à celles-ci")
    if _phase(pod) != "Running":
        return False, say(f"pod 'steady' is Guaranteed but {_phase(pod)}, not Running yet",
                          f"le pod 'steady' est Guaranteed mais {_phase(pod)}, pas encore "
                          "Running")
    return True, say("pod 'steady' runs with QoS class Guaranteed",
                     "le pod 'steady' tourne avec la classe QoS Guaranteed")


@exercise("04.greedy-fits",
          say("Make the greedy pod fit on a node",
              "Faire tenir le pod gourmand sur un nœud"),
          hint=say("A pod's resources cannot be changed in place: lab.delete('Pod', 'greedy', "
                   "namespace, wait=True), then apply it again with a cpu request of 250m.",
                   "Les ressources d'un pod ne peuvent pas changer sur place : "
                   "lab.delete('Pod', 'greedy', namespace, wait=True), puis appliquez-le à "
                   "nouveau avec une demande de cpu de 250m."))
def _greedy_fits(namespace: str) -> tuple[bool, Words]:
    pod = require("Pod", "greedy", namespace,
                  missing=say("there is no pod called 'greedy' (apply it again with a smaller "
                              "request)",
                              "il n'y a pas de pod nommé 'greedy' (appliquez-le à nouveau avec "
                              "une demande plus petite)"))
    if _phase(pod) != "Running":
        cause = from_pod_said(pod) or say("it has not started yet", "il n'a pas encore démarré")
        return False, say(f"pod 'greedy' is {_phase(pod)}: {cause}",
                          f"le pod 'greedy' est {_phase(pod)} : {cause}")
    node = (pod.get("spec") or {}).get("nodeName")
    return True, say(f"pod 'greedy' was scheduled on {node} and is Running",
                     f"le pod 'greedy' a été placé sur {node} et il est Running")


@exercise("04.fix-image",
          say("Fix the pod whose image has a typo",
              "Réparer le pod dont l'image contient une faute de frappe"),
          hint=say("kubectl describe pod shop names the image it cannot pull: change the image "
                   "line to k8slab.local/web:1.0 in the %%kubectl apply cell and run it again.",
                   "kubectl describe pod shop nomme l'image qu'il n'arrive pas à récupérer : "
                   "corrigez la ligne image en k8slab.local/web:1.0 dans la cellule "
                   "%%kubectl apply et exécutez-la à nouveau."))
def _fix_image(namespace: str) -> tuple[bool, Words]:
    pod = require("Pod", "shop", namespace,
                  missing=say(f"there is no pod called 'shop' in namespace {namespace!r}: "
                              "apply it",
                              f"il n'y a pas de pod nommé 'shop' dans le namespace "
                              f"{namespace!r} : appliquez-le"))
    image = pod["spec"]["containers"][0]["image"]
    if image != "k8slab.local/web:1.0":
        return False, say(f"pod 'shop' still asks for image {image!r}",
                          f"le pod 'shop' demande toujours l'image {image!r}")
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    if _phase(pod) != "Running" or not statuses or not statuses[0].get("ready"):
        cause = from_pod_said(pod) or say("its container has not started yet",
                                     "son conteneur n'a pas encore démarré")
        return False, say(f"pod 'shop' has the right image but is {_phase(pod)}: {cause}",
                          f"le pod 'shop' a la bonne image mais il est {_phase(pod)} : {cause}")
    return True, say("pod 'shop' runs k8slab.local/web:1.0: the image was pulled and started",
                     "le pod 'shop' exécute k8slab.local/web:1.0 : l'image a été récupérée et "
                     "démarrée")
