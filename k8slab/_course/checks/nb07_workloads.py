"""Checks for notebook 07, More workloads."""

from __future__ import annotations

from k8slab._core.objects import is_true
from k8slab._core.resources import list_
from k8slab._course.registry import Words, exercise, require, say


@exercise("07.scale-web",
          say("Scale the StatefulSet web to 4 replicas",
              "Passer le StatefulSet web à 4 réplicas"),
          hint=say("%kubectl scale statefulset/web --replicas=4 -n {namespace}, then %kubectl "
                   "rollout status statefulset/web -n {namespace}.",
                   "%kubectl scale statefulset/web --replicas=4 -n {namespace}, puis %kubectl "
                   "rollout status statefulset/web -n {namespace}."))
def _scale_web(namespace: str) -> tuple[bool, Words]:
    sts = require("StatefulSet", "web", namespace,
                  missing=say("there is no StatefulSet 'web' (run the notebook from the top)",
                              "il n'y a pas de StatefulSet 'web' (exécutez le notebook depuis "
                              "le début)"))
    want = sts["spec"].get("replicas", 1)
    ready = (sts.get("status") or {}).get("readyReplicas", 0)
    if want != 4:
        return False, say(f"StatefulSet 'web' asks for {want} replicas, 4 wanted",
                          f"le StatefulSet 'web' demande {want} réplicas, 4 attendus")
    if ready < 4:
        return False, say(f"{ready} of 4 pods are ready; wait for the rollout",
                          f"{ready} pods sur 4 sont prêts ; attendez la fin du rollout")
    claims = {c["metadata"]["name"]: (c.get("status") or {}).get("phase")
              for c in list_("PersistentVolumeClaim", namespace)}
    missing = [f"data-web-{i}" for i in range(4) if claims.get(f"data-web-{i}") != "Bound"]
    if missing:
        return False, say(f"these claims are not Bound: {', '.join(missing)}",
                          f"ces demandes de volume ne sont pas Bound : {', '.join(missing)}")
    return True, say("web-0 to web-3 are ready, each with its own Bound claim data-web-N",
                     "web-0 à web-3 sont prêts, chacun avec sa propre demande de volume "
                     "data-web-N, Bound")


@exercise("07.parallel-job",
          say("Run 6 completions, 3 at a time", "Obtenir 6 réussites, 3 à la fois"),
          hint=say("Copy manifests/07-workloads-job.yaml: name 'thumbnails', completions: 6, "
                   "parallelism: 3; apply it, then lab.wait('Job', 'thumbnails', namespace).",
                   "Copiez manifests/07-workloads-job.yaml : nom 'thumbnails', completions: 6, "
                   "parallelism: 3 ; appliquez-le, puis lab.wait('Job', 'thumbnails', "
                   "namespace)."))
def _parallel_job(namespace: str) -> tuple[bool, Words]:
    job = require("Job", "thumbnails", namespace,
                  missing=say("there is no Job 'thumbnails' yet",
                              "il n'y a pas encore de Job 'thumbnails'"))
    spec, status = job["spec"], job.get("status") or {}
    if (spec.get("completions"), spec.get("parallelism")) != (6, 3):
        return False, say(f"Job 'thumbnails' has completions={spec.get('completions')}, "
                          f"parallelism={spec.get('parallelism')}; 6 and 3 wanted",
                          f"le Job 'thumbnails' a completions={spec.get('completions')}, "
                          f"parallelism={spec.get('parallelism')} ; 6 et 3 attendus")
    if is_true(job, "Failed"):
        return False, say("Job 'thumbnails' failed; delete it and apply it again",
                          "le Job 'thumbnails' a échoué ; supprimez-le et appliquez-le de "
                          "nouveau")
    if not is_true(job, "Complete"):
        return False, say(f"Job 'thumbnails' is not complete yet: {status.get('succeeded', 0)} "
                          "of 6 succeeded; wait with lab.wait('Job', 'thumbnails', namespace)",
                          f"le Job 'thumbnails' n'est pas encore terminé : "
                          f"{status.get('succeeded', 0)} réussites sur 6 ; attendez avec "
                          "lab.wait('Job', 'thumbnails', namespace)")
    return True, say("Job 'thumbnails' completed 6 times, 3 pods at a time",
                     "le Job 'thumbnails' a réussi 6 fois, 3 pods à la fois")


