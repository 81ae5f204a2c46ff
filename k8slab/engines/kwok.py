"""The embedded engine: a KWOK cluster made of real upstream components.

``kwokctl --runtime binary`` starts etcd, kube-apiserver,
kube-controller-manager, kube-scheduler and the kwok controller as local
processes, all bound to 127.0.0.1. Nodes and pods are simulated by kwok, so no
container runs and no Docker is needed, but everything a learner talks to
(the API, admission, RBAC, controllers, scheduler) is the real thing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

from .. import _tools
from .._paths import cache_dir, logs_dir, state_dir
from .._record import ClusterRecord
from ..errors import ClusterUnavailable, K8sLabError
from .base import (
    CLUSTER_NAME,
    Availability,
    Engine,
    ensure_state,
    port_in_use,
    run_logged,
    write_kubeconfig,
)

DEFAULT_PORT = 36443
POD_CIDR = "10.244.0.0/16"
SERVICE_CIDR = "10.96.0.0/16"
STAGES_FILE = Path(__file__).with_name("kwok-stages.yaml")

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


def kwok_env() -> dict[str, str]:
    """The environment kwokctl runs with: its work folder redirected, no ~/.kube."""
    env = dict(os.environ)
    env["KWOK_WORKDIR"] = str(workdir())
    env["KUBECONFIG"] = str(state_dir() / "kubeconfig.yaml")
    return env


class KwokEngine(Engine):
    """kwokctl + local binaries: the default, Docker-free lab cluster."""

    name = "kwok"

    def __init__(self, port: int | None = None, download: bool = False) -> None:
        self.port = port or int(os.environ.get("K8SLAB_API_PORT", DEFAULT_PORT))
        #: Let kwokctl download official release binaries (machines with internet).
        self.download = download or os.environ.get("K8SLAB_BINARIES") == "download"

    # -- checks ---------------------------------------------------------
    def availability(self) -> Availability:
        if self.download or all(_tools.find(n) for n in _tools.KWOK_CLUSTER_TOOLS):
            return Availability(True)
        if _tools.which_go() is None:
            return Availability(False, "its binaries are not built yet and Go is not installed.",
                                "Install Go 1.24+ and run `k8slab tools`, or set "
                                "K8SLAB_BINARIES=download on a machine with internet.")
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
            if "etcd" in binaries:
                options["etcdVersion"] = _tools.etcd_version(binaries["etcd"])
        docs: list[dict] = [{
            "apiVersion": "config.kwok.x-k8s.io/v1alpha1",
            "kind": "KwokctlConfiguration",
            "options": options,
            "componentsPatches": self.components_patches(),
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
        ]

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
        from a file k8slab writes, ``exec`` runs the command as an unprivileged
        user in a sandbox folder on this machine, and port-forward connects to a
        tiny simulated HTTP server speaking over stdin/stdout. Every answer says
        it is simulated.
        """
        sim = state_dir() / "simulated"
        return [
            {
                "apiVersion": "kwok.x-k8s.io/v1alpha1",
                "kind": "ClusterLogs",
                "metadata": {"name": "lab-logs"},
                "spec": {"logs": [{"containers": [], "logsFile": str(sim / "container.log"),
                                   "follow": False}]},
            },
            {
                "apiVersion": "kwok.x-k8s.io/v1alpha1",
                "kind": "ClusterExec",
                "metadata": {"name": "lab-exec"},
                "spec": {"execs": [{"containers": [], "local": {
                    "workDir": str(sim / "sandbox"),
                    "envs": [{"name": "K8SLAB_SIMULATED", "value": "1"},
                             {"name": "PATH", "value": "/usr/local/bin:/usr/bin:/bin"},
                             {"name": "HOME", "value": str(sim / "sandbox")}],
                    "securityContext": {"runAsUser": 65534, "runAsGroup": 65534},
                }}]},
            },
            {
                "apiVersion": "kwok.x-k8s.io/v1alpha1",
                "kind": "ClusterPortForward",
                "metadata": {"name": "lab-port-forward"},
                "spec": {"forwards": [{"command": [sys.executable, "-m", "k8slab._simhttp"]}]},
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
        _prepare_simulation(state_dir() / "simulated")
        config = state_dir() / "kwokctl-config.yaml"
        config.write_text(yaml.safe_dump_all(self.config_documents(
            None if self.download else binaries), sort_keys=False))
        kwokctl = binaries["kwokctl"]
        if self.cluster_dir().exists():  # leftovers of a crashed run
            subprocess.run(self.delete_command(kwokctl), env=kwok_env(),
                           capture_output=True, timeout=120)
        try:
            run_logged(self.create_command(kwokctl, config), "kwokctl.log", env=kwok_env(),
                       what="kwokctl create cluster")
            kubeconfig = (self.cluster_dir() / "kubeconfig.yaml").read_text()
            write_kubeconfig(kubeconfig)
            context = yaml.safe_load(kubeconfig)["current-context"]
            record = ClusterRecord(engine=self.name, context=context,
                                   server=f"https://127.0.0.1:{self.port}",
                                   extra={"nodes": nodes, "port": self.port,
                                          "workdir": str(workdir())})
            record.save()
            self.bootstrap(nodes)
        except BaseException:
            self.down(None)
            ClusterRecord.clear()
            raise
        return record

    def start_command(self, kwokctl: Path) -> list[str]:
        return [str(kwokctl), "start", "cluster", "--name", CLUSTER_NAME]

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
        run_logged(self.start_command(kwokctl), "kwokctl.log", env=kwok_env(),
                   what="kwokctl start cluster", timeout=180)
        from .._client import record_answers

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
        if kwokctl is not None and self.cluster_dir().exists():
            run_logged(self.delete_command(kwokctl), "kwokctl.log", env=kwok_env(),
                       what="kwokctl delete cluster", timeout=180)

    def pids(self) -> list[int]:
        """Process ids of the cluster components, from kwokctl's pid files."""
        out = []
        for pid_file in (self.cluster_dir() / "pids").glob("*.pid"):
            try:
                out.append(int(pid_file.read_text().strip()))
            except ValueError:
                continue
        return out


def _prepare_simulation(sim: Path) -> None:
    """Files behind simulated logs and exec (see ``debugging_documents``)."""
    (sim / "sandbox").mkdir(parents=True, exist_ok=True)
    sim.chmod(0o755)
    (sim / "sandbox").chmod(0o777)
    (sim / "sandbox" / "README.txt").write_text(
        "This folder stands in for a container's file system: the lab cluster is\n"
        "simulated by kwok, so `exec` runs here, on the lab machine, as user nobody.\n")
    # kwok serves this file as the container's log; it must be in the CRI log
    # format ("<time> <stream> <F|P> <message>"), the one kubelets read.
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime())
    lines = [
        "[kwok] This pod is simulated: no container runs, so there is no real output.",
        "[kwok] On kind or minikube you would see the application's own log lines here.",
        '127.0.0.1 - - "GET / HTTP/1.1" 200 615 "-" "k8slab" (simulated access log line)',
    ]
    (sim / "container.log").write_text("".join(f"{stamp} stdout F {line}\n" for line in lines))


def _bootstrap(nodes: int) -> None:
    """Create the simulated worker nodes and the default StorageClass, wait for Ready."""
    from kubernetes import client

    from .._client import connect

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
