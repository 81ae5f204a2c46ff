"""A known wrong answer to each break-and-fix exercise fails its check, and says why.

The notebook tests prove that each check passes once the solution ran. These
prove the other half: the "fixes" a learner may reach for that only hide the
problem (scaling to zero, undoing to the version nobody wants, deleting the
guardrail, selecting the wrong pods, marking a key optional) leave the
exercise "not yet", with a message that names the mistake, in both editions.
Each test builds the wrong answer for real, in a fresh namespace of the live
cluster, and waits until the cluster has settled on it, so the check judges
the state a learner would see.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

import k8slab as lab
from k8slab._base import language as _language
from k8slab._course.checks.nb06_services import ready_endpoints
from k8slab.exercises import Result, run_check

TIMEOUT = 120


@pytest.fixture
def both_languages():
    """Run a check in English and in French (the notebook's language picks the card's)."""
    def judge(exercise: str, namespace: str) -> tuple[Result, Result]:
        try:
            _language.language("en")
            english = run_check(exercise, namespace)
            _language.language("fr")
            french = run_check(exercise, namespace)
        finally:
            _language.language(None)
        return english, french
    return judge


def refused(results: tuple[Result, Result], english: str, french: str) -> None:
    """Both cards say "not yet", each in its language, naming the mistake."""
    en, fr = results
    assert not en.passed and not fr.passed, (en, fr)
    assert english in en.message, en.message
    assert french in fr.message, fr.message


def text(path: str, *edits: tuple[str, str]) -> str:
    """A course manifest with some lines changed, each change checked to apply."""
    body = str(lab.manifest(path))
    for old, new in edits:
        assert old in body, (path, old)
        body = body.replace(old, new)
    return body


def settle(what: str, done: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    """Poll the cluster until ``done()``: the state a check judges must be the final one."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"the cluster did not settle: {what}")
        time.sleep(0.5)


def test_05_unstuck_refuses_a_rollout_undo_to_web_1_0(ns, both_languages):
    """`kubectl rollout undo` ends the stuck rollout by going back to 1.0: not what was asked."""
    lab.apply("manifests/05-deployments-web.yaml", ns)
    lab.wait("Deployment", "web", ns, timeout=TIMEOUT)
    lab.apply("manifests/05-deployments-web-greedy.yaml", ns)
    settle("a web 2.0 pod Pending", lambda: any(
        c["type"] == "PodScheduled" and c["status"] == "False"
        for p in lab.list("Pod", ns, labels={"app": "web"})
        for c in (p.get("status") or {}).get("conditions") or []))
    lab.kubectl("rollout", "undo", "deployment/web", "-n", ns, echo=False)
    lab.wait("Deployment", "web", ns, timeout=TIMEOUT)
    assert "web:1.0" in lab.get("Deployment", "web", ns)["spec"]["template"]["spec"][
        "containers"][0]["image"]
    refused(both_languages("05.unstuck", ns), "rollout undo", "rollout undo")


def test_05_unstuck_refuses_zero_replicas(ns, both_languages):
    """Nothing to schedule, so nothing Pending: the rollout 'finishes' with no web at all."""
    lab.apply(text("manifests/05-deployments-web-greedy.yaml",
                   ("replicas: 3 ", "replicas: 0 ")), ns)
    lab.wait("Deployment", "web", ns, timeout=TIMEOUT)
    refused(both_languages("05.unstuck", ns), "asks for 0 replica", "demande 0 réplica")


WORKER = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  replicas: 0
  selector:
    matchLabels: {app: worker}
  template:
    metadata:
      labels: {app: worker}
    spec:
      containers:
      - name: worker
        image: k8slab.local/busybox:1.35
        command: ["slep", "3600"]
        resources:
          requests: {cpu: 10m, memory: 16Mi}
