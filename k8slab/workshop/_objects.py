"""The pure part of workshop mode: names, RBAC rules, quotas and kubeconfig files.

Nothing here talks to a cluster, so every rule that keeps one attendee out of
another's namespace can be read, reviewed and unit-tested on its own. The
cluster side (:mod:`k8slab.workshop._cluster`) only applies what these
functions build.

Example:
    >>> attendee_names("attendee", 3)
    ['attendee-01', 'attendee-02', 'attendee-03']
"""

from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path

import yaml
from kubernetes.utils import parse_quantity

from k8slab.errors import K8sLabError

LAB_LABEL = "k8slab.io/lab"
WORKSHOP_LABEL = "k8slab.io/workshop"
ATTENDEE_LABEL = "k8slab.io/attendee"
KUBECONFIG_ANNOTATION = "k8slab.io/kubeconfig"
#: Name of the Role, RoleBinding, ResourceQuota and LimitRange in each namespace.
OBJECT_NAME = "k8slab-attendee"
CONTEXT_PREFIX = "k8slab-workshop-"
#: The ClusterRole (and the Roles in system namespaces) every attendee may look through.
VIEWER_NAME = "k8slab-workshop-viewer"
VIEWER_LABEL = "k8slab.io/workshop-viewer"
#: Prefix of each attendee's ClusterRoleBinding and system-namespace RoleBindings.
BINDING_PREFIX = "k8slab-workshop-"
MAX_ATTENDEES = 999

_DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")

#: Every verb a namespaced resource understands.
ALL_VERBS = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"]
READ_VERBS = ["get", "list", "watch"]
#: Ceiling of the default limits a container without resources gets.
MAX_DEFAULT_MILLICPU = 500
MAX_DEFAULT_MEBIBYTES = 512


def validate_prefix(prefix: str, count: int = 1) -> None:
    """Refuse a prefix that cannot make valid namespace names.

    Raises:
        K8sLabError: the prefix is not a lowercase DNS label, or names would be too long.

    Example:
        >>> validate_prefix("team-a", 20)
    """
    if not _DNS_LABEL.match(prefix or ""):
        raise K8sLabError(
            f"The prefix {prefix!r} cannot start a namespace name.",
            "Use lowercase letters, digits and '-', starting with a letter and not ending "
            "with '-' (e.g. --workshop attendee).")
    longest = f"{prefix}-{count:0{_width(count)}d}"
    if len(longest) > 63:
        raise K8sLabError(f"Attendee names like {longest!r} are longer than the 63 characters "
                          "a namespace name may have.", "Pick a shorter --workshop name.")


def _width(count: int) -> int:
    return max(2, len(str(count)))


def attendee_names(prefix: str, count: int) -> list[str]:
    """The attendees' names, which are also their namespaces: ``prefix-01`` to ``prefix-NN``.

    Numbers are zero-padded so that names sort in order in ``kubectl get ns``.

    Raises:
        K8sLabError: ``count`` is out of range or the prefix is not usable.

    Example:
        >>> attendee_names("team", 2)
        ['team-01', 'team-02']
    """
    if not 1 <= count <= MAX_ATTENDEES:
        raise K8sLabError(f"A workshop has between 1 and {MAX_ATTENDEES} attendees "
                          f"(got {count}).", "Example: `k8slab workshop create 12`.")
    validate_prefix(prefix, count)
    width = _width(count)
    return [f"{prefix}-{i:0{width}d}" for i in range(1, count + 1)]


