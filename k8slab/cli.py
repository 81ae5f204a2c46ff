"""The ``k8slab`` command line: start, inspect and stop the lab.

Exit status as kubectl and kind give it: 0 done, 1 failed (a
:class:`~k8slab.errors.K8sLabError`, a check that does not pass), 2 the
command line itself is wrong (argparse's usage errors only).

Example:
    $ k8slab up                 # the embedded kwok cluster (default)
    $ k8slab status -o json
    $ k8slab lab                # JupyterLab on the course, lab kubeconfig set
    $ k8slab check 05.scale     # an exercise's check, from a terminal
    $ k8slab down
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from importlib import metadata
from pathlib import Path
from typing import Any

from k8slab._base.cliutil import add_output_option, emit, with_examples
from k8slab._base.cluster_record import ClusterRecord
from k8slab._base.completion import SHELLS, completion_script
from k8slab._base.language import DEFAULT, LANGUAGES, edition_folder, edition_path
from k8slab._base.language import known as known_language
from k8slab._base.paths import (
    IN_CHECKOUT,
    PROJECT_ROOT,
    cache_dir,
    kubeconfig_path,
    logs_dir,
    state_dir,
)
from k8slab._base.procs import stop as stop_process
from k8slab._binaries import catalog as _tools
from k8slab._binaries import images as _images
from k8slab._core import target as _target
from k8slab._core.client import record_answers
from k8slab._core.status import cluster_status, no_cluster_error
from k8slab._core.status import status_record as _status_record  # noqa: F401 (tests import it here)
from k8slab._course.learner_copy import copy_course, is_course_copy
from k8slab._runners.flux import add_parser as add_flux
from k8slab._runners.flux import stop as stop_flux
from k8slab.engines import ENGINES, get_engine
from k8slab.engines.base import port_in_use
from k8slab.errors import ClusterUnavailable, K8sLabError


def _print(msg: str) -> None:
    print(msg, flush=True)


def _forget_dead(record: ClusterRecord) -> None:
    """Clean up after a recorded cluster whose API server no longer answers.

    A killed run leaves ``cluster.json`` (and for kwok, etcd or kwok processes
    still running): the engine's own ``down`` stops what is left, then the
    record and kubeconfig go, so ``up`` can start afresh. A failing ``down`` is
    reported, not fatal: the engine's ``up`` clears its own leftovers again.
    """
    try:
        get_engine(record.engine).down(record)
    except K8sLabError as exc:
        _print(f"k8slab: warning: cleaning up the old {record.engine} cluster failed "
               f"({exc.message}); starting anyway.")
    ClusterRecord.clear()
    kubeconfig_path().unlink(missing_ok=True)


def _restart(record: ClusterRecord) -> bool:
    """Ask the recorded cluster's engine to start it again from its own data."""
    try:
        engine = get_engine(record.engine, port=record.extra.get("port"))
        return engine.restart(record) and record_answers(record)
    except K8sLabError as exc:
        _print(f"k8slab: warning: restarting failed ({exc.message}).")
        return False


def cmd_up(args: argparse.Namespace) -> int:
    return up(args.engine, nodes=args.nodes, port=args.port, download=args.download,
              kubeconfig=args.kubeconfig, context=args.context)


