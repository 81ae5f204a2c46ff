"""Workshop mode ``cluster``: a kwok control plane of their own for every attendee.

The shared mode (one namespace per attendee, :mod:`k8slab.workshop._cluster`)
scales to a large room, but five notebooks need cluster-wide rights (03 makes
namespaces and a PersistentVolume, 08 Roles and impersonation, 09 volumes, 11
a CustomResourceDefinition, 14 quotas). In this mode each attendee gets a whole cluster:
the same binaries as ``k8slab up`` (kwokctl, etcd behind TLS, the exec gate and
its sandboxes), started as ``k8slab up`` with a state folder of its own,
``<state>/vclusters/<attendee>/``, and ports of its own. The attendee's
kubeconfig holds the token of a ServiceAccount bound to ``cluster-admin`` *in
that cluster only*: their token means nothing to the lab cluster or to another
attendee's, whose API servers have other signing keys.

Why a subprocess per cluster rather than calling the engine: every path the
kwok engine uses comes from ``K8SLAB_STATE``, and a separate ``k8slab up``
gives each cluster exactly what a lab of its own gets (idempotent start,
restart with its data after a crash, ``k8slab down``), with no shared state in
this process.

What it costs is measured, not guessed: :func:`memory` sums the resident memory
(RSS) of a cluster's processes, and the proportional share (PSS), which counts
the pages of the binaries that every attendee's processes share once.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from k8slab._base.paths import PROJECT_ROOT, state_dir
from k8slab.errors import ClusterUnavailable, K8sLabError
from k8slab.workshop._objects import (
    ClusterInfo,
    attendee_names,
    cluster_info,
    kubeconfig_file,
    validate_prefix,
    write_private,
)

#: The workshop modes ``k8slab workshop create --mode`` offers.
MODES = ("namespace", "cluster")
#: Context names of per-attendee cluster kubeconfigs (``_guard`` reads it: a kwok lab).
CONTEXT_PREFIX = "k8slab-vcluster-"
#: Where each attendee's ServiceAccount lives, in their own cluster: a namespace that
#: cannot be deleted (a lesson's clean-up cannot take the attendee's access with it).
ADMIN_NAMESPACE = "kube-system"
#: First API port tried for attendee clusters (the lab's default is 36443).
FIRST_PORT = 37000
META_FILE = "vcluster.json"


@dataclass(frozen=True)
class VCluster:
    """One attendee's own cluster.

    Attributes:
        name: the attendee (also the folder name under ``<state>/vclusters``).
        workshop: the workshop (its attendee prefix).
        port: its API server port on 127.0.0.1.
        state: its state folder (``K8SLAB_STATE`` of its ``k8slab up``).
        kubeconfig: the attendee's kubeconfig file.
        expires: when the attendee's token expires (ISO time).
        running: whether its API server answered.
        rss_mib: resident memory of its processes (MiB).
        pss_mib: their proportional share (MiB; shared binary pages split).
    """

    name: str
    workshop: str
    port: int
    state: Path
    kubeconfig: str = ""
    expires: str = ""
    running: bool = False
    rss_mib: float = 0.0
    pss_mib: float = 0.0

    @property
    def server(self) -> str:
        return f"https://127.0.0.1:{self.port}"


def vclusters_dir() -> Path:
    """``<state>/vclusters``: one folder per attendee cluster."""
    return state_dir() / "vclusters"


def _meta(state: Path) -> dict:
    try:
        return json.loads((state / META_FILE).read_text())
    except (OSError, ValueError):
        return {}


def _env(state: Path, port: int) -> dict[str, str]:
    """The environment of one attendee cluster's ``k8slab`` command."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("K8SLAB_KUBECONFIG", "KUBECONFIG", "K8SLAB_ALLOW_ANY_CONTEXT")}
    env.update({"K8SLAB_STATE": str(state), "K8SLAB_API_PORT": str(port),
                "K8SLAB_SHOW_COMMANDS": "0"})
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH"))
                                        if p)
    return env


def _k8slab(args: list[str], state: Path, port: int, timeout: float = 300
            ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "k8slab", *args], env=_env(state, port),
                          capture_output=True, text=True, timeout=timeout, cwd=str(PROJECT_ROOT))


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def pick_port(first: int, taken: set[int]) -> int:
    """The first port from ``first`` not recorded for another cluster, with it and the next free.

    Raises:
        K8sLabError: no such port below 65535.
    """
    for port in range(first, 65535):
        if port not in taken and _port_free(port):
            return port
    raise K8sLabError(f"No free port on 127.0.0.1 from {first} for an attendee cluster.",
                      "Pass a lower --first-port.")


