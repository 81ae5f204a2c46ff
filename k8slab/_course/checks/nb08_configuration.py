"""Checks for notebook 08, Configuration."""

from __future__ import annotations

from k8slab._core.access import can_i, service_account_user
from k8slab._core.resources import find, list_
from k8slab._core.rollout import deployment_rollout_said
from k8slab._course.registry import Words, exercise, require, say
from k8slab._views.kubelet import pod_view


@exercise("08.toolbox",
          say("A pod with the whole ConfigMap as variables and the Secret as files",
              "Un pod qui reçoit toute la ConfigMap en variables et le Secret en fichiers"),
          hint=say("A pod 'toolbox' with envFrom: [{configMapRef: {name: app-config}}] and a "
                   "secret volume (secretName: db-credentials) mounted at /etc/db.",
                   "Un pod 'toolbox' avec envFrom: [{configMapRef: {name: app-config}}] et un "
                   "volume secret (secretName: db-credentials) monté dans /etc/db."))
def _toolbox(namespace: str) -> tuple[bool, Words]:
    pod = require("Pod", "toolbox", namespace,
                  missing=say("there is no pod 'toolbox' yet",
                              "il n'y a pas encore de pod 'toolbox'"))
    phase = (pod.get("status") or {}).get("phase", "Pending")
    if phase != "Running":
        return False, say(
            f"pod 'toolbox' is {phase}; wait with lab.wait('Pod', 'toolbox', namespace)",
            f"le pod 'toolbox' est {phase} ; attendez avec lab.wait('Pod', 'toolbox', namespace)")
    view = pod_view(pod, namespace)
    keys = set(require("ConfigMap", "app-config", namespace).get("data") or {})
    from_config = {s.name for s in view.items
                   if s.kind == "env" and s.source.startswith("configmap/app-config[")}
    if not keys <= from_config:
        missing = ", ".join(sorted(keys - from_config))
        return False, say(f"these keys of app-config are not variables of toolbox: {missing} "
                          "(use envFrom with a configMapRef)",
                          f"ces clés de app-config ne sont pas des variables de toolbox : "
                          f"{missing} (utilisez envFrom avec un configMapRef)")
    files = view.files()
    wanted = {"/etc/db/username", "/etc/db/password"}
    if not wanted <= set(files):
        seen = ", ".join(sorted(files))
        return False, say(f"toolbox sees {seen or 'no file'}; /etc/db/username and "
                          "/etc/db/password wanted",
                          f"toolbox voit {seen or 'aucun fichier'} ; /etc/db/username et "
                          "/etc/db/password sont attendus")
    return True, say(f"toolbox has {len(from_config)} variables from app-config and the "
                     "Secret's two keys as files in /etc/db",
                     f"toolbox a {len(from_config)} variables venant de app-config, et les "
                     "deux clés du Secret en fichiers dans /etc/db")


@exercise("08.config-key",
          say("Make the report start: every key it asks exists",
              "Faire démarrer report : chaque clé qu'il demande existe"),
          hint=say("Read the waiting reason of the report's pod (kubectl describe pod -l "
                   "app=report, or its Events): which key does it ask of app-config? Compare "
                   "with the keys of the ConfigMap (kubectl get configmap app-config -o yaml), "
                   "fix configMapKeyRef.key in manifests/08-configuration-report.yaml and "
                   "apply it again.",
                   "Lisez pourquoi le pod de report attend (kubectl describe pod -l app=report, "
                   "ou ses Events) : quelle clé demande-t-il à app-config ? Comparez-la avec "
                   "les clés de la ConfigMap (kubectl get configmap app-config -o yaml), "
                   "corrigez configMapKeyRef.key dans manifests/08-configuration-report.yaml "
                   "et appliquez-le de nouveau."))
def _config_key(namespace: str) -> tuple[bool, Words]:
    deployment = require("Deployment", "report", namespace,
                         missing=say("there is no Deployment 'report' yet: apply "
                                     "manifests/08-configuration-report.yaml",
                                     "il n'y a pas encore de Deployment 'report' : appliquez "
                                     "manifests/08-configuration-report.yaml"))
    data = (find("ConfigMap", "app-config", namespace) or {}).get("data") or {}
    keys = set(data)
    refs = [(e["name"], ref) for c in deployment["spec"]["template"]["spec"]["containers"]
            for e in c.get("env") or []
            if (ref := (e.get("valueFrom") or {}).get("configMapKeyRef"))
            and ref.get("name") == "app-config"]
    asked = [ref["key"] for _, ref in refs if not ref.get("optional")]
    absent = sorted(set(asked) - keys)
    # optional: true lets the pod start without the key: the variable is then simply
    # not set, and the report greets nobody. That silences the error, it fixes nothing.
    hushed = sorted(f"{variable} (key {ref['key']!r})" for variable, ref in refs
                    if ref.get("optional") and ref["key"] not in keys)
    empty = sorted(f"{variable} (key {ref['key']!r})" for variable, ref in refs
                   if ref["key"] in keys and not str(data[ref["key"]]).strip())
    if hushed or empty:
        return False, say(f"report would start with an empty {', '.join(hushed + empty)}: "
                          + ("optional: true hides the missing key instead of naming the one "
                             "app-config holds" if hushed else "that key of app-config is "
                             "empty")
                          + f"; app-config's keys are {', '.join(sorted(keys)) or 'none'}",
                          f"report démarrerait avec {', '.join(hushed + empty)} vide : "
                          + ("optional: true masque la clé manquante au lieu de nommer celle "
                             "que contient app-config" if hushed else "cette clé de "
                             "app-config est vide")
                          + " ; les clés de app-config sont "
                          + (", ".join(sorted(keys)) or "aucune"))
    pods = [p for p in list_("Pod", namespace, labels="app=report")
            if not p["metadata"].get("deletionTimestamp")]
    waiting = {p["metadata"]["name"]: w for p in pods
               for s in (p.get("status") or {}).get("containerStatuses") or []
               if (w := (s.get("state") or {}).get("waiting"))}
    if absent:
        stuck = "; ".join(f"{name}: {w.get('reason')} ({w.get('message', '')})"
                          for name, w in sorted(waiting.items()))
        tail = f" — {stuck}" if stuck else ""
        return False, say(f"report asks app-config for {', '.join(absent)}, which it does not "
                          f"hold{tail}",
                          f"report demande à app-config une clé qu'elle ne contient pas : "
                          f"{', '.join(absent)}{tail}")
    done, message = deployment_rollout_said(deployment)
    if not done:
        return False, say(f"the Deployment 'report' is rolling out: {message}",
                          f"le rollout du Deployment 'report' est en cours : {message}")
    if waiting or not pods:
        why = "; ".join(f"{n}: {w.get('reason')}" for n, w in sorted(waiting.items()))
        return False, say("the report's pod has not started yet: " + (why or "no pod"),
                          "le pod de report n'a pas encore démarré : " + (why or "aucun pod"))
    return True, say(f"report runs, and every key it asks of app-config exists "
                     f"({', '.join(sorted(set(asked)))})",
                     f"report tourne, et chaque clé qu'il demande à app-config existe "
                     f"({', '.join(sorted(set(asked)))})")


