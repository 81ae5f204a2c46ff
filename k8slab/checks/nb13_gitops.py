"""Checks for notebook 13, GitOps with Flux.

They read what Flux reports (the Kustomization's Ready condition, the
revision it applied, its inventory, the GitRepository's artifact) and compare
it with the live objects. A change made by hand never passes: the field must
be owned by ``kustomize-controller`` at the revision Flux fetched last, so
only a change that went through git does.
"""

from __future__ import annotations

from .._resources import exists, find
from ..exercises import exercise, require
from ..gitops import (
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


def _flux_state(namespace: str) -> tuple[dict | None, str]:
    """The Kustomization when it is Ready at the source's latest revision, else why not."""
    app = find("Kustomization", APP, namespace, api_version=KUSTOMIZE_API)
    source = find("GitRepository", SOURCE, namespace, api_version=SOURCE_API)
    if app is None or source is None:
        return None, (f"no Kustomization {APP!r} and GitRepository {SOURCE!r} in {namespace} "
                      "(run the cells that apply them)")
    fetched = ((source.get("status") or {}).get("artifact") or {}).get("revision")
    applied = (app.get("status") or {}).get("lastAppliedRevision")
    ready = ready_condition(app)
    if ready.get("status") != "True":
        return None, f"Kustomization {APP!r} is not Ready: {ready.get('message', 'no status')}"
    if not fetched or applied != fetched:
        return None, (f"Flux fetched {short(fetched) or 'nothing'} but applied "
                      f"{short(applied) or 'nothing'}: push, then gitops.reconcile(namespace) "
                      "and gitops.wait_applied(...)")
    return app, short(applied)


@exercise("13.git-scale", "Scale through git",
          hint="In overlays/dev/kustomization.yaml change `count: 1` to `count: 2` "
               "(repo.replace), repo.commit(...), repo.push(), gitops.reconcile(namespace), "
               "then gitops.wait_applied(namespace, repo.head()).")
def _git_scale(namespace: str) -> tuple[bool, str]:
    app, revision = _flux_state(namespace)
    if app is None:
        return False, revision
    web = require("Deployment", "web", namespace,
                  missing=f"there is no Deployment 'web' in {namespace} (did Flux apply it?)")
    want = (web.get("spec") or {}).get("replicas")
    ready = (web.get("status") or {}).get("readyReplicas") or 0
    by = owner("Deployment", "web", namespace, "spec", "replicas")
    if want != 2:
        return False, f"Deployment 'web' wants {want} replica(s) at revision {revision}; " \
                      "git should say 2"
    if by != FLUX_MANAGER:
        return False, f"spec.replicas of 'web' was last set by {by!r}, not by Flux: " \
                      "change it in git (Flux will undo a change by hand)"
    if ready != 2:
        return False, f"Deployment 'web' has {ready}/2 ready pods: wait for the rollout"
    return True, f"revision {revision}, applied by Flux, runs 2 ready replicas of 'web'"


@exercise("13.prune", "Remove an object through git",
          hint="Delete the line `- debug-configmap.yaml` from overlays/dev/kustomization.yaml "
               "and the file itself (repo.remove), commit, push, gitops.reconcile(namespace), "
               "then gitops.wait_applied(namespace, repo.head()).")
def _prune(namespace: str) -> tuple[bool, str]:
    app, revision = _flux_state(namespace)
    if app is None:
        return False, revision
    live = exists("ConfigMap", "debug", namespace)
    if "ConfigMap/debug" in inventory_of(app):
        return False, f"revision {revision} still has ConfigMap/debug in Flux's inventory" + (
            " (deleting it by hand does not last: Flux puts it back)" if not live else "")
    if live:
        return False, "ConfigMap 'debug' is still in the cluster: wait for Flux to prune it"
    return True, f"revision {revision} no longer has ConfigMap/debug, and Flux pruned it"
