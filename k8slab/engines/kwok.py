"""The embedded engine: a KWOK cluster made of real upstream components.

``kwokctl --runtime binary`` starts etcd, kube-apiserver,
kube-controller-manager, kube-scheduler and the kwok controller as local
processes, all bound to 127.0.0.1. Nodes and pods are simulated by kwok, so no
container runs and no Docker is needed, but everything a learner talks to
(the API, admission, RBAC, controllers, scheduler) is the real thing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from kubernetes import client

from k8slab._base.cluster_record import ClusterRecord
from k8slab._base.paths import cache_dir, logs_dir, state_dir
from k8slab._base.pki import Pki, ensure_pki
from k8slab._base.procs import alive as _alive
from k8slab._base.procs import free_ports
from k8slab._base.procs import stop as _stop_process
from k8slab._binaries import catalog as _tools
from k8slab._core.client import connect, record_answers
from k8slab.engines.base import (
    CLUSTER_NAME,
    Availability,
    Engine,
    ensure_state,
    port_in_use,
    run_logged,
    write_kubeconfig,
)
from k8slab.errors import ClusterUnavailable, K8sLabError

DEFAULT_PORT = 36443
POD_CIDR = "10.244.0.0/16"
SERVICE_CIDR = "10.96.0.0/16"
STAGES_FILE = Path(__file__).with_name("kwok-stages.yaml")
#: The user kwok runs exec as when k8slab runs as root (nobody).
EXEC_UID = 65534
#: Ports kwokctl would otherwise pick itself. k8slab must know some of them to write
#: TLS URLs; the controller manager's and the scheduler's are chosen here because
#: kwokctl picks its own by counting down from 32767, the same numbers for every
#: cluster created at the same moment: two clusters started together (a test worker
#: each, a workshop room) got the same port, and one's controller manager never ran.
INTERNAL_PORTS = ("etcd", "etcd-peer", "kwok", "execgate", "kube-controller-manager",
                  "kube-scheduler")

#: Stage name -> (environment variable, default "min-max" delay in milliseconds).
DELAYS: dict[str, tuple[str, str]] = {
    "lab-pod-start": ("K8SLAB_POD_START_MS", "700-1500"),
    "lab-pod-remove": ("K8SLAB_POD_STOP_MS", "300-800"),
    "lab-pod-complete": ("K8SLAB_JOB_RUN_MS", "1500-2500"),
    "lab-pod-liveness-restart": ("K8SLAB_LIVENESS_MS", "3000-4000"),
}


def parse_delay(text: str) -> tuple[int, int]:
    """Parse ``"800"`` or ``"700-1500"`` (milliseconds) into (minimum, maximum).

    Raises:
        K8sLabError: the text is not one or two non-negative integers.
    """
    parts = text.strip().split("-")
    try:
        values = [int(p) for p in parts]
    except ValueError:
        values = []
    if len(values) not in (1, 2) or any(v < 0 for v in values):
        raise K8sLabError(f"Bad delay {text!r}: expected milliseconds like '800' or '700-1500'.")
    low, high = values[0], values[-1]
    return min(low, high), max(low, high)


def workdir() -> Path:
    """kwokctl's work folder, kept inside the lab state folder (not ~/.kwok)."""
    return state_dir() / "kwok"


def pki_dir() -> Path:
    """The certificates of etcd and the exec gate (see ``k8slab._base.pki``), mode 0700."""
    return state_dir() / "pki"


