"""Checks for notebook 13, GitOps with Flux.

They read what Flux reports (the Kustomization's Ready condition, the
revision it applied, its inventory, the GitRepository's artifact) and compare
it with the live objects. A change made by hand never passes: the field must
be owned by ``kustomize-controller`` at the revision Flux fetched last, so
only a change that went through git does.
"""

from __future__ import annotations

from k8slab._core.resources import exists, find
from k8slab._course.registry import Words, exercise, require, say
from k8slab.gitops import (
    APP,
    FLUX_MANAGER,
    KUSTOMIZE_API,
    SOURCE,
    SOURCE_API,
    inventory_of,
    owner,
    ready_condition,
    short,
)


def _flux_state(namespace: str) -> tuple[dict | None, Words | str]:
    """The Kustomization when it is Ready at the source's latest revision, else why not."""
    app = find("Kustomization", APP, namespace, api_version=KUSTOMIZE_API)
    source = find("GitRepository", SOURCE, namespace, api_version=SOURCE_API)
    if app is None or source is None:
        return None, say(f"no Kustomization {APP!r} and GitRepository {SOURCE!r} in {namespace} "
                         "(run the cells that apply them)",
                         f"pas de Kustomization {APP!r} ni de GitRepository {SOURCE!r} dans "
                         f"{namespace} (exécutez les cellules qui les appliquent)")
    fetched = ((source.get("status") or {}).get("artifact") or {}).get("revision")
    applied = (app.get("status") or {}).get("lastAppliedRevision")
    ready = ready_condition(app)
    if ready.get("status") != "True":
        return None, say(f"Kustomization {APP!r} is not Ready: "
                         f"{ready.get('message', 'no status')}",
                         f"la Kustomization {APP!r} n'est pas Ready : "
                         f"{ready.get('message', 'pas de statut')}")
    if not fetched or applied != fetched:
        return None, say(f"Flux fetched {short(fetched) or 'nothing'} but applied "
                         f"{short(applied) or 'nothing'}: push, then gitops.reconcile(namespace) "
                         "and gitops.wait_applied(...)",
                         f"Flux a récupéré {short(fetched) or 'rien'} mais a appliqué "
                         f"{short(applied) or 'rien'} : poussez, puis "
                         "gitops.reconcile(namespace) et gitops.wait_applied(...)")
    return app, short(applied)


@exercise("13.git-scale",
          say("Scale through git", "Mettre à l'échelle par git"),
          hint=say("In overlays/dev/kustomization.yaml change `count: 1` to `count: 2` "
                   "(repo.replace), repo.commit(...), repo.push(), gitops.reconcile(namespace), "
                   "then gitops.wait_applied(namespace, repo.head()).",
                   "Dans overlays/dev/kustomization.yaml, remplacez `count: 1` par `count: 2` "
                   "(repo.replace), puis repo.commit(...), repo.push(), "
                   "gitops.reconcile(namespace), et enfin "
                   "gitops.wait_applied(namespace, repo.head())."))
def _git_scale(namespace: str) -> tuple[bool, Words | str]:
    app, revision = _flux_state(namespace)
    if app is None:
        return False, revision
    web = require("Deployment", "web", namespace,
                  missing=say(f"there is no Deployment 'web' in {namespace} (did Flux apply it?)",
                              f"il n'y a pas de Deployment 'web' dans {namespace} (Flux l'a-t-il "
                              "appliqué ?)"))
    want = (web.get("spec") or {}).get("replicas")
    ready = (web.get("status") or {}).get("readyReplicas") or 0
    by = owner("Deployment", "web", namespace, "spec", "replicas")
    if want != 2:
        return False, say(f"Deployment 'web' wants {want} replica(s) at revision {revision}; "
                          "git should say 2",
                          f"le Deployment 'web' veut {want} réplica(s) à la révision {revision} ; "
                          "git devrait dire 2")
    if by != FLUX_MANAGER:
        return False, say(f"spec.replicas of 'web' was last set by {by!r}, not by Flux: "
                          "change it in git (Flux will undo a change by hand)",
                          f"le spec.replicas de 'web' a été fixé en dernier par {by!r}, pas par "
                          "Flux : changez-le dans git (Flux annulera une modification faite à "
                          "la main)")
    if ready != 2:
        return False, say(f"Deployment 'web' has {ready}/2 ready pods: wait for the rollout",
                          f"le Deployment 'web' a {ready}/2 pods prêts : attendez la fin du "
                          "rollout")
    return True, say(f"revision {revision}, applied by Flux, runs 2 ready replicas of 'web'",
                     f"la révision {revision}, appliquée par Flux, fait tourner deux réplicas "
                     "prêts de 'web'")


@exercise("13.prune",
          say("Remove an object through git", "Retirer un objet par git"),
          hint=say("Delete the line `- debug-configmap.yaml` from overlays/dev/kustomization.yaml "
                   "and the file itself (repo.remove), commit, push, gitops.reconcile(namespace), "
                   "then gitops.wait_applied(namespace, repo.head()).",
                   "Supprimez la ligne `- debug-configmap.yaml` de "
                   "overlays/dev/kustomization.yaml ainsi que le fichier lui-même (repo.remove), "
                   "committez, poussez, lancez gitops.reconcile(namespace), puis "
                   "gitops.wait_applied(namespace, repo.head())."))
def _prune(namespace: str) -> tuple[bool, Words | str]:
    app, revision = _flux_state(namespace)
    if app is None:
        return False, revision
    live = exists("ConfigMap", "debug", namespace)
    if "ConfigMap/debug" in inventory_of(app):
        return False, say(
            f"revision {revision} still has ConfigMap/debug in Flux's inventory" + (
                " (deleting it by hand does not last: Flux puts it back)" if not live else ""),
            f"la révision {revision} a toujours ConfigMap/debug dans l'inventaire de Flux" + (
                " (la supprimer à la main ne dure pas : Flux la remet)" if not live else ""))
    if live:
        return False, say("ConfigMap 'debug' is still in the cluster: wait for Flux to prune it",
                          "la ConfigMap 'debug' est toujours dans le cluster : attendez que Flux "
                          "l'élague")
    return True, say(f"revision {revision} no longer has ConfigMap/debug, and Flux pruned it",
                     f"la révision {revision} n'a plus ConfigMap/debug, et Flux l'a élaguée")
