"""Checks for notebook 03, Namespaces.

The notebook works in ``namespace`` and creates siblings named after it
(``<namespace>-dev``, ``<namespace>-prod``), so the checks derive those names
from the one namespace they are given.

Example:
    >>> from k8slab._course.registry import run_check
    >>> run_check("03.prod-namespace", "nb03-namespaces").passed  # doctest: +SKIP
    False
"""

from __future__ import annotations

from k8slab._course.registry import Words, exercise, require, say


@exercise("03.prod-namespace",
          say("Create a labelled namespace for production",
              "Créer un namespace étiqueté pour la production"),
          hint=say("Apply a Namespace named f'{namespace}-prod' with the labels "
                   "owner: <your namespace> and env: prod.",
                   "Appliquez un Namespace nommé f'{namespace}-prod' avec les labels "
                   "owner: <votre namespace> et env: prod."))
def _prod_namespace(namespace: str) -> tuple[bool, Words]:
    prod = f"{namespace}-prod"
    ns = require("Namespace", prod,
                 missing=say(f"there is no namespace {prod!r} yet",
                             f"il n'y a pas encore de namespace {prod!r}"))
    labels = ns["metadata"].get("labels") or {}
    wanted = {"owner": namespace, "env": "prod"}
    wrong = [f"{k}={labels.get(k)!r}" for k, v in wanted.items() if labels.get(k) != v]
    if wrong:
        return False, say(f"namespace {prod!r} has {', '.join(wrong)}; wanted owner={namespace}, "
                          "env=prod",
                          f"le namespace {prod!r} a {', '.join(wrong)} ; attendu : "
                          f"owner={namespace}, env=prod")
    phase = (ns.get("status") or {}).get("phase")
    if phase != "Active":
        return False, say(f"namespace {prod!r} is {phase}, not Active",
                          f"le namespace {prod!r} est {phase}, et non Active")
    return True, say(f"namespace {prod!r} is Active with labels owner={namespace}, env=prod",
                     f"le namespace {prod!r} est Active, avec les labels owner={namespace}, "
                     "env=prod")


@exercise("03.same-name",
          say("Two ConfigMaps with the same name in two namespaces",
              "Deux ConfigMaps de même nom dans deux namespaces"),
          hint=say("Apply a ConfigMap named 'settings' with data color: blue in your namespace, "
                   "and another 'settings' with color: green in f'{namespace}-dev'.",
                   "Appliquez une ConfigMap nommée 'settings' avec la clé color: blue dans "
                   "votre namespace, et une autre 'settings' avec color: green dans "
                   "f'{namespace}-dev'."))
def _same_name(namespace: str) -> tuple[bool, Words]:
    dev = f"{namespace}-dev"
    for ns, color in ((namespace, "blue"), (dev, "green")):
        found = (require("ConfigMap", "settings", ns).get("data") or {}).get("color")
        if found != color:
            return False, say(f"'settings' in {ns!r} has color={found!r}; {color!r} wanted",
                              f"'settings' dans {ns!r} a color={found!r} ; {color!r} attendu")
    return True, say("one name, two objects: 'settings' is blue in one namespace, green in the "
                     "other",
                     "un nom, deux objets : 'settings' vaut blue dans un namespace, green dans "
                     "l'autre")
