"""The interface every cluster engine implements.

Modelled on kind's node providers: one small interface, an availability check
per engine, and auto-detection on top (:mod:`k8slab.engines`). Engines build
their command lines in pure methods (``create_command``...) so unit tests can
check them without running anything.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from k8slab._base.cluster_record import ClusterRecord
from k8slab._base.paths import kubeconfig_path, logs_dir, state_dir
from k8slab._binaries import images as _images
from k8slab.errors import K8sLabError, ToolMissing

CLUSTER_NAME = "k8slab"


@dataclass(frozen=True)
class Availability:
    """Whether an engine can run here, and if not, why and how to fix it."""

    ok: bool
    reason: str = ""
    fix: str = ""


class Engine(ABC):
    """A way to obtain a lab cluster (kwok, kind, minikube or an existing one)."""

    #: The engine's name as typed on the command line.
    name: str = ""

    # What a cluster of this engine can do: the rest of the lab asks these
    # (``engine_for(record).runs_containers``) rather than testing engine names,
    # so a new engine says once what it can do. Each engine class sets its own.

    #: Its pods really run programs in containers (kwok's are simulated: none runs).
    runs_containers: bool = False
    #: k8slab can put the course's locally made images into its nodes' runtime.
    loads_images: bool = False
    #: Its etcd is one k8slab started here, its certificates in the lab's state folder.
    owns_etcd: bool = False
    #: k8slab created it, so the course's destructive steps may run on it (the
    #: record's ``lab`` field, which the guard reads, is written from this).
    is_lab_cluster: bool = True
    #: ``kubectl exec`` runs its program on this machine rather than in a container
    #: (unless the cluster record says a container or a sandbox takes it).
    exec_on_this_machine: bool = False

    @abstractmethod
    def availability(self) -> Availability:
        """Check, without side effects, whether this engine can run here."""

    @abstractmethod
    def up(self, nodes: int = 2) -> ClusterRecord:
        """Create (or adopt) the cluster, write the lab kubeconfig, return its record."""

    @abstractmethod
    def down(self, record: ClusterRecord | None) -> None:
        """Delete what :meth:`up` created (for ``existing``: only forget it)."""

    def restart(self, record: ClusterRecord) -> bool:
        """Bring a recorded cluster whose processes died back, with its data.

        Returns False when this engine cannot (the caller then starts anew).
        """
        return False

    def require_available(self) -> None:
        """Raise :class:`ToolMissing` with the engine's own explanation."""
        avail = self.availability()
        if not avail.ok:
            raise ToolMissing(f"The {self.name} engine cannot run here: {avail.reason}",
                              avail.fix or None)

    def next_steps(self) -> str:
        """The success message's second line: what to run next."""
        return ("Next: `k8slab status` to look at it, `k8slab lab` to open the course, "
                "`k8slab down` when you are done.")


def which(program: str) -> str | None:
    """``shutil.which`` in one place so tests can monkeypatch it."""
    return shutil.which(program)


def not_installed(command: str, install: str) -> Availability:
    """An engine's command is missing: where to get it, and the engine that needs nothing."""
    return Availability(False, f"the `{command}` command is not installed.",
                        f"Install {command} ({install}) or use the embedded engine: "
                        "`k8slab up --engine kwok`.")


def docker_for(who: str) -> Availability:
    """Availability of an engine that runs its nodes in Docker (``who`` says which, and how)."""
    docker = docker_running()
    return docker if docker.ok else Availability(False, f"{who} needs Docker, but "
                                                 f"{docker.reason}", docker.fix)


def docker_running() -> Availability:
    """kind and minikube's docker driver need a running Docker engine, not just its CLI."""
    docker = which("docker")
    if docker is None:
        return Availability(False, "Docker is not installed.",
                            "Install Docker (https://docs.docker.com/engine/install/) "
                            "or use the embedded engine: `k8slab up --engine kwok`.")
    try:
        proc = subprocess.run([docker, "info", "--format", "{{.ServerVersion}}"],
                              capture_output=True, text=True, timeout=15)
    except (OSError, subprocess.TimeoutExpired):
        proc = None
    if proc is None or proc.returncode != 0 or not proc.stdout.strip():
        return Availability(False, "the docker command is installed but no Docker engine "
                            "answers (is the daemon running?).",
                            "Start Docker (`sudo systemctl start docker`) or use the "
                            "embedded engine: `k8slab up --engine kwok`.")
    return Availability(True)


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """True when something already listens on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def run_logged(cmd: list[str], log_name: str, *, env: dict[str, str] | None = None,
               timeout: float = 900, what: str = "") -> None:
    """Run a command, teeing its output to the lab log folder; fail with its tail."""
    logs_dir().mkdir(parents=True, exist_ok=True)
    log = logs_dir() / log_name
    with log.open("a") as fh:
        fh.write("$ " + " ".join(cmd) + "\n")
        fh.flush()
        try:
            proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env,
                                  timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise K8sLabError(f"{what or cmd[0]} did not finish within {timeout:.0f}s.",
                              f"See the log: {log}") from exc
    if proc.returncode != 0:
        tail = "".join(log.read_text().splitlines(keepends=True)[-15:])
        raise K8sLabError(f"{what or cmd[0]} failed (exit {proc.returncode}):\n{tail}",
                          f"Full log: {log}")


def ensure_state() -> Path:
    """Create the state folder: others may traverse it (to reach the simulated
    exec sandbox) but not list it; the credentials inside are owner-only files."""
    path = state_dir()
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o711)
    return path


def write_kubeconfig(text: str) -> Path:
    """Write the lab kubeconfig (owner-only). Never ~/.kube/config."""
    ensure_state()
    path = kubeconfig_path()
    path.write_text(text)
    path.chmod(0o600)
    return path


def load_course_images(engine: str) -> None:
    """Put the course's locally made images into a kind or minikube cluster.

    The course's pods use ``k8slab.local/*`` images that no registry serves;
    without them, every pod would wait in ``ErrImagePull``. A failure here
    does not undo the cluster: it says how to load the images later.
    """
    try:
        _images.load_all(engine, say=lambda m: print(m, file=sys.stderr, flush=True))
    except K8sLabError as exc:
        print(f"k8slab: warning: the course images are not loaded: {exc.message}\n"
              "  -> Pods of the course will show ErrImagePull until you run "
              "`k8slab images load`.", file=sys.stderr, flush=True)