def up(engine_name: str = "kwok", *, nodes: int = 2, port: int | None = None,
       download: bool = False, kubeconfig: str | None = None, context: str | None = None,
       next_steps: bool = True) -> int:
    """``k8slab up``: start the lab cluster (or restart the recorded one); the exit status."""
    record = ClusterRecord.load()
    if record is not None:
        if record_answers(record):
            _print(f"k8slab: a lab cluster is already running ({record.engine}, context "
                   f"{record.context!r}, {record.server or 'server in ' + record.kubeconfig}).")
            _print("Use it (`k8slab status`), or stop it first with `k8slab down`.")
            return 0
        _print(f"k8slab: the recorded {record.engine} cluster ({record.server or record.context}) "
               "does not answer: its processes stopped. Restarting it with its data...")
        if _restart(record):
            _print(f"k8slab: the {record.engine} cluster runs again, with the same data, "
                   "certificates and tokens (existing kubeconfigs still work).")
            return 0
        _print("k8slab: it could not be restarted; cleaning it up and starting a new one.")
        _forget_dead(record)
    if nodes < 1:
        raise K8sLabError(f"--nodes must be at least 1 (got {nodes}).")
    engine = get_engine(engine_name, port=port, download=download or None,
                        kubeconfig=kubeconfig, context=context)
    started = time.monotonic()
    _print(f"k8slab: starting a {engine.name} cluster...")
    record = engine.up(nodes=nodes)
    _print(f"k8slab: the {engine.name} cluster is up in {time.monotonic() - started:.1f}s "
           f"(context {record.context!r}, kubeconfig {kubeconfig_path()}).")
    if next_steps:  # `k8slab lab --up` says what comes next itself (its banner)
        _print(engine.next_steps())
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    return down(args.engine)


def down(engine_name: str = "auto") -> int:
    """``k8slab down``: stop the recorded lab cluster (``engine_name`` when none is recorded)."""
    from k8slab.workshop._vclusters import delete as delete_attendee_clusters

    if own := delete_attendee_clusters():  # workshop mode ``cluster``: theirs go first
        _print(f"k8slab: stopped and removed the attendee clusters of {', '.join(own)}.")
    record = ClusterRecord.load()
    engine_name = record.engine if record else engine_name
    if engine_name == "auto":
        engine_name = "kwok"
    engine = get_engine(engine_name)
    from k8slab.workshop._hub.serve import teardown  # the workshop hub, its Unix users and homes

    teardown()
    stop_flux()  # Flux's controllers and git server talk to this cluster: they go first
    engine.down(record)
    ClusterRecord.clear()
    kubeconfig_path().unlink(missing_ok=True)
    _print(f"k8slab: the {engine_name} lab cluster is down." if record
           else "k8slab: no lab cluster was recorded; leftovers (if any) were cleaned.")
    return 0


#: The first line of ``k8slab --help``: plain text (no reStructuredText markup there).
DESCRIPTION = "k8slab: start, inspect and stop the Kubernetes lab; check the course's exercises."

#: Exit status of a command that ran and failed (kubectl's and kind's); argparse keeps 2.
FAILED = 1


def cmd_status(args: argparse.Namespace) -> int:
    info = cluster_status()
    if args.output:
        emit({**info, "kubeconfig": str(_target.kubeconfig())}, args.output)
        return 0
    _print(f"engine:     {info['engine']}{'' if info['lab_cluster'] else ' (not a lab cluster)'}")
    _print(f"context:    {info['context']}")
    _print(f"API server: {info['server']} (Kubernetes {info['server_version']})")
    _print(f"kubeconfig: {_target.kubeconfig()}")
    _print(f"nodes:      {len(info['nodes'])}")
    for node in info["nodes"]:
        state = "Ready" if node["ready"] else "NotReady"
        kind = ("simulated by kwok: no container runs" if node["simulated"]
                else f"real containers ({node['runtime']})" if node["runtime"] else "")
        _print(f"  {node['name']:<20} {state:<9} {node['kubelet']:<12} {kind}")
    return 0


def cmd_tools(args: argparse.Namespace) -> int:
    names = args.names
    if args.all or not names:  # every tool this platform can run (no kubelet on macOS)
        names = [n for n in _tools.TOOLS if _tools.unsupported_reason(n) is None]
    for name in names:
        if name not in _tools.TOOLS:
            raise K8sLabError(f"Unknown tool {name!r}.", f"Known: {', '.join(_tools.TOOLS)}.")
    if not args.check:
        _tools.ensure(names)
    if args.output:
        emit([{**_tools.provenance(n), "reports": _tools.version_of(n)} for n in names],
             args.output)
        return 0
    for name in names:
        path = _tools.find(name)
        _print(f"{name:<24} {_tools.TOOLS[name].version:<8} {_tools.version_of(name):<50} "
               f"{path or '-'}")
    return 0


