"""Checks for notebook 12, Helm.

Both checks ask Helm itself what the release holds (``helm get values``),
not only the cluster: a ``kubectl scale`` would give the right pod count but
leave the release's values behind, and the next upgrade would undo it.

Example:
    >>> from k8slab._course.registry import run_check
    >>> run_check("12.upgrade-values", "nb12-helm").passed       # doctest: +SKIP
    False
"""

from __future__ import annotations

from k8slab import helm
from k8slab._core.resources import find
from k8slab._course.registry import NotYet, Words, exercise, say
from k8slab.errors import HelmError

#: The greeting in the chart's values.yaml (manifests/12-helm-chart).
DEFAULT_MESSAGE = "Hello from Helm!"


def _release(name: str, namespace: str) -> dict:
    """The Helm release, listed once; "not yet" when it is not installed."""
    release = next((r for r in helm.list_releases(namespace) if r["name"] == name), None)
    if release is None:
        raise NotYet(say(f"there is no Helm release {name!r} in namespace {namespace!r}",
                         f"il n'y a pas encore de release Helm {name!r} dans le namespace "
                         f"{namespace!r}"))
    return release


def _ready(name: str, namespace: str) -> int:
    deployment = find("Deployment", name, namespace) or {}
    return int((deployment.get("status") or {}).get("readyReplicas") or 0)


def _message(configmap: str, namespace: str) -> str | None:
    found = find("ConfigMap", configmap, namespace)
    return None if found is None else (found.get("data") or {}).get("MESSAGE")


@exercise("12.upgrade-values",
          say("Upgrade the release to 4 replicas and a greeting of your own",
              "Mettre à jour la release : 4 réplicas et un message de votre choix"),
          hint=say("helm.upgrade('web', '12-helm-chart', namespace, values={'replicaCount': 4, "
                   "'message': 'Hi there'}): change the release's values, not the Deployment.",
                   "helm.upgrade('web', '12-helm-chart', namespace, values={'replicaCount': 4, "
                   "'message': 'Hi there'}) : changez les valeurs de la release, pas le "
                   "Deployment."))
def _upgrade_values(namespace: str) -> tuple[bool, str | Words]:
    release = _release("web", namespace)
    try:
        values = helm.get_values("web", namespace)
    except HelmError as err:
        return False, err.message
    replicas = values.get("replicaCount")
    message = values.get("message")
    if replicas != 4:
        return False, say(
            f"release 'web' (revision {release['revision']}): replicaCount is "
            + ("not set (chart default: 2)" if replicas is None else repr(replicas))
            + ", 4 wanted",
            f"la release 'web' (révision {release['revision']}) : replicaCount "
            + ("n'est pas fixé (2 par défaut dans le chart)" if replicas is None
               else f"vaut {replicas!r}") + ", 4 attendus")
    if not message or message == DEFAULT_MESSAGE:
        return False, say("release 'web' still uses the chart's default message: set your own",
                          "la release 'web' utilise encore le message par défaut du chart : "
                          "donnez le vôtre")
    ready = _ready("web", namespace)
    if ready != 4:
        return False, say(f"the release asks for 4 replicas but {ready} are ready yet",
                          f"la release demande 4 réplicas, mais seuls {ready} sont prêts")
    if _message("web-config", namespace) != message:
        return False, say("the ConfigMap web-config does not hold the release's message yet",
                          "la ConfigMap web-config ne contient pas encore le message de la "
                          "release")
    return True, say(f"release 'web' is at revision {release['revision']}: 4 replicas ready, "
                     f"greeting {message!r}",
                     f"la release 'web' est à la révision {release['revision']} : 4 réplicas "
                     f"prêts, message {message!r}")


@exercise("12.second-release",
          say("Install the same chart again as a release called 'canary'",
              "Installer de nouveau le même chart, comme release nommée 'canary'"),
          hint=say("A values file with replicaCount: 1 and a message that says canary, written "
                   "with %%writefile {canary_values}; then helm.install('canary', "
                   "'12-helm-chart', namespace, values_files=[canary_values]).",
                   "Un fichier de valeurs avec replicaCount: 1 et un message qui parle de "
                   "canary, écrit avec %%writefile {canary_values} ; puis "
                   "helm.install('canary', '12-helm-chart', namespace, "
                   "values_files=[canary_values])."))
def _second_release(namespace: str) -> tuple[bool, str | Words]:
    release = _release("canary", namespace)
    if release["status"] != "deployed":
        return False, say(f"release 'canary' is {release['status']}, not deployed",
                          f"la release 'canary' est à l'état {release['status']}, pas deployed")
    ready = _ready("canary", namespace)
    if ready != 1:
        return False, say(f"Deployment 'canary' has {ready} ready replicas, 1 wanted",
                          f"le Deployment 'canary' a {ready} réplicas prêts, 1 attendu")
    message = _message("canary-config", namespace) or ""
    if "canary" not in message.lower():
        return False, say(f"ConfigMap 'canary-config' says {message!r}: "
                          "the greeting should mention the canary",
                          f"la ConfigMap 'canary-config' dit {message!r} : "
                          "le message devrait parler de canary")
    return True, say(f"release 'canary' runs 1 pod next to 'web', from the same chart, "
                     f"saying {message!r}",
                     f"la release 'canary' fait tourner 1 pod à côté de 'web', avec le même "
                     f"chart, et dit {message!r}")
