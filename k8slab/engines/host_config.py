"""Configuration files of the host engine's node: pure functions, unit-tested.

The host engine runs a real node on this machine: a private containerd (its
own root, state and socket, never the system's), the CNI bridge plugin, a
kubelet and kube-proxy. Every path they write is placed under the lab state
folder wherever the program lets us choose; what it does not let us choose is
listed in :mod:`k8slab.engines.host_state`, which puts it back on ``down``.

Example:
    >>> from pathlib import Path
    >>> layout = NodeLayout(Path("/lab/node"), "localhost")
    >>> "sandbox_image" in containerd_config(layout)
    True
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

#: The pod network of the single node, a part of the cluster's pod range.
NODE_POD_CIDR = "10.244.0.0/24"
POD_GATEWAY = "10.244.0.1"
CLUSTER_POD_CIDR = "10.244.0.0/16"
CLUSTER_DNS_IP = "10.96.0.10"
BRIDGE = "k8slab0"
#: Debian's containernetworking-plugins put the plugins here.
CNI_BIN_DIRS = ("/usr/lib/cni", "/opt/cni/bin")


@dataclass(frozen=True)
class NodeLayout:
    """Where the node keeps everything, all under ``root`` (the state folder).

    Attributes:
        root: ``<state>/node``.
        node_name: the Node object's name; it must resolve to 127.0.0.1 on
            this machine, because the API server reaches the kubelet by it.
    """

    root: Path
    node_name: str

    @property
    def containerd_root(self) -> Path:
        return self.root / "containerd" / "root"

    @property
    def containerd_state(self) -> Path:
        return self.root / "containerd" / "state"

    @property
    def containerd_socket(self) -> Path:
        return self.root / "containerd" / "containerd.sock"

    @property
    def containerd_config(self) -> Path:
        return self.root / "containerd" / "config.toml"

    @property
    def cni_conf_dir(self) -> Path:
        return self.root / "cni" / "net.d"

    @property
    def cni_ipam_dir(self) -> Path:
        return self.root / "cni" / "ipam"

    @property
    def kubelet_root(self) -> Path:
        return self.root / "kubelet"

    @property
    def kubelet_config(self) -> Path:
        return self.root / "kubelet-config.yaml"

    @property
    def pod_logs(self) -> Path:
        return self.root / "pod-logs"

    @property
    def kube_proxy_config(self) -> Path:
        return self.root / "kube-proxy-config.yaml"

    @property
    def volumes(self) -> Path:
        """Where the provisioner makes the directories behind PersistentVolumes."""
        return self.root / "volumes"


def _toml_str(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def containerd_config(layout: NodeLayout, sandbox_image: str = "k8slab.local/pause:1.0",
                      cni_bin_dir: str = CNI_BIN_DIRS[0]) -> str:
    """containerd 1.6 configuration (version 2 schema) for the lab's own daemon.

    ``restrict_oom_score_adj``: a VM without CAP_SYS_RESOURCE refuses the
    negative OOM score containerd gives sandboxes, and every pod fails to
    start; this keeps scores at or above containerd's own.
    ``enable_unprivileged_ports``: lets non-root containers bind ports below
    1024, as containerd 2 does by default (kind uses containerd 2).
    """
    c = layout
    return f"""# Written by k8slab: the host engine's private containerd.
version = 2
root = {_toml_str(str(c.containerd_root))}
state = {_toml_str(str(c.containerd_state))}
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
                    "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = {_toml_str(str(c.containerd_socket))}

[ttrpc]
  address = {_toml_str(str(c.containerd_socket) + ".ttrpc")}

[debug]
  address = ""

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = {_toml_str(str(c.root / "containerd" / "opt"))}

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = {_toml_str(sandbox_image)}
  restrict_oom_score_adj = true
  enable_unprivileged_ports = true
  enable_unprivileged_icmp = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  max_container_log_line_size = 16384

  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = {_toml_str(cni_bin_dir)}
    conf_dir = {_toml_str(str(c.cni_conf_dir))}
    max_conf_num = 1