def k8slab_version() -> str:
    """This k8slab's version, from its installed metadata (a checkout installs it editable)."""
    try:
        return metadata.version("k8slab")
    except metadata.PackageNotFoundError:  # run from a source tree never installed
        return "0+unknown"


def version_info() -> dict[str, Any]:
    """What ``k8slab version`` prints: k8slab, Kubernetes, and each tool's origin and cache state.

    Why without the network or running any binary: a learner asks this when
    something is wrong (offline, a half-built cache), and it must answer at
    once; ``k8slab tools --check`` asks each binary itself.
    """
    try:
        client_version = metadata.version("kubernetes")
    except metadata.PackageNotFoundError:  # pragma: no cover - a dependency of k8slab
        client_version = "not installed"
    return {
        "k8slab": k8slab_version(),
        "kubernetes": _tools.KUBE_VERSION,
        "python_client": client_version,
        "python": sys.version.split()[0],
        "binaries": _tools.download_mode(),
        "cache": str(cache_dir() / "bin"),
        "tools": [_tools.provenance(name) for name in _tools.TOOLS],
    }


def cmd_version(args: argparse.Namespace) -> int:
    """``k8slab version [-o json|yaml]``."""
    info = version_info()
    if args.output:
        emit(info, args.output)
        return 0
    _print(f"k8slab:     {info['k8slab']}")
    _print(f"Kubernetes: {info['kubernetes']} (Python client {info['python_client']}, "
           f"Python {info['python']})")
    mode = ("download, else build" if info["binaries"] == "auto"
            else "build only, never download")
    _print(f"binaries:   {info['cache']} ({mode}: K8SLAB_BINARIES={info['binaries']})")
    _print(f"{'TOOL':<24} {'VERSION':<9} {'CACHED':<7} FROM")
    for tool in info["tools"]:
        _print(f"{tool['name']:<24} {tool['version']:<9} {'yes' if tool['cached'] else 'no':<7} "
               f"{origin_text(tool)}")
    return 0


def origin_text(tool: dict) -> str:
    """One line of where a tool comes from, for ``k8slab version``'s table.

    Example:
        >>> origin_text({"obtained": "build", "download": None,
        ...              "build": {"module": "sigs.k8s.io/kind", "version": "v0.33.0"}})
        'go build sigs.k8s.io/kind@v0.33.0'
    """
    build = tool["build"]
    go = f"go build {build['module']}@{build['version']}"
    if tool["obtained"] == "override":
        return f"K8SLAB_{tool['name'].upper().replace('-', '_')}: {tool['path'] or '(missing)'}"
    if tool["obtained"] == "unsupported":
        return "not for this platform"
    if tool["obtained"] == "download":
        host = urllib.parse.urlparse(tool["download"]["url"]).netloc
        return f"download from {host}, SHA-256 checked (else {go})"
    return go


def cmd_check(args: argparse.Namespace) -> int:
    """``k8slab check [ID...]``: the notebook's check cards, in a terminal; exit 1 if one fails."""
    from k8slab import exercises as _exercises  # the checks load the client: only when asked

    chosen = _exercises.select(args.ids)
    if args.list:
        if args.output:
            emit([{"exercise": ex.id, "title": str(ex.title), "hint": str(ex.hint),
                   "namespace": args.namespace or _exercises.default_namespace(ex.id)}
                  for ex in chosen], args.output)
            return 0
        for ex in chosen:
            _print(f"{ex.id:<22} {ex.title}")
        return 0
    _require_cluster()
    results = []
    for ex in chosen:
        namespace = args.namespace or _exercises.default_namespace(ex.id)
        result = _exercises.run_check(ex.id, namespace)
        if result.passed:
            _exercises.tell_the_hub(ex.id)  # a workshop hub counts a pass from a terminal too
        results.append((namespace, result))
        if not args.output:
            _print(repr(result))
    if args.output:
        emit([{"exercise": r.exercise, "namespace": ns, "passed": r.passed, "title": r.title,
               "message": r.message, "hint": r.hint} for ns, r in results], args.output)
    failed = [r.exercise for _, r in results if not r.passed]
    if failed and not args.output and len(results) > 1:
        _print(f"k8slab: {len(results) - len(failed)}/{len(results)} passed; not yet: "
               f"{', '.join(failed)}")
    return FAILED if failed else 0


