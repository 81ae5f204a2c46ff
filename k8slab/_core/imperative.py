"""Nudge a controller: scale, restart, run a CronJob now.

Three things ``kubectl`` does with one verb and a learner wants in one call:
``kubectl scale``, ``kubectl rollout restart`` and ``kubectl create job
--from=cronjob/NAME``. Each is a small change to one object; the controllers
do the rest, which is the point the notebooks make.

``lab.apply`` is not the tool for these: server-side apply takes the *whole*
object as you want it, so applying ``{"spec": {"replicas": 4}}`` alone would
drop every other field k8slab applied before. A patch changes one field and
leaves the rest alone, as kubectl does.

Example:
    >>> cronjob = {"apiVersion": "batch/v1", "kind": "CronJob",
    ...            "metadata": {"name": "report", "uid": "1234"},
    ...            "spec": {"jobTemplate": {"spec": {"template": {"spec": {}}}}}}
    >>> job = job_from_cronjob(cronjob, "report-now")
    >>> job["metadata"]["ownerReferences"][0]["kind"], job["metadata"]["name"]
    ('CronJob', 'report-now')
"""

from __future__ import annotations

import copy
import time
from datetime import UTC, datetime

from k8slab._base import display as _display
from k8slab._core import request
from k8slab._core.resources import dynamic, resource_for
from k8slab.errors import K8sLabError

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
_MERGE = "application/merge-patch+json"


def _patch(kind: str, name: str, namespace: str, body: dict, *, kubectl: _display.Command,
           manager: str) -> dict:
    """Merge-patch one object, announced as the kubectl verb that does the same.

    Why ``manager``: kubectl records each verb as its own field manager
    (``kubectl-scale``, ``kubectl-rollout``), so ``managedFields`` shows the same
    owner whether the learner ran the line or the notebook did.
    """
    res = resource_for(kind)
    out = request.send("patch", res, name=name, namespace=namespace, kubectl=kubectl,
                       method="PATCH",
                       call=lambda: dynamic().patch(res, body=body, name=name,
                                                    namespace=namespace, content_type=_MERGE,
                                                    field_manager=manager))
    return out.to_dict()


def scale(kind: str, name: str, namespace: str, replicas: int) -> dict:
    """Set the number of replicas of a Deployment, StatefulSet or ReplicaSet.

    Like ``kubectl scale``: only ``spec.replicas`` changes.

    Returns:
        The object as stored after the change.

    Example:
        >>> scale("StatefulSet", "web", "demo", 2)["spec"]["replicas"]   # doctest: +SKIP
        2
    """
    if replicas < 0:
        raise K8sLabError(f"Cannot scale to {replicas} replicas.", "Use 0 or more.")
    return _patch(kind, name, namespace, {"spec": {"replicas": int(replicas)}},
                  kubectl=_display.kubectl("scale", f"{kind.lower()}/{name}", "-n", namespace,
                                           f"--replicas={replicas}"),
                  manager="kubectl-scale")


def restart(kind: str, name: str, namespace: str) -> dict:
    """Replace every pod of a Deployment, StatefulSet or DaemonSet, as a rolling update.

    Like ``kubectl rollout restart``: it stamps the pod template with the
    annotation ``kubectl.kubernetes.io/restartedAt``. The template changed, so
    the controller rolls out new pods, which read their environment afresh.

    Example:
        >>> restart("Deployment", "app", "demo")  # doctest: +SKIP
    """
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}
    return _patch(kind, name, namespace, body,
                  kubectl=_display.kubectl("rollout", "restart", f"{kind.lower()}/{name}",
                                           "-n", namespace),
                  manager="kubectl-rollout")


def job_from_cronjob(cronjob: dict, name: str | None = None) -> dict:
    """The Job a CronJob would start, to run it now (``kubectl create job --from``).

    The Job copies the CronJob's ``jobTemplate`` and names the CronJob as its
    owner (``ownerReferences``), so the CronJob counts it in its history and
    prunes it with the others, and deleting the CronJob deletes it.

    Args:
        cronjob: the CronJob as returned by ``lab.get`` (it needs its ``uid``).
        name: the Job's name; default ``<cronjob>-manual-<unix time>``.

    Returns:
        A Job manifest for ``lab.apply``.
    """
    meta = cronjob.get("metadata") or {}
    if not meta.get("uid"):
        raise K8sLabError("The CronJob has no uid: it was not read from the cluster.",
                          "Pass the object returned by lab.get('CronJob', name, namespace).")
    template = ((cronjob.get("spec") or {}).get("jobTemplate")) or {}
    template_meta = template.get("metadata") or {}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": name or f"{meta['name']}-manual-{int(time.time())}",
            "labels": dict(template_meta.get("labels") or {}),
            "annotations": {**(template_meta.get("annotations") or {}),
                            "cronjob.kubernetes.io/instantiate": "manual"},
            "ownerReferences": [{
                "apiVersion": cronjob.get("apiVersion", "batch/v1"),
                "kind": "CronJob",
                "name": meta["name"],
                "uid": meta["uid"],
                "controller": True,
            }],
        },
        "spec": copy.deepcopy(template.get("spec") or {}),
    }
