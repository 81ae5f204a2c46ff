"""What a real node changes on the host, recorded before ``up`` and put back on ``down``.

A kubelet, containerd and kube-proxy are system software: they rewrite kernel
settings, create cgroups, mount file systems, add network interfaces and
iptables chains, and write a few files in fixed places. The lab promises that
``k8slab down`` leaves the machine as it found it, so ``up`` takes a snapshot
of everything on that list first and ``down`` compares and restores.

Example:
    >>> snap = HostSnapshot(sysctls={"kernel.panic": "1"})
    >>> snap.sysctls["kernel.panic"]
    '1'
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

from k8slab._base.procs import stop as stop_processes

#: Kernel settings the kubelet, kube-proxy or the CNI bridge plugin may change.
SYSCTLS = (
    "vm.overcommit_memory",
    "vm.panic_on_oom",
    "kernel.panic",
    "kernel.panic_on_oops",
    "kernel.keys.root_maxkeys",
    "kernel.keys.root_maxbytes",
    "net.ipv4.ip_forward",
    "net.ipv4.conf.all.route_localnet",
    "net.bridge.bridge-nf-call-iptables",
    "net.bridge.bridge-nf-call-ip6tables",
    "net.netfilter.nf_conntrack_max",
    "net.netfilter.nf_conntrack_tcp_timeout_established",
    "net.netfilter.nf_conntrack_tcp_timeout_close_wait",
)

#: Places outside the state folder that the node's programs write to no matter
#: what their configuration says (containerd 1.6's shim sockets, the kubelet's
#: device-plugin socket and log links, libcni's result cache, netns mounts).
FIXED_PATHS = (
    "/run/containerd",
    "/var/lib/kubelet",
    "/var/log/containers",
    "/var/log/pods",
    "/var/lib/cni",
    "/run/netns",
    "/usr/libexec/kubernetes",
    "/etc/cni",
    "/opt/cni",
)

CGROUP_ROOT = Path("/sys/fs/cgroup")
#: Interface names the node creates: its bridge and the host ends of pod veths.
LINK_PREFIXES = ("k8slab", "veth", "cni")


def _sysctl_path(name: str) -> Path:
    return Path("/proc/sys") / name.replace(".", "/")


def read_sysctls(names: tuple[str, ...] = SYSCTLS) -> dict[str, str]:
    out = {}
    for name in names:
        with contextlib.suppress(OSError):
            out[name] = _sysctl_path(name).read_text().strip()
    return out


def write_sysctls(values: dict[str, str]) -> list[str]:
    """Write back the recorded values; return the names that had changed."""
    changed = []
    for name, value in values.items():
        path = _sysctl_path(name)
        try:
            if path.read_text().strip() != value:
                path.write_text(value + "\n")
                changed.append(name)
        except OSError:
            continue
    return changed


def cgroup_children() -> list[str]:
    """Top-level cgroups of every hierarchy (``memory/kubepods``...)."""
    out: list[str] = []
    if not CGROUP_ROOT.is_dir():
        return out
    for hierarchy in sorted(CGROUP_ROOT.iterdir()):
        if not hierarchy.is_dir():
            continue
        for child in sorted(hierarchy.iterdir()):
            if child.is_dir():
                out.append(str(child.relative_to(CGROUP_ROOT)))
    return out


def links() -> list[str]:
    proc = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True)
    names = []
    for line in proc.stdout.splitlines():
        parts = line.split(":", 2)
        if len(parts) > 1:
            names.append(parts[1].strip().split("@")[0])
    return names


def iptables_chains() -> list[str]:
    """``family table chain`` for every chain, IPv4 and IPv6."""
    out = []
    for family, cmd in (("ip", "iptables-save"), ("ip6", "ip6tables-save")):
        if shutil.which(cmd) is None:
            continue
        proc = subprocess.run([cmd], capture_output=True, text=True)
        table = ""
        for line in proc.stdout.splitlines():
            if line.startswith("*"):
                table = line[1:]
            elif line.startswith(":"):
                out.append(f"{family} {table} {line[1:].split()[0]}")
    return out


def nft_tables() -> list[str]:
    if shutil.which("nft") is None:
        return []
    proc = subprocess.run(["nft", "list", "tables"], capture_output=True, text=True)
    return [line.removeprefix("table ").strip() for line in proc.stdout.splitlines()
            if line.startswith("table ")]


def mounts() -> list[str]:
    """Mount points, in mount order."""
    out = []
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/mounts").read_text().splitlines():
            parts = line.split()
            if len(parts) > 1:
                out.append(parts[1].replace("\\040", " "))
    return out


@dataclass
class HostSnapshot:
    """Everything on the list above, as it was at one moment."""

    sysctls: dict[str, str] = field(default_factory=dict)
    paths: list[str] = field(default_factory=list)
    cgroups: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    chains: list[str] = field(default_factory=list)
    nft: list[str] = field(default_factory=list)
    mounts: list[str] = field(default_factory=list)

    @staticmethod
    def take() -> HostSnapshot:
        return HostSnapshot(
            sysctls=read_sysctls(),
            paths=[p for p in FIXED_PATHS if os.path.lexists(p)],
            cgroups=cgroup_children(),
            links=links(),
            chains=iptables_chains(),
            nft=nft_tables(),
            mounts=mounts(),
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=1) + "\n")

    @staticmethod
    def load(path: Path) -> HostSnapshot | None:
        if not path.is_file():
            return None
        return HostSnapshot(**json.loads(path.read_text()))

    def differences(self, now: HostSnapshot) -> list[str]:
        """What ``now`` has that this snapshot did not (or lost), as sentences."""
        out = []
        for name, value in self.sysctls.items():
            if now.sysctls.get(name) != value:
                out.append(f"kernel setting {name} is {now.sysctls.get(name)} (was {value})")
        for kind, before, after in (
            ("file", self.paths, now.paths), ("cgroup", self.cgroups, now.cgroups),
            ("network interface", self.links, now.links),
            ("iptables chain", self.chains, now.chains),
            ("nftables table", self.nft, now.nft),
            ("mount", self.mounts, now.mounts),
        ):
            out.extend(f"new {kind}: {item}" for item in after if item not in before)
            out.extend(f"{kind} gone: {item}" for item in before if item not in after)
        return out


# -- putting things back -----------------------------------------------------
def pids_in_cgroups(prefix: str = "kubepods") -> set[int]:
    """Every process inside the node's pod cgroups (containers and their children)."""
    found: set[int] = set()
    for procs in CGROUP_ROOT.glob(f"*/{prefix}/**/cgroup.procs"):
        with contextlib.suppress(OSError, ValueError):
            found.update(int(p) for p in procs.read_text().split())
    for procs in CGROUP_ROOT.glob(f"*/{prefix}/cgroup.procs"):
        with contextlib.suppress(OSError, ValueError):
            found.update(int(p) for p in procs.read_text().split())
    return found


