"""The cluster side of workshop mode: create, list and delete attendees.

An attendee is a namespace of their own plus a kubeconfig whose token may
act in that namespace only, and look (read-only) at the nodes, volumes and
system namespaces the course shows. Everything an attendee owns lives in
their namespace, so deleting the namespace deletes the attendee: the
ServiceAccount goes with it and its tokens stop working at once. Only their
read-only bindings live elsewhere; :func:`delete` removes them by name, and
the shared viewer roles once no attendee is left.

Tokens come from the TokenRequest API: they are signed by the API server,
bound to the ServiceAccount (deleting it revokes them), expire by themselves
after the workshop, and are never stored in the cluster. Clusters whose API
server does not serve TokenRequest get a legacy service-account-token Secret
instead (``token_mode="secret"`` forces it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from k8slab._base import display as _display
from k8slab._base.cluster_record import ClusterRecord
from k8slab._base.paths import state_dir
from k8slab._core.api_errors import translate
from k8slab._core.client import connect, lab_kubeconfig
from k8slab._core.guard import require_lab_cluster
from k8slab._core.resources import apply, exists, get, list_
from k8slab._core.resources import delete as delete_object
from k8slab._core.wait import wait
from k8slab.engines import engine_for
from k8slab.errors import ApiError, ClusterUnavailable, K8sLabError, WaitTimeout
from k8slab.workshop._objects import (
    ATTENDEE_LABEL,
    KUBECONFIG_ANNOTATION,
    OBJECT_NAME,
    WORKSHOP_LABEL,
    ClusterInfo,
    Quota,
    attendee_names,
    attendee_objects,
    binding_name,
    build_kubeconfig,
    cluster_info,
    kubeconfig_file,
    system_view_rules,
    validate_prefix,
    viewer_bindings,
    viewer_objects,
    write_private,
)

TOKEN_MODES = ("auto", "request", "secret")


@dataclass(frozen=True)
class Attendee:
    """One attendee as the cluster knows them.

    Attributes:
        name: the attendee's name, which is also their namespace.
        workshop: the workshop they belong to (its attendee prefix).
        kubeconfig: where their kubeconfig was written ("" if unknown).
        pods: how many pods their namespace holds.
        quota: resource -> (used, hard) from their ResourceQuota.
        expires: when their token expires (ISO time; "" for a legacy token or unknown).
        phase: ``Active`` or ``Terminating``.
    """

    name: str
    workshop: str
    kubeconfig: str = ""
    pods: int = 0
    quota: dict[str, tuple[str, str]] | None = None
    expires: str = ""
    phase: str = "Active"

    @property
    def namespace(self) -> str:
        return self.name


def default_out_dir() -> Path:
    """Where kubeconfig files go by default: ``<state dir>/workshop/``."""
    return state_dir() / "workshop"


def lab_cluster_info(server: str | None = None) -> ClusterInfo:
    """The server URL and CA of the lab cluster, read from the lab kubeconfig.

    Args:
        server: another URL for the same API server, when attendees reach it by
            a different address than this machine (``https://lab.example.org:6443``).
    """
    path = lab_kubeconfig()
    if not path.is_file():
        raise ClusterUnavailable(f"No lab cluster is running (no kubeconfig at {path}).",
                                 "Start one with `k8slab up`, or adopt a shared cluster with "
                                 "`k8slab up --engine existing`.")
    record = ClusterRecord.load()
    info = cluster_info(yaml.safe_load(path.read_text()) or {}, path.parent,
                        record.context if record else None)
    return ClusterInfo(server, info.ca_data, info.insecure) if server else info


def _request_token(attendee: str, hours: float) -> tuple[str, str]:
    from kubernetes import client

    body = client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(
        audiences=[], expiration_seconds=int(hours * 3600)))
    _display.announce(_display.kubectl("create", "token", attendee, "-n", attendee,
                                       f"--duration={hours:g}h"), "POST",
                      f"/api/v1/namespaces/{attendee}/serviceaccounts/{attendee}/token")
    try:
        out = client.CoreV1Api(connect()).create_namespaced_service_account_token(
            attendee, attendee, body, _request_timeout=30)
    except Exception as exc:
        raise translate(exc, action="request a token for", kind="ServiceAccount",
                        name=attendee, namespace=attendee) from exc
    expires = out.status.expiration_timestamp
    return out.status.token, expires.isoformat() if expires else ""


def _secret_token(attendee: str, timeout: float = 30) -> str:
    """A legacy token: a Secret the token controller fills in, valid until deleted."""
    name = f"{attendee}-token"
    apply({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
           "metadata": {"name": name, "namespace": attendee,
                        "annotations": {"kubernetes.io/service-account.name": attendee}}})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        token = (get("Secret", name, attendee).get("data") or {}).get("token")
        if token:
            import base64

            return base64.b64decode(token).decode()
        time.sleep(0.3)
    raise K8sLabError(f"The cluster did not fill in the token Secret {name!r} in {timeout:.0f}s.",
                      "Its controller-manager may run without the token controller; use "
                      "--token-mode request instead.")


def issue_token(attendee: str, *, hours: float = 24, mode: str = "auto") -> tuple[str, str]:
    """A token for the attendee's ServiceAccount: ``(token, expiry or "")``.

    Args:
        hours: lifetime of a requested token (the API server may shorten it).
        mode: ``request`` (TokenRequest API), ``secret`` (legacy Secret), or
            ``auto``: TokenRequest, falling back to a Secret where it is not served.
    """
    if mode not in TOKEN_MODES:
        raise K8sLabError(f"Unknown token mode {mode!r}.", f"Use one of {', '.join(TOKEN_MODES)}.")
    if mode != "secret":
        try:
            return _request_token(attendee, hours)
        except ApiError as err:
            if mode == "request" or err.status not in (404, 405):
                raise
    return _secret_token(attendee), ""


def _check_free(name: str, workshop: str) -> None:
    """Refuse to take over a namespace that is not this workshop's attendee."""
    if not exists("Namespace", name):
        return
    ns = get("Namespace", name)
    labels = ns["metadata"].get("labels") or {}
    if labels.get(WORKSHOP_LABEL) != workshop:
        raise K8sLabError(
            f"The namespace {name!r} already exists and is not an attendee of the workshop "
            f"{workshop!r}, so it may hold somebody's work.",
            "Choose another --workshop name.")
    if ns["metadata"].get("deletionTimestamp"):
        wait("Namespace", name, until="deleted", timeout=180)


def _quota_ready(obj: dict) -> tuple[bool, str]:
    hard = (obj.get("status") or {}).get("hard") or {}
    want = (obj.get("spec") or {}).get("hard") or {}
    return (set(hard) == set(want), "waiting for the quota controller to count usage")


#: What an attendee must be able to do before their kubeconfig is handed out.
#: (verb, resource, API group, namespace: "{own}" is the attendee's, None cluster-wide).
_READY_CHECKS = (("create", "pods", "", "{own}"), ("list", "nodes", "", None),
                 ("list", "leases", "coordination.k8s.io", "kube-system"))


def _wait_authorized(name: str, timeout: float = 30) -> None:
    """Wait until the API server's authorizer applies the attendee's new bindings.

    RBAC changes reach the authorizer through a watch, a moment after they are
    stored; a notebook started in that moment would meet a 403. Asking the
    authorizer (a SubjectAccessReview) shows when the rights are in force.

    Raises:
        K8sLabError: the rights are still not in force after ``timeout`` seconds.
    """
    from k8slab._core.access import can_i, service_account_user

    user = service_account_user(name, name)
    deadline = time.monotonic() + timeout
    for verb, resource, group, where in _READY_CHECKS:
        namespace = where.format(own=name) if where else None
        while not (answer := can_i(verb, resource, namespace, user=user, group=group)):
            if time.monotonic() > deadline:
                raise K8sLabError(
                    f"The attendee {name!r} still may not {verb} {resource} "
                    f"{timeout:.0f}s after their Role was applied ({answer.reason}).",
                    f"Look at `kubectl auth can-i {verb} {resource} --as={user}"
                    f"{' -n ' + namespace if namespace else ''}`, then run the same "
                    "`k8slab workshop create` again.")
            time.sleep(0.2)


def exec_for_attendees() -> tuple[bool, str]:
    """May attendees exec into their pods here? (yes or no, and why).

    On kind, minikube or an existing cluster exec enters a real container.
    On the kwok engine it runs on this machine, so it is granted only when
    ``k8slab up`` found a working sandbox (``exec_sandbox: bwrap`` in the
    cluster record, see ``k8slab.engines._execgate``).

    Example:
        >>> exec_for_attendees()                          # doctest: +SKIP
        (True, 'each exec runs in a sandbox of its pod (bubblewrap): no network, ...')
    """
    record = ClusterRecord.load()
    if (record is None or not engine_for(record).exec_on_this_machine
            or record.extra.get("exec_sandbox") == "container"):
        return True, "attendees' exec enters their pods' real containers."
    if record.extra.get("exec_sandbox") == "bwrap":
        return True, ("attendees' exec runs in a sandbox of its pod's own (bubblewrap): "
                      "no network, no view of the instructor's files or of other pods.")
    why = record.extra.get("exec_sandbox_reason") or "no sandbox was set up for this cluster"
    return False, (f"exec is refused to attendees: it would run on this machine unsandboxed "
                   f"({why}). Install bubblewrap (apt-get install bubblewrap), then "
                   "`k8slab down`, `k8slab up` and `k8slab workshop create` again.")


def create(count: int, *, prefix: str = "attendee", quota: Quota | None = None,
           out: Path | str | None = None, hours: float = 24, token_mode: str = "auto",
           server: str | None = None) -> list[Attendee]:
    """Create (or refresh) attendees ``prefix-01`` to ``prefix-NN`` and their kubeconfigs.

    Idempotent: running it again updates the objects and issues fresh tokens.
    The workshop's name is its prefix (label ``k8slab.io/workshop=<prefix>``).

    Args:
        count: how many attendees.
        prefix: start of their names and namespaces.
        quota: each attendee's share of the cluster (default: 20 pods, 4 CPU, 8Gi).
        out: folder for the kubeconfig files (default: ``<state dir>/workshop``).
        hours: token lifetime.
        token_mode: ``auto``, ``request`` or ``secret`` (see :func:`issue_token`).
        server: the API server URL to write in kubeconfigs (default: the lab's).

    Example:
        >>> from k8slab import workshop
        >>> [a.kubeconfig for a in workshop.create(2)]        # doctest: +SKIP
        ['/work/.k8slab/workshop/attendee-01.kubeconfig.yaml', ...]
    """
    names = attendee_names(prefix, count)
    quota = quota or Quota()
    quota.container_defaults()  # refuse an unusable quota before touching the cluster
    if hours <= 0:
        raise K8sLabError(f"The token lifetime must be positive (got {hours}h).")
    out_dir = Path(out) if out else default_out_dir()
    cluster = lab_cluster_info(server)
    exec_allowed, _ = exec_for_attendees()
    created = []
    with _display.quiet():
        for name in names:
            _check_free(name, prefix)
        for name in names:
            path = kubeconfig_file(out_dir, name)
            apply(attendee_objects(name, prefix, quota, path, exec_allowed=exec_allowed))
        apply(viewer_objects())
        for name in names:
            apply(viewer_bindings(name, prefix))
        for name in names:
            wait("ResourceQuota", OBJECT_NAME, name, until=_quota_ready, timeout=60)
            _wait_authorized(name)
            token, expires = issue_token(name, hours=hours, mode=token_mode)
            path = write_private(kubeconfig_file(out_dir, name),
                                 build_kubeconfig(cluster, name, token))
            created.append(Attendee(name, prefix, str(path), expires=expires))
    return created


def _quota_use(namespace: str) -> dict[str, tuple[str, str]]:
    try:
        quota = get("ResourceQuota", OBJECT_NAME, namespace)
    except ApiError as err:
        if err.status == 404:
            return {}
        raise
    status = quota.get("status") or {}
    used = status.get("used") or {}
    return {k: (used.get(k, "0"), v) for k, v in (status.get("hard") or {}).items()}


def _selector(workshop: str | None) -> str:
    if workshop:
        validate_prefix(workshop)
        return f"{WORKSHOP_LABEL}={workshop}"
    return WORKSHOP_LABEL


def attendees(workshop: str | None = None) -> list[Attendee]:
    """Every attendee on the cluster (of one workshop, or of all), sorted by name.

    Example:
        >>> [(a.name, a.pods) for a in workshop.attendees()]    # doctest: +SKIP
        [('attendee-01', 3), ('attendee-02', 0)]
    """
    found = []
    with _display.quiet():
        for ns in list_("Namespace", labels=_selector(workshop)):
            meta = ns["metadata"]
            name = meta["name"]
            found.append(Attendee(
                name=name,
                workshop=(meta.get("labels") or {}).get(WORKSHOP_LABEL, ""),
                kubeconfig=(meta.get("annotations") or {}).get(KUBECONFIG_ANNOTATION, ""),
                pods=len(list_("Pod", name)),
                quota=_quota_use(name),
                phase=(ns.get("status") or {}).get("phase", "Active")))
    return sorted(found, key=lambda a: a.name)


def _remove_kubeconfig(path: str) -> bool:
    """Remove a kubeconfig we wrote; only ever a ``*.kubeconfig.yaml`` file."""
    file = Path(path)
    if not path or not file.name.endswith(".kubeconfig.yaml") or not file.is_file():
        return False
    file.unlink()
    return True


def delete(names: list[str] | None = None, *, all: bool = False, workshop: str | None = None,
           timeout: float = 300, allow_any_context: bool = False) -> list[str]:
    """Delete attendees: their namespace (and all in it), bindings and kubeconfig file.

    Only namespaces labelled as workshop attendees are touched: naming
    ``kube-system`` by mistake is refused. Waits until the namespaces are gone,
    so a workshop can be re-created straight away. The read-only viewer roles
    shared by all attendees go too once nobody is left.

    Args:
        names: the attendees to delete.
        all: delete every attendee (of ``workshop`` if given, else of every workshop).
        timeout: seconds to wait, in all, for the namespaces to disappear.

    Returns:
        The attendees deleted.

    Example:
        >>> workshop.delete(all=True, workshop="attendee")     # doctest: +SKIP
        ['attendee-01', 'attendee-02']
    """
    if bool(names) == bool(all):
        raise K8sLabError("Say which attendees to delete: some names, or --all (not both).",
                          "Example: `k8slab workshop delete attendee-03` or "
                          "`k8slab workshop delete --all`.")
    require_lab_cluster("delete workshop attendees" + (f" {', '.join(names)}" if names else ""),
                        allow_any_context=allow_any_context)
    with _display.quiet():
        if all:
            targets = {a.name: a.kubeconfig for a in attendees(workshop)}
        else:
            targets = {}
            for name in names or []:
                if not exists("Namespace", name):
                    targets[name] = ""
                    continue
                meta = get("Namespace", name)["metadata"]
                labels = meta.get("labels") or {}
                if WORKSHOP_LABEL not in labels or ATTENDEE_LABEL not in labels or (
                        workshop and labels[WORKSHOP_LABEL] != workshop):
                    raise K8sLabError(
                        f"The namespace {name!r} is not a workshop attendee; it was left alone.",
                        "`k8slab workshop list` shows the attendees.")
                targets[name] = (meta.get("annotations") or {}).get(KUBECONFIG_ANNOTATION, "")
        # Their pods' exec sandboxes (files on this machine) go with them, below.
        pod_uids = [p["metadata"]["uid"] for name in targets if exists("Namespace", name)
                    for p in list_("Pod", name)]
        for name in targets:
            _delete_view(name, allow_any_context)
            delete_object("Namespace", name, allow_any_context=allow_any_context)
        for name, path in targets.items():
            _remove_kubeconfig(path)
            _remove_kubeconfig(str(kubeconfig_file(default_out_dir(), name)))
        deadline = time.monotonic() + timeout
        for name in targets:
            try:
                wait("Namespace", name, until="deleted",
                     timeout=max(1.0, deadline - time.monotonic()))
            except WaitTimeout as err:
                raise _stuck(name, timeout) from err
        if targets:
            _drop_unused_viewer(allow_any_context)
        from k8slab.engines.kwok import remove_sandboxes

        remove_sandboxes(pod_uids)  # the exec gate sweeps them too, within seconds
    return sorted(targets)


def _delete_view(name: str, allow_any_context: bool) -> None:
    """Remove one attendee's read-only bindings (they live outside their namespace)."""
    delete_object("ClusterRoleBinding", binding_name(name),
                  allow_any_context=allow_any_context)
    for namespace in system_view_rules():
        delete_object("RoleBinding", binding_name(name), namespace,
                      allow_any_context=allow_any_context)


def _any_attendee() -> bool:
    return bool(list_("Namespace", labels=WORKSHOP_LABEL))


def _drop_unused_viewer(allow_any_context: bool) -> bool:
    """Delete the shared viewer roles once no attendee of any workshop is left.

    A workshop created in the meantime (by another instructor, on the same
    cluster) would find its bindings pointing at nothing, so the roles are
    checked again after the delete and put back if an attendee appeared.

    Returns:
        True when the roles were deleted (and stayed deleted).
    """
    if _any_attendee():
        return False
    for obj in viewer_objects():
        delete_object(obj["kind"], obj["metadata"]["name"], obj["metadata"].get("namespace"),
                      allow_any_context=allow_any_context)
    if _any_attendee():
        apply(viewer_objects())
        return False
    return True


def _stuck(name: str, timeout: float) -> K8sLabError:
    """Explain a namespace that outlived ``timeout``, from its own status conditions."""
    try:
        status = get("Namespace", name).get("status") or {}
    except ApiError:
        status = {}
    reasons = [f"{c.get('type')}: {c.get('message')}" for c in status.get("conditions") or []
               if c.get("status") == "True"]
    return K8sLabError(
        f"The namespace {name!r} is still being deleted after {timeout:.0f}s"
        + (f" ({'; '.join(reasons)})." if reasons else "."),
        "The namespace controller may be busy or blocked (a broken API group or a finalizer). "
        f"Look at `kubectl get ns {name} -o yaml`, then run the same delete again.")
