"""Checks for notebook 09, Storage."""

from __future__ import annotations

from .._resources import find
from ..exercises import exercise, require


@exercise("09.claim-spare", "Claim the spare volume",
          hint="A PersistentVolumeClaim 'spare' with storageClassName: manual, accessModes: "
               "[ReadWriteMany] and a request of at most 2Gi; then lab.wait it.")
def _claim_spare(namespace: str) -> tuple[bool, str]:
    volume = f"{namespace}-spare"
    claim = require("PersistentVolumeClaim", "spare", namespace,
                    missing="there is no claim 'spare' yet")
    spec = claim["spec"]
    phase = (claim.get("status") or {}).get("phase", "Pending")
    bound_to = spec.get("volumeName")
    if phase == "Bound" and bound_to == volume:
        return True, f"claim 'spare' is Bound to {volume}"
    if bound_to and bound_to != volume:
        return False, (f"claim 'spare' is bound to {bound_to}, not {volume}: its class is "
                       f"{spec.get('storageClassName')!r}, 'manual' wanted (delete it, fix it, "
                       "apply it again)")
    asked = (f"class {spec.get('storageClassName')!r}, modes {spec.get('accessModes')}, "
             f"{(spec.get('resources') or {}).get('requests', {}).get('storage')}")
    return False, (f"claim 'spare' is {phase}: it asks for {asked}; {volume} offers class "
                   "'manual', modes ['ReadWriteMany'], 2Gi")


@exercise("09.reuse-claim", "Mount the claim 'data' in a new pod",
          hint="A pod 'reader' with a volume {persistentVolumeClaim: {claimName: data}} mounted "
               "at /data; then lab.wait('Pod', 'reader', namespace).")
def _reuse_claim(namespace: str) -> tuple[bool, str]:
    pod = require("Pod", "reader", namespace, missing="there is no pod 'reader' yet")
    claims = {v.get("name"): v["persistentVolumeClaim"].get("claimName")
              for v in pod["spec"].get("volumes") or [] if "persistentVolumeClaim" in v}
    if "data" not in claims.values():
        return False, f"pod 'reader' mounts the claims {sorted(claims.values())}, not 'data'"
    mounted = {m["name"]: m["mountPath"] for c in pod["spec"]["containers"]
               for m in c.get("volumeMounts") or []}
    volume_name = next(name for name, claim in claims.items() if claim == "data")
    if volume_name not in mounted:
        return False, f"pod 'reader' declares the volume {volume_name!r} but no container mounts it"
    phase = (pod.get("status") or {}).get("phase", "Pending")
    if phase != "Running":
        return False, f"pod 'reader' is {phase}; wait with lab.wait('Pod', 'reader', namespace)"
    claim = require("PersistentVolumeClaim", "data", namespace)
    return True, (f"pod 'reader' mounts claim 'data' (volume {claim['spec'].get('volumeName')}) "
                  f"at {mounted[volume_name]}")


@exercise("09.claim-name", "Give the auditor pod the claim that exists",
          hint="kubectl get pvc lists the claims; the auditor's volumes name another "
               "(persistentVolumeClaim.claimName). Volumes cannot change in place: delete the "
               "pod, fix claimName in the YAML, apply it, then lab.wait('Pod', 'auditor', "
               "namespace).")
def _claim_name(namespace: str) -> tuple[bool, str]:
    pod = require("Pod", "auditor", namespace,
                  missing="there is no pod 'auditor': apply your fixed copy of "
                          "manifests/09-storage-auditor.yaml")
    if pod["metadata"].get("deletionTimestamp"):
        return False, "pod 'auditor' is being deleted: wait for it to go, then apply the fix"
    claims = sorted(v["persistentVolumeClaim"].get("claimName")
                    for v in pod["spec"].get("volumes") or [] if "persistentVolumeClaim" in v)
    missing = [c for c in claims if find("PersistentVolumeClaim", c, namespace) is None]
    phase = (pod.get("status") or {}).get("phase", "Pending")
    if missing:
        return False, (f"pod 'auditor' is {phase}: it names the claim {', '.join(missing)}, "
                       f"which does not exist in {namespace} (kubectl get pvc -n {namespace})")
    if not claims:
        return False, "pod 'auditor' mounts no claim: it should mount the writer's claim"
    if phase != "Running":
        return False, f"pod 'auditor' is {phase}; wait with lab.wait('Pod', 'auditor', namespace)"
    return True, f"pod 'auditor' runs with the claim {', '.join(claims)}"
