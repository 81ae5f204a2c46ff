"""Checks for notebook 03, Namespaces.

The notebook works in ``namespace`` and creates siblings named after it
(``<namespace>-dev``, ``<namespace>-prod``), so the checks derive those names
from the one namespace they are given.

Example:
    >>> from k8slab.exercises import run_check
    >>> run_check("03.prod-namespace", "nb03-namespaces").passed  # doctest: +SKIP
    False
"""

from __future__ import annotations

from ..exercises import exercise, require


@exercise("03.prod-namespace", "Create a labelled namespace for production",
          hint="Apply a Namespace named f'{namespace}-prod' with the labels "
               "owner: <your namespace> and env: prod.")
def _prod_namespace(namespace: str) -> tuple[bool, str]:
    prod = f"{namespace}-prod"
    ns = require("Namespace", prod, missing=f"there is no namespace {prod!r} yet")
    labels = ns["metadata"].get("labels") or {}
    wanted = {"owner": namespace, "env": "prod"}
    wrong = [f"{k}={labels.get(k)!r}" for k, v in wanted.items() if labels.get(k) != v]
    if wrong:
        return False, (f"namespace {prod!r} has {', '.join(wrong)}; wanted owner={namespace}, "
                       "env=prod")
    phase = (ns.get("status") or {}).get("phase")
    if phase != "Active":
        return False, f"namespace {prod!r} is {phase}, not Active"
    return True, f"namespace {prod!r} is Active with labels owner={namespace}, env=prod"


@exercise("03.same-name", "Two ConfigMaps with the same name in two namespaces",
          hint="Apply a ConfigMap named 'settings' with data color: blue in your namespace, "
               "and another 'settings' with color: green in f'{namespace}-dev'.")
def _same_name(namespace: str) -> tuple[bool, str]:
    dev = f"{namespace}-dev"
    for ns, color in ((namespace, "blue"), (dev, "green")):
        found = (require("ConfigMap", "settings", ns).get("data") or {}).get("color")
        if found != color:
            return False, f"'settings' in {ns!r} has color={found!r}; {color!r} wanted"
    return True, "one name, two objects: 'settings' is blue in one namespace, green in the other"
