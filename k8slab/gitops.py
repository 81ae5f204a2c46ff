"""GitOps with Flux: the learner's git repository, and windows onto what Flux does.

Flux's source-controller and kustomize-controller do the GitOps work for real
in notebook 13: they clone the repository, build the kustomize overlay, apply
it by server-side apply, prune what left git and put back what was changed by
hand (:mod:`k8slab._runners.flux` runs them as local processes beside the lab's
control plane, with the git server they pull from). What is left here is
what Flux does not do:

* :class:`GitRepo`: the learner's working copy, driven with the real ``git``
  (commit, log, show, revert, push to the lab's git server);
* :func:`render` and :func:`summary`: ``kubectl kustomize`` on a folder, to
  see what an overlay becomes before committing it;
* :func:`start_flux` / :func:`stop_flux`, and the two Flux objects the lesson
  applies (:func:`git_repository`, :func:`kustomization`);
* tables in the shape of ``flux get sources git``, ``flux get
  kustomizations``, ``flux tree`` and ``flux logs`` (:func:`history`), :func:`reconcile`
  (``flux reconcile``), :func:`wait_applied` and :func:`owner`, to see
  who last set a field: a person or Flux.

Example:
    >>> from k8slab import gitops
    >>> flux = gitops.start_flux("demo")                                 # doctest: +SKIP
    >>> repo = gitops.GitRepo.create(); repo.add_tree("13-gitops")       # doctest: +SKIP
    >>> repo.commit("first"); repo.push(flux.new_remote("app"))          # doctest: +SKIP
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from k8slab._base import display as _display
from k8slab._base.paths import PROJECT_ROOT, logs_dir
from k8slab._binaries import catalog as _tools
from k8slab._core.resources import dynamic, find, list_, resource_for
from k8slab._core.wait import wait
from k8slab._runners.githttp import init_bare
from k8slab.errors import ApiError, K8sLabError, ManifestError

__all__ = [
    "APP", "FLUX_MANAGER", "SOURCE", "Flux", "GitRepo", "field_owner", "git_repository",
    "history", "inventory", "inventory_of", "key", "kustomization", "kustomizations",
    "owner", "parse_inventory_id", "passes", "ready_condition", "reconcile", "release",
    "render", "same_commit", "short", "sources", "start_flux", "status_row",
    "stop_flux", "summary", "wait_applied",
]

SOURCE_API = "source.toolkit.fluxcd.io/v1"
KUSTOMIZE_API = "kustomize.toolkit.fluxcd.io/v1"
#: The names the lesson gives its GitRepository and its Kustomization.
SOURCE = "course"
APP = "dev"
#: The field manager kustomize-controller applies with.
FLUX_MANAGER = "kustomize-controller"
REQUESTED_AT = "reconcile.fluxcd.io/requestedAt"


def _echo(command: list[str]) -> None:
    """Show a command line the way lab calls show their kubectl equivalent."""
    if not _display._showing():
        return
    text = "$ " + " ".join(shlex.quote(c) for c in command)
    if _display.in_notebook():
        from IPython.display import HTML, display

        display(HTML('<div style="font-family:monospace;font-size:85%;color:#555">'
                     f"{html.escape(text)}</div>"), metadata={"k8slab": "command"})
    else:
        print(text)


# ---------------------------------------------------------------------------
# The git repository


class GitRepo:
    """A local git repository driven with the ``git`` binary.

    Git runs with an empty configuration of its own (no global hooks, no
    signing, a fixed author), so the course behaves the same on every machine
    and never touches the learner's own git settings.

    Args:
        path: the repository's working folder.

    Example:
        >>> repo = GitRepo.create()                       # doctest: +SKIP
        >>> repo.write("hello.txt", "hi\\n"); repo.commit("hello")  # doctest: +SKIP
        'a1b2c3d'
    """

    AUTHOR = ("k8slab learner", "learner@k8slab.invalid")

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).resolve()
        self._temporary = False

    @classmethod
    def create(cls, path: str | Path | None = None, *, prefix: str = "") -> GitRepo:
        """``git init`` a new repository (default: a fresh temporary folder).

        Raises:
            ToolMissing: git is not installed.
        """
        temporary = path is None
        folder = Path(tempfile.mkdtemp(prefix=f"k8slab-gitops-{prefix}")) if path is None \
            else Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        repo = cls(folder)
        repo._temporary = temporary
        repo.git("init", "--quiet", "--initial-branch=main")
        return repo

    def _env(self) -> dict[str, str]:
        name, email = self.AUTHOR
        return {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
                "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email,
                "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}

    def git(self, *args: str, quiet: bool = False, binary: bool = False) -> Any:
        """Run ``git ARGS`` in the repository and return its standard output.

        Raises:
            ToolMissing: git is not installed.
            K8sLabError: git failed (its own message is included).
        """
        exe = shutil.which("git")
        if exe is None:
            from k8slab.errors import ToolMissing

            raise ToolMissing("This notebook needs the `git` program, which is not installed.",
                              "Install git (e.g. `apt-get install git`), then re-run the cell.")
        if not quiet:
            _echo(["git", *args])
        proc = subprocess.run([exe, *args], cwd=self.path, env=self._env(),
                              capture_output=True, text=not binary, timeout=60)
        if proc.returncode != 0:
            err = proc.stderr if not binary else proc.stderr.decode(errors="replace")
            raise K8sLabError(f"`git {' '.join(args)}` failed: {err.strip()}",
                              "Read git's message above; `repo.status()` shows the working tree.")
        return proc.stdout

    # -- files --------------------------------------------------------------

    def add_tree(self, source: str | Path, dest: str = ".") -> list[str]:
        """Copy a folder (e.g. ``manifests/13-gitops``) into the repository; list the files."""
        src = _find_dir(source)
        target = (self.path / dest).resolve()
        shutil.copytree(src, target, dirs_exist_ok=True)
        return sorted(str((target / p.relative_to(src)).relative_to(self.path))
                      for p in src.rglob("*") if p.is_file())

    def read(self, file: str) -> str:
        """The text of a file of the working tree."""
        return (self.path / file).read_text()

    def write(self, file: str, text: str) -> None:
        """Create or overwrite a file of the working tree (commit it to publish it)."""
        target = self.path / file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def replace(self, file: str, old: str, new: str) -> None:
        """Edit a file: replace the text ``old`` (which must appear exactly once) by ``new``.

        Raises:
            K8sLabError: ``old`` is absent or ambiguous, so the edit would be a guess.
        """
        text = self.read(file)
        count = text.count(old)
        if count != 1:
            raise K8sLabError(f"{file} contains {old!r} {count} times; expected exactly once.",
                              f"Look at the file first: print(repo.read({file!r})).")
        self.write(file, text.replace(old, new))

    def remove(self, file: str) -> None:
        """Delete a file from the working tree (commit to publish the deletion)."""
        (self.path / file).unlink()

    def files(self) -> list[str]:
        """The files git tracks at HEAD."""
        return self.git("ls-files", quiet=True).split()

    # -- history ------------------------------------------------------------

    def commit(self, message: str) -> str:
        """Stage every change (``git add --all``) and commit it; return the short id."""
        self.git("add", "--all", quiet=True)
        self.git("commit", "--quiet", "-m", message)
        return self.head()

    def head(self) -> str:
        """The short id of the current commit."""
        return self.git("rev-parse", "--short", "HEAD", quiet=True).strip()

    def status(self) -> str:
        """``git status --short``: what changed and is not committed yet."""
        return self.git("status", "--short", quiet=True)

    def log(self, n: int = 10) -> pd.DataFrame:
        """The last ``n`` commits, newest first: id and message."""
        out = self.git("log", f"-n{n}", "--format=%h%x09%s", quiet=True)
        rows = [line.split("\t", 1) for line in out.splitlines() if line]
        return pd.DataFrame(rows, columns=["commit", "message"])

    def show(self, revision: str = "HEAD") -> str:
        """What a commit changed (``git show``), as text."""
        return self.git("show", "--format=commit %h%n%n    %s%n", revision)

    def revert(self, revision: str) -> str:
        """Undo a commit with a new commit (``git revert``); return the new commit's id.

        History is never rewritten: the mistake and its undoing both stay in the
        log, which is the audit trail GitOps relies on.
        """
        self.git("revert", "--no-edit", revision)
        return self.head()

    def push(self, url: str | None = None) -> str:
        """``git push`` the branch ``main`` to ``origin`` (first set to ``url``); return HEAD.

        Pushing is what publishes a commit: Flux reads the server, never this
        working copy.
        """
        if url is not None:
            remotes = self.git("remote", quiet=True).split()
            self.git("remote", "set-url" if "origin" in remotes else "add", "origin", url,
                     quiet=True)
        self.git("push", "--quiet", "origin", "main")
        return self.head()

    def full_head(self) -> str:
        """The full id of the current commit (what Flux reports, ``main@sha1:<id>``)."""
        return self.git("rev-parse", "HEAD", quiet=True).strip()

    def delete(self) -> None:
        """Remove the repository folder (only one :meth:`create` made in the temp folder)."""
        if not self._temporary:
            raise K8sLabError(f"Refusing to delete {self.path}: k8slab did not create it.",
                              "Delete it yourself if you really mean it.")
        shutil.rmtree(self.path, ignore_errors=True)

    def __repr__(self) -> str:
        return f"GitRepo({str(self.path)!r})"


def _find_dir(source: str | Path) -> Path:
    for candidate in (Path(source), PROJECT_ROOT / source, PROJECT_ROOT / "manifests" / source):
        if candidate.is_dir():
            return candidate
    raise ManifestError(f"Folder {str(source)!r} not found.",
                        "Course manifests live in the manifests/ folder of the project.")


# ---------------------------------------------------------------------------
# Rendering


def render(directory: str | Path, *, echo: bool = True) -> list[dict]:
    """Run ``kubectl kustomize DIRECTORY`` and return the objects it produces.

    Uses the lab's own kubectl (:func:`k8slab._binaries.catalog.locate`), which embeds
    kustomize and needs no network.

    Args:
        directory: a folder with a ``kustomization.yaml``.
        echo: show the command line in the notebook (the loop's thread does not).

    Raises:
        ManifestError: kustomize refused the folder (its message says why).
    """
    kubectl = _tools.locate("kubectl")
    if echo:
        _echo(["kubectl", "kustomize", str(directory)])
    proc = subprocess.run([str(kubectl), "kustomize", str(directory)], capture_output=True,
                          text=True, timeout=60)
    if proc.returncode != 0:
        raise ManifestError(f"kustomize could not build {directory}: {proc.stderr.strip()}",
                            "Check the kustomization.yaml of that folder and the files it lists.")
    return [d for d in yaml.safe_load_all(proc.stdout) if d]


def key(obj: dict) -> str:
    """``Kind/name`` of an object: how the loop identifies what it manages."""
    return f"{obj['kind']}/{obj['metadata']['name']}"


def summary(objects: Iterable[dict]) -> pd.DataFrame:
    """A short table of rendered objects: kind, name, replicas, images, data keys."""
    rows = []
    for o in objects:
        spec = o.get("spec") or {}
        pod = ((spec.get("template") or {}).get("spec") or {})
        rows.append({
            "kind": o["kind"], "name": o["metadata"]["name"],
            "replicas": spec.get("replicas", "") if "replicas" in spec else "",
            "images": ", ".join(c.get("image", "") for c in pod.get("containers") or []),
            "data": ", ".join(f"{k}={v}" for k, v in (o.get("data") or {}).items()),
        })
    return pd.DataFrame(rows, columns=["kind", "name", "replicas", "images", "data"])




# ---------------------------------------------------------------------------
# Flux: start, stop, the two objects


@dataclass
class Flux:
    """The running Flux controllers and git server of this lab (see :func:`start_flux`)."""

    namespace: str
    git_url: str
    git_root: Path
    versions: dict[str, str]
    processes: dict[str, dict]

    def new_remote(self, name: str) -> str:
        """A fresh, empty repository ``NAME.git`` on the git server; its URL.

        A repository left by an earlier run of the notebook is replaced, so
        that every run starts from an empty history.
        """
        path = self.git_root / f"{name}.git"
        shutil.rmtree(path, ignore_errors=True)
        init_bare(path)
        return f"{self.git_url}/{name}.git"

    def components(self) -> pd.DataFrame:
        """What runs: component, version, pid, where it listens (all on 127.0.0.1)."""
        rows = []
        for name, proc in self.processes.items():
            ports = {k: v for k, v in proc.items() if k in ("port", "storage", "health",
                                                             "metrics")}
            version = self.versions.get(name) or f"git {_git_version()}"
            rows.append({"component": name, "version": version, "pid": proc["pid"],
                         "listens": ", ".join(f"{k} 127.0.0.1:{v}" for k, v in ports.items())})
        return pd.DataFrame(rows, columns=["component", "version", "pid", "listens"])

    def _repr_html_(self) -> str:
        return (f"<b>Flux</b> watching namespace <code>{html.escape(self.namespace)}</code>"
                + self.components().to_html(index=False))

    def __repr__(self) -> str:
        return f"Flux watching {self.namespace!r}\n{self.components().to_string(index=False)}"


def _git_version() -> str:
    git = shutil.which("git")
    if git is None:
        return "?"
    out = subprocess.run([git, "--version"], capture_output=True, text=True).stdout
    return out.split()[-1] if out else "?"


def start_flux(namespace: str) -> Flux:
    """Start Flux's controllers (watching ``namespace``) and the lab's git server.

    Builds the controllers the first time (a few minutes, cached by version),
    installs their CRDs, and starts everything as processes of this machine;
    an already running set for the same namespace is reused.

    Raises:
        ToolMissing: the controllers cannot be built here (no Go).
        K8sLabError: a controller did not start (its log is quoted).
    """
    # Lazy on purpose: `import k8slab` loads no entry-point code (processes, binaries).
    from k8slab._runners import flux as _flux

    _echo(["k8slab", "flux", "start", namespace])
    state = _flux.start(namespace)
    return Flux(namespace, state["git_url"], Path(state["git_root"]), state["versions"],
                state["processes"])


def stop_flux() -> list[str]:
    """Stop the controllers and the git server (``k8slab flux stop``); list what stopped."""
    from k8slab._runners import flux as _flux

    _echo(["k8slab", "flux", "stop"])
    return _flux.stop()


def release(namespace: str) -> list[str]:
    """Drop the finalizers of Flux objects no running controller serves, as ``flux uninstall`` does.

    Why: a Kustomization or GitRepository keeps a finalizer until its
    controller has cleaned up; after an interrupted run (Flux stopped, objects
    left), deleting the namespace would wait for ever. Objects of a namespace
    that Flux is watching right now are left alone.

    Returns:
        ``Kind/name`` of the objects released.
    """
    from k8slab._runners import (
        flux as _flux,  # entry-point layer, loaded only when asked (see start_flux)
    )

    state = _flux.load_state()
    if state and state["namespace"] == namespace and _flux.running(state):
        return []
    released = []
    for kind, api in (("Kustomization", KUSTOMIZE_API), ("GitRepository", SOURCE_API)):
        try:
            items = list_(kind, namespace, api_version=api)
        except ApiError:
            continue  # the CRD is not installed: nothing of Flux's can be there
        for obj in items:
            if obj["metadata"].get("finalizers"):
                dynamic().patch(resource_for(kind, api), name=obj["metadata"]["name"],
                                namespace=namespace, body={"metadata": {"finalizers": None}},
                                content_type="application/merge-patch+json")
                released.append(f"{kind}/{obj['metadata']['name']}")
    return released


def git_repository(url: str, *, name: str = SOURCE, interval: str = "10s",
                   branch: str = "main") -> dict:
    """A Flux ``GitRepository``: the repository and branch source-controller fetches, how often."""
    return {"apiVersion": SOURCE_API, "kind": "GitRepository", "metadata": {"name": name},
            "spec": {"url": url, "ref": {"branch": branch}, "interval": interval}}


def kustomization(path: str, target_namespace: str, *, name: str = APP, source: str = SOURCE,
                  interval: str = "10s", prune: bool = True) -> dict:
    """A Flux ``Kustomization``: which folder of the source to build and apply, where, how often.

    ``interval`` is also how often drift is corrected; ``prune`` deletes what
    left the repository (Flux remembers what it applied in ``status.inventory``).
    """
    return {"apiVersion": KUSTOMIZE_API, "kind": "Kustomization", "metadata": {"name": name},
            "spec": {"sourceRef": {"kind": "GitRepository", "name": source}, "path": path,
                     "targetNamespace": target_namespace, "interval": interval,
                     "prune": prune}}


# ---------------------------------------------------------------------------
# Looking at Flux


def short(revision: str | None) -> str:
    """``main@sha1:0123456`` for Flux's ``main@sha1:<40 hex>`` (empty stays empty).

    Example:
        >>> short("main@sha1:0123456789abcdef0123456789abcdef01234567")
        'main@sha1:0123456'
    """
    if not revision:
        return ""
    head, sep, digest = revision.rpartition(":")
    return f"{head}{sep}{digest[:7]}" if sep else revision[:7]


def same_commit(revision: str | None, commit: str) -> bool:
    """Flux's ``main@sha1:<id>`` names ``commit`` (full or abbreviated id).

    Example:
        >>> same_commit("main@sha1:0123456789abcdef", "0123456")
        True
    """
    digest = (revision or "").rpartition(":")[2]
    return bool(digest and commit) and (digest.startswith(commit) or commit.startswith(digest))


def ready_condition(obj: dict | None) -> dict:
    """The ``Ready`` condition of a Flux object (empty when it has none yet)."""
    for cond in ((obj or {}).get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return cond
    return {}


def status_row(obj: dict) -> dict:
    """One line of ``flux get``: name, revision, suspended, ready, message."""
    status = obj.get("status") or {}
    revision = (status.get("artifact") or {}).get("revision") or status.get(
        "lastAppliedRevision") or ""
    ready = ready_condition(obj)
    return {"name": obj["metadata"]["name"], "revision": short(revision),
            "suspended": bool((obj.get("spec") or {}).get("suspend", False)),
            "ready": ready.get("status", "Unknown"), "message": ready.get("message", "")}


_COLUMNS = ["name", "revision", "suspended", "ready", "message"]


def sources(namespace: str) -> pd.DataFrame:
    """``flux get sources git``: each GitRepository, the revision it fetched, Ready."""
    _echo(["flux", "get", "sources", "git", "-n", namespace])
    rows = [status_row(o) for o in list_("GitRepository", namespace, api_version=SOURCE_API)]
    return pd.DataFrame(rows, columns=_COLUMNS)


def kustomizations(namespace: str) -> pd.DataFrame:
    """``flux get kustomizations``: each Kustomization, the revision it applied, Ready."""
    _echo(["flux", "get", "kustomizations", "-n", namespace])
    rows = [status_row(o) for o in list_("Kustomization", namespace,
                                         api_version=KUSTOMIZE_API)]
    return pd.DataFrame(rows, columns=_COLUMNS)


def parse_inventory_id(entry: str) -> dict:
    """Split an inventory id ``<namespace>_<name>_<group>_<kind>`` (Flux's format).

    Example:
        >>> parse_inventory_id("demo_web_apps_Deployment")
        {'kind': 'Deployment', 'name': 'web', 'namespace': 'demo', 'group': 'apps'}
    """
    namespace, name, group, kind = entry.split("_")
    return {"kind": kind, "name": name, "namespace": namespace, "group": group}


def inventory_of(obj: dict | None) -> list[str]:
    """``Kind/name`` of every object a Kustomization applied (its ``status.inventory``)."""
    entries = (((obj or {}).get("status") or {}).get("inventory") or {}).get("entries") or []
    return sorted(f"{p['kind']}/{p['name']}" for p in
                  (parse_inventory_id(e["id"]) for e in entries))


def inventory(namespace: str, name: str = APP) -> pd.DataFrame:
    """``flux tree kustomization NAME``: the objects Flux applied and will prune."""
    _echo(["flux", "tree", "kustomization", name, "-n", namespace])
    obj = find("Kustomization", name, namespace, api_version=KUSTOMIZE_API)
    entries = (((obj or {}).get("status") or {}).get("inventory") or {}).get("entries") or []
    rows = [parse_inventory_id(e["id"]) for e in entries]
    return pd.DataFrame(rows, columns=["kind", "name", "namespace", "group"])


def _log_records(path: Path) -> list[dict]:
    """The JSON lines of a controller's log (other lines, like the command line, skipped)."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    records = []
    for line in lines:
        if line.startswith("{"):
            try:
                records.append(json.loads(line))
            except ValueError:
                continue
    return records


def passes(records: Iterable[dict], namespace: str, name: str = APP,
           since: str = "") -> list[dict]:
    """kustomize-controller's passes over one Kustomization, read from its log lines.

    Each ``server-side apply completed`` line is one pass: the revision it
    applied and what changed (``Deployment/web configured``...); a garbage
    collection line adds what was pruned. The reason is ours: ``new revision``
    when the revision changed, ``drift corrected`` when the same revision had
    to be applied again, ``in sync`` when nothing changed.

    Example:
        >>> line = {"ts": "2026-01-01T00:00:01Z", "msg": "server-side apply completed",
        ...         "Kustomization": {"name": "dev", "namespace": "demo"},
        ...         "revision": "main@sha1:0123456789", "output": {
        ...             "Deployment/demo/web": "configured", "Service/demo/web": "unchanged"}}
        >>> passes([line], "demo")[0]["changes"]
        ['Deployment/web configured']
    """
    rows: list[dict] = []
    last_revision = None
    for rec in records:
        if rec.get("Kustomization") != {"name": name, "namespace": namespace}:
            continue
        if str(rec.get("ts", ""))[:19] < since[:19]:
            continue
        msg = str(rec.get("msg", ""))
        if msg == "server-side apply completed":
            revision = rec.get("revision") or ""
            changes = [f"{ref.split('/')[0]}/{ref.split('/')[-1]} {action}"
                       for ref, action in (rec.get("output") or {}).items()
                       if action != "unchanged"]
            reason = ("new revision" if revision != last_revision
                      else "drift corrected" if changes else "in sync")
            rows.append({"time": str(rec.get("ts", ""))[11:19], "revision": short(revision),
                         "reason": reason, "changes": changes})
            last_revision = revision
        elif msg.startswith("garbage collection completed:") and rows:
            for item in msg.split(":", 1)[1].strip().splitlines():
                ref, _, action = item.strip().partition(" ")
                rows[-1]["changes"].append(f"{ref.split('/')[0]}/{ref.split('/')[-1]} {action}")
                if rows[-1]["reason"] == "in sync":
                    rows[-1]["reason"] = "pruned"
    return rows


def history(namespace: str, name: str = APP, *, everything: bool = False) -> pd.DataFrame:
    """``flux logs --kind=Kustomization --name=NAME``, as a table: each pass that changed something.

    Read from kustomize-controller's own log (``logs/flux-kustomize-controller.log``
    in the lab state folder), since the Kubernetes Events it also writes are
    merged when they look alike. ``everything=True`` keeps the passes that
    found nothing to do.
    """
    _echo(["flux", "logs", "--kind=Kustomization", f"--name={name}", "-n", namespace])
    obj = find("Kustomization", name, namespace, api_version=KUSTOMIZE_API)
    since = str(((obj or {}).get("metadata") or {}).get("creationTimestamp") or "")
    rows = passes(_log_records(logs_dir() / "flux-kustomize-controller.log"), namespace, name,
                  since)
    rows = [{**r, "changes": ", ".join(r["changes"])} for r in rows
            if everything or r["reason"] != "in sync"]
    return pd.DataFrame(rows, columns=["time", "revision", "reason", "changes"])


def reconcile(namespace: str, name: str = APP, *, with_source: bool = True) -> None:
    """``flux reconcile kustomization NAME --with-source``: ask for a pass now.

    Flux reconciles on its ``interval``; a webhook from the git host, or this
    annotation, makes it act at once. It only asks: the controllers do the work.
    """
    _echo(["flux", "reconcile", "kustomization", name, "-n", namespace,
           *(["--with-source"] if with_source else [])])
    now = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    targets = [("Kustomization", KUSTOMIZE_API, name)]
    if with_source:
        kust = find("Kustomization", name, namespace, api_version=KUSTOMIZE_API)
        ref = ((kust or {}).get("spec") or {}).get("sourceRef") or {}
        targets.insert(0, ("GitRepository", SOURCE_API, ref.get("name", SOURCE)))
    # A merge patch of one annotation, as the flux CLI sends: a server-side apply of
    # the annotation alone would drop the fields this notebook applied before.
    for kind, api, target in targets:
        dynamic().patch(resource_for(kind, api), name=target, namespace=namespace,
                        body={"metadata": {"annotations": {REQUESTED_AT: now}}},
                        content_type="application/merge-patch+json")


def wait_applied(namespace: str, commit: str, name: str = APP, *, timeout: float = 60) -> dict:
    """Wait until the Kustomization is Ready with ``commit`` applied; return it.

    Raises:
        WaitTimeout: not applied in time (the message quotes Flux's Ready condition).
    """
    def rule(obj: dict) -> tuple[bool, str]:
        ready = ready_condition(obj)
        applied = (obj.get("status") or {}).get("lastAppliedRevision")
        if ready.get("status") == "True" and same_commit(applied, commit):
            return True, f"applied {short(applied)}"
        return False, (f"last applied {short(applied) or 'nothing'}, Ready="
                       f"{ready.get('status', 'Unknown')}: {ready.get('message', '')}")

    return wait("Kustomization", name, namespace, until=rule, timeout=timeout) or {}


def owner(kind: str, name: str, namespace: str, *path: str) -> str | None:
    """Who set a field of a live object last: ``kustomize-controller`` (git) or someone else.

    Reads the object with its ``managedFields`` (which ``lab.get`` leaves out).
    """
    _echo(["kubectl", "get", kind.lower(), name, "-n", namespace, "--show-managed-fields",
           "-o", "yaml"])
    res = resource_for(kind)
    return field_owner(dynamic().get(res, name=name, namespace=namespace).to_dict(), *path)


def field_owner(obj: dict, *path: str) -> str | None:
    """The field manager that owns a field (e.g. ``"spec", "replicas"``), from managedFields.

    Who set a value last: ``kustomize-controller`` (from git) or a person's tool.

    Example:
        >>> field_owner({"metadata": {"managedFields": [{"manager": "kubectl",
        ...     "fieldsV1": {"f:spec": {"f:replicas": {}}}}]}}, "spec", "replicas")
        'kubectl'
    """
    for entry in (obj.get("metadata") or {}).get("managedFields") or []:
        node: Any = entry.get("fieldsV1") or {}
        for part in path:
            node = node.get(f"f:{part}") if isinstance(node, dict) else None
        if node is not None:
            return entry.get("manager")
    return None