"""


def test_05_fix_crash_refuses_zero_replicas(ns, both_languages):
    """Scaling the crashing worker to 0 stops the crash loop, and the worker with it."""
    lab.apply(WORKER, ns)
    lab.wait("Deployment", "worker", ns, timeout=TIMEOUT)
    refused(both_languages("05.fix-crash", ns), "nothing runs", "rien ne tourne")


def test_06_fix_selector_refuses_the_client_pod(ns, both_languages):
    """A selector that gives storefront a ready endpoint, but not a web pod."""
    lab.apply("manifests/06-services-web.yaml", ns)
    lab.apply("manifests/06-services-client.yaml", ns)
    lab.wait("Deployment", "web", ns, timeout=TIMEOUT)
    lab.wait("Pod", "client", ns, timeout=TIMEOUT)
    lab.apply(text("manifests/06-services-storefront.yaml",
                   ("app: web-frontend", "app: client")), ns)
    settle("storefront's endpoint", lambda: ready_endpoints("storefront", ns) == ["client"])
    refused(both_languages("06.fix-selector", ns), "not a web pod", "pas un pod web")


def test_06_readiness_refuses_a_deleted_probe(ns, both_languages):
    """Without a readiness probe every shop pod is 'ready' at once: the guardrail is gone."""
    shop = str(lab.manifest("manifests/06-services-shop.yaml"))
    start = shop.index("        readinessProbe:")
    end = shop.index("        resources:", start)
    lab.apply(shop[:start] + shop[end:], ns)
    lab.wait("Deployment", "shop", ns, timeout=TIMEOUT)
    settle("two ready shop endpoints", lambda: len(ready_endpoints("shop", ns)) == 2)
    refused(both_languages("06.readiness", ns), "no readiness probe", "plus de readiness probe")


def test_08_config_key_refuses_an_optional_missing_key(ns, both_languages):
    """optional: true starts the pod without GREETING: the error is silenced, not fixed."""
    lab.apply("manifests/08-configuration-configmap.yaml", ns)
    lab.apply(text("manifests/08-configuration-report.yaml",
                   ("              key: greeting\n",
                    "              key: greeting\n              optional: true\n")), ns)
    lab.wait("Deployment", "report", ns, timeout=TIMEOUT)
    refused(both_languages("08.config-key", ns), "optional: true", "optional: true")


OTHER_CLAIM = """
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: scratch
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
"""


def test_09_claim_name_refuses_another_existing_claim(ns, both_languages):
    """Any claim that exists lets the auditor start; only 'data' holds what the writer left."""
    lab.apply("manifests/09-storage-claim.yaml", ns)
    lab.apply(OTHER_CLAIM, ns)
    lab.apply(text("manifests/09-storage-auditor.yaml",
                   ("claimName: data-claim", "claimName: scratch")), ns)
    lab.wait("Pod", "auditor", ns, timeout=TIMEOUT)
    refused(both_languages("09.claim-name", ns), "not the one the writer wrote into",
            "pas celle où l'écrivain a écrit")


def test_14_fit_limits_refuses_deleted_guardrails(ns, both_languages):
    """Deleting the LimitRange and the quota lets the 1-CPU batch start: not a fit."""
    lab.apply("manifests/14-operating-limits.yaml", ns)
    lab.delete("LimitRange", "limits", ns)
    lab.delete("ResourceQuota", "quota", ns)
    settle("the guardrails gone", lambda: not lab.exists("LimitRange", "limits", ns)
           and not lab.exists("ResourceQuota", "quota", ns))
    lab.apply("manifests/14-operating-batch.yaml", ns)
    lab.wait("Deployment", "batch", ns, timeout=TIMEOUT)
    refused(both_languages("14.fit-limits", ns), "LimitRange 'limits' was deleted",
            "la LimitRange 'limits' a été supprimée")


def test_14_fit_limits_refuses_a_raised_ceiling(ns, both_languages):
    """Raising the LimitRange's max to the batch's 1 CPU widens the guardrail instead."""
    lab.apply(text("manifests/14-operating-limits.yaml",
                   ("max: {cpu: 500m,", "max: {cpu: \"1\",")), ns)
    lab.apply("manifests/14-operating-batch.yaml", ns)
    lab.wait("Deployment", "batch", ns, timeout=TIMEOUT)
    refused(both_languages("14.fit-limits", ns), "CPU max per container is 1",
            "max de CPU par conteneur de la LimitRange est 1")


def _cleanup_cronjob(ns: str, schedule: str) -> None:
    lab.apply(text("manifests/07-workloads-cronjob-cleanup.yaml",
                   ('schedule: "*/15 * * * *"', f'schedule: "{schedule}"')), ns)
    lab.apply(lab.job_from_cronjob(lab.get("CronJob", "cleanup", ns), "cleanup-now"), ns)
    lab.wait("Job", "cleanup-now", ns, timeout=TIMEOUT)


def test_07_cronjob_now_accepts_every_quarter_hour_however_written(ns, both_languages):
    """'0,15,30,45 * * * *' is every 15 minutes too: the check must not ask for one spelling."""
    _cleanup_cronjob(ns, "0,15,30,45 * * * *")
    english, french = both_languages("07.cronjob-now", ns)
    assert english.passed and french.passed, (english, french)


def test_07_cronjob_now_refuses_office_hours_only(ns, both_languages):
    """'*/15 9-17 * * *' fires every 15 minutes, but only by day: not what was asked."""
    _cleanup_cronjob(ns, "*/15 9-17 * * *")
    refused(both_languages("07.cronjob-now", ns), "not every 15 minutes",
            "pas « toutes les 15 minutes »")
