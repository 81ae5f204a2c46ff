"""Checks for notebook 05, Deployments.

Example:
    >>> from k8slab._course.registry import run_check
    >>> run_check("05.rollback", "nb05-deployments").passed       # doctest: +SKIP
    False
"""

from __future__ import annotations

from k8slab._core.objects import condition
from k8slab._core.resources import dynamic, list_, resource_for
from k8slab._core.rollout import deployment_rollout_said
from k8slab._course.registry import Words, exercise, require, say

REVISION = "deployment.kubernetes.io/revision"
FIRST_IMAGE = "k8slab.local/web:1.0"
SECOND_IMAGE = "k8slab.local/web:2.0"
#: The replicas of the colleague's manifest in exercise 3 (05-deployments-web-greedy.yaml).
UNSTUCK_REPLICAS = 3


def _web(namespace: str) -> dict:
    return require("Deployment", "web", namespace,
                   missing=say(f"there is no Deployment 'web' in namespace {namespace!r}",
                               f"il n'y a pas de Deployment 'web' dans le namespace "
                               f"{namespace!r}"))


def _image(deployment: dict) -> str:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    return containers[0].get("image", "") if containers else ""


def _web_with_managed_fields(namespace: str) -> dict | None:
    """The web Deployment as stored, ``managedFields`` included (``find`` drops them)."""
    try:
        return dynamic().get(resource_for("Deployment"), name="web",
                             namespace=namespace).to_dict()
    except Exception as exc:
        if getattr(exc, "status", None) == 404:
            return None
        raise


#: ``replicas_manager`` when nobody owns ``spec.replicas`` (a name, so that the
#: check-language test does not take this pair of empty strings for a message).
NO_MANAGER: tuple[str, str] = ("", "")


def replicas_manager(deployment: dict) -> tuple[str, str]:
    """Who last set ``spec.replicas``, and how: ``(manager, operation)``.

    The API server records in ``metadata.managedFields`` which client owns
    each field. An ``Apply`` (``kubectl apply --server-side``, ``lab.apply``)
    is a declarative change; an ``Update`` (``kubectl scale``, the slider, an
    edit) is an imperative one. Returns ``("", "")`` when nobody owns it.

    Example:
        >>> replicas_manager({"metadata": {"managedFields": [{"manager": "k8slab",
        ...     "operation": "Apply", "fieldsV1": {"f:spec": {"f:replicas": {}}}}]}})
        ('k8slab', 'Apply')
    """
    for entry in (deployment.get("metadata") or {}).get("managedFields") or []:
        if "f:replicas" in ((entry.get("fieldsV1") or {}).get("f:spec") or {}):
            return entry.get("manager", ""), entry.get("operation", "")
    return NO_MANAGER


#: The field manager of a client-side ``kubectl apply``: an Update, but from a manifest.
CLIENT_SIDE_APPLY = "kubectl-client-side-apply"


def declarative(manager: str, operation: str) -> bool:
    """Did a manifest set the field (any apply), rather than a command (scale, edit, slider)?

    Example:
        >>> declarative("kubectl-client-side-apply", "Update"), declarative("kubectl", "Apply")
        (True, True)
        >>> declarative("kubectl-scale", "Update")
        False
    """
    return operation == "Apply" or manager == CLIENT_SIDE_APPLY


@exercise("05.scale",
          say("Scale web to 4 replicas, declaratively",
              "Passer web à 4 réplicas, de façon déclarative"),
          hint=say("Apply the web manifest with 'replicas: 4' (%%kubectl apply -n NAMESPACE "
                   "-f - and the YAML; the slider or kubectl scale is imperative, and does not "
                   "count), then %kubectl rollout status deployment/web -n NAMESPACE.",
                   "Appliquez le manifeste de web avec 'replicas: 4' (%%kubectl apply "
                   "-n NAMESPACE -f - et le YAML ; le curseur ou kubectl scale est impératif, "
                   "et ne compte pas), puis %kubectl rollout status deployment/web "
                   "-n NAMESPACE."))
