"""Beyond one machine: the workshop on an existing cluster, with zero-to-jupyterhub.

For a room larger than one machine, the instructor adopts a real cluster
(``k8slab up --engine existing``), makes the attendees there exactly as in the
shared mode (``k8slab workshop create N``: a namespace each, their
ServiceAccount, Role, ResourceQuota and LimitRange), and installs the
zero-to-jupyterhub Helm chart with the values written here. KubeSpawner then
starts each attendee's JupyterLab *in their own namespace*
(``enable_user_namespaces``, ``user_namespace_template: "{username}"``), as
their own ServiceAccount, so a notebook in that pod has the attendee's rights
and quota, nothing more: the same RBAC and quotas as the shared mode, because
they are the same objects. A ``postStart`` hook writes the pod's kubeconfig
from its mounted ServiceAccount token, with the context name and namespace a
k8slab attendee kubeconfig has, so k8slab keeps the attendee in their
namespace as it does on one machine.

Why the hub gets a ClusterRole of its own (:func:`hub_rbac`): with user
namespaces, KubeSpawner watches pods and events in every namespace and
creates namespaces, which the chart's namespaced Role does not allow
(KubeSpawner's own documentation of ``enable_user_namespaces`` says so).

Value names are the chart's (``jupyterhub/values.schema.yaml``) and
KubeSpawner's traitlets (``hub.config.KubeSpawner``); the unit test checks
every generated key against them.

It cannot run here (no image registry, no real cluster); it is generated and
unit-tested, and ``k8slab workshop z2jh`` writes it.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from k8slab._base.language import edition_path
from k8slab.errors import K8sLabError
from k8slab.workshop._objects import attendee_names, context_name

#: Where each user pod writes its kubeconfig (``K8SLAB_KUBECONFIG`` points there).
POD_KUBECONFIG = "/home/jovyan/.k8slab/kubeconfig.yaml"
SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
HUB_SERVICE_ACCOUNT = "hub"

#: Spawns the attendee's pod as the attendee's ServiceAccount (which
#: ``k8slab workshop create`` made in their namespace, named like them).
PRE_SPAWN_HOOK = '''\
def k8slab_attendee_identity(spawner):
    """Run the attendee's pod as their own ServiceAccount, in their own namespace."""
    spawner.service_account = spawner.user.name

