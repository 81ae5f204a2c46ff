"""Checks for notebook 13, GitOps.

They read what the GitOps loop reports in its status ConfigMap (label
``k8slab.io/gitops-status``) and compare it with the live objects, so a change
made by hand, which the loop undoes, never passes: only a change that went
through git does.
"""

from __future__ import annotations

from .._resources import exists, get, list_
from ..exercises import exercise
from ..gitops import APP_LABEL, REVISION_ANNOTATION, STATUS_LABEL


def _status(namespace: str) -> dict | None:
    found = list_("ConfigMap", namespace, labels=STATUS_LABEL)
    return (found[0].get("data") or {}) if found else None


@exercise("13.git-scale", "Scale through git",
          hint="In overlays/dev/kustomization.yaml change `count: 1` to `count: 2` "
               "(repo.replace), repo.commit(...), then loop.wait_synced().")
def _git_scale(namespace: str) -> tuple[bool, str]:
    status = _status(namespace)
    if status is None:
        return False, "the GitOps loop has not synced this namespace yet (is it running?)"
    if not exists("Deployment", "web", namespace):
        return False, "there is no Deployment 'web' (is the GitOps loop running?)"
    web = get("Deployment", "web", namespace)
    want = (web.get("spec") or {}).get("replicas")
    ready = (web.get("status") or {}).get("readyReplicas") or 0
    revision = ((web.get("metadata") or {}).get("annotations") or {}).get(REVISION_ANNOTATION)
    if want != 2:
        return False, f"Deployment 'web' wants {want} replica(s), wanted 2 from git " \
                      f"(revision {status.get('revision')} synced)"
    if revision != status.get("revision"):
        return False, f"Deployment 'web' comes from revision {revision}, but the loop last " \
                      f"synced {status.get('revision')}: wait for the loop"
    if ready != 2:
        return False, f"Deployment 'web' has {ready}/2 ready pods: wait for the rollout"
    return True, f"revision {revision} from git runs 2 ready replicas of 'web'"


@exercise("13.prune", "Remove an object through git",
          hint="Delete the line `- debug-configmap.yaml` from overlays/dev/kustomization.yaml "
               "and the file itself (repo.remove), commit, then loop.wait_synced().")
def _prune(namespace: str) -> tuple[bool, str]:
    status = _status(namespace)
    if status is None:
        return False, "the GitOps loop has not synced this namespace yet (is it running?)"
    listed = "ConfigMap/debug" in (status.get("objects") or "").split()
    live = exists("ConfigMap", "debug", namespace)
    if listed:
        return False, f"revision {status.get('revision')} of the repository still has " \
                      "ConfigMap/debug" + (" (deleting it by hand does not last: the loop "
                                           "puts it back)" if not live else "")
    if live:
        labels = (get("ConfigMap", "debug", namespace)["metadata"].get("labels") or {})
        return False, "ConfigMap 'debug' is still in the cluster" + (
            ": wait for the loop to prune it" if APP_LABEL in labels else "")
    return True, f"revision {status.get('revision')} no longer has ConfigMap/debug, " \
                 "and the loop pruned it from the cluster"