def _require_cluster() -> None:
    """Fail before any card when there is no cluster to check.

    Why: a check turns every error into its "not yet" message, which is right
    in a notebook cell but would show fourteen cards blaming the learner's
    answers for a cluster that is simply not running.
    """
    if not _target.kubeconfig().is_file():
        raise no_cluster_error()
    record = None if _target.attendee_kubeconfig() else ClusterRecord.load()
    if record is not None and not record_answers(record):
        raise ClusterUnavailable(
            f"The recorded {record.engine} lab cluster does not answer "
            f"({record.server or record.context}), so no exercise can be checked.",
            "Start it again with `k8slab up` (it keeps its data), then run `k8slab check` "
            "again.")


def cmd_completion(args: argparse.Namespace) -> int:
    """``k8slab completion bash|zsh``: a script for the shell, made from this very parser."""
    print(completion_script(build_parser(), args.shell), end="")
    return 0


#: Jupyter configuration shared by ``k8slab lab`` and Binder (binder/start): the file
#: browser hides the jupytext twins (notebooks/NN-name.py, kept for review in
#: diffs), so a learner sees each notebook once.
JUPYTER_CONFIG_DIR = Path(__file__).resolve().parent / "jupyter"


def lab_env() -> dict[str, str]:
    """The environment of JupyterLab and its kernels: the lab kubeconfig, nothing else."""
    env = dict(os.environ)
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        p for p in (str(JUPYTER_CONFIG_DIR), env.get("JUPYTER_CONFIG_PATH", "")) if p)
    env["KUBECONFIG"] = str(_target.kubeconfig())   # a workshop attendee's file, if given
    env["K8SLAB_STATE"] = str(state_dir())
    # helm in a JupyterLab terminal shares the folders of the k8slab.helm wrapper.
    for kind in ("CACHE", "CONFIG", "DATA"):
        env[f"HELM_{kind}_HOME"] = str(state_dir() / "helm" / kind.lower())
    helm = _tools.find("helm")
    kubectl = _tools.find("kubectl")
    extra = [str(p.parent) for p in (kubectl, helm) if p]
    env["PATH"] = os.pathsep.join([*dict.fromkeys(extra), env.get("PATH", "")])
    return env


def lab_command(port: int, ip: str, notebook: str | None, root_dir: str | None = None
                ) -> list[str]:
    """The jupyter command line ``k8slab lab`` runs (unit-tested)."""
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser",
           f"--ServerApp.ip={ip}", f"--ServerApp.port={port}",
           "--ServerApp.port_retries=0",
           f"--ServerApp.root_dir={root_dir or PROJECT_ROOT / 'notebooks'}"]
    if notebook:
        cmd.append(f"--LabApp.default_url=/lab/tree/{notebook}")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers (Binder, CI) often run as root
    return cmd


def first_notebook(root: Path, lang: str) -> str | None:
    """The notebook JupyterLab opens on: ``01-…`` of the chosen edition, relative to ``root``.

    The French edition lives in ``fr/`` under the same names; the English one
    at the top. Raises when the edition is asked for and missing, rather than
    opening the other language without a word.

    Example:
        >>> first_notebook(PROJECT_ROOT / "notebooks", "fr")     # doctest: +SKIP
        'fr/01-getting-started.ipynb'
    """
    folder = root / edition_folder(lang)
    first = sorted(p.name for p in folder.glob("01*.ipynb"))
    if lang != DEFAULT and not first:
        raise K8sLabError(f"There is no {lang!r} edition of the notebooks in {folder}.",
                          "Open the English one: `k8slab lab --lang en` (or point --root-dir "
                          "at a copy of the course that has notebooks/fr/).")
    return edition_path(lang, first[0]) if first else None