def exec_dir() -> Path:
    """Where simulated exec runs: ``sandboxes/<namespace>/<pod>`` (``sandbox`` without bwrap).

    Normally ``.k8slab/simulated``. When k8slab runs as root, exec runs as
    nobody, who must be able to reach that folder: a state folder below a
    private one (``/root/...``, pytest's temporary folders) gets a folder of
    its own in the system's temporary folder instead, named after it.
    """
    sim = state_dir() / "simulated"
    if os.geteuid() != 0 or _reachable_by_others(state_dir()):
        return sim
    digest = hashlib.sha256(str(state_dir().resolve()).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"k8slab-exec-{digest}"


def remove_sandboxes(pod_uids: list[str]) -> None:
    """Remove the exec sandboxes of these pods (``workshop delete``: no attendee file stays).

    The exec gate removes a deleted pod's folder on its own within seconds; this
    does it at once, for a ``workshop delete`` that has just waited for the
    namespaces to go. UIDs are checked, so no other path can be named.
    """
    from k8slab.engines._execgate import UID

    root = exec_dir() / "sandboxes"
    for uid in pod_uids:
        if UID.match(uid) and (root / uid).is_dir():
            shutil.rmtree(root / uid, ignore_errors=True)


def _reachable_by_others(path: Path) -> bool:
    path = path.resolve()
    return all(p.stat().st_mode & 0o001 for p in (path, *path.parents) if p.exists())


def bwrap_path() -> str | None:
    """bubblewrap for the exec sandbox; ``K8SLAB_BWRAP`` names another, ``none`` turns it off.

    Turning it off shows what a machine without user namespaces gets: exec
    for the machine's owner only (see ``k8slab.workshop._cluster.exec_for_attendees``).
    """
    value = os.environ.get("K8SLAB_BWRAP")
    if value is None:
        return shutil.which("bwrap")
    return None if value.strip().lower() in ("", "none", "off") else value


def _merge_patches(patches: list[dict]) -> list[dict]:
    """One entry per component: the extra args (and volumes) of every patch, in order."""
    merged: dict[str, dict] = {}
    for patch in patches:
        entry = merged.setdefault(patch["name"], {"name": patch["name"]})
        for key, value in patch.items():
            if key != "name":
                entry.setdefault(key, []).extend(value)
    return list(merged.values())


def kwok_env() -> dict[str, str]:
    """The environment kwokctl runs with: its work folder redirected, no ~/.kube."""
    env = dict(os.environ)
    env["KWOK_WORKDIR"] = str(workdir())
    env["KUBECONFIG"] = str(state_dir() / "kubeconfig.yaml")
    return env


class KwokEngine(Engine):
    """kwokctl + local binaries: the default, Docker-free lab cluster."""

    name = "kwok"
    owns_etcd = True
    exec_on_this_machine = True

    def __init__(self, port: int | None = None, download: bool = False) -> None:
        self.port = port or int(os.environ.get("K8SLAB_API_PORT", DEFAULT_PORT))
        #: Let kwokctl download official release binaries (machines with internet).
        self.download = download or os.environ.get("K8SLAB_BINARIES") == "download"
        #: etcd, etcd peer, kwok controller and exec gate ports, chosen on first use.
        self.ports: dict[str, int] = {}
        #: "bwrap" when exec runs in a per-pod sandbox, "none" when it cannot (see up()).
        self.exec_sandbox = "bwrap"

    def internal_ports(self) -> dict[str, int]:
        """The ports of the cluster's internal links, picked once per engine object."""
        if not self.ports:
            self.ports = dict(zip(INTERNAL_PORTS, free_ports(len(INTERNAL_PORTS)), strict=True))
        return self.ports

    # -- checks ---------------------------------------------------------
    def availability(self) -> Availability:
        if self.download or all(_tools.find(n) for n in _tools.KWOK_CLUSTER_TOOLS):
            return Availability(True)
        if not _tools.go_obtainable():
            return Availability(False, "its binaries are not built yet, Go 1.26+ is not "
                                "installed, and k8slab may not download Go here "
                                "(K8SLAB_BINARIES=build, or no pinned Go for this platform).",
                                "Install Go 1.26+ and run `k8slab tools`, or unset "
                                "K8SLAB_BINARIES (k8slab then downloads what it needs, Go "
                                "included), or set K8SLAB_BINARIES=download on a machine "
                                "with internet.")
        return Availability(True)

    # -- pure builders (unit-tested) ------------------------------------
    def config_documents(self, binaries: dict[str, Path] | None) -> list[dict]:
        """The kwokctl configuration: cluster options, stages, simulated debugging."""
        options: dict = {
            "runtime": "binary",
            "bindAddress": "127.0.0.1",
            "kubeApiserverPort": self.port,
            "kubeAuthorization": True,
            "kubeAdmission": True,
            "kubeVersion": _tools.KUBE_VERSION,
            "cacheDir": str(cache_dir() / "kwokctl"),
            "nodeLeaseDurationSeconds": 40,
        }
        ports = self.internal_ports()
        options.update({"etcdPort": ports["etcd"], "etcdPeerPort": ports["etcd-peer"],
                        "kwokControllerPort": ports["kwok"],
                        "kubeControllerManagerPort": ports["kube-controller-manager"],
                        "kubeSchedulerPort": ports["kube-scheduler"]})
        if binaries:
            keys = {
                "kube-apiserver": "kubeApiserverBinary",
                "kube-controller-manager": "kubeControllerManagerBinary",
                "kube-scheduler": "kubeSchedulerBinary",
                "kubectl": "kubectlBinary",
                "kwok": "kwokControllerBinary",
                "etcd": "etcdBinary",
            }
            options.update({key: str(binaries[n]) for n, key in keys.items() if n in binaries})
            if self.kwok_in_netns() and "kwok" in binaries:
                # kwok starts inside the exec gate's network namespace (see kwok_launcher).
                options["kwokControllerBinary"] = str(self.kwok_launcher_path())
            if "etcd" in binaries:
                options["etcdVersion"] = _tools.etcd_version(binaries["etcd"])
        docs: list[dict] = [{
            "apiVersion": "config.kwok.x-k8s.io/v1alpha1",
            "kind": "KwokctlConfiguration",
            "options": options,
            # The engine's own flags, then etcd behind TLS and, when kwok
            # answers exec itself, the exec gate (one entry per component).
            "componentsPatches": _merge_patches([
                *self.components_patches(),
                *self.etcd_tls_patches(Pki(pki_dir())),
                *(self.exec_gate_patches(Pki(pki_dir())) if self.uses_exec_gate() else []),
            ]),
        }]
        docs.extend(self.stages())
        docs.extend(self.debugging_documents())
        return docs

    def components_patches(self) -> list[dict]:
        """Extra flags for the components kwokctl starts.

        The simulated nodes advertise 127.0.0.1, where the kwok controller
        serves their "kubelet" API: the API server reaches it for logs, exec and
        port-forward without leaving the loopback interface. Pods and Services
        get the address ranges kubeadm uses, so the two never overlap. The API
        server reaches nodes by InternalIP (no DNS lookup).
        """
        return [
            {"name": "kwok-controller", "extraArgs": [
                {"key": "node-ip", "value": "127.0.0.1"},
                {"key": "cidr", "value": POD_CIDR}]},
            {"name": "kube-apiserver", "extraArgs": [
                {"key": "service-cluster-ip-range", "value": SERVICE_CIDR},
                {"key": "kubelet-preferred-address-types", "value": "InternalIP"}]},
            *self.metrics_patches(),
        ]

    def metrics_patches(self) -> list[dict]:
        """The controller manager's and scheduler's /metrics ask for credentials.

        kwokctl v0.8.0 adds ``/metrics`` to their
        ``--authorization-always-allow-paths``, so anyone on the machine could
        read them without a certificate or token. Only the health endpoints stay
        open (they say ok and nothing more).
        """
        allow = {"key": "authorization-always-allow-paths", "value": "/healthz,/readyz,/livez",
                 "override": True}
        return [{"name": name, "extraArgs": [dict(allow)]}
                for name in ("kube-controller-manager", "kube-scheduler")]

    def etcd_tls_patches(self, pki: Pki) -> list[dict]:
        """etcd speaks TLS only and answers only clients with a certificate of k8slab's CA.

        kwokctl v0.8.0 starts etcd on plain HTTP: any local process could read
        every Secret from it. These patches switch its client and peer URLs to
        https (``override`` replaces kwokctl's own flags), require client
        certificates, and give the API server the one client certificate.
        """
        ports = self.internal_ports()
        client = f"https://127.0.0.1:{ports['etcd']}"
        peer = f"https://127.0.0.1:{ports['etcd-peer']}"

        def arg(key: str, value: str | Path, override: bool = False) -> dict:
            return {"key": key, "value": str(value), **({"override": True} if override else {})}

        return [
            {"name": "etcd", "extraArgs": [
                arg("listen-client-urls", client, True),
                arg("advertise-client-urls", client, True),
                arg("listen-peer-urls", peer, True),
                arg("initial-advertise-peer-urls", peer, True),
                arg("initial-cluster", f"node0={peer}", True),
                arg("cert-file", pki.etcd_cert), arg("key-file", pki.key("etcd")),
                arg("trusted-ca-file", pki.ca_cert), arg("client-cert-auth", "true"),
                arg("peer-cert-file", pki.etcd_cert), arg("peer-key-file", pki.key("etcd")),
                arg("peer-trusted-ca-file", pki.ca_cert), arg("peer-client-cert-auth", "true"),
            ]},
            {"name": "kube-apiserver", "extraArgs": [
                arg("etcd-servers", client, True),
                arg("etcd-cafile", pki.ca_cert),
                arg("etcd-certfile", pki.cert("apiserver-etcd-client")),
                arg("etcd-keyfile", pki.key("apiserver-etcd-client")),
            ]},
        ]

    def exec_gate_patches(self, pki: Pki) -> list[dict]:
        """The simulated nodes advertise the exec gate's port, and only the API server may use it.

        kwok's own port stays where kwokctl puts it (``kwokControllerPort``);
        ``node-port`` is what kwok writes into each Node's kubelet endpoint, so
        the API server's exec, logs and port-forward go to the gate first
        (``k8slab.engines._execgate``). The API server checks the gate's certificate
        and shows its own client certificate, both from k8slab's CA.
        """
        return [
            {"name": "kwok-controller", "extraArgs": [
                {"key": "node-port", "value": str(self.internal_ports()["execgate"]),
                 "override": True}]},
            {"name": "kube-apiserver", "extraArgs": [
                {"key": "kubelet-certificate-authority", "value": str(pki.ca_cert)},
                {"key": "kubelet-client-certificate",
                 "value": str(pki.cert("apiserver-kubelet-client"))},
                {"key": "kubelet-client-key", "value": str(pki.key("apiserver-kubelet-client"))},
            ]},
        ]

    def exec_user(self) -> int | None:
        """The uid kwok runs exec as: nobody when k8slab runs as root, else the user itself.

        An ordinary user (Binder's jovyan) cannot switch to another uid: asking
        kwok to would make every exec fail ("operation not permitted").
        """
        return EXEC_UID if os.geteuid() == 0 else None

    def stages(self) -> list[dict]:
        """The lifecycle stages, with delays taken from the environment."""
        docs = [d for d in yaml.safe_load_all(STAGES_FILE.read_text()) if d]
        for doc in docs:
            name = doc["metadata"]["name"]
            if name in DELAYS:
                env_name, default = DELAYS[name]
                low, high = parse_delay(os.environ.get(env_name, default))
                doc["spec"]["delay"] = {"durationMilliseconds": low,
                                        "jitterDurationMilliseconds": high}
        return docs

    def debugging_documents(self) -> list[dict]:
        """Logs, exec and port-forward for simulated pods, served by kwok.

        There is no container, so kwok answers these requests itself: logs come
        from a file k8slab writes, ``exec`` runs the command on this machine
        (the exec gate has already wrapped it in the pod's sandbox, see
        ``k8slab.engines._execgate``; as nobody when k8slab runs as root), and
        port-forward connects to a tiny simulated HTTP server speaking over
        stdin/stdout. Every answer says it is simulated.
        """
        sim = state_dir() / "simulated"
        shared = exec_dir() / "sandbox"
        local: dict = {
            # With the sandbox, the command starts in bwrap, which moves into
            # the pod's /sandbox: kwok itself may start it anywhere.
            "workDir": "/" if self.exec_sandbox == "bwrap" else str(shared),
            "envs": [{"name": "K8SLAB_SIMULATED", "value": "1"},
                     {"name": "PATH", "value": "/usr/local/bin:/usr/bin:/bin"},
                     {"name": "HOME", "value": str(shared)}],
        }
        uid = self.exec_user()
        if uid is not None:
            local["securityContext"] = {"runAsUser": uid, "runAsGroup": uid}
        return [
            {
                "apiVersion": "kwok.x-k8s.io/v1alpha1",
                "kind": "ClusterLogs",
                "metadata": {"name": "lab-logs"},
                "spec": {"logs": [{"containers": [], "logsFile": str(sim / "container.log"),
                                   "previousLogsFile": str(sim / "previous.log"),
                                   "follow": False}]},
            },
            {
                "apiVersion": "kwok.x-k8s.io/v1alpha1",
                "kind": "ClusterExec",
                "metadata": {"name": "lab-exec"},
                "spec": {"execs": [{"containers": [], "local": local}]},
            },
            {
                "apiVersion": "kwok.x-k8s.io/v1alpha1",
                "kind": "ClusterPortForward",
                "metadata": {"name": "lab-port-forward"},
                # The file alone (-I -S, standard library only), not ``-m k8slab.engines._simhttp``:
                # importing the k8slab package costs seconds per port-forward on a busy
                # machine (a room of attendees), enough for lab.http_get to time out.
                "spec": {"forwards": [{"command": [
                    sys.executable, "-I", "-S",
                    str(Path(__file__).resolve().parent / "_simhttp.py")]}]},
            },
        ]

    def create_command(self, kwokctl: Path, config: Path) -> list[str]:
        # --kubeconfig "" stops kwokctl from touching ~/.kube/config.
        return [str(kwokctl), "create", "cluster", "--name", CLUSTER_NAME, "--config",
                str(config), "--kubeconfig", "", "--wait", "2m"]

    def delete_command(self, kwokctl: Path) -> list[str]:
        # kwokctl removes its context from this kubeconfig: point it at the lab
        # copy (deleted right after), never at ~/.kube/config.
        return [str(kwokctl), "delete", "cluster", "--name", CLUSTER_NAME,
                "--kubeconfig", str(state_dir() / "kubeconfig.yaml")]

    # -- actions ---------------------------------------------------------
    def cluster_dir(self) -> Path:
        return workdir() / "clusters" / CLUSTER_NAME

    def up(self, nodes: int = 2) -> ClusterRecord:
        if port_in_use(self.port):
            raise K8sLabError(
                f"Port {self.port} on 127.0.0.1 is already in use, so the API server "
                "cannot listen there.",
                "Stop whatever uses it (`k8slab down` if it is an old lab), or pick another "
                f"port: `k8slab up --port {self.port + 1}` (or K8SLAB_API_PORT).",
            )
        names = list(_tools.KWOK_CLUSTER_TOOLS)
        if self.download:
            names = ["kwokctl"]
        binaries = _tools.ensure(names)
        ensure_state()
        isolation = self.prepare_isolation()
        if self.kwok_in_netns() and "kwok" in binaries:
            self.write_kwok_launcher(binaries["kwok"])
        if self.uses_exec_gate():  # where kwok's unauthenticated port is (see kwok_in_netns)
            isolation["kwok_port"] = "gate-netns" if self.kwok_in_netns() else "host-loopback"
        config = state_dir() / "kwokctl-config.yaml"
        config.write_text(yaml.safe_dump_all(self.config_documents(
            None if self.download else binaries), sort_keys=False))
        kwokctl = binaries["kwokctl"]
        if self.cluster_dir().exists():  # leftovers of a crashed run
            subprocess.run(self.delete_command(kwokctl), env=kwok_env(),
                           capture_output=True, timeout=120)
        try:
            if self.uses_exec_gate():
                self.start_exec_gate()
            run_logged(self.create_command(kwokctl, config), "kwokctl.log", env=kwok_env(),
                       what="kwokctl create cluster")
            kubeconfig = (self.cluster_dir() / "kubeconfig.yaml").read_text()
            write_kubeconfig(kubeconfig)
            context = yaml.safe_load(kubeconfig)["current-context"]
            record = ClusterRecord(engine=self.name, context=context,
                                   server=f"https://127.0.0.1:{self.port}",
                                   extra={"nodes": nodes, "port": self.port,
                                          "workdir": str(workdir()), **isolation})
            record.save()
            self.bootstrap(nodes)
        except BaseException:
            self.down(None)
            ClusterRecord.clear()
            raise
        return record

    def start_command(self, kwokctl: Path) -> list[str]:
        return [str(kwokctl), "start", "cluster", "--name", CLUSTER_NAME]

    def stop_command(self, kwokctl: Path) -> list[str]:
        return [str(kwokctl), "stop", "cluster", "--name", CLUSTER_NAME]

    def restart(self, record: ClusterRecord) -> bool:
        """``kwokctl start cluster``: the same etcd data, CA and tokens as before.

        A workshop survives this: every attendee's kubeconfig still works and
        every namespace is still there.
        """
        kwokctl = _tools.find("kwokctl")
        if kwokctl is None or not (self.cluster_dir() / "kubeconfig.yaml").is_file():
            return False
        if port_in_use(self.port):
            return False
        if self.uses_exec_gate():
            if not self.exec_gate_files()[0].is_file():
                return False  # its certificates are gone: the nodes' address cannot be served
            self.stop_exec_gate()
            self.start_exec_gate()
        # What survived the crash first: a controller manager or scheduler still
        # alive (they exit some seconds after the API server, on a lost lease) is
        # taken by kwokctl for running, and it then waits on them forever. A stop
        # ends every process and keeps etcd's data; the start brings them all back.
        run_logged(self.stop_command(kwokctl), "kwokctl.log", env=kwok_env(),
                   what="kwokctl stop cluster", timeout=120)
        run_logged(self.start_command(kwokctl), "kwokctl.log", env=kwok_env(),
                   what="kwokctl start cluster", timeout=180)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if record_answers(record):
                return True
            time.sleep(0.3)
        return False

    def bootstrap(self, nodes: int) -> None:
        """After the control plane answers: the simulated nodes and StorageClass."""
        _bootstrap(nodes)

    def down(self, record: ClusterRecord | None) -> None:
        kwokctl = _tools.find("kwokctl")
        try:
            if kwokctl is not None and self.cluster_dir().exists():
                run_logged(self.delete_command(kwokctl), "kwokctl.log", env=kwok_env(),
                           what="kwokctl delete cluster", timeout=180)
        finally:
            self.stop_exec_gate()
            shutil.rmtree(pki_dir(), ignore_errors=True)
            # Every pod's sandbox (attendees' files among them) goes with the cluster,
            # and so does the simulated pods' folder in the state (their logs).
            shutil.rmtree(exec_dir(), ignore_errors=True)
            shutil.rmtree(state_dir() / "simulated", ignore_errors=True)
            self.kwok_launcher_path().unlink(missing_ok=True)

    # -- isolation: etcd certificates, the exec gate (k8slab.engines._execgate) ----
    def uses_exec_gate(self) -> bool:
        """True when kwok answers exec itself (a ClusterExec rule), so the gate must wrap it.

        An engine whose pods are real containers (no ClusterExec) gets etcd's
        TLS but no gate. Whoever restarts a stopped cluster calls
        :meth:`start_exec_gate` first: its certificates and ports are kept
        until ``down``.
        """
        return any(d.get("kind") == "ClusterExec" for d in self.debugging_documents())

    def prepare_isolation(self) -> dict:
        """Make a fresh PKI, check the exec sandbox, write the gate's configuration.

        Runs before the kwokctl configuration is written (the exec rule
        depends on the sandbox being usable). Returns what the cluster record
        keeps: the internal ports and ``exec_sandbox`` (``bwrap`` or ``none``)
        with the reason when there is none.
        """
        ensure_pki(pki_dir(), fresh=True)
        if not self.uses_exec_gate():  # real containers answer exec (the host engine)
            self.exec_sandbox = "container"
            return {"internal_ports": self.internal_ports(), "exec_sandbox": "container"}
        _prepare_simulation(state_dir() / "simulated", exec_dir())
        bwrap = bwrap_path()
        # The exec gate is an asyncio server: the command line loads it only to use it.
        from k8slab.engines._execgate import probe

        reason = probe(bwrap, exec_dir() / "sandboxes", self.exec_user())
        self.exec_sandbox = "bwrap" if reason is None else "none"
        self.write_exec_gate_config(bwrap if reason is None else None)
        return {"internal_ports": self.internal_ports(), "exec_sandbox": self.exec_sandbox,
                "exec_sandbox_reason": reason}

    def exec_gate_files(self) -> tuple[Path, Path]:
        """The gate's configuration and pid file, in the state folder."""
        return state_dir() / "execgate.json", state_dir() / "execgate.pid"

    def kwok_in_netns(self) -> bool:
        """True when kwok's port lives in the exec gate's network namespace, out of reach.

        kwok v0.8.0 serves exec (a shell on this machine), pprof and metrics to
        any client without asking for credentials, on a TCP port listed in
        ``ps``. As root, k8slab starts kwok inside a network namespace that the
        exec gate makes and alone reaches (see ``k8slab.engines._execgate``). Without
        root no other user can be kept out this way (and the hub then runs
        every attendee as the machine's own user anyway); with downloaded
        binaries there is no kwok file to start through ``nsenter``.
        """
        return (os.geteuid() == 0 and not self.download and shutil.which("nsenter") is not None
                and self.uses_exec_gate())

    def kwok_launcher_path(self) -> Path:
        return state_dir() / "kwok-in-gate-netns.sh"

    def write_kwok_launcher(self, kwok: Path) -> Path:
        """The program kwokctl starts as kwok: kwok itself, inside the gate's network namespace.

        It reads the gate's pid at every start (a restart makes a new gate and
        namespace) and fails, so kwok does not start at all, when the gate is not running.
        """
        _, pid_file = self.exec_gate_files()
        path = self.kwok_launcher_path()
        path.write_text(
            "#!/bin/sh\n"
            "# Written by k8slab (engines/kwok.py): kwok's port must be reachable by the\n"
            "# exec gate alone, so kwok runs in the gate's network namespace.\n"
            f"pid=$(cat '{pid_file}') || exit 1\n"
            f"[ -e \"/proc/$pid/ns/net\" ] || {{ echo 'k8slab: the exec gate is not running' >&2;"
            " exit 1; }\n"
            f"exec '{shutil.which('nsenter')}' --net=\"/proc/$pid/ns/net\" -- '{kwok}' \"$@\"\n")
        path.chmod(0o700)
        return path

    def write_exec_gate_config(self, bwrap: str | None) -> Path:
        """What the gate needs: its ports, certificates and sandbox settings (0600)."""
        pki = Pki(pki_dir())
        ports = self.internal_ports()
        uid = self.exec_user()
        path, _ = self.exec_gate_files()
        admin = self.cluster_dir() / "pki"
        path.write_text(json.dumps({
            "listen": ports["execgate"], "upstream": ports["kwok"],
            "cert": str(pki.cert("execgate")), "key": str(pki.key("execgate")),
            "ca": str(pki.ca_cert), "sandboxes": str(exec_dir() / "sandboxes"),
            "bwrap": bwrap, "prlimit": shutil.which("prlimit"), "uid": uid, "gid": uid,
            # kwokctl's admin certificate, to read pod UIDs (made when the cluster is).
            "api_port": self.port, "api": {"ca": str(admin / "ca.crt"),
                                           "cert": str(admin / "admin.crt"),
                                           "key": str(admin / "admin.key")},
            "netns": self.kwok_in_netns()},
            indent=2) + "\n")
        path.chmod(0o600)
        return path

    def start_exec_gate(self, timeout: float = 15) -> int:
        """Start the gate (unless its recorded process still runs); return its pid.

        It runs in a session of its own, like kwokctl's components, so that a
        Ctrl-C in the terminal that ran ``k8slab up`` does not stop it.

        Raises:
            ClusterUnavailable: it did not listen within ``timeout`` seconds.
        """
        config, pid_file = self.exec_gate_files()
        pid = _read_pid(pid_file)
        if pid is not None and _alive(pid):
            return pid
        port = json.loads(config.read_text())["listen"]
        logs_dir().mkdir(parents=True, exist_ok=True)
        log = (logs_dir() / "execgate.log").open("ab")
        # The gate needs the standard library only: run its file alone (-I -S), without
        # importing k8slab and its dependencies (about 100 MiB less, which Binder feels).
        gate = Path(__file__).resolve().parent / "_execgate.py"
        proc = subprocess.Popen([sys.executable, "-I", "-S", str(gate), str(config)],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                start_new_session=True, cwd="/")
        log.close()
        pid_file.write_text(f"{proc.pid}\n")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            if port_in_use(port):
                return proc.pid
            time.sleep(0.1)
        raise ClusterUnavailable(
            f"The exec gate (k8slab/engines/_execgate.py) did not listen on 127.0.0.1:{port}.",
            f"Read {logs_dir() / 'execgate.log'}, then `k8slab down` and `k8slab up`.")

    def stop_exec_gate(self) -> None:
        """Stop the gate started by :meth:`start_exec_gate`, if it runs."""
        _, pid_file = self.exec_gate_files()
        pid = _read_pid(pid_file)
        if pid is not None and _alive(pid):
            _stop_process(pid, grace=5)
        pid_file.unlink(missing_ok=True)

    def pids(self) -> list[int]:
        """Process ids of the cluster components (kwokctl's pid files) and of the exec gate."""
        out = []
        gate = _read_pid(self.exec_gate_files()[1])
        if gate is not None and _alive(gate):
            out.append(gate)
        for pid_file in (self.cluster_dir() / "pids").glob("*.pid"):
            try:
                out.append(int(pid_file.read_text().strip()))
            except ValueError:
                continue
        return out


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _private_dir(path: Path) -> None:
    """Create ``path`` (0711) refusing one that someone else made first (a shared /tmp)."""
    try:
        path.mkdir(mode=0o711)
    except FileExistsError:
        info = path.lstat()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
            raise K8sLabError(f"{path} exists but is not a folder of this user's.",
                              f"Remove it (`rm -rf {path}`), then run `k8slab up` again.") from None
    path.chmod(0o711)


def _prepare_simulation(sim: Path, execs: Path) -> None:
    """Files behind simulated logs and exec (see ``debugging_documents``)."""
    sim.mkdir(parents=True, exist_ok=True)
    sim.chmod(0o755)
    if execs != sim:
        _private_dir(execs)
    # Each pod's sandbox is a 0700 folder below; the exec user may pass, not list.
    (execs / "sandboxes").mkdir(exist_ok=True)
    (execs / "sandboxes").chmod(0o711)
    (execs / "sandbox").mkdir(exist_ok=True)
    (execs / "sandbox").chmod(0o777)
    (execs / "sandbox" / "README.txt").write_text(
        "This folder stands in for a container's file system: the lab cluster is\n"
        "simulated by kwok, so `exec` runs here, on the lab machine (no sandbox could be\n"
        "made: see `exec_sandbox_reason` in the cluster record).\n")
    # kwok serves this file as the container's log; it must be in the CRI log
    # format ("<time> <stream> <F|P> <message>"), the one kubelets read.
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime())
    lines = [
        "[kwok] This pod is simulated: no container runs, so there is no real output.",
        "[kwok] On the host engine, kind or minikube: the application's own log lines.",
        '127.0.0.1 - - "GET / HTTP/1.1" 200 615 "-" "k8slab" (simulated access log line)',
    ]
    (sim / "container.log").write_text("".join(f"{stamp} stdout F {line}\n" for line in lines))
    # `kubectl logs --previous`: the log of the container before its last restart.
    previous = [
        "[kwok] This pod is simulated: no previous container ran, so there is no real output.",
        "[kwok] On a real node: what the container printed before it stopped (its last words).",
    ]
    (sim / "previous.log").write_text("".join(f"{stamp} stdout F {line}\n" for line in previous))


def _bootstrap(nodes: int) -> None:
    """Create the simulated worker nodes and the default StorageClass, wait for Ready."""
    api = connect(fresh=True)
    core = client.CoreV1Api(api)
    for i in range(1, nodes + 1):
        name = f"worker-{i}"
        body = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": name,
                "labels": {
                    "kubernetes.io/hostname": name,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "node-role.kubernetes.io/worker": "",
                    "type": "kwok",
                },
                "annotations": {"kwok.x-k8s.io/node": "fake"},
            },
            "spec": {},
            "status": {
                "capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"},
                "allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"},
            },
        }
        core.create_node(body)
    client.StorageV1Api(api).create_storage_class({
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {
            "name": "standard",
            "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
        },
        "provisioner": "k8slab.io/kwok-volume",
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "Immediate",
    })
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready = [n for n in core.list_node().items
                 if any(c.type == "Ready" and c.status == "True"
                        for c in (n.status.conditions or []))]
        if len(ready) >= nodes:
            return
        time.sleep(0.3)
    raise ClusterUnavailable(f"The {nodes} simulated nodes did not become Ready in 60s.",
                             f"Look at the kwok controller log in {logs_dir()} and "
                             f"{workdir()}/clusters/{CLUSTER_NAME}/logs/.")