def known(workshop: str | None = None) -> list[VCluster]:
    """Attendee clusters recorded under the state folder (of one workshop, or all), by name."""
    found = []
    base = vclusters_dir()
    for state in sorted(base.iterdir()) if base.is_dir() else []:
        meta = _meta(state)
        if not meta or (workshop and meta.get("workshop") != workshop):
            continue
        found.append(VCluster(meta["name"], meta.get("workshop", ""), int(meta["port"]), state,
                              meta.get("kubeconfig", ""), meta.get("expires", "")))
    return found


# -- memory -------------------------------------------------------------------
def cluster_pids(state: Path) -> list[int]:
    """Running processes of the kwok cluster whose state folder is ``state``.

    The same files the kwok engine reads (``KwokEngine.pids``): kwokctl's pid
    files and the exec gate's.
    """
    files = [state / "execgate.pid", *sorted((state / "kwok" / "clusters" / "k8slab" / "pids")
                                             .glob("*.pid"))]
    pids = []
    for file in files:
        try:
            pid = int(file.read_text().strip())
        except (OSError, ValueError):
            continue
        if Path(f"/proc/{pid}").exists():
            pids.append(pid)
    return pids


def _proc_kib(pid: int, file: str, key: str) -> int:
    try:
        text = Path(f"/proc/{pid}/{file}").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in text.splitlines() if line.startswith(key)), 0)


def memory(pids: list[int]) -> tuple[float, float]:
    """(RSS, PSS) of these processes, in MiB (PSS from ``/proc/<pid>/smaps_rollup``)."""
    rss = sum(_proc_kib(p, "status", "VmRSS:") for p in pids)
    pss = sum(_proc_kib(p, "smaps_rollup", "Pss:") for p in pids)
    return rss / 1024, pss / 1024


# -- the attendee's credentials -------------------------------------------------
def admin_objects(attendee: str) -> list[dict]:
    """The attendee's identity in their own cluster: a ServiceAccount bound to cluster-admin.

    Why not the cluster's own admin certificate (``system:masters``): that group
    bypasses authorization altogether, and a certificate cannot be revoked;
    a ServiceAccount token is checked by RBAC like anybody's and dies with
    ``workshop delete``.
    """
    labels = {"k8slab.io/workshop-admin": attendee}
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount",
         "metadata": {"name": attendee, "namespace": ADMIN_NAMESPACE, "labels": labels}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": {"name": f"k8slab-vcluster-admin-{attendee}", "labels": labels},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                     "name": "cluster-admin"},
         "subjects": [{"kind": "ServiceAccount", "name": attendee,
                       "namespace": ADMIN_NAMESPACE}]},
    ]