def _scale(namespace: str) -> tuple[bool, Words]:
    web = _web(namespace)
    wanted = web["spec"].get("replicas", 1)
    ready = (web.get("status") or {}).get("readyReplicas") or 0
    if wanted != 4:
        return False, say(f"web asks for {wanted} replicas, not 4",
                          f"web demande {wanted} réplicas, et non 4")
    manager, operation = replicas_manager(_web_with_managed_fields(namespace) or web)
    if not declarative(manager, operation):
        return False, say(f"web has 4 replicas, but set imperatively ({manager or 'someone'}, "
                          f"{operation or 'no record'}): apply a manifest that says replicas: 4",
                          f"web a 4 réplicas, mais fixés de façon impérative "
                          f"({manager or 'quelqu’un'}, {operation or 'aucune trace'}) : "
                          "appliquez un manifeste qui dit replicas: 4")
    if ready != 4:
        return False, say(f"web asks for 4 replicas but only {ready} are ready yet: "
                          "wait a moment",
                          f"web demande 4 réplicas, mais seuls {ready} sont prêts pour "
                          "l'instant : patientez un peu")
    return True, say("web runs 4 ready replicas", "web fait tourner 4 réplicas prêts")


@exercise("05.rollback", say("Roll web back to web 1.0", "Ramener web à web 1.0"),
          hint=say("Re-apply manifests/05-deployments-web.yaml (the previous template), then "
                   "lab.wait('Deployment', 'web', namespace).",
                   "Réappliquez manifests/05-deployments-web.yaml (le template précédent), "
                   "puis lab.wait('Deployment', 'web', namespace)."))
def _rollback(namespace: str) -> tuple[bool, Words]:
    web = _web(namespace)
    image = _image(web)
    revision = int((web["metadata"].get("annotations") or {}).get(REVISION, "0"))
    if image != FIRST_IMAGE:
        return False, say(f"web's template runs {image}, not {FIRST_IMAGE}",
                          f"le template de web exécute {image}, et non {FIRST_IMAGE}")
    if revision < 3:
        return False, say(f"web runs {image} at revision {revision}: roll it out to web 2.0 "
                          "first (the section above), then roll back",
                          f"web exécute {image} en révision {revision} : déployez d'abord "
                          "web 2.0 (la section ci-dessus), puis revenez en arrière")
    done, message = deployment_rollout_said(web)
    if not done:
        return False, say(f"the rollback is under way: {message}",
                          f"le retour arrière est en cours : {message}")
    return True, say(f"web runs {image} again, as revision {revision} ({message})",
                     f"web exécute de nouveau {image}, en révision {revision} ({message})")


def _unscheduled(pod: dict) -> str | None:
    """The scheduler's message for a pod it could not place, else None."""
    scheduled = condition(pod, "PodScheduled") or {}
    if scheduled.get("status") == "False":
        return scheduled.get("message") or scheduled.get("reason") or "not scheduled"
    return None


@exercise("05.unstuck", say("Finish the stuck rollout of web", "Terminer le rollout bloqué de web"),
          hint=say("Read the events of the Pending pod (lab.events(namespace)): what does the "
                   "scheduler say? Compare the pod's resources with the earlier manifests, fix "
                   "the YAML, apply it, then lab.wait('Deployment', 'web', namespace).",
                   "Lisez les événements du pod Pending (lab.events(namespace)) : que dit le "
                   "scheduler ? Comparez les resources du pod avec celles des manifestes "
                   "précédents, corrigez le YAML, appliquez-le, puis "
                   "lab.wait('Deployment', 'web', namespace)."))