def role_rules(namespace: str, *, exec_allowed: bool = True) -> list[dict]:
    """What an attendee may do, inside their own namespace only.

    ``exec_allowed=False`` leaves out ``pods/exec`` and ``pods/attach``: on the
    kwok engine an exec runs on the instructor's machine, and when that
    machine cannot sandbox it (see ``k8slab.engines._execgate``) attendees must not
    run anything there.

    The Role covers the kinds the course works with, plus reading the
    attendee's own Namespace object (``kubectl get ns <mine>``; the library
    checks it exists before a lesson starts). Deliberately absent:
    Roles and RoleBindings (no granting rights to oneself), ResourceQuotas and
    LimitRanges beyond reading them (no lifting one's own limits), and the
    ``serviceaccounts/token`` subresource, and any change to the Namespace
    itself (a finalizer added by an attendee would block ``workshop delete``).
    A Role can never reach other cluster-scoped objects: looking at Nodes and
    the like is granted, read-only, by :func:`viewer_rules`.

    Example:
        >>> [r["resources"] for r in role_rules("a-01") if r["apiGroups"] == ["batch"]]
        [['jobs', 'cronjobs']]
    """
    streams = ["pods/exec", "pods/portforward", "pods/attach"] if exec_allowed else [
        "pods/portforward"]
    return [
        # Namespaces are cluster-scoped, but a get on one is authorized "in" it,
        # so a Role in the namespace can allow reading that one object only.
        {"apiGroups": [""], "resources": ["namespaces"], "resourceNames": [namespace],
         "verbs": ["get"]},
        {"apiGroups": [""],
         "resources": ["pods", "services", "endpoints", "configmaps", "secrets",
                       "persistentvolumeclaims", "serviceaccounts"],
         "verbs": ALL_VERBS},
        {"apiGroups": [""], "resources": ["pods/log"], "verbs": READ_VERBS},
        # exec and port-forward open a stream: POST (create), or GET for websockets.
        {"apiGroups": [""], "resources": streams, "verbs": ["get", "create"]},
        {"apiGroups": [""], "resources": ["events"], "verbs": READ_VERBS},
        {"apiGroups": ["events.k8s.io"], "resources": ["events"], "verbs": READ_VERBS},
        {"apiGroups": [""], "resources": ["resourcequotas", "limitranges"],
         "verbs": READ_VERBS},
        {"apiGroups": ["apps"],
         "resources": ["deployments", "replicasets", "statefulsets", "daemonsets"],
         "verbs": ALL_VERBS},
        {"apiGroups": ["apps"],
         "resources": ["deployments/scale", "replicasets/scale", "statefulsets/scale"],
         "verbs": ["get", "update", "patch"]},
        {"apiGroups": ["apps"], "resources": ["controllerrevisions"], "verbs": READ_VERBS},
        {"apiGroups": ["batch"], "resources": ["jobs", "cronjobs"], "verbs": ALL_VERBS},
        {"apiGroups": ["networking.k8s.io"], "resources": ["ingresses"], "verbs": ALL_VERBS},
        {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"],
         "verbs": ALL_VERBS},
        {"apiGroups": ["autoscaling"], "resources": ["horizontalpodautoscalers"],
         "verbs": ALL_VERBS},
        {"apiGroups": ["policy"], "resources": ["poddisruptionbudgets"], "verbs": ALL_VERBS},
    ]


def viewer_rules() -> list[dict]:
    """What an attendee may *look at* across the cluster: read verbs, a few kinds.

    The course shows the cluster as a whole: the nodes (notebooks 01, 02, 04),
    the PersistentVolumes and StorageClasses behind claims (03, 07, 09), the
    CustomResourceDefinitions (11) and IngressClasses (10). Reading them
    reveals no attendee's work and no credential. Deliberately absent:
    Namespaces (their names list the other attendees), Secrets, RBAC objects,
    webhooks and APIServices (nothing in the course reads them), and every
    verb that changes something.

    Example:
        >>> sorted(r["resources"][0] for r in viewer_rules())[:2]
        ['customresourcedefinitions', 'ingressclasses']
    """
    return [
        {"apiGroups": [""], "resources": ["nodes", "persistentvolumes"], "verbs": READ_VERBS},
        {"apiGroups": ["storage.k8s.io"], "resources": ["storageclasses"], "verbs": READ_VERBS},
        {"apiGroups": ["apiextensions.k8s.io"], "resources": ["customresourcedefinitions"],
         "verbs": READ_VERBS},
        {"apiGroups": ["networking.k8s.io"], "resources": ["ingressclasses"],
         "verbs": READ_VERBS},
    ]


