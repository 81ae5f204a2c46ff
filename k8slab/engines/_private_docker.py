"""A Docker engine of the test harness's own, never the user's.

Why: the kind pass of the tests needs a Docker engine, and must neither use
nor disturb one the machine may already run (its containers, networks,
iptables rules, images). So the harness starts Debian's ``dockerd`` with a
data root, exec root, socket and pidfile of its own, inside a network
namespace the project creates (``ip netns add``): its bridges and iptables
rules exist only there, and the host's network is untouched. ``stop`` kills
it by its pid, unmounts what it mounted, deletes the namespace and the
folder, and removes the cgroups it made, leaving the host as it was.

The namespace is entered with ``nsenter --net=`` rather than ``ip netns
exec``, which remounts ``/sys`` and hides the cgroup mounts dockerd needs.

Ports that kind publishes on ``127.0.0.1`` are inside that namespace; the
API server is reached from the host through :mod:`k8slab.engines._netns_relay`.

**Sandbox-only switch** ``K8SLAB_TEST_DROP_CAPS=1``: on a machine whose root
lacks a capability in its bounding set (this project's CI sandbox lacks
CAP_SYS_RESOURCE), Docker 20.10 still asks runc for every capability it knows
for ``--privileged`` containers, and runc fails ("unable to apply caps").
With the switch, dockerd is given an OCI runtime wrapper
(:data:`DROP_CAPS_WRAPPER`) that removes from each container's
``config.json`` (and each exec's process spec) the capabilities the machine
cannot grant, then runs runc. A laptop's Docker has every capability: the
switch is never the default, and the user's Docker is never given it.

Example:
    >>> d = PrivateDocker(Path("/tmp/x"))
    >>> d.host.startswith("unix:///tmp/x/")
    True
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from k8slab.engines import host_state
from k8slab.errors import K8sLabError, ToolMissing

#: The environment switch that gives dockerd the capability-dropping runtime.
DROP_CAPS_SWITCH = "K8SLAB_TEST_DROP_CAPS"

#: Linux capability names by number (capability.h), for reading CapBnd.
CAPABILITIES = (
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
    "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST",
    "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO",
    "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
    "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE",
    "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
    "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
)

#: The OCI runtime wrapper (Python, run by containerd's shim in place of runc).
DROP_CAPS_WRAPPER = '''#!/usr/bin/python3 -S
# Written by k8slab for its test harness only (K8SLAB_TEST_DROP_CAPS): removes
# from an OCI spec the capabilities this machine's bounding set lacks, then runs runc.
import json, os, sys
NAMES = {names!r}
RUNC = {runc!r}
line = [l for l in open("/proc/self/status") if l.startswith("CapBnd:")][0]
bnd = int(line.split()[1], 16)
missing = {{"CAP_" + n for i, n in enumerate(NAMES) if not (bnd >> i) & 1}}
args = sys.argv[1:]

def option(*names):
    for i, a in enumerate(args):
        if a in names and i + 1 < len(args):
            return args[i + 1]
        for n in names:
            if a.startswith(n + "="):
                return a.split("=", 1)[1]
    return None

def strip(caps):
    for key, value in list((caps or {{}}).items()):
        caps[key] = [c for c in value if c not in missing]

path = None
if "create" in args or "run" in args:
    bundle = option("--bundle", "-b")
    path = os.path.join(bundle or ".", "config.json")
elif "exec" in args:
    path = option("--process", "-p")
if path and missing and os.path.isfile(path):
    with open(path) as fh:
        spec = json.load(fh)
    strip((spec.get("process") or {{}}).get("capabilities") if "process" in spec
          else spec.get("capabilities"))
    with open(path, "w") as fh:
        json.dump(spec, fh)
os.execv(RUNC, [RUNC] + args)
'''


def missing_capabilities(status_text: str) -> list[str]:
    """The capabilities absent from a process's bounding set (``/proc/PID/status``).

    Example:
        >>> missing_capabilities("CapBnd:\\t000001fffeffffff\\n")
        ['SYS_RESOURCE']
    """
    for line in status_text.splitlines():
        if line.startswith("CapBnd:"):
            bnd = int(line.split()[1], 16)
            return [n for i, n in enumerate(CAPABILITIES) if not (bnd >> i) & 1]
    return []


def _alive(pid: int) -> bool:
    """True while ``pid`` runs; a zombie (exited, not yet reaped by its parent) is not.

    Why: dockerd started by this very process stays a zombie after it exits
    until the child is reaped, and ``/proc/PID`` exists all that time.
    """
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


class PrivateDocker:
    """One dockerd in a network namespace of its own, with all its files under ``root``.

    Args:
        root: a folder for its data, state, socket, pidfile and log (made, and
            removed by :meth:`stop`).
        drop_caps: give dockerd the capability-dropping runtime (sandbox only,
            see the module's docstring). ``None``: read :data:`DROP_CAPS_SWITCH`.
    """

    def __init__(self, root: Path, *, drop_caps: bool | None = None) -> None:
        self.root = Path(root)
        if drop_caps is None:
            drop_caps = os.environ.get(DROP_CAPS_SWITCH, "") not in ("", "0")
        self.drop_caps = drop_caps
        digest = hashlib.sha256(str(self.root.resolve()).encode()).hexdigest()[:8]
        #: The network namespace's name (``ip netns list``).
        self.netns = f"k8slab-docker-{digest}"
        #: Its own cgroup parent, so its containers never mix with another Docker's.
        self.cgroup_parent = f"k8slab-docker-{digest}"

    # -- where things are --------------------------------------------------
    @property
    def socket(self) -> Path:
        return self.root / "docker.sock"

    @property
    def host(self) -> str:
        """The ``DOCKER_HOST`` value that talks to this engine only."""
        return f"unix://{self.socket}"

    @property
    def netns_path(self) -> Path:
        return Path("/var/run/netns") / self.netns

    @property
    def pidfile(self) -> Path:
        return self.root / "dockerd.pid"

    @property
    def log(self) -> Path:
        return self.root / "dockerd.log"

    def env(self) -> dict[str, str]:
        """The environment for ``docker`` and ``kind`` commands aimed at this engine."""
        return {**os.environ, "DOCKER_HOST": self.host}

    def command(self, dockerd: str = "dockerd") -> list[str]:
        """The dockerd command line (run inside the namespace by :meth:`start`).

        Example:
            >>> cmd = PrivateDocker(Path("/t"), drop_caps=True).command()
            >>> cmd[cmd.index("--default-runtime") + 1]
            'k8slab-drop-caps'
        """
        cmd = ["nsenter", f"--net={self.netns_path}", dockerd,
               "--data-root", str(self.root / "data"), "--exec-root", str(self.root / "exec"),
               "-H", self.host, "--pidfile", str(self.pidfile),
               "--cgroup-parent", self.cgroup_parent,
               # No negative OOM score for itself: that needs CAP_SYS_RESOURCE.
               "--oom-score-adjust", "0",
               # Containers are the harness's own and disposable: stop them fast.
               "--shutdown-timeout", "5"]
        if self.drop_caps:
            cmd += ["--add-runtime", f"k8slab-drop-caps={self.root / 'runc-drop-caps'}",
                    "--default-runtime", "k8slab-drop-caps"]
        return cmd

    # -- life cycle ----------------------------------------------------------
    def running(self) -> bool:
        pid = self._pid()
        return pid is not None and _alive(pid)

    def _pid(self) -> int | None:
        with contextlib.suppress(OSError, ValueError):
            return int(self.pidfile.read_text().strip())
        return None

    def start(self, timeout: float = 60) -> None:
        """Start dockerd and wait until it answers; raise with its log's tail if not."""
        if os.geteuid() != 0:
            raise K8sLabError("A private Docker engine needs root (network namespace, mounts).",
                              "Run the kind pass as root, or point DOCKER_HOST at a Docker "
                              "you own and use `k8slab up --engine kind` directly.")
        dockerd = shutil.which("dockerd")
        if dockerd is None or shutil.which("docker") is None:
            raise ToolMissing("The kind pass needs Docker's engine (dockerd) and CLI.",
                              "On Debian: apt-get install docker.io (`./run` does it).")
        if self.running():
            return
        longest = self.root.resolve() / "exec" / "containerd" / "containerd.sock.ttrpc"
        if len(str(longest)) > 107:
            raise K8sLabError(f"The private Docker engine's folder {self.root} is too deep: "
                              "its containerd socket path would pass the 108 bytes a Unix "
                              "socket name may have, and containerd would never start.",
                              "Give it a short folder, e.g. tempfile.mkdtemp(dir='/tmp').")
        self.root.mkdir(parents=True, exist_ok=True)
        self._record_host_paths()
        if not self.netns_path.exists():
            subprocess.run(["ip", "netns", "add", self.netns], check=True)
        subprocess.run(["nsenter", f"--net={self.netns_path}", "ip", "link", "set", "lo", "up"],
                       check=True)
        if self.drop_caps:
            runc = shutil.which("runc") or "/usr/sbin/runc"
            wrapper = self.root / "runc-drop-caps"
            wrapper.write_text(DROP_CAPS_WRAPPER.format(names=CAPABILITIES, runc=runc))
            wrapper.chmod(0o755)
        with self.log.open("ab") as log:
            subprocess.Popen(self.command(dockerd), stdout=log, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            proc = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"],
                                  env=self.env(), capture_output=True, text=True)
            if proc.returncode == 0 and proc.stdout.strip():
                return
            time.sleep(0.5)
        tail = self.log.read_text(errors="replace")[-1500:] if self.log.exists() else ""
        self.stop()
        raise K8sLabError(f"The private dockerd did not answer within {timeout:.0f}s:\n{tail}",
                          f"Its log was {self.log} (removed with its folder).")

    def _record_host_paths(self) -> None:
        """Note which host paths exist before, to remove those Docker creates.

        kind bind-mounts ``/lib/modules``; Docker creates a missing bind source.
        ``ip netns add`` creates ``/run/netns`` (and mounts it on itself).
        """
        marker = self.root / "created-by-docker"
        if not marker.exists():
            absent = [p for p in ("/lib/modules", "/run/netns") if not Path(p).exists()]
            marker.write_text("".join(p + "\n" for p in absent))
        # A kubelet in a privileged node container rewrites kernel settings that
        # no namespace isolates (vm.overcommit_memory, kernel.panic...): noted
        # here, put back by stop().
        sysctls = self.root / "sysctls.json"
        if not sysctls.exists():
            sysctls.write_text(json.dumps(host_state.read_sysctls()))

    def stop(self, timeout: float = 60) -> None:
        """Stop dockerd and remove every trace of it (namespace, mounts, cgroups, files)."""
        pid = self._pid()
        if pid is not None and _alive(pid):
            self._remove_containers()
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            if _alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self._kill_leftovers()
        self._unmount_under(self.root)
        if self.netns_path.exists():
            subprocess.run(["ip", "netns", "delete", self.netns], check=False)
        self._remove_cgroups()
        sysctls = self.root / "sysctls.json"
        if sysctls.exists():
            host_state.write_sysctls(json.loads(sysctls.read_text()))
        marker = self.root / "created-by-docker"
        if marker.exists():
            for path in marker.read_text().split():
                # `ip netns add` makes /run/netns a mount point of itself the first time.
                if path == "/run/netns" and Path(path).is_dir() and not any(Path(path).iterdir()):
                    subprocess.run(["umount", path], check=False, capture_output=True)
                with contextlib.suppress(OSError):
                    Path(path).rmdir()
        shutil.rmtree(self.root, ignore_errors=True)

    def _remove_containers(self) -> None:
        """``docker rm -f`` every container (a graceful stop could wait for each)."""
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            ids = subprocess.run(["docker", "ps", "-aq"], env=self.env(), capture_output=True,
                                 text=True, timeout=30).stdout.split()
            if ids:
                subprocess.run(["docker", "rm", "-f", "-v", *ids], env=self.env(),
                               capture_output=True, timeout=120)

    def _kill_leftovers(self) -> None:
        """Shims or containerd that outlived dockerd (found by their root folder)."""
        marker = str(self.root.resolve()) + "/"
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit() or int(proc.name) == os.getpid():
                continue
            with contextlib.suppress(OSError):
                cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
                if marker in cmdline:
                    os.kill(int(proc.name), signal.SIGKILL)

    @staticmethod
    def _unmount_under(root: Path) -> None:
        """Lazily unmount every mount below ``root``, deepest first."""
        prefix = str(root.resolve()) + "/"
        with contextlib.suppress(OSError):
            mounts = [line.split()[4] for line in Path("/proc/self/mountinfo").read_text()
                      .splitlines()]
            for target in sorted((m for m in mounts if m.startswith(prefix)), reverse=True):
                subprocess.run(["umount", "-l", target], check=False, capture_output=True)

    def _remove_cgroups(self) -> None:
        """Remove the (empty) cgroups made under this engine's cgroup parent."""
        for hierarchy in Path("/sys/fs/cgroup").iterdir():
            top = hierarchy / self.cgroup_parent
            if not top.is_dir():
                continue
            for sub in sorted((p for p in top.rglob("*") if p.is_dir()),
                              key=lambda p: len(p.parts), reverse=True):
                with contextlib.suppress(OSError):
                    sub.rmdir()
            with contextlib.suppress(OSError):
                top.rmdir()

    def __enter__(self) -> PrivateDocker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