#: Each field of a cron schedule: its first and last value, and the names it accepts.
CRON_FIELDS = ((0, 59, ()), (0, 23, ()), (1, 31, ()),
               (1, 12, ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                        "nov", "dec")),
               (0, 6, ("sun", "mon", "tue", "wed", "thu", "fri", "sat")))


def cron_field(text: str, low: int, high: int, names: tuple[str, ...] = ()) -> set[int] | None:
    """The values one field of a cron schedule stands for, or None when it is not valid.

    The forms the CronJob controller's parser reads: ``*`` (or ``?``), ``a``,
    ``a-b``, each with an optional ``/step`` (``a/step`` runs to the end), and
    lists of them separated by commas; months and weekdays may be named.

    Example:
        >>> sorted(cron_field("*/15", 0, 59)) == sorted(cron_field("0-59/15", 0, 59))
        True
        >>> sorted(cron_field("5,20,35,50", 0, 59))
        [5, 20, 35, 50]
    """
    def value(word: str) -> int:
        word = word.lower()
        return low + names.index(word) if word in names else int(word)

    values: set[int] = set()
    try:
        for part in text.split(","):
            span, _, step_text = part.partition("/")
            step = int(step_text) if step_text else 1
            if span in ("*", "?"):
                first, last = low, high
            elif "-" in span:
                first, last = (value(w) for w in span.split("-", 1))
            else:
                first = value(span)
                last = high if step_text else first
            if step < 1 or not low <= first <= last <= high:
                return None
            values.update(range(first, last + 1, step))
    except ValueError:
        return None
    return values


def every_quarter_hour(schedule: str) -> bool:
    """Does a CronJob schedule fire every 15 minutes, every hour of every day?

    Any spelling counts: ``*/15``, ``0,15,30,45``, ``0-59/15``, or the same
    four times shifted (``5,20,35,50``); ``@every 15m`` too.

    Example:
        >>> every_quarter_hour("0,15,30,45 * * * *"), every_quarter_hour("*/15 * * * *")
        (True, True)
        >>> every_quarter_hour("*/15 9-17 * * *"), every_quarter_hour("*/10 * * * *")
        (False, False)
    """
    words = schedule.split()
    if [w.lower() for w in words] == ["@every", "15m"]:
        return True
    if len(words) != 5:
        return False
    fields = [cron_field(w, *limits) for w, limits in zip(words, CRON_FIELDS, strict=True)]
    if any(f is None for f in fields):
        return False
    minutes, *rest = fields
    whole = all(f == set(range(low, high + 1)) for f, (low, high, _) in
                zip(rest, CRON_FIELDS[1:], strict=True))
    first = min(minutes or {60})
    return whole and first < 15 and minutes == {first, first + 15, first + 30, first + 45}


@exercise("07.cronjob-now",
          say("Schedule a clean-up every 15 minutes, and run it now",
              "Planifier un nettoyage toutes les 15 minutes, et le lancer tout de suite"),
          hint=say("A CronJob 'cleanup' with schedule '*/15 * * * *' and "
                   "successfulJobsHistoryLimit: 3; then %kubectl create job cleanup-now "
                   "--from=cronjob/cleanup -n {namespace}, and wait for the Job to complete.",
                   "Un CronJob 'cleanup' avec le calendrier '*/15 * * * *' et "
                   "successfulJobsHistoryLimit: 3 ; puis %kubectl create job cleanup-now "
                   "--from=cronjob/cleanup -n {namespace}, et attendez que le Job se "
                   "termine."))