def _wait_for_jupyter(proc: subprocess.Popen, port: int, token: str,
                      timeout: float = 60) -> bool:
    """Wait until JupyterLab answers its API (or stops): the banner must be true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}",
                                        timeout=2):
                return True
        except OSError:
            time.sleep(0.3)
    return False


def lab_banner(ip: str, port: int, token: str, notebook: str | None,
               started_cluster: bool) -> str:
    """The one screen a learner needs once JupyterLab answers (unit-tested).

    Example:
        >>> print(lab_banner("127.0.0.1", 8888, "t0k", "01-getting-started.ipynb", True))
        ... # doctest: +ELLIPSIS
        <BLANKLINE>
          The course is open: http://127.0.0.1:8888/lab/tree/01-getting-started.ipynb?token=t0k
        ...
    """
    host = "127.0.0.1" if ip in ("0.0.0.0", "") else ip
    path = f"lab/tree/{notebook}" if notebook else "lab"
    venv_bin = Path(sys.executable).parent
    stops = "JupyterLab and the lab cluster" if started_cluster else "JupyterLab"
    rule = "-" * 72
    return "\n".join([
        "",
        f"  The course is open: http://{host}:{port}/{path}?token={token}",
        f"  {rule}",
        f"  Stop: Ctrl-C here (stops {stops}).",
        "  In another terminal, k8slab and the lab's own kubectl:",
        f"      source {venv_bin / 'activate'}",
        f"      export KUBECONFIG={_target.kubeconfig()}",
        "      k8slab status; kubectl get nodes",
        "",
    ])


def cmd_lab(args: argparse.Namespace) -> int:
    root = course_folder(args.root_dir, getattr(args, "course", None))
    started_cluster = False
    attendee = _target.attendee_kubeconfig() is not None
    record = None if attendee else ClusterRecord.load()
    if not attendee and (record is None or not record_answers(record)):
        if not args.up and record is not None:
            raise ClusterUnavailable(
                f"The recorded {record.engine} lab cluster does not answer (a run that was "
                "killed left its record behind).",
                "Start a new one with `k8slab up` (it cleans up the old one), then "
                "`k8slab lab`; or both at once: `k8slab lab --up`.")
        if not args.up:
            raise no_cluster_error()
        up(args.engine, next_steps=False)
        started_cluster = True
    if port_in_use(args.port, "127.0.0.1"):
        raise K8sLabError(f"Port {args.port} is already in use, so JupyterLab cannot start.",
                          f"Pick another one: `k8slab lab --port {args.port + 1}`.")
    notebook = first_notebook(root, args.lang)
    cmd = lab_command(args.port, args.ip, notebook, str(root))
    token = args.token if args.token is not None else secrets.token_hex(24)
    cmd.append(f"--IdentityProvider.token={token}")
    log = logs_dir() / "jupyterlab.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    _print(f"k8slab: starting JupyterLab (its log: {log})...")
    # Kernels learn the edition from the notebook's own folder; K8SLAB_LANG is
    # what anything else started from this lab (a terminal, papermill) speaks.
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, env={**lab_env(), "K8SLAB_LANG": args.lang},
                                stdout=out, stderr=subprocess.STDOUT)
    if _wait_for_jupyter(proc, args.port, token):
        _print(lab_banner(args.ip, args.port, token, notebook, started_cluster))
    else:
        _print(f"k8slab: JupyterLab did not answer on port {args.port}; its log: {log}")

    def stop_on_term(signum: int, frame: object) -> None:
        # `kill` or a test harness's terminate() must stop JupyterLab too, not orphan it.
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop_on_term)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        stop_process(proc, grace=15, sig=signal.SIGINT)
        return 0
    finally:
        stop_process(proc, grace=20)
        if started_cluster:
            down(args.engine)


def cmd_images(args: argparse.Namespace) -> int:
    """``k8slab images [list|build|load]``: the course's locally made images."""
    if args.action == "build":
        _images.build_all(force=args.force, on_demand=True)
        _print("k8slab: every course image is built; `k8slab images load` puts them in "
               "the running cluster.")
    elif args.action == "load":
        record = ClusterRecord.load()
        if record is None:
            raise no_cluster_error()
        socket = record.extra.get("containerd_socket")
        _images.load_all(record.engine, containerd_socket=Path(socket) if socket else None,
                         on_demand=True)
    rows = _images.describe()
    width = max(len(r["image"]) for r in rows)
    _print(f"{'IMAGE':<{width}}  BUILT  MADE FROM")
    for row in rows:
        _print(f"{row['image']:<{width}}  {'yes' if row['built'] else 'no ':<5}  "
               f"{row['made from']}")
    _print("Every image is made on this machine from Debian packages or Go source "
           "(labels say so); none is pulled from a registry.")
    return 0


