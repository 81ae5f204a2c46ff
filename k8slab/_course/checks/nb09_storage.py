"""Checks for notebook 09, Storage."""

from __future__ import annotations

from k8slab._core.resources import find
from k8slab._course.registry import Words, exercise, require, say

#: The claim the writer pod of notebook 09 writes into, which the auditor must list.
WRITER_CLAIM = "data"


@exercise("09.claim-spare", say("Claim the spare volume", "Réclamer le volume de réserve"),
          hint=say("A PersistentVolumeClaim 'spare' with storageClassName: manual, accessModes: "
                   "[ReadWriteMany] and a request of at most 2Gi; then lab.wait it.",
                   "Une demande de volume (PersistentVolumeClaim) 'spare' avec "
                   "storageClassName: manual, accessModes: [ReadWriteMany] et au plus 2Gi "
                   "dans requests ; puis attendez-la avec lab.wait."))
def _claim_spare(namespace: str) -> tuple[bool, Words]:
    volume = f"{namespace}-spare"
    claim = require("PersistentVolumeClaim", "spare", namespace,
                    missing=say("there is no claim 'spare' yet",
                                "il n'y a pas encore de demande de volume 'spare'"))
    spec = claim["spec"]
    phase = (claim.get("status") or {}).get("phase", "Pending")
    bound_to = spec.get("volumeName")
    if phase == "Bound" and bound_to == volume:
        return True, say(f"claim 'spare' is Bound to {volume}",
                         f"la demande 'spare' est Bound au volume {volume}")
    if bound_to and bound_to != volume:
        return False, say(f"claim 'spare' is bound to {bound_to}, not {volume}: its class is "
                          f"{spec.get('storageClassName')!r}, 'manual' wanted (delete it, fix "
                          "it, apply it again)",
                          f"la demande 'spare' est liée à {bound_to}, pas à {volume} : sa classe "
                          f"est {spec.get('storageClassName')!r}, 'manual' attendue "
                          "(supprimez-la, corrigez-la, appliquez-la de nouveau)")
    asked = say(f"class {spec.get('storageClassName')!r}, modes {spec.get('accessModes')}, "
                f"{(spec.get('resources') or {}).get('requests', {}).get('storage')}",
                f"la classe {spec.get('storageClassName')!r}, les modes "
                f"{spec.get('accessModes')}, "
                f"{(spec.get('resources') or {}).get('requests', {}).get('storage')}")
    return False, say(f"claim 'spare' is {phase}: it asks for {asked.en}; {volume} offers class "
                      "'manual', modes ['ReadWriteMany'], 2Gi",
                      f"la demande 'spare' est {phase} : elle réclame {asked.fr} ; {volume} "
                      "offre la classe 'manual', les modes ['ReadWriteMany'], 2Gi")


@exercise("09.reuse-claim",
          say("Mount the claim 'data' in a new pod",
              "Monter la demande de volume 'data' dans un nouveau pod"),
          hint=say("A pod 'reader' with a volume {persistentVolumeClaim: {claimName: data}} "
                   "mounted at /data; then lab.wait('Pod', 'reader', namespace).",
                   "Un pod 'reader' avec un volume {persistentVolumeClaim: {claimName: data}} "
                   "monté en /data ; puis lab.wait('Pod', 'reader', namespace)."))
def _reuse_claim(namespace: str) -> tuple[bool, Words]:
    pod = require("Pod", "reader", namespace,
                  missing=say("there is no pod 'reader' yet",
                              "il n'y a pas encore de pod 'reader'"))
    claims = {v.get("name"): v["persistentVolumeClaim"].get("claimName")
              for v in pod["spec"].get("volumes") or [] if "persistentVolumeClaim" in v}
    if "data" not in claims.values():
        return False, say(f"pod 'reader' mounts the claims {sorted(claims.values())}, not 'data'",
                          f"le pod 'reader' monte les demandes {sorted(claims.values())}, pas "
                          "'data'")
    mounted = {m["name"]: m["mountPath"] for c in pod["spec"]["containers"]
               for m in c.get("volumeMounts") or []}
    volume_name = next(name for name, claim in claims.items() if claim == "data")
    if volume_name not in mounted:
        return False, say(f"pod 'reader' declares the volume {volume_name!r} but no container "
                          "mounts it",
                          f"le pod 'reader' déclare le volume {volume_name!r}, mais aucun "
                          "conteneur ne le monte")
    phase = (pod.get("status") or {}).get("phase", "Pending")
    if phase != "Running":
        return False, say(f"pod 'reader' is {phase}; wait with lab.wait('Pod', 'reader', "
                          "namespace)",
                          f"le pod 'reader' est {phase} ; attendez avec lab.wait('Pod', "
                          "'reader', namespace)")
    claim = require("PersistentVolumeClaim", "data", namespace)
    return True, say(f"pod 'reader' mounts claim 'data' (volume "
                     f"{claim['spec'].get('volumeName')}) at {mounted[volume_name]}",
                     f"le pod 'reader' monte la demande 'data' (volume "
                     f"{claim['spec'].get('volumeName')}) en {mounted[volume_name]}")