def _cronjob_now(namespace: str) -> tuple[bool, Words]:
    cronjob = require("CronJob", "cleanup", namespace,
                      missing=say("there is no CronJob 'cleanup' yet",
                                  "il n'y a pas encore de CronJob 'cleanup'"))
    spec = cronjob["spec"]
    if not every_quarter_hour(spec.get("schedule", "")):
        return False, say(f"CronJob 'cleanup' runs on {spec.get('schedule')!r}, which is not "
                          "every 15 minutes: '*/15 * * * *' (or '0,15,30,45 * * * *') is",
                          f"le CronJob 'cleanup' suit le calendrier {spec.get('schedule')!r}, "
                          "qui n'est pas « toutes les 15 minutes » : '*/15 * * * *' (ou "
                          "'0,15,30,45 * * * *') l'est")
    if spec.get("successfulJobsHistoryLimit") != 3:
        return False, say(f"successfulJobsHistoryLimit is "
                          f"{spec.get('successfulJobsHistoryLimit')}, 3 wanted",
                          f"successfulJobsHistoryLimit vaut "
                          f"{spec.get('successfulJobsHistoryLimit')}, 3 attendu")
    uid = cronjob["metadata"]["uid"]
    runs = [j for j in list_("Job", namespace)
            if any(o.get("uid") == uid for o in j["metadata"].get("ownerReferences") or [])]
    if not runs:
        return False, say("CronJob 'cleanup' has not run yet: start a Job from its jobTemplate",
                          "le CronJob 'cleanup' n'a pas encore tourné : lancez un Job à partir "
                          "de son jobTemplate")
    done = [j["metadata"]["name"] for j in runs if is_true(j, "Complete")]
    if not done:
        return False, say(f"{len(runs)} run(s) started, none complete yet: wait for the Job",
                          f"{len(runs)} exécution(s) lancée(s), aucune terminée pour "
                          "l'instant : attendez le Job")
    return True, say(f"CronJob 'cleanup' is scheduled every 15 minutes and ran now ({done[0]})",
                     f"le CronJob 'cleanup' est planifié toutes les 15 minutes et a tourné "
                     f"tout de suite ({done[0]})")


@exercise("07.unbound",
          say("Give the cache a disk it can get", "Donner au cache un disque qu'il peut obtenir"),
          hint=say("Read the events of the claim data-cache-0: which StorageClass does it ask "
                   "for, and which classes exist (kubectl get storageclass)? "
                   "volumeClaimTemplates cannot change: delete the StatefulSet and the claim, "
                   "then apply a fixed YAML.",
                   "Lisez les événements de la demande de volume data-cache-0 : quelle "
                   "StorageClass réclame-t-elle, et quelles classes existent (kubectl get "
                   "storageclass) ? volumeClaimTemplates ne peut pas changer : supprimez le "
                   "StatefulSet et la demande, puis appliquez un YAML corrigé."))
def _unbound(namespace: str) -> tuple[bool, Words]:
    cache = require("StatefulSet", "cache", namespace,
                    missing=say("there is no StatefulSet 'cache' (apply the fixed manifest)",
                                "il n'y a pas de StatefulSet 'cache' (appliquez le manifeste "
                                "corrigé)"))
    claim = require("PersistentVolumeClaim", "data-cache-0", namespace,
                    missing=say("the claim data-cache-0 does not exist yet: wait for the "
                                "StatefulSet",
                                "la demande de volume data-cache-0 n'existe pas encore : "
                                "attendez le StatefulSet"))
    phase = (claim.get("status") or {}).get("phase")
    wanted = claim["spec"].get("storageClassName")
    if phase != "Bound":
        classes = sorted(c["metadata"]["name"] for c in list_("StorageClass"))
        return False, say(f"claim data-cache-0 is {phase}: it asks for StorageClass {wanted!r}; "
                          f"this cluster has {', '.join(classes) or 'none'}",
                          f"la demande data-cache-0 est {phase} : elle réclame la StorageClass "
                          f"{wanted!r} ; classes de ce cluster : {', '.join(classes) or 'aucune'}")
    ready = (cache.get("status") or {}).get("readyReplicas", 0)
    if ready < 1:
        return False, say("the claim is Bound; cache-0 is not ready yet: wait for the "
                          "StatefulSet",
                          "la demande est Bound ; cache-0 n'est pas encore prêt : attendez le "
                          "StatefulSet")
    return True, say(f"cache-0 is ready with claim data-cache-0 Bound (class {wanted})",
                     f"cache-0 est prêt, avec la demande data-cache-0 Bound (classe {wanted})")