def system_view_rules() -> dict[str, list[dict]]:
    """What an attendee may read in the cluster's own namespaces, by namespace.

    Notebook 01 lists the pods and Leases of ``kube-system``; notebook 02 also
    reads its DaemonSets and the node heartbeats in ``kube-node-lease``.
    Nothing else there is readable: not the Secrets, not the ConfigMaps.

    Example:
        >>> sorted(system_view_rules())
        ['kube-node-lease', 'kube-system']
    """
    leases = {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
              "verbs": READ_VERBS}
    return {
        "kube-system": [
            leases,
            {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]},
            {"apiGroups": ["apps"], "resources": ["daemonsets"], "verbs": ["get", "list"]},
        ],
        "kube-node-lease": [leases],
    }


def viewer_objects() -> list[dict]:
    """The read-only roles shared by every attendee of every workshop.

    One ClusterRole for cluster-scoped kinds (:func:`viewer_rules`) and one
    Role per system namespace (:func:`system_view_rules`), all named
    ``k8slab-workshop-viewer``. They grant nothing until an attendee's
    bindings (:func:`viewer_bindings`) point at them.

    Example:
        >>> [(o["kind"], o["metadata"].get("namespace")) for o in viewer_objects()]
        [('ClusterRole', None), ('Role', 'kube-system'), ('Role', 'kube-node-lease')]
    """
    labels = {VIEWER_LABEL: "true"}
    objs: list[dict] = [
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
         "metadata": {"name": VIEWER_NAME, "labels": labels}, "rules": viewer_rules()}]
    for namespace, rules in system_view_rules().items():
        objs.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                     "metadata": {"name": VIEWER_NAME, "namespace": namespace,
                                  "labels": labels},
                     "rules": rules})
    return objs


def binding_name(attendee: str) -> str:
    """The name of an attendee's ClusterRoleBinding and system RoleBindings."""
    return f"{BINDING_PREFIX}{attendee}"


def viewer_bindings(name: str, workshop: str) -> list[dict]:
    """Bind one attendee's ServiceAccount to the shared read-only roles.

    These live outside the attendee's namespace, so deleting the namespace
    does not delete them: :func:`k8slab.workshop.delete` removes them by name.
    They carry the attendee's labels so leftovers can be found.

    Example:
        >>> [(o["kind"], o["metadata"]["name"]) for o in viewer_bindings("a-01", "a")][:1]
        [('ClusterRoleBinding', 'k8slab-workshop-a-01')]
    """
    labels = {LAB_LABEL: "true", WORKSHOP_LABEL: workshop, ATTENDEE_LABEL: name}
    subjects = [{"kind": "ServiceAccount", "name": name, "namespace": name}]
    objs: list[dict] = [
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": {"name": binding_name(name), "labels": labels},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                     "name": VIEWER_NAME},
         "subjects": subjects}]
    for namespace in system_view_rules():
        objs.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                     "metadata": {"name": binding_name(name), "namespace": namespace,
                                  "labels": labels},
                     "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                 "name": VIEWER_NAME},
                     "subjects": subjects})
    return objs


