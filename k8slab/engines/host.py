"""The host engine: the same control plane, plus one real node on this machine.

Why: on kwok nothing runs, so a learner never sees a container start, crash,
log, serve or keep data. The host engine keeps everything the kwok engine
starts (kwokctl's real etcd, API server, controller manager and scheduler) and
adds a real node, the way minikube's "none" driver does: a private containerd
with runc and the CNI bridge plugin from the distribution's packages, and a
kubelet and kube-proxy built from the same Kubernetes release as the servers.
Cluster DNS is a CoreDNS process on the host, reached by pods through the
``kube-dns`` Service; PersistentVolumeClaims are served by a provisioner that
makes directories on this machine (:mod:`k8slab.engines.provisioner`).

No simulated node sits beside the real one: kwok is told to manage only nodes
annotated as fake, and the host engine creates none, so every pod the
scheduler places really runs, and no lesson mixes real and simulated pods.

Linux and root only (a kubelet manages cgroups, mounts and iptables). What it
changes on the host is recorded first and put back by ``k8slab down``
(:mod:`k8slab.engines.host_state`).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import yaml
from kubernetes import client, utils

from k8slab._base.cluster_record import ClusterRecord
from k8slab._base.paths import logs_dir, state_dir
from k8slab._base.procs import free_port as _free_port
from k8slab._binaries import catalog as _tools
from k8slab._binaries import images as _images
from k8slab._core.client import connect
from k8slab.engines import host_config as cfg
from k8slab.engines import host_state
from k8slab.engines.base import Availability, which
from k8slab.engines.kwok import SERVICE_CIDR, KwokEngine
from k8slab.errors import ClusterUnavailable, K8sLabError

PACKAGES = "containerd runc containernetworking-plugins iptables conntrack"
#: One host engine per machine: its bridge, pod range and DNS address are the host's.
LOCK = Path("/run/k8slab-host-engine")
STORAGE_CLASS = "standard"


def node_dir() -> Path:
    return state_dir() / "node"


def node_name() -> str:
    """This machine's host name when it resolves to a loopback address, else ``localhost``.

    The API server reaches a kubelet by the node's ``Hostname`` address (logs,
    exec, port-forward); a name that resolves to 127.0.0.1 keeps that traffic
    on the loopback interface, where the kubelet listens.
    """
    name = socket.gethostname().split(".")[0].lower()
    try:
        address = socket.gethostbyname(name)
    except OSError:
        return "localhost"
    valid = name.replace("-", "").isalnum() and len(name) <= 63
    return name if valid and address.startswith("127.") else "localhost"


def _node_runs(state: Path) -> bool:
    """Whether the host-engine lab kept in ``state`` still has a running containerd."""
    try:
        pid = int((state / "node" / "pids" / "containerd.pid").read_text().strip())
    except (OSError, ValueError):
        return False
    return Path(f"/proc/{pid}").exists()


class Process:
    """A node program run in the background, with a pid file and a log file."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pid_file = node_dir() / "pids" / f"{name}.pid"
        self.log = logs_dir() / f"{name}.log"

    def start(self, cmd: list[str], env: dict[str, str] | None = None) -> int:
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            log.write(("$ " + " ".join(cmd) + "\n").encode())
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, env=env,
                                    start_new_session=True)
        self.pid_file.write_text(f"{proc.pid}\n")
        return proc.pid

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if Path(f"/proc/{pid}").exists() else None

    def alive(self) -> bool:
        pid = self.pid()
        if pid is None:
            return False
        with contextlib.suppress(OSError):
            return "Z" not in Path(f"/proc/{pid}/stat").read_text().split(")")[-1][:3]
        return False

    def stop(self, grace: float = 10.0) -> None:
        pid = self.pid()
        if pid is not None:
            host_state.kill_all({pid}, grace)
        self.pid_file.unlink(missing_ok=True)

    def tail(self, lines: int = 15) -> str:
        with contextlib.suppress(OSError):
            return "".join(self.log.read_text(errors="replace").splitlines(True)[-lines:])
        return ""


NODE_PROCESSES = ("apirelay", "provisioner", "coredns", "kube-proxy", "kubelet", "containerd")


def ensure_api_relay(port: int) -> bool:
    """Start the relay that lets pods reach the API server (see ``engines/apirelay``).

    Idempotent: a relay already running is kept. Started with the node, and by
    the lessons that run a controller in a pod on a lab started before it existed.
    Returns True when it runs.
    """
    relay = Process("apirelay")
    if not relay.alive():
        relay.start([sys.executable, "-m", "k8slab.engines.apirelay",
                     f"--listen={cfg.POD_GATEWAY}:{port}", f"--to=127.0.0.1:{port}"])
        time.sleep(0.5)
    return relay.alive()