c.KubeSpawner.pre_spawn_hook = k8slab_attendee_identity
'''


def pod_kubeconfig_script() -> str:
    """The ``postStart`` shell script: a kubeconfig from the pod's ServiceAccount token.

    ``tokenFile`` (not the token itself) so that the kubelet's rotation of the
    projected token is picked up; the context is ``k8slab-workshop-<namespace>``
    with that namespace, like an attendee kubeconfig from ``workshop create``.
    """
    prefix = context_name("")
    lines = [
        "set -e",
        "umask 077",
        f"d={SA_DIR}",
        'ns="$(cat "$d/namespace")"',
        'mkdir -p "$(dirname "$K8SLAB_KUBECONFIG")"',
        'cat > "$K8SLAB_KUBECONFIG" <<EOF',
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        f"- name: {prefix}$ns",
        "  cluster:",
        "    server: https://kubernetes.default.svc",
        "    certificate-authority: $d/ca.crt",
        "users:",
        f"- name: {prefix}$ns",
        "  user:",
        "    tokenFile: $d/token",
        "contexts:",
        f"- name: {prefix}$ns",
        "  context:",
        f"    cluster: {prefix}$ns",
        f"    user: {prefix}$ns",
        "    namespace: $ns",
        f"current-context: {prefix}$ns",
        "EOF",
    ]
    return "\n".join(lines) + "\n"


def helm_values(attendees: list[str], *, instructor: str = "instructor",
                image: str = "k8slab-course", tag: str = "latest",
                cpu_guarantee: float = 0.5, cpu_limit: float = 1.0,
                memory_guarantee: str = "512M", memory_limit: str = "1G",
                cull_minutes: int = 120, lang: str = "en") -> dict:
    """The zero-to-jupyterhub values for these attendees.

    Args:
        attendees: hub user names, which are the attendees' namespaces (and
            ServiceAccounts) made by ``k8slab workshop create``.
        instructor: the hub admin.
        image, tag: the user image: this repository built by repo2docker
            (``binder/``), pushed to a registry the cluster pulls from.
        cpu_guarantee, cpu_limit, memory_guarantee, memory_limit: the JupyterLab
            pod's share, counted in the attendee's quota like any of their pods.
        cull_minutes: stop a JupyterLab idle this long.

    Example:
        >>> v = helm_values(["attendee-01"])
        >>> v["hub"]["config"]["KubeSpawner"]["user_namespace_template"]
        '{username}'
    """
    if not attendees:
        raise K8sLabError("No attendee to write zero-to-jupyterhub values for.",
                          "Create them first: `k8slab workshop create N` on the cluster.")
    return {
        "hub": {
            "serviceAccount": {"create": True, "name": HUB_SERVICE_ACCOUNT},
            "config": {
                "JupyterHub": {"authenticator_class": "nativeauthenticator.NativeAuthenticator"},
                "Authenticator": {"allowed_users": list(attendees),
                                  "admin_users": [instructor]},
                "NativeAuthenticator": {"open_signup": False},
                "KubeSpawner": {
                    "enable_user_namespaces": True,
                    "user_namespace_template": "{username}",
                    "automount_service_account_token": True,
                },
            },
            "extraConfig": {"k8slab-attendee-identity": PRE_SPAWN_HOOK},
        },
        "singleuser": {
            "image": {"name": image, "tag": tag},
            "cmd": "jupyterhub-singleuser",
            # The first notebook of the workshop's edition (notebooks/fr/ for French).
            "defaultUrl": "/lab/tree/notebooks/" + edition_path(lang),
            "storage": {"type": "none", "homeMountPath": "/home/jovyan"},
            "cpu": {"guarantee": cpu_guarantee, "limit": cpu_limit},
            "memory": {"guarantee": memory_guarantee, "limit": memory_limit},
            "extraEnv": {"K8SLAB_KUBECONFIG": POD_KUBECONFIG, "K8SLAB_SHOW_COMMANDS": "1"},
            "lifecycleHooks": {"postStart": {"exec": {"command": [
                "sh", "-c", pod_kubeconfig_script()]}}},
        },
        "cull": {"enabled": True, "timeout": cull_minutes * 60},
        "prePuller": {"hook": {"enabled": False}, "continuous": {"enabled": False}},
        "scheduling": {"userScheduler": {"enabled": False}},
        "rbac": {"create": True},
    }


def hub_rbac(hub_namespace: str) -> list[dict]:
    """What the hub needs beyond the chart's Role once users have namespaces of their own.

    The chart's Role (``templates/hub/rbac.yaml``) gives pods, PVCs, secrets
    and services (get, watch, list, create, delete) and events (get, watch,
    list) in the hub's namespace; the same, cluster-wide, plus reading and
    creating namespaces (KubeSpawner creates the user namespace, and the
    existing one answers 409).
    """
    name = "k8slab-hub-user-namespaces"
    crud = ["get", "watch", "list", "create", "delete"]
    return [
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
         "metadata": {"name": name, "labels": {"k8slab.io/lab": "true"}},
         "rules": [
             {"apiGroups": [""], "resources": ["pods", "persistentvolumeclaims", "secrets",
                                               "services"], "verbs": crud},
             {"apiGroups": [""], "resources": ["events"], "verbs": ["get", "watch", "list"]},
             {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get", "create"]},
         ]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": {"name": name, "labels": {"k8slab.io/lab": "true"}},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                     "name": name},
         "subjects": [{"kind": "ServiceAccount", "name": HUB_SERVICE_ACCOUNT,
                       "namespace": hub_namespace}]},
    ]


def write(out_dir: Path, count: int, *, prefix: str = "attendee",
          hub_namespace: str = "k8slab-hub", **options) -> tuple[Path, Path]:
    """Write ``z2jh-values.yaml`` and ``z2jh-hub-rbac.yaml`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    values = out_dir / "z2jh-values.yaml"
    rbac = out_dir / "z2jh-hub-rbac.yaml"
    header = ("# zero-to-jupyterhub values written by `k8slab workshop z2jh` for the "
              f"workshop {prefix!r}.\n# helm upgrade --install k8slab-hub jupyterhub/jupyterhub "
              f"--namespace {hub_namespace} --create-namespace --values {values.name}\n")
    values.write_text(header + yaml.safe_dump(
        helm_values(attendee_names(prefix, count), **options), sort_keys=False))
    rbac.write_text(f"# kubectl apply -f {rbac.name} (before the chart)\n"
                    + yaml.safe_dump_all(hub_rbac(hub_namespace), sort_keys=False))
    return values, rbac


def cmd_z2jh(args) -> int:
    """``k8slab workshop z2jh N``: write the values and the hub's extra RBAC."""
    values, rbac = write(args.out, args.count, prefix=args.workshop,
                         hub_namespace=args.hub_namespace, instructor=args.instructor,
                         image=args.image, tag=args.tag, lang=args.lang)
    print(f"k8slab: wrote {values} and {rbac}.")
    print("On the cluster (`k8slab up --engine existing`): `k8slab workshop create "
          f"{args.count} --workshop {args.workshop}` (namespaces, RBAC, quotas), then\n"
          f"  kubectl apply -f {rbac}\n"
          f"  helm upgrade --install k8slab-hub jupyterhub/jupyterhub --namespace "
          f"{args.hub_namespace} --create-namespace --values {values}")
    return 0