@dataclass(frozen=True)
class Quota:
    """An attendee's share of the cluster.

    Attributes:
        pods: how many pods may exist at once (the limit a runaway Deployment meets).
        cpu: total CPU requested (``"4"``, ``"2500m"``). CPU *limits* are neither
            counted nor defaulted: a default CPU limit below a container's own
            request makes the pod invalid (notebook 05 asks for 100 CPU so that
            the scheduler, not admission, refuses it).
        memory: total memory requested and total memory limits (``"8Gi"``).
        storage: total storage PersistentVolumeClaims may request.
        pvcs: how many PersistentVolumeClaims may exist.
    """

    pods: int = 20
    cpu: str = "4"
    memory: str = "8Gi"
    storage: str = "10Gi"
    pvcs: int = 10

    def hard(self) -> dict[str, str]:
        """The ResourceQuota's ``spec.hard``."""
        return {"pods": str(self.pods),
                "requests.cpu": self.cpu,
                "requests.memory": self.memory, "limits.memory": self.memory,
                "persistentvolumeclaims": str(self.pvcs), "requests.storage": self.storage}

    def container_defaults(self) -> tuple[dict[str, str], dict[str, str]]:
        """Default (limits, requests) for a container that names no resources.

        A quota on CPU and memory rejects pods that do not state them, and most
        course manifests do not. The LimitRange fills them in, sized so that
        ``pods`` single-container pods fit exactly: the pod count, not CPU, is
        what stops a runaway Deployment. Requests are half the limits. A
        generous quota (notebook 04 asks for a pod bigger than any node, which
        the quota must admit for the scheduler to refuse it) does not make
        every small container reserve a large share: limits stop at
        ``500m`` CPU and ``512Mi`` memory.

        Raises:
            K8sLabError: the quota is too small to share between that many pods.

        Example:
            >>> Quota(pods=20, cpu="4", memory="8Gi").container_defaults()
            ({'cpu': '200m', 'memory': '409Mi'}, {'cpu': '100m', 'memory': '204Mi'})
        """
        if self.pods < 1:
            raise K8sLabError(f"--quota-pods must be at least 1 (got {self.pods}).")
        try:
            milli = parse_quantity(self.cpu) * 1000 / self.pods
            mebi = parse_quantity(self.memory) / (1024 * 1024) / self.pods
            parse_quantity(self.storage)
        except ValueError as exc:
            raise K8sLabError(f"A quota value is not a Kubernetes quantity: {exc}.",
                              "Write CPU as 4 or 500m, memory and storage as 8Gi or "
                              "512Mi.") from exc
        cpu_limit = min(int(milli.to_integral_value(ROUND_FLOOR)), MAX_DEFAULT_MILLICPU)
        mem_limit = min(int(Decimal(mebi).to_integral_value(ROUND_FLOOR)), MAX_DEFAULT_MEBIBYTES)
        if cpu_limit < 2 or mem_limit < 2:
            raise K8sLabError(
                f"A quota of {self.cpu} CPU and {self.memory} memory is too small to share "
                f"between {self.pods} pods.",
                "Raise --quota-cpu / --quota-memory, or lower --quota-pods.")
        limits = {"cpu": f"{cpu_limit}m", "memory": f"{mem_limit}Mi"}
        requests = {"cpu": f"{cpu_limit // 2}m", "memory": f"{mem_limit // 2}Mi"}
        return limits, requests


def attendee_objects(name: str, workshop: str, quota: Quota,
                     kubeconfig: Path | None = None, *, exec_allowed: bool = True) -> list[dict]:
    """Everything one attendee gets in their namespace, as manifests: the Namespace first.

    Their read-only view of the rest of the cluster is :func:`viewer_bindings`.

    The attendee's ServiceAccount carries the attendee's name, so API audit
    logs and ``kubectl auth can-i --as`` read naturally
    (``system:serviceaccount:attendee-01:attendee-01``).

    Example:
        >>> [o["kind"] for o in attendee_objects("attendee-01", "attendee", Quota())]
        ['Namespace', 'ServiceAccount', 'Role', 'RoleBinding', 'ResourceQuota', 'LimitRange']
    """
    limits, requests = quota.container_defaults()
    labels = {LAB_LABEL: "true", WORKSHOP_LABEL: workshop, ATTENDEE_LABEL: name}
    meta = {"name": OBJECT_NAME, "namespace": name, "labels": labels}
    annotations = {KUBECONFIG_ANNOTATION: str(kubeconfig)} if kubeconfig else {}
    return [
        {"apiVersion": "v1", "kind": "Namespace",
         "metadata": {"name": name, "labels": labels, "annotations": annotations}},
        {"apiVersion": "v1", "kind": "ServiceAccount",
         "metadata": {**meta, "name": name}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
         "metadata": meta, "rules": role_rules(name, exec_allowed=exec_allowed)},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
         "metadata": meta,
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                     "name": OBJECT_NAME},
         "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": name}]},
        {"apiVersion": "v1", "kind": "ResourceQuota",
         "metadata": meta, "spec": {"hard": quota.hard()}},
        {"apiVersion": "v1", "kind": "LimitRange",
         "metadata": meta,
         "spec": {"limits": [{"type": "Container", "default": {"memory": limits["memory"]},
                              "defaultRequest": requests}]}},
    ]


