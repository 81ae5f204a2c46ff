"""Checks for notebook 07, More workloads."""

from __future__ import annotations

from .._objects import is_true
from .._resources import list_
from ..exercises import exercise, require


@exercise("07.scale-web", "Scale the StatefulSet web to 4 replicas",
          hint="%kubectl scale statefulset/web --replicas=4 -n {namespace}, then %kubectl "
               "rollout status statefulset/web -n {namespace}.")
def _scale_web(namespace: str) -> tuple[bool, str]:
    sts = require("StatefulSet", "web", namespace,
                  missing="there is no StatefulSet 'web' (run the notebook from the top)")
    want = sts["spec"].get("replicas", 1)
    ready = (sts.get("status") or {}).get("readyReplicas", 0)
    if want != 4:
        return False, f"StatefulSet 'web' asks for {want} replicas, 4 wanted"
    if ready < 4:
        return False, f"{ready} of 4 pods are ready; wait for the rollout"
    claims = {c["metadata"]["name"]: (c.get("status") or {}).get("phase")
              for c in list_("PersistentVolumeClaim", namespace)}
    missing = [f"data-web-{i}" for i in range(4) if claims.get(f"data-web-{i}") != "Bound"]
    if missing:
        return False, f"these claims are not Bound: {', '.join(missing)}"
    return True, "web-0 to web-3 are ready, each with its own Bound claim data-web-N"


@exercise("07.parallel-job", "Run 6 completions, 3 at a time",
          hint="Copy manifests/07-workloads-job.yaml: name 'thumbnails', completions: 6, "
               "parallelism: 3; apply it, then lab.wait('Job', 'thumbnails', namespace).")
def _parallel_job(namespace: str) -> tuple[bool, str]:
    job = require("Job", "thumbnails", namespace, missing="there is no Job 'thumbnails' yet")
    spec, status = job["spec"], job.get("status") or {}
    if (spec.get("completions"), spec.get("parallelism")) != (6, 3):
        return False, (f"Job 'thumbnails' has completions={spec.get('completions')}, "
                       f"parallelism={spec.get('parallelism')}; 6 and 3 wanted")
    if is_true(job, "Failed"):
        return False, "Job 'thumbnails' failed; delete it and apply it again"
    if not is_true(job, "Complete"):
        return False, (f"Job 'thumbnails' is not complete yet: {status.get('succeeded', 0)} of 6 "
                       "succeeded; wait with lab.wait('Job', 'thumbnails', namespace)")
    return True, "Job 'thumbnails' completed 6 times, 3 pods at a time"


@exercise("07.cronjob-now", "Schedule a clean-up every 15 minutes, and run it now",
          hint="A CronJob 'cleanup' with schedule '*/15 * * * *' and "
               "successfulJobsHistoryLimit: 3; then %kubectl create job cleanup-now "
               "--from=cronjob/cleanup -n {namespace}, and wait for the Job to complete.")
def _cronjob_now(namespace: str) -> tuple[bool, str]:
    cronjob = require("CronJob", "cleanup", namespace,
                      missing="there is no CronJob 'cleanup' yet")
    spec = cronjob["spec"]
    if spec.get("schedule", "").split() != ["*/15", "*", "*", "*", "*"]:
        return False, f"CronJob 'cleanup' runs on {spec.get('schedule')!r}; '*/15 * * * *' wanted"
    if spec.get("successfulJobsHistoryLimit") != 3:
        return False, (f"successfulJobsHistoryLimit is {spec.get('successfulJobsHistoryLimit')}, "
                       "3 wanted")
    uid = cronjob["metadata"]["uid"]
    runs = [j for j in list_("Job", namespace)
            if any(o.get("uid") == uid for o in j["metadata"].get("ownerReferences") or [])]
    if not runs:
        return False, "CronJob 'cleanup' has not run yet: start a Job from its jobTemplate"
    done = [j["metadata"]["name"] for j in runs if is_true(j, "Complete")]
    if not done:
        return False, f"{len(runs)} run(s) started, none complete yet: wait for the Job"
    return True, f"CronJob 'cleanup' is scheduled every 15 minutes and ran now ({done[0]})"


@exercise("07.unbound", "Give the cache a disk it can get",
          hint="Read the events of the claim data-cache-0: which StorageClass does it ask "
               "for, and which classes exist (kubectl get storageclass)? volumeClaimTemplates "
               "cannot change: delete the StatefulSet and the claim, then apply a fixed YAML.")
def _unbound(namespace: str) -> tuple[bool, str]:
    cache = require("StatefulSet", "cache", namespace,
                    missing="there is no StatefulSet 'cache' (apply the fixed manifest)")
    claim = require("PersistentVolumeClaim", "data-cache-0", namespace, missing="the claim "
                    "data-cache-0 does not exist yet: wait for the StatefulSet")
    phase = (claim.get("status") or {}).get("phase")
    wanted = claim["spec"].get("storageClassName")
    if phase != "Bound":
        classes = sorted(c["metadata"]["name"] for c in list_("StorageClass"))
        return False, (f"claim data-cache-0 is {phase}: it asks for StorageClass {wanted!r}; "
                       f"this cluster has {', '.join(classes) or 'none'}")
    ready = (cache.get("status") or {}).get("readyReplicas", 0)
    if ready < 1:
        return False, "the claim is Bound; cache-0 is not ready yet: wait for the StatefulSet"
    return True, f"cache-0 is ready with claim data-cache-0 Bound (class {wanted})"
