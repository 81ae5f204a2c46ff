"""kind's node image for Kubernetes v1.36.3, made on this machine with no registry.

Why: ``kind create cluster`` starts each node from a "node image" (upstream:
``kindest/node``, pulled from a registry). Where no registry is reachable
(this project's CI, a training room offline), k8slab assembles an equivalent
image itself, from parts it can obtain offline:

- a Debian root file system made by ``mmdebstrap`` (systemd as PID 1,
  iptables, iproute2, conntrack, Debian's runc and CNI plugins), as kind's
  base image has;
- containerd 2.x built from its Go module (kubelet 1.36 is the last to accept
  containerd 1.x, which is all Debian 12 has);
- the project's own Kubernetes binaries (kubeadm, kubelet, kubectl);
- the images a kind node preloads, each made like the course images
  (:mod:`k8slab._binaries.oci`, one layer, no registry): the control plane
  (kube-apiserver, kube-controller-manager, kube-scheduler, etcd), kube-proxy
  (with Debian's iptables), CoreDNS, the pod sandbox (pause) and the pod
  network (:data:`KIND_NET_SCRIPT`, a few lines of shell with kubectl that
  play kindnetd's part). They are named ``k8slab.local/...`` so nobody takes
  them for upstream images; the kind configuration k8slab writes tells
  kubeadm so (``imageRepository``). A systemd unit imports them into the
  node's containerd at boot, before the kubelet starts.

The files under ``/etc`` and ``/kind`` are written here, after reading what
kind's own base image and node-image builder contain; they are not copies.

The result is ``docker import``-ed as :data:`NODE_IMAGE` into the Docker
engine named by ``DOCKER_HOST``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from k8slab._base.paths import cache_dir
from k8slab._binaries import catalog as _tools
from k8slab._binaries import images as _images
from k8slab._binaries import oci as _oci
from k8slab._binaries.oci import ImageConfig
from k8slab.errors import K8sLabError, ToolMissing

KUBE = _tools.KUBE_VERSION
#: The node image's name in Docker.
NODE_IMAGE = f"k8slab.local/kind-node:{KUBE}"
#: Where kubeadm finds the control-plane images (``imageRepository``).
IMAGE_REPOSITORY = "k8slab.local"
ETCD_TAG = _tools.ETCD_VERSION
COREDNS_TAG = _tools.COREDNS_VERSION
PAUSE = _images.PAUSE_IMAGE
KIND_NET_IMAGE = "k8slab.local/kind-net:1.0"
DEBIAN_SUITE = "bookworm"

#: Debian packages of the node (what kind's base image installs, minus what no
#: offline lab uses: NFS, iSCSI, fuse-overlayfs).
NODE_PACKAGES = (
    "systemd", "systemd-sysv", "dbus", "conntrack", "iptables", "nftables", "iproute2",
    "ethtool", "util-linux", "mount", "kmod", "libseccomp2", "bash", "ca-certificates",
    "procps", "runc", "containernetworking-plugins", "socat", "ebtables",
)

# -- files of the node ---------------------------------------------------------
ENTRYPOINT = r"""#!/bin/bash
# k8slab's kind node entrypoint: prepare what systemd and the kubelet need
# inside a container, then hand over to systemd.
set -o errexit -o nounset -o pipefail
say() { echo "k8slab-node: $*" >&2; }

# Mount propagation, for the kubelet's volume mounts.
mount --make-rshared /

# A machine id of its own per node (systemd and the kubelet read it).
if [ ! -s /etc/machine-id ]; then
  cat /proc/sys/kernel/random/uuid | tr -d - > /etc/machine-id
fi