def _unstuck(namespace: str) -> tuple[bool, Words]:
    web = _web(namespace)
    image, wanted = _image(web), web["spec"].get("replicas", 1)
    # Two ways to make the rollout "finish" that the colleague did not ask for: going
    # back to 1.0 (rollout undo), and asking for no pod at all (nothing left to place).
    if image != SECOND_IMAGE:
        return False, say(f"web's template runs {image}: the rollout is over, but the colleague "
                          f"wants {SECOND_IMAGE} (rollout undo went back instead of fixing "
                          "the manifest): apply web 2.0 with a request a node can satisfy",
                          f"le template de web exécute {image} : le rollout est fini, mais le "
                          f"collègue veut {SECOND_IMAGE} (rollout undo est revenu en arrière "
                          "au lieu de corriger le manifeste) : appliquez web 2.0 avec une "
                          "request qu'un nœud peut satisfaire")
    if wanted < UNSTUCK_REPLICAS:
        return False, say(f"web asks for {wanted} replica(s): with fewer pods there is less "
                          f"to place, but the colleague's manifest wants {UNSTUCK_REPLICAS}; "
                          "fix the CPU request instead of the replica count",
                          f"web demande {wanted} réplica(s) : moins de pods, c'est moins à "
                          f"placer, mais le manifeste du collègue en veut {UNSTUCK_REPLICAS} ; "
                          "corrigez la request de CPU plutôt que le nombre de réplicas")
    pods = [p for p in list_("Pod", namespace, labels={"app": "web"})
            if not p["metadata"].get("deletionTimestamp")]
    stuck = {p["metadata"]["name"]: _unscheduled(p) for p in pods if _unscheduled(p)}
    if stuck:
        name, why = next(iter(stuck.items()))
        return False, say(f"pod {name} cannot be scheduled: {why}",
                          f"le pod {name} ne peut être placé sur aucun nœud : {why}")
    done, message = deployment_rollout_said(web)
    if not done:
        return False, say(f"the rollout of web is not finished: {message}",
                          f"le rollout de web n'est pas terminé : {message}")
    return True, say(f"web runs {image}, rollout finished ({message})",
                     f"web exécute {image}, rollout terminé ({message})")


@exercise("05.fix-crash",
          say("Fix the worker whose command has a typo",
              "Corriger le worker dont la commande contient une faute de frappe"),
          hint=say("kubectl describe pods -l app=worker quotes the program it could not find: "
                   "change the command to [\"sleep\", \"3600\"] in the %%kubectl apply cell.",
                   "kubectl describe pods -l app=worker cite le programme qu'il n'a pas "
                   "trouvé : changez la commande en [\"sleep\", \"3600\"] dans la cellule "
                   "%%kubectl apply."))
def _fix_crash(namespace: str) -> tuple[bool, Words]:
    worker = require("Deployment", "worker", namespace)
    status = worker.get("status") or {}
    wanted = (worker.get("spec") or {}).get("replicas", 1)
    if wanted < 1:
        # No pod, no crash: the rollout is "complete" with nothing running at all.
        return False, say(f"worker asks for {wanted} replicas: nothing crashes any more because "
                          "nothing runs; keep replicas: 1 and fix the command",
                          f"worker demande {wanted} réplica : plus rien ne plante parce que plus "
                          "rien ne tourne ; gardez replicas: 1 et corrigez la commande")
    current = status.get("observedGeneration", 0) >= worker["metadata"].get("generation", 0)
    if not current or (status.get("updatedReplicas") or 0) < wanted:
        return False, say("the worker's rollout has not started a pod from the latest "
                          "template yet",
                          "le rollout du worker n'a pas encore démarré de pod issu du "
                          "dernier template")
    if (status.get("readyReplicas") or 0) < wanted or (status.get("replicas") or 0) > wanted:
        return False, say(f"worker has {status.get('readyReplicas') or 0} of {wanted} pods "
                          "ready: its container still does not start "
                          "(kubectl describe pods -l app=worker)",
                          f"worker a {status.get('readyReplicas') or 0} pod(s) prêt(s) sur "
                          f"{wanted} : son conteneur ne démarre toujours pas "
                          "(kubectl describe pods -l app=worker)")
    return True, say("worker's pod runs: the command starts, the rollout is complete",
                     "le pod du worker tourne : la commande démarre, le rollout est terminé")
