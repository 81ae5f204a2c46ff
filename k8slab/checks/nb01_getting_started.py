"""Checks for notebook 01, Getting started."""

from __future__ import annotations

from ..exercises import exercise, require


@exercise("01.configmap", "Store a greeting in a ConfigMap",
          hint="lab.apply a ConfigMap named 'hello' with data {'greeting': 'hello, kubernetes'}.")
def _configmap(namespace: str) -> tuple[bool, str]:
    data = require("ConfigMap", "hello", namespace,
                   missing=f"no ConfigMap 'hello' in namespace {namespace!r} yet").get("data") or {}
    if data.get("greeting") != "hello, kubernetes":
        return False, f"ConfigMap 'hello' has greeting={data.get('greeting')!r}"
    return True, "ConfigMap 'hello' holds the greeting"


@exercise("01.first-pod", "Run your first pod",
          hint="lab.apply('manifests/01-getting-started-pod.yaml', namespace), then lab.wait.")
def _first_pod(namespace: str) -> tuple[bool, str]:
    pod = require("Pod", "first", namespace, missing="there is no pod called 'first' yet")
    phase = (pod.get("status") or {}).get("phase", "Pending")
    if phase != "Running":
        return False, f"pod 'first' exists but is {phase}"
    return True, f"pod 'first' is Running on {pod['spec'].get('nodeName')}"