#: The ``workshop`` line of ``k8slab --help``, shown without loading the workshop modules.
WORKSHOP_HELP = "one namespace and kubeconfig per attendee on a shared cluster"


def course_folder(root_dir: str | None, course: str | None) -> Path:
    """The folder `k8slab lab` serves: as named, else a course copy here, else the checkout's.

    An installed k8slab (pip, pipx) has no project folder to open: the learner
    makes a copy with ``k8slab course DIR`` first, and this says so.
    """
    if root_dir:
        return Path(root_dir)
    if course:
        folder = Path(course).expanduser().absolute()
        if not is_course_copy(folder):
            raise K8sLabError(f"{folder} holds no copy of the course.",
                              f"Make one first: `k8slab course {course}`, then "
                              f"`k8slab lab --course {course}`.")
        return folder
    here = Path.cwd()
    if is_course_copy(here):
        return here
    if IN_CHECKOUT:
        return PROJECT_ROOT / "notebooks"
    raise K8sLabError("There is no copy of the course in this folder, and this k8slab was "
                      "installed (pip, pipx), so it has no project folder to open.",
                      "Put the course where you want it, then open it: `k8slab course "
                      "~/k8s-course`, then `k8slab lab --course ~/k8s-course` (or run "
                      "`k8slab lab` in that folder).")


def cmd_course(args: argparse.Namespace) -> int:
    """``k8slab course DIR``: the learner's own copy of the notebooks and manifests."""
    done = copy_course(args.folder, force=args.force)
    _print(f"k8slab: the course: {done.summary()}.")
    if done.overwritten:
        _print(f"k8slab: overwrote your changes to: {', '.join(done.overwritten)}")
    _print(f"Next: `k8slab lab --up --course {args.folder}` (starts the cluster and "
           "JupyterLab on the first notebook; `--lang fr` for the French edition).")
    return 0


def add_course_parser(sub: argparse._SubParsersAction) -> None:
    course = sub.add_parser("course", help="copy the course (notebooks, both editions, and "
                                           "manifests) into a folder of yours",
                            **with_examples("k8slab course ~/k8s-course",
                                            "k8slab lab --up --course ~/k8s-course"))
    course.add_argument("folder", metavar="DIR", help="where the course goes (made if missing)")
    course.add_argument("--force", action="store_true",
                        help="overwrite course files you changed there (your changes are lost)")
    course.set_defaults(func=cmd_course)


