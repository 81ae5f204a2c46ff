"""Checks for notebook 08, Configuration."""

from __future__ import annotations

from .._access import can_i, service_account_user
from .._kubelet_view import pod_view
from .._resources import find, list_
from .._rollout import deployment_rollout
from ..exercises import exercise, require


@exercise("08.toolbox", "A pod with the whole ConfigMap as variables and the Secret as files",
          hint="A pod 'toolbox' with envFrom: [{configMapRef: {name: app-config}}] and a "
               "secret volume (secretName: db-credentials) mounted at /etc/db.")
def _toolbox(namespace: str) -> tuple[bool, str]:
    pod = require("Pod", "toolbox", namespace, missing="there is no pod 'toolbox' yet")
    phase = (pod.get("status") or {}).get("phase", "Pending")
    if phase != "Running":
        return False, f"pod 'toolbox' is {phase}; wait with lab.wait('Pod', 'toolbox', namespace)"
    view = pod_view(pod, namespace)
    keys = set(require("ConfigMap", "app-config", namespace).get("data") or {})
    from_config = {s.name for s in view.items
                   if s.kind == "env" and s.source.startswith("configmap/app-config[")}
    if not keys <= from_config:
        missing = ", ".join(sorted(keys - from_config))
        return False, (f"these keys of app-config are not variables of toolbox: {missing} "
                       "(use envFrom with a configMapRef)")
    files = view.files()
    wanted = {"/etc/db/username", "/etc/db/password"}
    if not wanted <= set(files):
        seen = ", ".join(sorted(files)) or "no file"
        return False, f"toolbox sees {seen}; /etc/db/username and /etc/db/password wanted"
    return True, (f"toolbox has {len(from_config)} variables from app-config and the "
                  "Secret's two keys as files in /etc/db")


@exercise("08.config-key", "Make the report start: every key it asks exists",
          hint="Read the waiting reason of the report's pod (kubectl describe pod -l app=report, "
               "or its Events): which key does it ask of app-config? Compare with the keys of "
               "the ConfigMap (kubectl get configmap app-config -o yaml), fix configMapKeyRef.key "
               "in manifests/08-configuration-report.yaml and apply it again.")
def _config_key(namespace: str) -> tuple[bool, str]:
    deployment = require("Deployment", "report", namespace,
                         missing="there is no Deployment 'report' yet: apply "
                                 "manifests/08-configuration-report.yaml")
    keys = set((find("ConfigMap", "app-config", namespace) or {}).get("data") or {})
    asked = [ref["key"] for c in deployment["spec"]["template"]["spec"]["containers"]
             for e in c.get("env") or []
             if (ref := (e.get("valueFrom") or {}).get("configMapKeyRef"))
             and ref.get("name") == "app-config" and not ref.get("optional")]
    absent = sorted(set(asked) - keys)
    pods = [p for p in list_("Pod", namespace, labels="app=report")
            if not p["metadata"].get("deletionTimestamp")]
    waiting = {p["metadata"]["name"]: w for p in pods
               for s in (p.get("status") or {}).get("containerStatuses") or []
               if (w := (s.get("state") or {}).get("waiting"))}
    if absent:
        stuck = "; ".join(f"{name}: {w.get('reason')} ({w.get('message', '')})"
                          for name, w in sorted(waiting.items()))
        return False, (f"report asks app-config for {', '.join(absent)}, which it does not hold"
                       + (f" — {stuck}" if stuck else ""))
    done, message = deployment_rollout(deployment)
    if not done:
        return False, f"the Deployment 'report' is rolling out: {message}"
    if waiting or not pods:
        return False, "the report's pod has not started yet: " + (
            "; ".join(f"{n}: {w.get('reason')}" for n, w in sorted(waiting.items())) or "no pod")
    return True, (f"report runs, and every key it asks of app-config exists "
                  f"({', '.join(sorted(set(asked)))})")


@exercise("08.restart", "Restart the app so that its variables follow the ConfigMap",
          hint="%kubectl rollout restart deployment/app -n {namespace}, then %kubectl rollout "
               "status deployment/app -n {namespace} (or lab.restart and lab.wait).")
def _restart(namespace: str) -> tuple[bool, str]:
    config = require("ConfigMap", "app-config", namespace)
    level = (config.get("data") or {}).get("LOG_LEVEL")
    if level != "debug":
        return False, (f"app-config says LOG_LEVEL={level!r}: apply "
                       "manifests/08-configuration-configmap-v2.yaml first")
    done, message = deployment_rollout(require("Deployment", "app", namespace))
    if not done:
        return False, f"the Deployment 'app' is rolling out: {message}"
    pods = [p for p in list_("Pod", namespace, labels="app=app")
            if not p["metadata"].get("deletionTimestamp")]  # old pods on their way out
    stale: dict[str, list[str]] = {}
    for pod in pods:
        outdated = pod_view(pod, namespace).outdated()
        if outdated:
            stale[pod["metadata"]["name"]] = sorted({s.name for s in outdated})
    if stale:
        names = sorted({n for values in stale.values() for n in values})
        return False, (f"{len(stale)} of {len(pods)} pods started before their configuration "
                       f"changed and still have the old {', '.join(names)}: "
                       f"{', '.join(sorted(stale))}")
    return True, f"all {len(pods)} pods of 'app' started after the change: LOG_LEVEL=debug"


@exercise("08.read-one-secret", "Let 'reader' read the Secret db-credentials, and no other",
          hint="A Role with resources: [secrets], resourceNames: [db-credentials], verbs: [get], "
               "and a RoleBinding of it to the ServiceAccount 'reader'.")
def _read_one_secret(namespace: str) -> tuple[bool, str]:
    user = service_account_user(namespace, "reader")
    asks = {
        "get secret db-credentials": (can_i("get", "secrets", namespace, user=user,
                                            name="db-credentials"), True),
        "get another secret": (can_i("get", "secrets", namespace, user=user,
                                     name="some-other-secret"), False),
        "list all secrets": (can_i("list", "secrets", namespace, user=user), False),
    }
    wrong = [f"{what}: {'allowed' if answer.allowed else 'denied'}"
             for what, (answer, wanted) in asks.items() if answer.allowed != wanted]
    if wrong:
        return False, ("for reader: " + "; ".join(wrong)
                       + " (wanted: get on db-credentials, nothing else on Secrets)")
    return True, "reader may get the Secret db-credentials, and no other Secret"