def build_vcluster_kubeconfig(cluster: ClusterInfo, attendee: str, token: str) -> dict:
    """The attendee's kubeconfig for their own cluster: no default namespace to stay in.

    Example:
        >>> cfg = build_vcluster_kubeconfig(ClusterInfo("https://127.0.0.1:37000", "Q0E="),
        ...                                 "attendee-01", "t0ken")
        >>> cfg["current-context"], "namespace" in cfg["contexts"][0]["context"]
        ('k8slab-vcluster-attendee-01', False)
    """
    name = CONTEXT_PREFIX + attendee
    entry: dict = {"server": cluster.server}
    if cluster.ca_data:
        entry["certificate-authority-data"] = cluster.ca_data
    return {
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": name, "cluster": entry}],
        "users": [{"name": name, "user": {"token": token}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
        "current-context": name,
        "preferences": {},
    }


def _api(kubeconfig: Path):
    from kubernetes import config

    return config.new_client_from_config(config_file=str(kubeconfig))


def _grant(state: Path, attendee: str, hours: float) -> tuple[str, str]:
    """Apply :func:`admin_objects` in the attendee's cluster and request their token."""
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    api = _api(state / "kubeconfig.yaml")
    core, rbac = client.CoreV1Api(api), client.RbacAuthorizationV1Api(api)
    sa, crb = admin_objects(attendee)
    for create in (lambda: core.create_namespaced_service_account(ADMIN_NAMESPACE, sa),
                   lambda: rbac.create_cluster_role_binding(crb)):
        try:
            create()
        except ApiException as exc:
            if exc.status != 409:
                raise K8sLabError(
                    f"Could not give {attendee!r} admin rights in their cluster "
                    f"({state}): {exc.status} {exc.reason}.",
                    f"Look at {state / 'logs'}, then run the same `k8slab workshop create` "
                    "again.") from exc
    body = client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(
        audiences=[], expiration_seconds=int(hours * 3600)))
    out = core.create_namespaced_service_account_token(attendee, ADMIN_NAMESPACE, body)
    expires = out.status.expiration_timestamp
    return out.status.token, expires.isoformat() if expires else ""


def _wait_admin(kubeconfig: Path, attendee: str, timeout: float = 30) -> None:
    """Wait until the attendee's own token may list namespaces (the binding is in force)."""
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    core = client.CoreV1Api(_api(kubeconfig))
    deadline = time.monotonic() + timeout
    while True:
        try:
            core.list_namespace(_request_timeout=10)
            return
        except ApiException as exc:
            if exc.status != 403 or time.monotonic() > deadline:
                raise K8sLabError(
                    f"The kubeconfig {kubeconfig} of {attendee!r} cannot list namespaces in "
                    f"their own cluster ({exc.status} {exc.reason}).",
                    "Run the same `k8slab workshop create --mode cluster` again.") from exc
        time.sleep(0.3)


# -- create, delete ---------------------------------------------------------------
def start(name: str, workshop: str, port: int, *, nodes: int = 2, timeout: float = 300
          ) -> Path:
    """Start (or restart, or leave running) the cluster of one attendee; its state folder.

    Raises:
        ClusterUnavailable: ``k8slab up`` failed for it (its output is in the message).
    """
    state = vclusters_dir() / name
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o700)
    meta = {**_meta(state), "name": name, "workshop": workshop, "port": port}
    (state / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")
    proc = _k8slab(["up", "--engine", "kwok", "--port", str(port), "--nodes", str(nodes)],
                   state, port, timeout)
    if proc.returncode != 0:
        raise ClusterUnavailable(
            f"The cluster of attendee {name!r} (port {port}, state {state}) did not start: "
            + (proc.stderr.strip().splitlines() or ["no output"])[-1],
            f"Read {state / 'logs'}, then run the same `k8slab workshop create` again "
            f"(or `k8slab workshop delete {name}`).")
    return state


def create(count: int, *, prefix: str = "attendee", out: Path | str | None = None,
           hours: float = 24, first_port: int = FIRST_PORT, nodes: int = 2) -> list[VCluster]:
    """Give attendees ``prefix-01`` .. ``prefix-NN`` a cluster each, and their kubeconfigs.

    Idempotent: a running cluster is kept (fresh token), a dead one restarted
    with its data, a missing one started. The clusters start one after the
    other (each ``k8slab up`` takes a few seconds and most of a core).

    Args:
        count: how many attendees.
        prefix: their names' start (and the workshop's name).
        out: folder for kubeconfig files (default ``<state>/workshop``).
        hours: the tokens' lifetime.
        first_port: API ports are taken from here on, skipping ports in use.
        nodes: simulated nodes per cluster.

    Example:
        >>> [v.server for v in create(2, first_port=37000)]   # doctest: +SKIP
        ['https://127.0.0.1:37000', 'https://127.0.0.1:37001']
    """
    names = attendee_names(prefix, count)
    if hours <= 0:
        raise K8sLabError(f"The token lifetime must be positive (got {hours}h).")
    out_dir = Path(out) if out else state_dir() / "workshop"
    recorded = {v.name: v for v in known()}
    taken = {v.port for v in recorded.values()}
    made = []
    for name in names:
        if name in recorded and recorded[name].workshop != prefix:
            raise K8sLabError(
                f"An attendee cluster {name!r} exists already, of the workshop "
                f"{recorded[name].workshop!r}.", "Choose another --workshop name.")
        port = recorded[name].port if name in recorded else pick_port(first_port, taken)
        taken.add(port)
        state = start(name, prefix, port, nodes=nodes)
        token, expires = _grant(state, name, hours)
        info = cluster_info(yaml.safe_load((state / "kubeconfig.yaml").read_text()) or {},
                            state)
        path = write_private(kubeconfig_file(out_dir, name),
                             build_vcluster_kubeconfig(info, name, token))
        _wait_admin(path, name)
        meta = {**_meta(state), "kubeconfig": str(path), "expires": expires}
        (state / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")
        made.append(VCluster(name, prefix, port, state, str(path), expires, True))
    return [measured(v) for v in made]


def measured(cluster: VCluster) -> VCluster:
    """The same cluster with its memory (RSS and PSS) and whether its processes run."""
    pids = cluster_pids(cluster.state)
    rss, pss = memory(pids)
    return VCluster(cluster.name, cluster.workshop, cluster.port, cluster.state,
                    cluster.kubeconfig, cluster.expires, bool(pids), rss, pss)


def delete(names: list[str] | None = None, *, workshop: str | None = None) -> list[str]:
    """Stop attendee clusters (``k8slab down`` each), remove their state and kubeconfigs.

    Args:
        names: these attendees' clusters; None: every cluster (of ``workshop``).

    Returns:
        The attendees whose cluster was deleted.
    """
    if workshop:
        validate_prefix(workshop)
    targets = [v for v in known(workshop) if names is None or v.name in names]
    gone = []
    for cluster in targets:
        proc = _k8slab(["down"], cluster.state, cluster.port, timeout=300)
        if proc.returncode != 0 and cluster_pids(cluster.state):
            raise K8sLabError(
                f"The cluster of attendee {cluster.name!r} ({cluster.state}) did not stop: "
                + (proc.stderr.strip().splitlines() or ["no output"])[-1],
                f"Read {cluster.state / 'logs'}, then run the same delete again.")
        file = Path(cluster.kubeconfig)
        if cluster.kubeconfig and file.name.endswith(".kubeconfig.yaml") and file.is_file():
            file.unlink()
        shutil.rmtree(cluster.state, ignore_errors=True)
        gone.append(cluster.name)
    if vclusters_dir().is_dir() and not any(vclusters_dir().iterdir()):
        vclusters_dir().rmdir()
    return gone


def cost_line(clusters: list[VCluster]) -> str:
    """What the clusters cost this machine, measured: per attendee and in all."""
    running = [c for c in clusters if c.running]
    if not running:
        return "no attendee cluster runs."
    rss = sum(c.rss_mib for c in running)
    pss = sum(c.pss_mib for c in running)
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20
    except (ValueError, OSError):
        total = 0.0
    n = len(running)
    return (f"mode cluster: a kwok control plane per attendee (etcd, kube-apiserver, "
            f"controller-manager, scheduler, kwok, exec gate), measured now: "
            f"{rss / n:.0f} MiB RSS per attendee ({pss / n:.0f} MiB PSS, shared binary pages "
            f"counted once); {n} attendee(s): {rss / 1024:.2f} GiB RSS"
            + (f" of this machine's {total / 1024:.1f} GiB" if total else "")
            + ", and a few seconds of CPU each to start.")


def namespace_cost_line(count: int) -> str:
    """What the shared mode costs: the shared cluster's memory, nothing per attendee."""
    pids = cluster_pids(state_dir())
    shared = f"its control plane takes {memory(pids)[0]:.0f} MiB RSS now" if pids else \
        "its memory is the cluster's own"
    return (f"mode namespace: one shared cluster for all {count} attendee(s) ({shared}); per "
            "attendee a namespace, a ServiceAccount, a Role and a quota, no process of their "
            "own. Notebooks 03, 08, 09, 11 and 14 need cluster-wide rights: `--mode cluster` "
            "gives each attendee a cluster of their own (about 600 MiB each).")


# -- the command line (``k8slab workshop create --mode cluster``, list, delete) ----------
def cmd_create(args) -> int:
    """``k8slab workshop create N --mode cluster``: print each cluster and what they cost."""
    made = create(args.count, prefix=args.workshop, out=args.out, hours=args.hours,
                  first_port=args.first_port, nodes=args.nodes)
    print(f"k8slab: workshop {args.workshop!r}: {len(made)} attendees, each cluster-admin of a "
          "kwok cluster of their own (simulated nodes: no container runs).")
    print(f"k8slab: {cost_line(made)}")
    for v in made:
        print(f"  {v.name:<24} {v.server:<24} {v.rss_mib:>5.0f} MiB  {v.kubeconfig}  "
              f"(token until {v.expires})")
    if made:
        print("Give each attendee their own file (it holds their password). They use it with\n"
              f"  KUBECONFIG={made[0].kubeconfig} kubectl get nodes\n"
              "or, in the notebooks, K8SLAB_KUBECONFIG=<file> before starting JupyterLab.\n"
              "`k8slab workshop delete --all` (or `k8slab down`) stops and removes them.")
    return 0


def print_list(workshop: str | None) -> int:
    """The attendee clusters for ``k8slab workshop list``; returns how many were shown."""
    clusters = [measured(v) for v in known(workshop)]
    if clusters:
        print(f"{'ATTENDEE (own cluster)':<24} {'WORKSHOP':<16} {'SERVER':<24} "
              f"{'STATE':<8} {'RSS':>8}  KUBECONFIG")
        for v in clusters:
            print(f"{v.name:<24} {v.workshop:<16} {v.server:<24} "
                  f"{'running' if v.running else 'stopped':<8} {v.rss_mib:>4.0f} MiB  "
                  f"{v.kubeconfig}")
        print(f"k8slab: {cost_line(clusters)}")
    return len(clusters)