if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  say "cgroup v2: the kubelet's cgroups are made by its unit"
else
  # cgroup v1 with a private cgroup namespace (kind runs nodes with
  # --cgroupns=private): the container's cgroup is the root it sees. The
  # kubelet's cgroup root (/kubelet, and kubelet.slice for the systemd driver)
  # is made in every hierarchy and bind-mounted on itself so that systemd does
  # not remove it before the kubelet starts.
  # "detected cgroup v1" is also what kind waits for (30 s at most) before it
  # goes on, as its own image prints: systemd need not reach Multi-User first.
  say "detected cgroup v1: preparing /kubelet and /kubelet.slice"
  mount --make-rprivate /sys/fs/cgroup
  for hierarchy in /sys/fs/cgroup/*/; do
    hierarchy=${hierarchy%/}
    [ "$(stat -f -c %T "$hierarchy")" = cgroupfs ] || continue
    for sub in kubelet kubelet.slice; do
      mkdir -p "$hierarchy/$sub"
      if [ -f "$hierarchy/cpuset.cpus" ]; then
        cat "$hierarchy/cpuset.cpus" > "$hierarchy/$sub/cpuset.cpus"
        cat "$hierarchy/cpuset.mems" > "$hierarchy/$sub/cpuset.mems"
      fi
      mount --bind "$hierarchy/$sub" "$hierarchy/$sub"
    done
  done
fi

say "starting systemd"
exec "$@"
"""

CONTAINERD_CONFIG = """# Written by k8slab for its kind node image (containerd 2.x, config v3).
version = 3

[plugins.'io.containerd.cri.v1.images']
  snapshotter = 'overlayfs'
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = '{pause}'

[plugins.'io.containerd.cri.v1.runtime']
  # The node may lack CAP_SYS_RESOURCE (a machine whose root lacks it in its
  # bounding set): a negative oom_score_adj is then refused and every pod
  # sandbox fails. Restricting the score to the node's own is harmless elsewhere.
  restrict_oom_score_adj = true
  tolerate_missing_hugetlb_controller = true
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = 'runc'
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = 'io.containerd.runc.v2'
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = '/usr/sbin/runc'
        SystemdCgroup = true
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    # Debian's CNI plugins (bridge, host-local, portmap, loopback...).
    bin_dirs = ['/usr/lib/cni']
    conf_dir = '/etc/cni/net.d'
"""

UNITS = {
    "containerd.service": """[Unit]
Description=containerd (k8slab kind node)
After=network.target local-fs.target

[Service]
ExecStart=/usr/local/bin/containerd
Type=notify
Delegate=yes
KillMode=process
Restart=always
RestartSec=1
# No OOMScoreAdjust and no Limit* here: both need CAP_SYS_RESOURCE, which a
# node may lack.

[Install]
WantedBy=multi-user.target
""",
    "k8slab-images.service": """[Unit]
Description=Import the node's preloaded images (made by k8slab) into containerd
After=containerd.service
Requires=containerd.service
Before=kubelet.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/kind/bin/import-images

[Install]
# Pulled in by containerd, not by multi-user.target: the node reaches
# "Multi-User System" (what kind waits for, briefly) before the imports end;
# the kubelet waits for them.
WantedBy=containerd.service
""",
    "kubelet.service": """[Unit]
Description=kubelet (k8slab kind node)
# kubeadm writes this file; until then there is nothing to run.
ConditionPathExists=/var/lib/kubelet/config.yaml
After=k8slab-images.service containerd.service
Wants=k8slab-images.service

[Service]
ExecStart=/usr/bin/kubelet
Restart=always
StartLimitInterval=0
RestartSec=1s
CPUAccounting=true
MemoryAccounting=true
Slice=kubelet.slice
KillMode=process

[Install]
WantedBy=multi-user.target
""",
    "kubelet.service.d/10-kubeadm.conf": """[Service]
# The flags kubeadm's files give the kubelet (as in kubeadm's packages).
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf \
 --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
EnvironmentFile=-/etc/default/kubelet
ExecStartPre=/bin/sh -c "[ -f /sys/fs/cgroup/cgroup.controllers ] || \
 mkdir -p /sys/fs/cgroup/systemd/kubelet"
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS \
 $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
""",
    "kubelet.slice": """[Unit]
Description=slice for the kubelet and its pods
Before=slices.target
""",
}

IMPORT_IMAGES = """#!/bin/sh
# Import every image archive k8slab put in /kind/images into containerd (k8s.io namespace).
set -eu
for archive in /kind/images/*.tar; do
  [ -e "$archive" ] || continue
  ctr --namespace k8s.io images import --no-unpack=false "$archive" >/dev/null
  echo "imported $archive"
done
"""

SYSCTL = """# k8slab kind node: pods forward packets, and bridged traffic passes iptables.
net.ipv4.ip_forward=1
net.ipv4.conf.all.route_localnet=1
"""

#: kindnetd's part, in shell: each node's pods get a bridge on the node's
#: podCIDR, and a route to every other node's podCIDR through that node.
KIND_NET_SCRIPT = r"""#!/bin/sh
# k8slab kind-net: the pod network of k8slab's offline kind nodes.
set -u
sa=/var/run/secrets/kubernetes.io/serviceaccount
conf=/etc/cni/net.d/10-kind-net.conflist
address='{.status.addresses[?(@.type=="InternalIP")].address}'
query="{range .items[*]}{.metadata.name} {.spec.podCIDR} $address{\"\\n\"}{end}"
while true; do
  server="https://${CONTROL_PLANE_ENDPOINT:-kubernetes.default.svc}"
  if kubectl --server="$server" --token="$(cat $sa/token)" \
      --certificate-authority=$sa/ca.crt get nodes -o \
      jsonpath="$query" \
      > /tmp/nodes 2>/tmp/error; then
    while read -r name cidr address; do
      [ -n "$cidr" ] || continue
      if [ "$name" = "$NODE_NAME" ]; then
        cat > /tmp/conflist <<EOF
{"cniVersion": "0.4.0", "name": "kind-net", "plugins": [
  {"type": "bridge", "bridge": "kind-net0", "isGateway": true, "ipMasq": true,
   "hairpinMode": true, "ipam": {"type": "host-local", "ranges": [[{"subnet": "$cidr"}]],
   "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}}]}
EOF
        if ! cmp -s /tmp/conflist "$conf"; then
          cp /tmp/conflist "$conf.tmp" && mv "$conf.tmp" "$conf"
          echo "this node ($name): pods on $cidr"
        fi
      elif [ -n "$address" ]; then
        ip route replace "$cidr" via "$address" && echo "route $cidr via $address ($name)" \
          > /tmp/route-$name
      fi
    done < /tmp/nodes
  else
    echo "kind-net: cannot list nodes yet: $(cat /tmp/error)"
  fi
  sleep 5
done
"""

KIND_NET_MANIFEST = """# k8slab kind-net: the pod network of k8slab's offline kind node image.
# would you kindly patch this file (kind adds CONTROL_PLANE_ENDPOINT to the DaemonSet)
apiVersion: v1
kind: ServiceAccount
metadata: {name: kind-net, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: kind-net}
rules:
- apiGroups: [""]
  resources: [nodes]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: kind-net}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kind-net}
subjects:
- {kind: ServiceAccount, name: kind-net, namespace: kube-system}
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: kind-net
  namespace: kube-system
  labels: {app: kind-net}
spec:
  selector:
    matchLabels: {app: kind-net}
  template:
    metadata:
      labels: {app: kind-net}
    spec:
      hostNetwork: true
      serviceAccountName: kind-net
      tolerations: [{operator: Exists}]
      terminationGracePeriodSeconds: 1
      containers:
      - name: kind-net
        image: KIND_NET_IMAGE
        imagePullPolicy: Never
        env:
        - name: NODE_NAME
          valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
        securityContext:
          capabilities: {add: [NET_ADMIN, NET_RAW]}
        volumeMounts:
        - {name: cni, mountPath: /etc/cni/net.d}
      volumes:
      - name: cni
        hostPath: {path: /etc/cni/net.d, type: DirectoryOrCreate}
""".replace("KIND_NET_IMAGE", KIND_NET_IMAGE)

#: CoreDNS's configuration on the offline node image: kubeadm's, minus the
#: plugins k8slab's CoreDNS build leaves out (forward, prometheus, loop, reload).
OFFLINE_COREFILE = """.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    cache 30
    loadbalance
}
"""

_PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
_GROUP = "root:x:0:\nnogroup:x:65534:\n"


# -- the preloaded images ----------------------------------------------------------
def _binary_image(out: Path, ref: str, binaries: dict[str, Path], config: ImageConfig,
                  what: str, debs: tuple[str, ...] = (), busybox: bool = False) -> Path:
    """One image: static binaries in /usr/local/bin (plus Debian packages if named)."""
    if out.is_file():
        return out
    with tempfile.TemporaryDirectory(prefix="k8slab-kind-image-") as tmp:
        root = Path(tmp)
        for sub in ("etc", "tmp", "dev", "proc", "sys", "usr/local/bin", "var/run"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        (root / "tmp").chmod(0o1777)
        packages = list(debs) + (["busybox-static"] if busybox else [])
        if packages:
            for deb in _images._download_debs(_images.package_closure(tuple(packages)),
                                              cache_dir() / "debs"):
                subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
        if busybox:
            _images._busybox_links(root)
        _alternatives(root)
        (root / "etc" / "passwd").write_text(_PASSWD)
        (root / "etc" / "group").write_text(_GROUP)
        for name, path in binaries.items():
            target = root / "usr" / "local" / "bin" / name
            shutil.copy2(path, target)
            target.chmod(0o755)
        labels = {
            "org.opencontainers.image.title": ref,
            "org.opencontainers.image.description": what,
            "org.opencontainers.image.vendor": "made locally by k8slab (not an upstream image)",
        }
        config.labels = labels
        _oci.write_layout(out, ref, _oci.layer_from_dir(root), config)
    return out


def _alternatives(root: Path) -> None:
    """The command names Debian's package scripts would link (``update-alternatives``).

    Unpacked with ``dpkg-deb -x``, iptables has only ``xtables-nft-multi``;
    kube-proxy runs ``iptables``, ``iptables-save``, ``iptables-restore`` and
    their IPv6 twins. The nft flavour is the one Debian's node uses too.
    """
    multi = root / "usr" / "sbin" / "xtables-nft-multi"
    if not multi.exists():
        return
    for family in ("iptables", "ip6tables"):
        for suffix in ("", "-save", "-restore"):
            link = root / "usr" / "sbin" / f"{family}{suffix}"
            if not link.exists() and not link.is_symlink():
                link.symlink_to("xtables-nft-multi")


def preload_images(folder: Path, tools: dict[str, Path], say: Callable[[str], None]) -> list[Path]:
    """Make (once) every image a node preloads; return their archives."""
    folder.mkdir(parents=True, exist_ok=True)
    archives = [_images.build(_images.CATALOG[PAUSE])]
    for name in ("kube-apiserver", "kube-controller-manager", "kube-scheduler"):
        archives.append(_binary_image(
            folder / f"{name}-{KUBE}.tar", f"{IMAGE_REPOSITORY}/{name}:{KUBE}",
            {name: tools[name]}, ImageConfig(), f"{name} {KUBE}, built by k8slab"))
    archives.append(_binary_image(
        folder / f"kube-proxy-{KUBE}.tar", f"{IMAGE_REPOSITORY}/kube-proxy:{KUBE}",
        {"kube-proxy": tools["kube-proxy"]}, ImageConfig(),
        f"kube-proxy {KUBE} with Debian's iptables", debs=("iptables", "conntrack")))
    archives.append(_binary_image(
        folder / f"etcd-{ETCD_TAG}.tar", f"{IMAGE_REPOSITORY}/etcd:{ETCD_TAG}",
        {"etcd": tools["etcd"]}, ImageConfig(), f"etcd {ETCD_TAG}, built by k8slab"))
    archives.append(_binary_image(
        folder / f"coredns-{COREDNS_TAG}.tar", f"{IMAGE_REPOSITORY}/coredns:{COREDNS_TAG}",
        {"coredns": tools["coredns"]}, ImageConfig(entrypoint=["/usr/local/bin/coredns"]),
        f"CoreDNS {COREDNS_TAG} (k8slab's plugin set)"))
    digest = hashlib.sha256(KIND_NET_SCRIPT.encode()).hexdigest()[:10]
    kind_net = folder / f"kind-net-{digest}.tar"
    if not kind_net.is_file():
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "kind-net"
            script.write_text(KIND_NET_SCRIPT)
            script.chmod(0o755)
            _binary_image(kind_net, KIND_NET_IMAGE,
                          {"kubectl": tools["kubectl"], "kind-net": script},
                          ImageConfig(entrypoint=["/usr/local/bin/kind-net"]),
                          "k8slab's pod network for kind nodes (shell + kubectl)",
                          busybox=True)
    archives.append(kind_net)
    say(f"k8slab: {len(archives)} node images ready in {folder}")
    return archives


# -- the root file system ---------------------------------------------------------------
def _mirror() -> str:
    """The Debian mirror apt already uses (no other address is ever contacted)."""
    for source in [Path("/etc/apt/sources.list"),
                   *sorted(Path("/etc/apt/sources.list.d").glob("*"))]:
        if not source.is_file():
            continue
        for line in source.read_text().splitlines():
            words = line.split()
            if line.startswith("URIs:") and "debian" in line and "security" not in line:
                return words[1]
            if words[:1] == ["deb"] and "debian" in line and "security" not in line:
                return next(w for w in words[1:] if w.startswith("http"))
    return "http://deb.debian.org/debian"


def base_rootfs(say: Callable[[str], None]) -> Path:
    """Debian's root file system for the node, made once by mmdebstrap (a tar in the cache)."""
    recipe = json.dumps([DEBIAN_SUITE, NODE_PACKAGES])
    out = cache_dir() / "kind-node" / (
        f"debian-{DEBIAN_SUITE}-{hashlib.sha256(recipe.encode()).hexdigest()[:10]}.tar")
    if out.is_file():
        return out
    if shutil.which("mmdebstrap") is None:
        raise ToolMissing("The offline kind node image needs mmdebstrap (a Debian root file "
                          "system).", "apt-get install mmdebstrap")
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    partial = out.with_name(out.name + ".partial")
    cmd = ["mmdebstrap", "--variant=minbase", "--include=" + ",".join(NODE_PACKAGES),
           "--dpkgopt=path-exclude=/usr/share/man/*", "--dpkgopt=path-exclude=/usr/share/doc/*",
           "--dpkgopt=path-exclude=/usr/share/locale/*", "--format=tar",
           DEBIAN_SUITE, str(partial), _mirror()]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise K8sLabError(f"mmdebstrap failed:\n{proc.stderr[-1500:]}",
                          "Is the Debian mirror reachable (apt-get update)?")
    partial.replace(out)
    say(f"k8slab: Debian root file system for kind nodes made in "
        f"{time.monotonic() - started:.0f}s ({out.stat().st_size >> 20} MiB)")
    return out


def assemble(root: Path, tools: dict[str, Path], archives: list[Path]) -> None:
    """Put k8slab's binaries, configuration and image archives into an unpacked rootfs."""
    def write(path: str, text: str, mode: int = 0o644) -> None:
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        target.chmod(mode)

    for name in ("kubeadm", "kubelet", "kubectl"):
        shutil.copy2(tools[name], root / "usr" / "bin" / name)
    for name in ("containerd", "containerd-shim-runc-v2", "ctr"):
        shutil.copy2(tools[name], root / "usr" / "local" / "bin" / name)
    write("/usr/local/bin/entrypoint", ENTRYPOINT, 0o755)
    write("/etc/containerd/config.toml", CONTAINERD_CONFIG.format(pause=PAUSE))
    for name, text in UNITS.items():
        write(f"/etc/systemd/system/{name}", text)
    write("/etc/sysctl.d/10-k8slab-node.conf", SYSCTL)
    write("/kind/bin/import-images", IMPORT_IMAGES, 0o755)
    write("/kind/version", KUBE + "\n")
    write("/kind/manifests/default-cni.yaml", KIND_NET_MANIFEST)
    (root / "kind" / "images").mkdir(parents=True, exist_ok=True)
    for archive in archives:
        shutil.copy2(archive, root / "kind" / "images" / archive.name)
    (root / "etc" / "cni" / "net.d").mkdir(parents=True, exist_ok=True)
    (root / "etc" / "kubernetes" / "manifests").mkdir(parents=True, exist_ok=True)
    (root / "etc" / "machine-id").write_text("")
    # systemd in a container: no gettys, udev or kernel-module units; only ours.
    for wants in ("multi-user.target.wants", "local-fs.target.wants", "basic.target.wants",
                  "sockets.target.wants", "timers.target.wants"):
        for link in (root / "lib" / "systemd" / "system" / wants).glob("*"):
            if wants != "sockets.target.wants" or "udev" in link.name or "initctl" in link.name:
                link.unlink()
        for link in (root / "etc" / "systemd" / "system" / wants).glob("*"):
            link.unlink()
    journald = root / "etc" / "systemd" / "journald.conf"
    journald.write_text(journald.read_text() + "\nReadKMsg=no\n")
    subprocess.run(["chroot", str(root), "systemctl", "enable", "containerd.service",
                    "k8slab-images.service", "kubelet.service"], check=True,
                   capture_output=True)
    subprocess.run(["chroot", str(root), "systemctl", "mask", "systemd-binfmt.service",
                    "getty@tty1.service", "console-getty.service", "systemd-modules-load.service"],
                   check=True, capture_output=True)


def build(docker_env: dict[str, str] | None = None, *, say: Callable[[str], None] = print,
          force: bool = False) -> str:
    """Make the node image and ``docker import`` it; return its name.

    Args:
        docker_env: the environment for ``docker`` (``DOCKER_HOST`` of the engine).
        force: import again even if Docker already has the image.
    """
    env = docker_env or dict(os.environ)
    if not force and subprocess.run(["docker", "image", "inspect", NODE_IMAGE], env=env,
                                    capture_output=True).returncode == 0:
        return NODE_IMAGE
    if os.geteuid() != 0:
        raise K8sLabError("Making the offline kind node image needs root (chroot, file owners).",
                          "Run it as root, or use the upstream kindest/node image with internet.")
    names = (*_tools.KIND_NODE_TOOLS, "etcd")
    tools = _tools.ensure(list(names))
    started = time.monotonic()
    archives = preload_images(cache_dir() / "kind-node" / "images", tools, say)
    base = base_rootfs(say)
    with tempfile.TemporaryDirectory(prefix="k8slab-kind-node-") as tmp:
        root = Path(tmp) / "rootfs"
        root.mkdir()
        subprocess.run(["tar", "-C", str(root), "-xf", str(base)], check=True)
        assemble(root, tools, archives)
        tar = subprocess.Popen(["tar", "-C", str(root), "--numeric-owner", "-cf", "-", "."],
                               stdout=subprocess.PIPE)
        proc = subprocess.run(
            ["docker", "import",
             "--change", 'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]',
             # (Docker 20.10's import knows no STOPSIGNAL change; kind removes
             # nodes with `docker rm -f`, which needs none.)
             "--change", "ENV container=docker",
             "--message", f"k8slab kind node {KUBE}, made offline", "-", NODE_IMAGE],
            stdin=tar.stdout, env=env, capture_output=True, text=True)
        tar.wait()
    if proc.returncode != 0:
        raise K8sLabError(f"docker import of the kind node image failed:\n{proc.stderr[-800:]}")
    say(f"k8slab: kind node image {NODE_IMAGE} imported in {time.monotonic() - started:.0f}s")
    return NODE_IMAGE