def pids_with_arg(needle: str) -> set[int]:
    """Processes whose command line mentions ``needle`` (our socket, our state folder)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            if needle in (entry / "cmdline").read_bytes().decode(errors="replace"):
                found.add(int(entry.name))
    return found


def kill_all(pids: set[int], grace: float = 5.0) -> None:
    """SIGTERM, a short wait, then SIGKILL for whatever is left."""
    stop_processes(pids, grace=grace)


def unmount_under(roots: list[Path], before: list[str]) -> None:
    """Unmount, deepest first, every mount below ``roots`` that was not there before."""
    prefixes = [str(r) for r in roots]
    targets = [m for m in mounts() if m not in before
               and any(m == p or m.startswith(p.rstrip("/") + "/") for p in prefixes)]
    for target in sorted(set(targets), key=lambda m: (-m.count("/"), m)):
        subprocess.run(["umount", "-l", target], capture_output=True)


def remove_cgroups(before: list[str]) -> None:
    """rmdir, bottom-up, every cgroup created since the snapshot (they must be empty)."""
    for rel in cgroup_children():
        if rel in before:
            continue
        top = CGROUP_ROOT / rel
        for path in sorted((p for p in top.rglob("*") if p.is_dir()),
                           key=lambda p: -len(p.parts)):
            with contextlib.suppress(OSError):
                path.rmdir()
        with contextlib.suppress(OSError):
            top.rmdir()


def remove_links(before: list[str]) -> None:
    for name in links():
        if name not in before and name.startswith(LINK_PREFIXES):
            subprocess.run(["ip", "link", "delete", name], capture_output=True)


def remove_chains(before: list[str]) -> None:
    """Flush then delete every chain created since the snapshot, table by table."""
    new = [c for c in iptables_chains() if c not in before]
    for family, cmd in (("ip", "iptables"), ("ip6", "ip6tables")):
        mine = [c.split() for c in new if c.startswith(family + " ")]
        for _, table, chain in mine:
            subprocess.run([cmd, "-t", table, "-F", chain], capture_output=True)
        # Built-in chains keep their jumps to the deleted chains: drop those rules.
        for _, table, chain in mine:
            _drop_jumps(cmd, table, chain)
        for _, table, chain in mine:
            subprocess.run([cmd, "-t", table, "-X", chain], capture_output=True)


def _drop_jumps(cmd: str, table: str, chain: str) -> None:
    save = subprocess.run([cmd + "-save", "-t", table], capture_output=True, text=True).stdout
    for line in save.splitlines():
        if not line.startswith("-A "):
            continue
        tokens = shlex.split(line[3:])
        if any(t in ("-j", "-g") and tokens[i + 1:i + 2] == [chain]
               for i, t in enumerate(tokens)):
            subprocess.run([cmd, "-t", table, "-D", *tokens], capture_output=True)


def remove_nft_tables(before: list[str]) -> None:
    """iptables-nft leaves its tables behind once their chains are gone."""
    for table in nft_tables():
        if table in before:
            continue
        listing = subprocess.run(["nft", "list", "table", *table.split()],
                                 capture_output=True, text=True).stdout
        if "rule" not in listing and " jump " not in listing and " counter " not in listing:
            subprocess.run(["nft", "delete", "table", *table.split()], capture_output=True)


def remove_paths(before: list[str]) -> None:
    for path in FIXED_PATHS:
        if path in before or not os.path.lexists(path):
            continue
        p = Path(path)
        unmount_under([p], [])
        shutil.rmtree(p, ignore_errors=True)