@exercise("08.restart",
          say("Restart the app so that its variables follow the ConfigMap",
              "Redémarrer app pour que ses variables suivent la ConfigMap"),
          hint=say("%kubectl rollout restart deployment/app -n {namespace}, then %kubectl "
                   "rollout status deployment/app -n {namespace} (or lab.restart and lab.wait).",
                   "%kubectl rollout restart deployment/app -n {namespace}, puis %kubectl "
                   "rollout status deployment/app -n {namespace} (ou lab.restart et lab.wait)."))
def _restart(namespace: str) -> tuple[bool, Words]:
    config = require("ConfigMap", "app-config", namespace)
    level = (config.get("data") or {}).get("LOG_LEVEL")
    if level != "debug":
        return False, say(f"app-config says LOG_LEVEL={level!r}: apply "
                          "manifests/08-configuration-configmap-v2.yaml first",
                          f"app-config indique LOG_LEVEL={level!r} : appliquez d'abord "
                          "manifests/08-configuration-configmap-v2.yaml")
    done, message = deployment_rollout_said(require("Deployment", "app", namespace))
    if not done:
        return False, say(f"the Deployment 'app' is rolling out: {message}",
                          f"le rollout du Deployment 'app' est en cours : {message}")
    pods = [p for p in list_("Pod", namespace, labels="app=app")
            if not p["metadata"].get("deletionTimestamp")]  # old pods on their way out
    stale: dict[str, list[str]] = {}
    for pod in pods:
        outdated = pod_view(pod, namespace).outdated()
        if outdated:
            stale[pod["metadata"]["name"]] = sorted({s.name for s in outdated})
    if stale:
        names = ", ".join(sorted({n for values in stale.values() for n in values}))
        who = ", ".join(sorted(stale))
        return False, say(f"{len(stale)} of {len(pods)} pods started before their configuration "
                          f"changed and still have the old {names}: {who}",
                          f"{len(stale)} pods sur {len(pods)} ont démarré avant la modification "
                          f"de leur configuration et ont toujours l'ancien {names} : {who}")
    return True, say(f"all {len(pods)} pods of 'app' started after the change: LOG_LEVEL=debug",
                     f"les {len(pods)} pods de 'app' ont tous démarré après la modification : "
                     "LOG_LEVEL=debug")


@exercise("08.read-one-secret",
          say("Let 'reader' read the Secret db-credentials, and no other",
              "Permettre à 'reader' de lire le Secret db-credentials, et aucun autre"),
          hint=say("A Role with resources: [secrets], resourceNames: [db-credentials], verbs: "
                   "[get], and a RoleBinding of it to the ServiceAccount 'reader'.",
                   "Un Role avec resources: [secrets], resourceNames: [db-credentials], verbs: "
                   "[get], et un RoleBinding qui l'accorde au ServiceAccount 'reader'."))
def _read_one_secret(namespace: str) -> tuple[bool, Words]:
    user = service_account_user(namespace, "reader")
    asks = {
        ("get secret db-credentials", "get sur le Secret db-credentials"):
            (can_i("get", "secrets", namespace, user=user, name="db-credentials"), True),
        ("get another secret", "get sur un autre Secret"):
            (can_i("get", "secrets", namespace, user=user, name="some-other-secret"), False),
        ("list all secrets", "list de tous les Secrets"):
            (can_i("list", "secrets", namespace, user=user), False),
    }
    wrong = [(f"{en}: {'allowed' if answer.allowed else 'denied'}",
              f"{fr} : {'autorisé' if answer.allowed else 'refusé'}")
             for (en, fr), (answer, wanted) in asks.items() if answer.allowed != wanted]
    if wrong:
        return False, say("for reader: " + "; ".join(en for en, _ in wrong)
                          + " (wanted: get on db-credentials, nothing else on Secrets)",
                          "pour reader : " + " ; ".join(fr for _, fr in wrong)
                          + " (attendu : get sur db-credentials, rien d'autre sur les Secrets)")
    return True, say("reader may get the Secret db-credentials, and no other Secret",
                     "reader peut lire (get) le Secret db-credentials, et aucun autre Secret")