def build_parser(*, workshop: bool = True, prog: str = "k8slab") -> argparse.ArgumentParser:
    """The command line; ``workshop=False`` only names the workshop command.

    Why: the workshop's commands live in :mod:`k8slab.workshop`, which loads
    pandas and matplotlib for its progress view; ``k8slab --help``,
    ``k8slab up`` and the rest should not pay for that. :func:`main` loads
    them when the command line says ``workshop`` (or asks for completion).
    """
    parser = argparse.ArgumentParser(
        prog=prog, description=DESCRIPTION,
        **with_examples("k8slab up", "k8slab lab", "k8slab check 05.scale", "k8slab down",
                        note="Exit status: 0 done, 1 failed, 2 wrong command line. "
                             "Each command has its own --help."))
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    up = sub.add_parser("up", help="start the lab cluster",
                        **with_examples("k8slab up                     # kwok, 2 simulated nodes",
                                        "k8slab up --nodes 3",
                                        "sudo k8slab up --engine host  # a real node (Linux)",
                                        "k8slab up --engine existing --context kind-kind"))
    up.add_argument("--engine", default="kwok", choices=[*ENGINES, "auto"],
                    help="kwok (embedded, default), host (a real node here: Linux, root), "
                         "kind, minikube, existing, or auto")
    up.add_argument("--nodes", type=int, default=2, help="worker nodes (default 2)")
    up.add_argument("--port", type=int, default=None, help="kwok: API server port (36443)")
    up.add_argument("--download", action="store_true",
                    help="kwok: let kwokctl download official binaries (needs internet)")
    up.add_argument("--kubeconfig", help="existing: the kubeconfig to adopt a context from")
    up.add_argument("--context", help="existing: the context to adopt")
    up.set_defaults(func=cmd_up)

    down = sub.add_parser("down", help="stop the lab cluster and remove its processes",
                          **with_examples("k8slab down"))
    down.add_argument("--engine", default="auto", choices=[*ENGINES, "auto"])
    down.set_defaults(func=cmd_down)

    status = sub.add_parser("status", help="engine, context, API server, nodes, versions",
                            **with_examples("k8slab status", "k8slab status -o json"))
    add_output_option(status)
    status.set_defaults(func=cmd_status)

    version = sub.add_parser(
        "version", help="k8slab's, Kubernetes' and each tool's version, and where it comes from",
        **with_examples("k8slab version", "k8slab version -o yaml",
                        note="Nothing is downloaded or run: `k8slab tools --check` asks each "
                             "binary for its own version."))
    add_output_option(version)
    version.set_defaults(func=cmd_version)

    lab = sub.add_parser("lab", help="JupyterLab on the course, with the lab kubeconfig",
                         **with_examples("k8slab lab --up            # start the cluster too",
                                         "k8slab lab --lang fr",
                                         "k8slab lab --course ~/k8s-course --port 8890"))
    lab.add_argument("--up", action="store_true",
                     help="start the cluster first if needed, and stop it on exit")
    lab.add_argument("--engine", default="kwok", choices=[*ENGINES, "auto"])
    lab.add_argument("--port", type=int, default=8888)
    lab.add_argument("--ip", default="127.0.0.1",
                     help="address to listen on (default 127.0.0.1, this machine only)")
    lab.add_argument("--token", default=None, help="JupyterLab token (default: random)")
    lab.add_argument("--root-dir", default=None,
                     help="folder JupyterLab serves (default: the course's notebooks/)")
    lab.add_argument("--course", default=None, metavar="DIR",
                     help="your copy of the course, made by `k8slab course DIR` (default: "
                          "this folder if it holds one, else the checkout's notebooks/)")
    lab.add_argument("--lang", choices=list(LANGUAGES),
                     default=known_language(os.environ.get("K8SLAB_LANG")) or "en",
                     help="the course's edition to open: en (notebooks/) or fr (notebooks/fr/); "
                          "default: $K8SLAB_LANG, else en")
    lab.set_defaults(func=cmd_lab)

    check = sub.add_parser(
        "check", help="run exercise checks from a terminal: the notebook's cards, exit 1 "
                      "when one does not pass",
        **with_examples("k8slab check 05.scale",
                        "k8slab check 05.                 # every exercise of notebook 05",
                        "k8slab check 05.scale --namespace attendee-03",
                        "k8slab check --list",
                        "kubectl lab check 05.scale       # the same, as a kubectl plugin",
                        note="The namespace is --namespace, else $K8SLAB_NAMESPACE, else the "
                             "notebook's own (nb05-deployments for 05.*). The cards speak "
                             "$K8SLAB_LANG (en, fr)."))
    check.add_argument("ids", nargs="*", metavar="ID",
                       help="exercise ids (05.scale) or a notebook's prefix (05.); "
                            "default: every exercise")
    check.add_argument("-n", "--namespace", default=None,
                       help="the namespace to check (default: see below)")
    check.add_argument("--list", action="store_true",
                       help="only list the exercises and their titles, check nothing")
    add_output_option(check)
    check.set_defaults(func=cmd_check)

    tools = sub.add_parser("tools", help="download, build or locate the lab's binaries, "
                                         "show versions",
                           **with_examples("k8slab tools                  # every tool",
                                           "k8slab tools kubectl helm",
                                           "k8slab tools --check -o json  # build nothing"))
    tools.add_argument("names", nargs="*", metavar="TOOL", help="tools to build (default: all)")
    tools.add_argument("--all", action="store_true", help="every tool this platform can run")
    tools.add_argument("--check", action="store_true", help="only show, build nothing")
    add_output_option(tools)
    tools.set_defaults(func=cmd_tools)

    images = sub.add_parser("images", help="the course's images: list, build (offline), "
                                           "load into the cluster",
                            **with_examples("k8slab images", "k8slab images build",
                                            "k8slab images load"))
    images.add_argument("action", nargs="?", default="list", choices=["list", "build", "load"])
    images.add_argument("--force", action="store_true", help="build: make them again")
    images.set_defaults(func=cmd_images)

    add_course_parser(sub)
    add_flux(sub)

    completion = sub.add_parser(
        "completion", help="a shell completion script: bash or zsh",
        **with_examples("source <(k8slab completion bash)          # this bash session",
                        "k8slab completion bash > ~/.local/share/bash-completion/completions/"
                        "k8slab",
                        "k8slab completion zsh > \"${fpath[1]}/_k8slab\"  # zsh, then compinit"))
    completion.add_argument("shell", choices=SHELLS)
    completion.set_defaults(func=cmd_completion)

    if not workshop:
        sub.add_parser("workshop", help=WORKSHOP_HELP)
        return parser
    try:
        from k8slab.workshop import add_parser as add_workshop
    except ImportError as exc:  # a broken install: say so rather than hide the command
        raise K8sLabError(
            f"The workshop commands could not be loaded ({type(exc).__name__}: {exc}).",
            "k8slab or one of its dependencies is installed incompletely: reinstall it "
            "(`pip install -e '.[lab]'` in the course folder, or `./run setup`), then "
            "run the command again.") from exc
    add_workshop(sub)
    return parser