"""


def cni_config(layout: NodeLayout) -> dict:
    """The pod network: one Linux bridge, addresses from host-local IPAM.

    No masquerading (pods need not reach the outside: no image is pulled) so
    the plugin adds no iptables rules of its own; hairpin mode lets a pod
    reach itself through its Service.
    """
    return {
        "cniVersion": "1.0.0",
        "name": "k8slab",
        "plugins": [{
            "type": "bridge",
            "bridge": BRIDGE,
            "isGateway": True,
            "ipMasq": False,
            "hairpinMode": True,
            "ipam": {
                "type": "host-local",
                "ranges": [[{"subnet": NODE_POD_CIDR, "gateway": POD_GATEWAY}]],
                "routes": [{"dst": "0.0.0.0/0"}],
                "dataDir": str(layout.cni_ipam_dir),
            },
        }],
    }


def kubelet_config(layout: NodeLayout, *, port: int, healthz_port: int, client_ca: Path,
                   resolv_conf: Path) -> dict:
    """KubeletConfiguration for a single lab node.

    Notes on the unusual settings:
    - ``failCgroupV1: false``: Kubernetes 1.35+ refuses cgroup v1 otherwise, and
      many lab VMs (this project's CI among them) still boot with it.
    - ``address: 127.0.0.1``: the kubelet's API is reached by the API server only,
      through the loopback interface.
    - image garbage collection is off: no registry can give an image back.
    - eviction thresholds are low, so a nearly full laptop disk does not evict
      the course's pods.
    """
    return {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "address": "127.0.0.1",
        "port": port,
        "readOnlyPort": 0,
        "healthzBindAddress": "127.0.0.1",
        "healthzPort": healthz_port,
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"enabled": True},
            "x509": {"clientCAFile": str(client_ca)},
        },
        "authorization": {"mode": "Webhook"},
        "cgroupDriver": "cgroupfs",
        "failCgroupV1": False,
        "failSwapOn": False,
        "containerRuntimeEndpoint": f"unix://{layout.containerd_socket}",
        "clusterDNS": [CLUSTER_DNS_IP],
        "clusterDomain": "cluster.local",
        "resolvConf": str(resolv_conf),
        "podLogsDir": str(layout.pod_logs),
        "volumePluginDir": str(layout.root / "volume-plugins"),
        "podCIDR": NODE_POD_CIDR,
        "maxPods": 110,
        "imageGCHighThresholdPercent": 100,
        "imageGCLowThresholdPercent": 99,
        "evictionHard": {"memory.available": "100Mi", "nodefs.available": "1%",
                         "imagefs.available": "1%", "nodefs.inodesFree": "1%"},
        "serializeImagePulls": False,
        "protectKernelDefaults": False,
        "rotateCertificates": False,
        "serverTLSBootstrap": False,
        "shutdownGracePeriod": "0s",
        "nodeStatusReportFrequency": "10s",
        "syncFrequency": "10s",
        "fileCheckFrequency": "10s",
        "logging": {"format": "text"},
    }


def kube_proxy_config(layout: NodeLayout, *, kubeconfig: Path, healthz_port: int,
                      metrics_port: int) -> dict:
    """KubeProxyConfiguration: iptables mode, and no host kernel tuning.

    kube-proxy would otherwise raise conntrack limits and allow routing to
    127.0.0.1 for NodePorts (``route_localnet``); the lab needs neither.
    """
    return {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
        "kind": "KubeProxyConfiguration",
        "clientConnection": {"kubeconfig": str(kubeconfig)},
        "hostnameOverride": layout.node_name,
        "mode": "iptables",
        "clusterCIDR": CLUSTER_POD_CIDR,
        "bindAddress": "127.0.0.1",
        "healthzBindAddress": f"127.0.0.1:{healthz_port}",
        "metricsBindAddress": f"127.0.0.1:{metrics_port}",
        "iptables": {"localhostNodePorts": False, "masqueradeAll": False},
        "conntrack": {"maxPerCore": 0, "min": 0, "tcpEstablishedTimeout": "0s",
                      "tcpCloseWaitTimeout": "0s"},
    }


def dump_yaml(doc: dict) -> str:
    return yaml.safe_dump(doc, sort_keys=False)


def corefile(kubeconfig: Path, context: str, *, health_port: int, ready_port: int) -> str:
    """CoreDNS answers for ``cluster.local`` on the pod network's gateway address.

    It runs on the host (it needs the API server, which listens on 127.0.0.1
    only) and listens where pods can reach it: the bridge's address. The
    ``kube-dns`` Service points there, as it points to CoreDNS pods elsewhere.
    """
    return f"""# Written by k8slab: the host engine's cluster DNS.
.:53 {{
    bind {POD_GATEWAY}
    errors
    health 127.0.0.1:{health_port}
    ready 127.0.0.1:{ready_port}
    kubernetes cluster.local in-addr.arpa ip6.arpa {{
        kubeconfig {kubeconfig} {context}
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }}
    cache 30
    loadbalance
}}
"""


def dns_service() -> tuple[dict, dict]:
    """The ``kube-dns`` Service and the EndpointSlice that sends it to CoreDNS.

    The Service has no selector (CoreDNS is not a pod here), so its endpoints
    are written by hand: a real, if less common, way to give a Service a
    backend outside the pod network's pods.
    """
    ports = [{"name": "dns", "port": 53, "protocol": "UDP"},
             {"name": "dns-tcp", "port": 53, "protocol": "TCP"}]
    service = {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "kube-dns", "namespace": "kube-system",
                     "labels": {"k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS"}},
        "spec": {"clusterIP": CLUSTER_DNS_IP, "ports": [
            {**p, "targetPort": 53} for p in ports]},
    }
    endpoints = {
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"name": "kube-dns-host", "namespace": "kube-system",
                     "labels": {"kubernetes.io/service-name": "kube-dns",
                                "endpointslice.kubernetes.io/managed-by": "k8slab.io"}},
        "addressType": "IPv4",
        "endpoints": [{"addresses": [POD_GATEWAY], "conditions": {"ready": True}}],
        "ports": ports,
    }
    return service, endpoints
