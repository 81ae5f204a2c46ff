"""Flux's controllers and the lesson's git server, as processes of this machine.

Why local processes: source-controller and kustomize-controller only talk to
the API server and to git, so they can run beside the lab's control plane on
every engine (kwok included) with the lab kubeconfig, as
``flux install`` would run them in pods. They are not published as binaries
(only as images), so k8slab builds them from the Go module proxy (wrapper
module ``tools/flux``) and takes their CRDs from the same module zips.

Everything lives in the lab state folder: ``flux/state.json`` (pids, ports,
the namespace watched), ``flux/storage`` (source-controller's artifacts),
``flux/git`` (the bare repositories the git server serves) and
``logs/flux-*.log``; so ``k8slab down`` finds and stops them with the cluster.

Example:
    >>> sorted(controller_args("kustomize-controller", {"metrics": 1, "health": 2}, Path("/s")))[:2]
    ['--enable-leader-election=false', '--events-addr=']
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from k8slab._base.cliutil import with_examples
from k8slab._base.paths import kubeconfig_path, logs_dir, state_dir, tools_src_dir
from k8slab._base.procs import alive, free_ports
from k8slab._base.procs import stop as _stop_processes
from k8slab._binaries import catalog as _tools
from k8slab._binaries.build import go_executable
from k8slab._binaries.gotoolchain import go_environ
from k8slab.errors import K8sLabError, ToolMissing

CONTROLLERS = ("source-controller", "kustomize-controller")
MODULES = {n: f"github.com/fluxcd/{n}" for n in CONTROLLERS}
GIT_SERVER = "git-server"


def flux_dir() -> Path:
    """``<state>/flux``: pids, ports, artifacts and served repositories."""
    return state_dir() / "flux"


def crds_dir() -> Path:
    """The CRDs, cached beside the binaries of the same release."""
    return _tools.TOOLS["source-controller"].cached.parent / "crds"


def ensure_crds() -> Path:
    """Copy ``config/crd/bases/*.yaml`` out of both controllers' module zips (once).

    Raises:
        ToolMissing: Go cannot fetch the modules (no proxy, no Go).
    """
    target = crds_dir()
    if target.is_dir() and any(target.glob("*.yaml")):
        return target
    version = _tools.FLUX_VERSION
    go = go_executable()
    proc = subprocess.run(
        [go, "mod", "download", "-json", *(f"{m}@{version}" for m in MODULES.values())],
        cwd=tools_src_dir() / "flux", capture_output=True, text=True, timeout=600,
        env={**go_environ(go), "GOFLAGS": "-mod=mod"})
    if proc.returncode != 0:
        raise ToolMissing(f"Fetching Flux's modules {version} failed: {proc.stderr[-800:]}",
                          "Check that the Go module proxy is reachable (GOPROXY).")
    tmp = target.with_name(f".crds-{os.getpid()}")
    tmp.mkdir(parents=True, exist_ok=True)
    for info in json.loads("[" + proc.stdout.replace("}\n{", "},\n{") + "]"):
        with zipfile.ZipFile(info["Zip"]) as archive:
            prefix = f"{info['Path']}@{info['Version']}/config/crd/bases/"
            for name in archive.namelist():
                if name.startswith(prefix) and name.endswith(".yaml"):
                    (tmp / Path(name).name).write_bytes(archive.read(name))
    if target.exists():
        shutil.rmtree(target)
    tmp.replace(target)
    return target


def controller_args(name: str, ports: dict[str, int], storage: Path) -> list[str]:
    """The flags of one controller: everything on 127.0.0.1, no leader election, one namespace.

    ``--watch-all-namespaces=false`` makes it watch only ``RUNTIME_NAMESPACE``
    (the lesson's namespace), as a tenant-scoped Flux would.
    """
    args = [f"--metrics-addr=127.0.0.1:{ports['metrics']}",
            f"--health-addr=127.0.0.1:{ports['health']}",
            "--enable-leader-election=false", "--watch-all-namespaces=false",
            "--events-addr=", "--log-level=info", "--log-encoding=json"]
    if name == "source-controller":
        args += [f"--storage-path={storage}",
                 f"--storage-addr=127.0.0.1:{ports['storage']}",
                 f"--storage-adv-addr=127.0.0.1:{ports['storage']}"]
    else:
        args += ["--no-remote-bases=true"]
    return args


def _state_file(folder: Path | None = None) -> Path:
    return (folder or flux_dir()) / "state.json"


def load_state(folder: Path | None = None) -> dict | None:
    """What :func:`start` recorded, or None when nothing runs."""
    try:
        return json.loads(_state_file(folder).read_text())
    except (OSError, ValueError):
        return None


def _alive(pid: int, marker: str) -> bool:
    """The pid runs and its command line still names ``marker`` (pid reuse is not us)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    return marker in cmdline and alive(pid)


def running(state: dict | None = None) -> bool:
    """Every process of the recorded state is alive."""
    state = state if state is not None else load_state()
    return state is not None and bool(state) and all(_alive(p["pid"], p["marker"])
                               for p in state["processes"].values())


def _kubectl(*args: str) -> subprocess.CompletedProcess:
    kubectl = _tools.locate("kubectl")
    return subprocess.run([str(kubectl), "--kubeconfig", str(kubeconfig_path()), *args],
                          capture_output=True, text=True, timeout=120)


def install_crds() -> list[str]:
    """Server-side apply the CRDs and wait until the API server serves them."""
    folder = ensure_crds()
    applied = _kubectl("apply", "--server-side", "--force-conflicts", "-f", str(folder))
    if applied.returncode != 0:
        raise K8sLabError(f"Installing Flux's CRDs failed: {applied.stderr.strip()}",
                          "Is the lab cluster up? `k8slab status`.")
    names = [line.split()[0] for line in applied.stdout.splitlines() if line.strip()]
    waited = _kubectl("wait", "--for=condition=Established", "--timeout=60s", *names)
    if waited.returncode != 0:
        raise K8sLabError(f"Flux's CRDs are not served: {waited.stderr.strip()}",
                          "Look at `kubectl get crd`; then run the cell again.")
    return names


def _spawn(name: str, cmd: list[str], env: dict[str, str]) -> int:
    log = logs_dir() / f"flux-{name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        out.write(("$ " + " ".join(cmd) + "\n").encode())
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    return proc.pid


def _wait_http(url: str, pid: int, marker: str, name: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid, marker):
            tail = (logs_dir() / f"flux-{name}.log").read_text(errors="replace")[-1500:]
            raise K8sLabError(f"{name} stopped while starting:\n{tail}",
                              f"Read {logs_dir() / f'flux-{name}.log'}, then retry.")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status < 500:
                    return
        except urllib.error.HTTPError as exc:  # it answers: up (a 404 from git is fine)
            if exc.code < 500:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise K8sLabError(f"{name} did not answer {url} within {timeout:.0f}s.",
                      f"Read {logs_dir() / f'flux-{name}.log'}.")


def start(namespace: str) -> dict:
    """Start (or keep) the git server and both controllers, watching ``namespace``.

    Already running for the same namespace: kept as is. Running for another
    namespace: restarted, since a controller watches one namespace.

    Returns:
        The recorded state: namespace, ports, git URL root, pids, versions.

    Raises:
        ToolMissing: the controllers cannot be built here.
        K8sLabError: a controller did not start (its log is quoted).
    """
    if not kubeconfig_path().is_file():
        raise K8sLabError("No lab cluster is recorded, so Flux has nothing to talk to.",
                          "Start one with `k8slab up`, then run the cell again.")
    state = load_state()
    if state and running(state) and state["namespace"] == namespace:
        return state
    stop()
    paths = _tools.ensure(list(CONTROLLERS))  # the first time: a build, with its progress
    install_crds()
    folder = flux_dir()
    storage, git_root = folder / "storage", folder / "git"
    storage.mkdir(parents=True, exist_ok=True)
    git_root.mkdir(parents=True, exist_ok=True)
    ports = free_ports(6)
    env = {**os.environ, "KUBECONFIG": str(kubeconfig_path()), "RUNTIME_NAMESPACE": namespace}
    processes: dict[str, dict] = {}
    marker = "k8slab._runners.githttp"
    pid = _spawn(GIT_SERVER, [sys.executable, "-m", marker, "--root", str(git_root),
                              "--port", str(ports[0])], env)
    processes[GIT_SERVER] = {"pid": pid, "marker": marker, "port": ports[0]}
    own = {"source-controller": {"metrics": ports[1], "health": ports[2], "storage": ports[3]},
           "kustomize-controller": {"metrics": ports[4], "health": ports[5]}}
    for name in CONTROLLERS:
        binary = str(paths[name])
        pid = _spawn(name, [binary, *controller_args(name, own[name], storage)], env)
        processes[name] = {"pid": pid, "marker": binary, **own[name]}
    state = {"namespace": namespace, "git_url": f"http://127.0.0.1:{ports[0]}",
             "git_root": str(git_root), "processes": processes,
             "versions": {n: _tools.go_module_version(paths[n], MODULES[n]) or "?"
                          for n in CONTROLLERS}}
    folder.mkdir(parents=True, exist_ok=True)
    _state_file().write_text(json.dumps(state, indent=2))
    try:
        _wait_http(f"{state['git_url']}/", processes[GIT_SERVER]["pid"], marker, GIT_SERVER)
        for name in CONTROLLERS:
            p = processes[name]
            _wait_http(f"http://127.0.0.1:{p['health']}/readyz", p["pid"], p["marker"], name)
    except BaseException:
        stop()
        raise
    return state


def stop(folder: Path | None = None, grace: float = 5.0) -> list[str]:
    """Stop what :func:`start` recorded in ``folder`` (default: this lab's); list what stopped.

    Only pids whose command line still names our binary are signalled. The
    served repositories and the artifacts go too: they only mean something
    while Flux runs, and the next start begins with empty ones.
    """
    folder = folder or flux_dir()
    state = load_state(folder)
    if state is None:
        return []
    alive = {n: p for n, p in state["processes"].items() if _alive(p["pid"], p["marker"])}
    _stop_processes([p["pid"] for p in alive.values()], grace=grace)
    _state_file(folder).unlink(missing_ok=True)
    for sub in ("git", "storage"):
        shutil.rmtree(folder / sub, ignore_errors=True)
    return sorted(alive)


def _cmd(args) -> int:
    if args.action == "start":
        state = start(args.namespace)
        print(f"Flux watching namespace {state['namespace']!r}; git server {state['git_url']}/")
        for name, proc in state["processes"].items():
            version = state["versions"].get(name, "git http-backend")
            print(f"  {name:<22} {version:<18} pid {proc['pid']}")
    elif args.action == "stop":
        stopped = stop()
        print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
    else:
        state = load_state()
        if not state:
            print("Flux is not running in this lab (`k8slab flux start NAMESPACE`).")
            return 1
        print(f"Flux watching namespace {state['namespace']!r}: "
              + ("running" if running(state) else "some processes died"))
        for name, proc in state["processes"].items():
            alive = "up" if _alive(proc["pid"], proc["marker"]) else "DOWN"
            print(f"  {name:<22} {state['versions'].get(name, 'git'):<18} {alive}")
    return 0


def add_parser(sub) -> None:
    """``k8slab flux start NAMESPACE | stop | status``."""
    flux = sub.add_parser("flux", help="Flux's controllers and the lab's git server "
                                       "(notebook 13): start, stop, status",
                          **with_examples("k8slab flux start nb13-gitops", "k8slab flux status",
                                          "k8slab flux stop"))
    flux.add_argument("action", choices=["start", "stop", "status"])
    flux.add_argument("namespace", nargs="?", default="default",
                      help="start: the namespace the controllers watch")
    flux.set_defaults(func=_cmd)