def main(argv: list[str] | None = None, *, prog: str = "k8slab") -> int:
    """Run one command line; the exit status as kubectl's: 0 done, 1 failed, 2 bad usage.

    Why 1 for every :class:`K8sLabError`: scripts and CI tell "the command line
    is wrong" (argparse exits 2 itself, before anything runs) from "it ran and
    failed"; a shared 2 hid which one happened.
    """
    try:
        words = sys.argv[1:] if argv is None else argv
        wants_workshop = "workshop" in words or "completion" in words
        args = build_parser(workshop=wants_workshop, prog=prog).parse_args(argv)
        return args.func(args)
    except K8sLabError as exc:
        print(f"{prog}: error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  -> {exc.hint}", file=sys.stderr)
        return FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _reader_went_away()


def kubectl_plugin() -> int:
    """``kubectl lab ...``: the ``kubectl-lab`` entry point, kubectl's plugin convention.

    kubectl runs any ``kubectl-<name>`` on PATH for ``kubectl <name>``, so
    ``kubectl lab check 05.scale`` is ``k8slab check 05.scale``, named as typed.
    """
    return main(prog="kubectl lab")


def _reader_went_away() -> int:
    """``k8slab status | head -3``: the reader stopped reading, which is not an error of ours.

    The output goes to /dev/null from here on, or Python's final flush of stdout
    would fail again at exit. Exit 141 (128 + SIGPIPE), as a Unix tool killed by
    the signal does. SIGPIPE itself stays ignored (Python's default): dying of
    it would also kill ``k8slab lab`` or a port-forward whose peer hung up.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 128 + signal.SIGPIPE


if __name__ == "__main__":
    sys.exit(main())
