"""Checks for notebook 01, Getting started."""

from __future__ import annotations

from k8slab._course.registry import Words, exercise, require, say


@exercise("01.configmap",
          say("Store a greeting in a ConfigMap",
              "Enregistrer un message de bienvenue dans une ConfigMap"),
          hint=say("lab.apply a ConfigMap named 'hello' with data "
                   "{'greeting': 'hello, kubernetes'}.",
                   "Appliquez (lab.apply) une ConfigMap appelée 'hello' avec les données "
                   "{'greeting': 'hello, kubernetes'}."))
def _configmap(namespace: str) -> tuple[bool, Words]:
    data = require("ConfigMap", "hello", namespace,
                   missing=say(f"no ConfigMap 'hello' in namespace {namespace!r} yet",
                               f"pas encore de ConfigMap 'hello' dans le namespace "
                               f"{namespace!r}")).get("data") or {}
    if data.get("greeting") != "hello, kubernetes":
        return False, say(f"ConfigMap 'hello' has greeting={data.get('greeting')!r}",
                          f"la ConfigMap 'hello' a greeting={data.get('greeting')!r}")
    return True, say("ConfigMap 'hello' holds the greeting",
                     "la ConfigMap 'hello' contient le message de bienvenue")


@exercise("01.first-pod", say("Run your first pod", "Lancer votre premier pod"),
          hint=say("lab.apply('manifests/01-getting-started-pod.yaml', namespace), "
                   "then lab.wait.",
                   "lab.apply('manifests/01-getting-started-pod.yaml', namespace), "
                   "puis lab.wait."))
def _first_pod(namespace: str) -> tuple[bool, Words]:
    pod = require("Pod", "first", namespace,
                  missing=say("there is no pod called 'first' yet",
                              "il n'y a pas encore de pod appelé 'first'"))
    phase = (pod.get("status") or {}).get("phase", "Pending")
    if phase != "Running":
        return False, say(f"pod 'first' exists but is {phase}",
                          f"le pod 'first' existe, mais il est {phase}")
    return True, say(f"pod 'first' is Running on {pod['spec'].get('nodeName')}",
                     f"le pod 'first' est Running sur {pod['spec'].get('nodeName')}")