class HostEngine(KwokEngine):
    """kwokctl's control plane + a real kubelet, kube-proxy and containerd here."""

    name = "host"
    runs_containers = True
    loads_images = True

    # -- checks ---------------------------------------------------------
    def availability(self) -> Availability:
        if platform.system() != "Linux":
            return Availability(False, "a real node needs Linux (cgroups, namespaces, iptables).",
                                "Use the embedded engine: `k8slab up --engine kwok`.")
        if os.geteuid() != 0:
            return Availability(False, "a kubelet must run as root, and you are not root.",
                                "Run `sudo k8slab up --engine host`, or use the embedded "
                                "engine: `k8slab up --engine kwok`.")
        missing = [p for p in ("containerd", "runc", "iptables", "ip") if which(p) is None]
        if not any(Path(d, "bridge").is_file() for d in cfg.CNI_BIN_DIRS):
            missing.append("CNI plugins")
        if not Path("/sys/fs/cgroup").is_dir():
            missing.append("cgroups (/sys/fs/cgroup)")
        if missing:
            return Availability(False, f"missing here: {', '.join(missing)}.",
                                f"Install them (Debian/Ubuntu: `apt-get install {PACKAGES}`), "
                                "or use the embedded engine: `k8slab up --engine kwok`.")
        return super().availability()

    def layout(self) -> cfg.NodeLayout:
        return cfg.NodeLayout(node_dir(), node_name())

    # -- control plane ----------------------------------------------------
    def components_patches(self) -> list[dict]:
        """kwok keeps to simulated nodes; the API server reaches the real kubelet.

        The kubelet authenticates the API server by the client certificate that
        kwokctl made for its admin user (it is signed by the cluster CA, which
        the kubelet trusts), and the API server finds the kubelet by the node's
        host name, which resolves to 127.0.0.1.
        """
        pki = self.cluster_dir() / "pki"
        return [
            {"name": "kwok-controller", "extraArgs": [
                {"key": "manage-all-nodes", "value": "false"},
                {"key": "manage-nodes-with-annotation-selector",
                 "value": "kwok.x-k8s.io/node=fake"}]},
            {"name": "kube-apiserver", "extraArgs": [
                {"key": "service-cluster-ip-range", "value": SERVICE_CIDR},
                {"key": "kubelet-preferred-address-types", "value": "Hostname,InternalIP"},
                {"key": "kubelet-client-certificate", "value": str(pki / "admin.crt")},
                {"key": "kubelet-client-key", "value": str(pki / "admin.key")}]},
            {"name": "kube-controller-manager", "extraArgs": [
                # The node gets its pod range from the kubelet configuration;
                # this keeps the controller manager from allocating another.
                {"key": "allocate-node-cidrs", "value": "false"}]},
        ]

    def debugging_documents(self) -> list[dict]:
        """No simulated logs or exec: the real kubelet answers them."""
        return []

    def stages(self) -> list[dict]:
        """None of the kwok engine's simulated lifecycles, its volume provisioning included.

        Those stages would answer PersistentVolumeClaims with simulated volumes;
        here the host-path provisioner makes real ones.
        """
        return []

    # -- the node -----------------------------------------------------------
    def up(self, nodes: int = 1) -> ClusterRecord:
        self.require_available()
        with contextlib.suppress(OSError):
            owner = LOCK.read_text().strip()
            if owner and owner != str(state_dir()) and _node_runs(Path(owner)):
                raise K8sLabError(
                    f"Another host-engine lab runs on this machine (state folder {owner}); "
                    "there can be only one, since its node uses the host's network.",
                    f"Stop it first: `K8SLAB_STATE={owner} k8slab down`, or use "
                    "`k8slab up --engine kwok`.")
        LOCK.write_text(f"{state_dir()}\n")
        before = node_dir() / "host-before.json"
        if not before.is_file():
            node_dir().mkdir(parents=True, exist_ok=True)
            host_state.HostSnapshot.take().save(before)
        record = super().up(nodes)
        record.extra.update({"node": node_name(), "nodes": 1,
                             "containerd_socket": str(self.layout().containerd_socket)})
        record.save()
        return record

    def bootstrap(self, nodes: int) -> None:
        """Start the node programs, wait until the node is Ready, restore kernel settings."""
        self._start_node(first_time=True)

    def restart(self, record: ClusterRecord) -> bool:
        """The control plane from its data (kwokctl), then the node programs again.

        Whatever survived of the node (a containerd, a kubelet, containers) is
        stopped first; the kubelet then brings every pod of the API back.
        """
        self._stop_node(self.layout())
        if not super().restart(record):
            return False
        self._start_node(first_time=False)
        return True

    def _start_node(self, *, first_time: bool) -> None:
        binaries = _tools.ensure(list(_tools.HOST_NODE_TOOLS))
        _images.build_all(say=lambda m: print(m, file=sys.stderr, flush=True))
        layout = self.layout()
        self._write_configs(layout)
        self._start_containerd(layout)
        self._import_images(layout)
        kubeconfig = state_dir() / "kubeconfig.yaml"
        before = host_state.HostSnapshot.load(node_dir() / "host-before.json")
        Process("kubelet").start([
            str(binaries["kubelet"]), f"--config={layout.kubelet_config}",
            f"--kubeconfig={kubeconfig}", f"--root-dir={layout.kubelet_root}",
            f"--cert-dir={layout.root / 'kubelet-pki'}",
            f"--hostname-override={layout.node_name}", "--v=1"])
        Process("kube-proxy").start([
            str(binaries["kube-proxy"]), f"--config={layout.kube_proxy_config}", "--v=1"])
        self._wait_node_ready(layout)
        if before is not None:
            # The kubelet sets vm.overcommit_memory, kernel.panic and
            # kernel.panic_on_oops at start; the host keeps its own values.
            host_state.write_sysctls({k: v for k, v in before.sysctls.items()
                                      if not k.startswith("net.")})
        if first_time:
            self._cluster_objects(layout)
        self._start_dns(layout, binaries["coredns"], kubeconfig)
        Process("provisioner").start([
            sys.executable, "-m", "k8slab.engines.provisioner", f"--kubeconfig={kubeconfig}",
            f"--node={layout.node_name}", f"--root={layout.volumes}"])
        ensure_api_relay(self.port)

    def _stop_node(self, layout: cfg.NodeLayout) -> None:
        """Stop the node programs, the containers (everything in the pod cgroups)
        and their shims (every process that talks to our containerd), all at once."""
        programs = {pid for name in NODE_PROCESSES[:-1] if (pid := Process(name).pid())}
        host_state.kill_all(programs | host_state.pids_in_cgroups()
                            | host_state.pids_with_arg(str(layout.containerd_socket)), 3)
        for name in NODE_PROCESSES:
            Process(name).stop()

    def _write_configs(self, layout: cfg.NodeLayout) -> None:
        for path in (layout.containerd_root, layout.containerd_state, layout.cni_conf_dir,
                     layout.kubelet_root, layout.pod_logs, layout.volumes):
            path.mkdir(parents=True, exist_ok=True)
        bin_dir = next(d for d in cfg.CNI_BIN_DIRS if Path(d, "bridge").is_file())
        layout.containerd_config.write_text(cfg.containerd_config(
            layout, _images.PAUSE_IMAGE, bin_dir))
        (layout.cni_conf_dir / "10-k8slab.conflist").write_text(
            json.dumps(cfg.cni_config(layout), indent=2))
        resolv = layout.root / "resolv.conf"
        # Pods ask the cluster DNS; it has no upstream to forward to (no internet).
        resolv.write_text("nameserver 127.0.0.1\n")
        pki = self.cluster_dir() / "pki"
        layout.kubelet_config.write_text(cfg.dump_yaml(cfg.kubelet_config(
            layout, port=_free_port(), healthz_port=_free_port(), client_ca=pki / "ca.crt",
            resolv_conf=resolv)))
        layout.kube_proxy_config.write_text(cfg.dump_yaml(cfg.kube_proxy_config(
            layout, kubeconfig=state_dir() / "kubeconfig.yaml", healthz_port=_free_port(),
            metrics_port=_free_port())))

    def _start_containerd(self, layout: cfg.NodeLayout) -> None:
        proc = Process("containerd")
        proc.start(["containerd", "--config", str(layout.containerd_config)])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if layout.containerd_socket.exists() and self._ctr(layout, "version").returncode == 0:
                return
            if not proc.alive():
                break
            time.sleep(0.2)
        raise K8sLabError(f"containerd did not start:\n{proc.tail()}", f"Full log: {proc.log}")

    def _ctr(self, layout: cfg.NodeLayout, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["ctr", "--address", str(layout.containerd_socket),
                               "--namespace", "k8s.io", *args],
                              capture_output=True, text=True, timeout=120)

    def _import_images(self, layout: cfg.NodeLayout) -> None:
        _images.load_all("host", containerd_socket=layout.containerd_socket,
                         say=lambda m: None)

    def _wait_node_ready(self, layout: cfg.NodeLayout, timeout: float = 90) -> None:
        core = client.CoreV1Api(connect(fresh=True))
        deadline = time.monotonic() + timeout
        why = "it did not register"
        while time.monotonic() < deadline:
            with contextlib.suppress(client.ApiException):
                node = core.read_node(layout.node_name)
                for cond in node.status.conditions or []:
                    if cond.type == "Ready":
                        if cond.status == "True":
                            return
                        why = f"Ready is {cond.status}: {cond.message}"
            for name in ("containerd", "kubelet", "kube-proxy"):
                proc = Process(name)
                if not proc.alive():
                    raise ClusterUnavailable(f"{name} stopped while the node was starting:\n"
                                             f"{proc.tail()}", f"Full log: {proc.log}")
            time.sleep(0.3)
        raise ClusterUnavailable(f"The node {layout.node_name} did not become Ready in "
                                 f"{timeout:.0f}s ({why}).", f"Look at {Process('kubelet').log}.")

    def _bridge(self) -> None:
        """Create the pod bridge now (the CNI plugin adopts it), so CoreDNS can bind it."""
        if cfg.BRIDGE in host_state.links():
            return
        for cmd in (["ip", "link", "add", cfg.BRIDGE, "type", "bridge"],
                    ["ip", "addr", "add", f"{cfg.POD_GATEWAY}/24", "dev", cfg.BRIDGE],
                    ["ip", "link", "set", cfg.BRIDGE, "up"]):
            subprocess.run(cmd, check=True, capture_output=True)

    def _start_dns(self, layout: cfg.NodeLayout, coredns: Path, kubeconfig: Path) -> None:
        self._bridge()
        context = yaml.safe_load(kubeconfig.read_text())["current-context"]
        corefile = layout.root / "Corefile"
        corefile.write_text(cfg.corefile(kubeconfig, context, health_port=_free_port(),
                                         ready_port=_free_port()))
        proc = Process("coredns")
        proc.start([str(coredns), "-conf", str(corefile)])
        api = connect(fresh=True)
        for doc in cfg.dns_service():
            with contextlib.suppress(utils.FailToCreateError):
                utils.create_from_dict(api, doc)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if "CoreDNS-" in proc.tail(40) or not proc.alive():
                break
            time.sleep(0.2)
        if not proc.alive():
            raise K8sLabError(f"CoreDNS did not start:\n{proc.tail()}", f"Full log: {proc.log}")

    def _cluster_objects(self, layout: cfg.NodeLayout) -> None:
        api = connect(fresh=True)
        client.StorageV1Api(api).create_storage_class({
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {"name": STORAGE_CLASS,
                         "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "k8slab.io/host-path",
            "reclaimPolicy": "Delete",
            "volumeBindingMode": "Immediate",
        })

    # -- teardown -------------------------------------------------------------
    def down(self, record: ClusterRecord | None) -> None:
        """Stop the node, put the host back as it was, then stop the control plane."""
        layout = self.layout()
        self._stop_node(layout)
        before = host_state.HostSnapshot.load(node_dir() / "host-before.json")
        if before is not None:
            kube_proxy = _tools.find("kube-proxy")
            if kube_proxy is not None:
                subprocess.run([str(kube_proxy), "--cleanup"], capture_output=True, timeout=60)
            host_state.unmount_under([node_dir(), Path("/run/netns"), Path("/run/containerd")],
                                     before.mounts)
            host_state.remove_links(before.links)
            host_state.remove_chains(before.chains)
            host_state.remove_nft_tables(before.nft)
            host_state.remove_cgroups(before.cgroups)
            host_state.remove_paths(before.paths)
            host_state.write_sysctls(before.sysctls)
        super().down(record)
        with contextlib.suppress(OSError):
            if LOCK.read_text().strip() == str(state_dir()):
                LOCK.unlink()
        if node_dir().exists():
            host_state.unmount_under([node_dir()], [])
            shutil.rmtree(node_dir(), ignore_errors=True)

    def next_steps(self) -> str:
        return ("Next: `k8slab status`, `k8slab lab` to open the course (containers really "
                "run here), `k8slab down` to stop and restore the host.")