@dataclass(frozen=True)
class ClusterInfo:
    """How to reach the lab cluster: its API server URL and the CA to trust."""

    server: str
    ca_data: str = ""  # base64 of the PEM, as in certificate-authority-data
    insecure: bool = False


def cluster_info(kubeconfig: dict, base_dir: Path, context: str | None = None) -> ClusterInfo:
    """Read the server URL and CA of one context of a kubeconfig.

    The CA is returned inline (base64) even when the lab kubeconfig points to a
    file, so the attendee's kubeconfig works on another machine.

    Args:
        kubeconfig: the parsed kubeconfig.
        base_dir: the kubeconfig's folder (relative CA paths are relative to it).
        context: the context to read (default: ``current-context``).

    Raises:
        K8sLabError: the context or its cluster is missing, or the CA file is unreadable.
    """
    name = context or kubeconfig.get("current-context")
    ctx = next((c.get("context") or {} for c in kubeconfig.get("contexts") or []
                if c.get("name") == name), None)
    if ctx is None:
        raise K8sLabError(f"The lab kubeconfig has no context {name!r}.",
                          "Restart the lab (`k8slab down && k8slab up`).")
    cluster = next((c.get("cluster") or {} for c in kubeconfig.get("clusters") or []
                    if c.get("name") == ctx.get("cluster")), None)
    if not cluster or not cluster.get("server"):
        raise K8sLabError(f"The lab kubeconfig has no server for context {name!r}.",
                          "Restart the lab (`k8slab down && k8slab up`).")
    ca = cluster.get("certificate-authority-data", "")
    if not ca and cluster.get("certificate-authority"):
        path = Path(cluster["certificate-authority"])
        path = path if path.is_absolute() else base_dir / path
        try:
            ca = base64.b64encode(path.read_bytes()).decode()
        except OSError as exc:
            raise K8sLabError(f"Cannot read the lab cluster's CA certificate {path}: {exc}.",
                              "Is the lab cluster still up? Check with `k8slab status`.") from exc
    return ClusterInfo(cluster["server"], ca, bool(cluster.get("insecure-skip-tls-verify")))


def context_name(attendee: str) -> str:
    """The attendee's context: ``k8slab-workshop-<attendee>`` (a lab context for the guard)."""
    return f"{CONTEXT_PREFIX}{attendee}"


def build_kubeconfig(cluster: ClusterInfo, attendee: str, token: str,
                     namespace: str | None = None) -> dict:
    """An attendee's kubeconfig: one cluster, one token user, one context.

    The context's default namespace is the attendee's own, so ``kubectl get
    pods`` works without ``-n``.

    Example:
        >>> cfg = build_kubeconfig(ClusterInfo("https://127.0.0.1:36443", "Q0E="),
        ...                        "attendee-01", "t0ken")
        >>> cfg["current-context"], cfg["contexts"][0]["context"]["namespace"]
        ('k8slab-workshop-attendee-01', 'attendee-01')
    """
    name = context_name(attendee)
    entry: dict = {"server": cluster.server}
    if cluster.ca_data:
        entry["certificate-authority-data"] = cluster.ca_data
    if cluster.insecure:
        entry["insecure-skip-tls-verify"] = True
    return {
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": name, "cluster": entry}],
        "users": [{"name": name, "user": {"token": token}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name,
                                                "namespace": namespace or attendee}}],
        "current-context": name,
        "preferences": {},
    }


def kubeconfig_file(out_dir: Path, attendee: str) -> Path:
    """Where an attendee's kubeconfig goes: ``<out>/<attendee>.kubeconfig.yaml``."""
    return Path(out_dir).resolve() / f"{attendee}.kubeconfig.yaml"


def write_private(path: Path, config: dict) -> Path:
    """Write a kubeconfig readable by its owner only (mode 0600, folder 0700).

    The mode is set on the open file descriptor, so the token is never
    readable by others, not even for an instant, whatever the umask.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        os.fchmod(handle.fileno(), 0o600)
        yaml.safe_dump(config, handle, sort_keys=False)
    return path