@exercise("09.claim-name",
          say("Give the auditor pod the claim that exists",
              "Donner au pod auditor la demande de volume qui existe"),
          hint=say("kubectl get pvc lists the claims; the auditor's volumes name another "
                   "(persistentVolumeClaim.claimName). Volumes cannot change in place: delete "
                   "the pod, fix claimName in the YAML, apply it, then lab.wait('Pod', "
                   "'auditor', namespace).",
                   "kubectl get pvc liste les demandes de volume ; les volumes de l'auditeur en "
                   "nomment une autre (persistentVolumeClaim.claimName). Les volumes ne peuvent "
                   "pas être modifiés sur place : supprimez le pod, corrigez claimName dans le "
                   "YAML, appliquez-le, puis lab.wait('Pod', 'auditor', namespace)."))
def _claim_name(namespace: str) -> tuple[bool, Words]:
    pod = require("Pod", "auditor", namespace,
                  missing=say("there is no pod 'auditor': apply your fixed copy of "
                              "manifests/09-storage-auditor.yaml",
                              "il n'y a pas de pod 'auditor' : appliquez votre copie corrigée de "
                              "manifests/09-storage-auditor.yaml"))
    if pod["metadata"].get("deletionTimestamp"):
        return False, say("pod 'auditor' is being deleted: wait for it to go, then apply the fix",
                          "le pod 'auditor' est en cours de suppression : attendez qu'il soit "
                          "parti, puis appliquez la correction")
    claims = sorted(v["persistentVolumeClaim"].get("claimName")
                    for v in pod["spec"].get("volumes") or [] if "persistentVolumeClaim" in v)
    missing = [c for c in claims if find("PersistentVolumeClaim", c, namespace) is None]
    phase = (pod.get("status") or {}).get("phase", "Pending")
    if missing:
        return False, say(f"pod 'auditor' is {phase}: it names the claim {', '.join(missing)}, "
                          f"which does not exist in {namespace} (kubectl get pvc -n "
                          f"{namespace})",
                          f"le pod 'auditor' est {phase} : il nomme la demande "
                          f"{', '.join(missing)}, qui n'existe pas dans {namespace} "
                          f"(kubectl get pvc -n {namespace})")
    if not claims:
        return False, say("pod 'auditor' mounts no claim: it should mount the writer's claim",
                          "le pod 'auditor' ne monte aucune demande de volume : il devrait "
                          "monter celle de l'écrivain")
    if WRITER_CLAIM not in claims:
        # Any claim that exists lets the pod start; only the writer's shows what it wrote.
        return False, say(f"pod 'auditor' mounts {', '.join(claims)}, a claim that exists, but "
                          f"not the one the writer wrote into ({WRITER_CLAIM!r}): the auditor "
                          "would list the wrong volume",
                          f"le pod 'auditor' monte {', '.join(claims)}, une demande qui existe, "
                          f"mais pas celle où l'écrivain a écrit ({WRITER_CLAIM!r}) : l'auditeur "
                          "listerait le mauvais volume")
    if phase != "Running":
        return False, say(f"pod 'auditor' is {phase}; wait with lab.wait('Pod', 'auditor', "
                          "namespace)",
                          f"le pod 'auditor' est {phase} ; attendez avec lab.wait('Pod', "
                          "'auditor', namespace)")
    return True, say(f"pod 'auditor' runs with the claim {', '.join(claims)}",
                     f"le pod 'auditor' tourne avec la demande {', '.join(claims)}")
