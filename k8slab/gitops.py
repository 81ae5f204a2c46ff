"""GitOps in miniature: a git repository of manifests, and a loop that makes the cluster match it.

Flux and Argo CD run an agent in the cluster that, again and again, reads a
git repository, renders its manifests (kustomize, Helm, jsonnet...), applies
them, deletes what left the repository, and puts back whatever someone
changed by hand. This module is that agent, small enough to read, so that
notebook 13 can show every step on the lab cluster:

* :class:`GitRepo` drives the real ``git`` binary on a local repository (a
  temporary folder): commit, log, show, revert;
* :func:`render` runs ``kubectl kustomize`` (the lab's own pinned kubectl, which
  works offline) on a folder of the repository;
* :class:`GitOpsLoop` renders the committed state (``HEAD``, never uncommitted
  edits), applies it by server-side apply under its own field manager,
  prunes objects carrying its label that the repository no longer has, and
  reports *drift* (live fields that differ from git) before correcting it.

Every object the loop applies carries the label ``k8slab.io/gitops-app`` (what
pruning selects on, so nothing else is ever deleted) and the annotation
``k8slab.io/gitops-revision`` (the commit it came from). The loop also keeps a
small status ConfigMap in the namespace, as Flux keeps the status of a
``Kustomization`` object, so checks and humans can see what was last synced.

Example:
    >>> from k8slab import gitops
    >>> repo = gitops.GitRepo.create()                                  # doctest: +SKIP
    >>> repo.add_tree("manifests/13-gitops"); repo.commit("first")      # doctest: +SKIP
    >>> loop = gitops.GitOpsLoop(repo, "overlays/dev", "demo").start()  # doctest: +SKIP
    >>> loop.wait_synced()                                              # doctest: +SKIP
"""

from __future__ import annotations

import html
import io
import os
import shutil
import subprocess
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic import DynamicClient

from . import _display, _tools
from ._errors import translate
from ._own_client import own_client, resource_of
from ._resources import _to_dict
from .errors import K8sLabError, ManifestError, WaitTimeout

APP_LABEL = "k8slab.io/gitops-app"
REVISION_ANNOTATION = "k8slab.io/gitops-revision"
STATUS_LABEL = "k8slab.io/gitops-status"
FIELD_MANAGER = "k8slab-gitops"
#: Kinds always searched for objects to prune, besides those the loop has applied.
PRUNE_KINDS = ("ConfigMap", "Secret", "Service", "Deployment")
#: Top-level fields compared for drift (metadata is limited to labels and annotations).
_IGNORED_TOP = {"apiVersion", "kind", "metadata", "status"}


def _echo(command: list[str]) -> None:
    """Show a command line the way lab calls show their kubectl equivalent."""
    if not _display._showing():
        return
    import shlex

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
            from .errors import ToolMissing

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

    def export(self, revision: str, dest: str | Path) -> Path:
        """Write the files of ``revision`` (not the working tree) into ``dest``."""
        data = self.git("archive", "--format=tar", revision, quiet=True, binary=True)
        dest = Path(dest)
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(dest, filter="data")
            else:  # pragma: no cover - Python without extraction filters
                tar.extractall(dest)  # an archive our own git just made
        return dest

    def delete(self) -> None:
        """Remove the repository folder (only one :meth:`create` made in the temp folder)."""
        if not self._temporary:
            raise K8sLabError(f"Refusing to delete {self.path}: k8slab did not create it.",
                              "Delete it yourself if you really mean it.")
        shutil.rmtree(self.path, ignore_errors=True)

    def __repr__(self) -> str:
        return f"GitRepo({str(self.path)!r})"


def _find_dir(source: str | Path) -> Path:
    from ._paths import PROJECT_ROOT

    for candidate in (Path(source), PROJECT_ROOT / source, PROJECT_ROOT / "manifests" / source):
        if candidate.is_dir():
            return candidate
    raise ManifestError(f"Folder {str(source)!r} not found.",
                        "Course manifests live in the manifests/ folder of the project.")


# ---------------------------------------------------------------------------
# Rendering


def render(directory: str | Path, *, echo: bool = True) -> list[dict]:
    """Run ``kubectl kustomize DIRECTORY`` and return the objects it produces.

    Uses the lab's own kubectl (:func:`k8slab._tools.locate`), which embeds
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


def stamp(obj: dict, app: str, revision: str) -> dict:
    """A copy of ``obj`` with the loop's label (for pruning) and revision annotation.

    Example:
        >>> stamp({"kind": "ConfigMap", "metadata": {"name": "c"}}, "dev", "abc1234")["metadata"]
        {'name': 'c', 'labels': {'k8slab.io/gitops-app': 'dev'}, 'annotations': {'k8slab.io/gitops-revision': 'abc1234'}}
    """  # noqa: E501
    meta = dict(obj.get("metadata") or {})
    meta.pop("namespace", None)
    meta["labels"] = {**(meta.get("labels") or {}), APP_LABEL: app}
    meta["annotations"] = {**(meta.get("annotations") or {}), REVISION_ANNOTATION: revision}
    return {**obj, "metadata": meta}


# ---------------------------------------------------------------------------
# Drift


@dataclass(frozen=True)
class Drift:
    """One field where the cluster differs from git."""

    object: str
    field: str
    git: Any
    cluster: Any


def _named(items: list) -> bool:
    return bool(items) and all(isinstance(i, dict) and "name" in i for i in items)


def _compare(want: Any, have: Any, path: str, out: list[tuple[str, Any, Any]]) -> None:
    if isinstance(want, dict):
        if not isinstance(have, dict):
            out.append((path, want, have))
            return
        for k, v in want.items():
            _compare(v, have.get(k), f"{path}.{k}" if path else k, out)
    elif isinstance(want, list):
        if not isinstance(have, list):
            out.append((path, want, have))
        elif _named(want) and _named(have):
            by_name = {i["name"]: i for i in have}
            for item in want:
                _compare(item, by_name.get(item["name"]), f"{path}[{item['name']}]", out)
        elif len(want) != len(have):
            out.append((path, want, have))
        else:
            for i, (w, h) in enumerate(zip(want, have, strict=True)):
                _compare(w, h, f"{path}[{i}]", out)
    elif want != have:
        out.append((path, want, have))


def drift(desired: dict, live: dict | None) -> list[Drift]:
    """Fields of ``desired`` whose live value differs (fields git does not set are ignored).

    The API server adds defaults (``protocol: TCP``, ``revisionHistoryLimit``...)
    and controllers write ``status``: neither is drift. Only what the
    repository says is compared, plus labels and annotations it sets. Write
    quantities in their canonical form in git (``500m``, not ``0.5``), as the
    API server stores them so.

    Example:
        >>> want = {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 1}}
        >>> have = {"kind": "Deployment", "metadata": {"name": "web"},
        ...         "spec": {"replicas": 4, "paused": False}}
        >>> drift(want, have)
        [Drift(object='Deployment/web', field='spec.replicas', git=1, cluster=4)]
    """
    name = key(desired)
    if live is None:
        return [Drift(name, "(object)", "present", "missing")]
    out: list[tuple[str, Any, Any]] = []
    for top, value in desired.items():
        if top not in _IGNORED_TOP:
            _compare(value, live.get(top), top, out)
    meta_want, meta_have = desired.get("metadata") or {}, live.get("metadata") or {}
    for part in ("labels", "annotations"):
        for k, v in (meta_want.get(part) or {}).items():
            have = (meta_have.get(part) or {}).get(k)
            if have != v:
                out.append((f"metadata.{part}.{k}", v, have))
    return [Drift(name, f, w, h) for f, w, h in out]


def to_prune(labelled: Iterable[dict], desired_keys: Iterable[str]) -> list[str]:
    """``Kind/name`` of labelled live objects that the repository no longer has.

    Example:
        >>> to_prune([{"kind": "ConfigMap", "metadata": {"name": "debug"}},
        ...           {"kind": "Service", "metadata": {"name": "web"}}], ["Service/web"])
        ['ConfigMap/debug']
    """
    keep = set(desired_keys)
    return sorted(key(o) for o in labelled if key(o) not in keep)


# ---------------------------------------------------------------------------
# The loop


def _same_commit(a: str, b: str) -> bool:
    """Two commit ids name the same commit (one may be an abbreviation of the other)."""
    return bool(a and b) and (a.startswith(b) or b.startswith(a))


@dataclass
class SyncReport:
    """What one pass of the loop found and did.

    Attributes:
        reason: ``new revision`` (a commit to roll out), ``drift`` (the cluster
            changed, not git), ``in sync`` (nothing to do) or ``error``.
        changes: field differences before applying (for a new revision: what
            the commit changes; for drift: what someone changed by hand).
    """

    seconds: float
    revision: str
    reason: str
    changes: list[Drift] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    error: str = ""

    def changes_frame(self) -> pd.DataFrame:
        """The field differences as a table: object, field, git value, cluster value."""
        return pd.DataFrame([d.__dict__ for d in self.changes],
                            columns=["object", "field", "git", "cluster"])

    def _repr_html_(self) -> str:
        head = (f"<b>{html.escape(self.reason)}</b> at revision "
                f"<code>{html.escape(self.revision)}</code>")
        parts = [head]
        if self.applied:
            parts.append("applied: " + html.escape(", ".join(self.applied)))
        if self.pruned:
            parts.append("pruned: " + html.escape(", ".join(self.pruned)))
        if self.error:
            parts.append("error: " + html.escape(self.error))
        table = self.changes_frame().to_html(index=False) if self.changes else ""
        return "<div>" + "<br>".join(parts) + "</div>" + table

    def __repr__(self) -> str:
        text = f"{self.reason} at {self.revision}"
        for label, items in (("applied", self.applied), ("pruned", self.pruned)):
            if items:
                text += f"; {label}: {', '.join(items)}"
        text += "".join(f"\n  {d.object} {d.field}: git={d.git!r} cluster={d.cluster!r}"
                        for d in self.changes)
        return text + (f"\n  error: {self.error}" if self.error else "")


class GitOpsLoop:
    """Keep a namespace equal to one folder of a git repository, continuously.

    Args:
        repo: the repository (a :class:`GitRepo` or its path).
        path: the folder to render, e.g. ``overlays/dev``.
        namespace: where the objects go (manifests must not set a namespace).
        app: the value of the ``k8slab.io/gitops-app`` label (default: the
            folder's name); pruning only ever touches objects with that label.
        interval: seconds between two passes.
        prune: delete labelled objects that left the repository.
        self_heal: put drifted objects back (otherwise only report drift).

    Example:
        >>> loop = GitOpsLoop(repo, "overlays/dev", "demo", interval=1).start()  # doctest: +SKIP
        >>> loop.wait_synced(repo.head())                                       # doctest: +SKIP
    """

    def __init__(self, repo: GitRepo | str | Path, path: str, namespace: str, *,
                 app: str | None = None, interval: float = 2.0, prune: bool = True,
                 self_heal: bool = True) -> None:
        self.repo = repo if isinstance(repo, GitRepo) else GitRepo(repo)
        self.path = path
        self.namespace = namespace
        self.app = app or Path(path).name
        self.interval = interval
        self.prune = prune
        self.self_heal = self_heal
        self.passes = 0
        self._reports: list[SyncReport] = []
        self._last: SyncReport | None = None
        self._seen = 0
        self._desired: list[dict] = []
        self._rendered: str | None = None
        self._applied_revision: str | None = None
        self._inventory: set[str] = set()
        self._kinds: set[str] = set(PRUNE_KINDS)
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = time.monotonic()
        self._client: DynamicClient | None = None

    # -- one pass -----------------------------------------------------------

    def _render_head(self) -> str:
        revision = self.repo.head()
        if revision != self._rendered:
            with tempfile.TemporaryDirectory(prefix="k8slab-gitops-render-") as tmp:
                self.repo.export(revision, tmp)
                objects = render(Path(tmp) / self.path, echo=False)
            for o in objects:
                if (o.get("metadata") or {}).get("namespace") not in (None, self.namespace):
                    raise ManifestError(
                        f"{key(o)} in {self.path} sets namespace "
                        f"{o['metadata']['namespace']!r}; the loop deploys to "
                        f"{self.namespace!r}.", "Remove `namespace:` from the repository.")
            self._desired = [stamp(o, self.app, revision) for o in objects]
            self._rendered = revision
        return revision

    def _dynamic(self) -> DynamicClient:
        """The loop's own API client, apart from the notebook's (see
        :func:`k8slab._own_client.own_client`: cells running ``lab.exec`` or
        ``lab.http_get`` beside the loop cannot break its passes)."""
        if self._client is None:
            self._client = own_client()
        return self._client

    def _resource(self, kind: str, api_version: str | None = None):
        return resource_of(self._dynamic(), kind, api_version)

    def _get(self, kind: str, name: str, api_version: str | None = None) -> dict | None:
        res = self._resource(kind, api_version)
        ns = self.namespace if res.namespaced else None
        try:
            return _to_dict(self._dynamic().get(res, name=name, namespace=ns))
        except Exception as exc:
            if getattr(exc, "status", None) == 404:
                return None
            raise translate(exc, action="get", kind=res.kind, name=name, namespace=ns) from exc

    def _apply(self, obj: dict) -> None:
        res = self._resource(obj["kind"], obj.get("apiVersion"))
        body = {**obj, "metadata": {**obj["metadata"], "namespace": self.namespace}}
        try:
            self._dynamic().server_side_apply(res, body=body, name=obj["metadata"]["name"],
                                        namespace=self.namespace, field_manager=FIELD_MANAGER,
                                        force_conflicts=True)
        except ApiException as exc:
            raise translate(exc, action="apply", kind=obj["kind"],
                            name=obj["metadata"]["name"], namespace=self.namespace) from exc

    def _labelled(self) -> list[dict]:
        found = []
        for kind in sorted(self._kinds):
            res = self._resource(kind)
            items = self._dynamic().get(res, namespace=self.namespace,
                                  label_selector=f"{APP_LABEL}={self.app}").items
            found += [{**i.to_dict(), "kind": res.kind} for i in items]
        return found

    def _delete(self, ref: str) -> None:
        kind, name = ref.split("/", 1)
        try:
            self._dynamic().delete(self._resource(kind), name=name, namespace=self.namespace)
        except ApiException as exc:
            if exc.status != 404:
                raise translate(exc, action="delete", kind=kind, name=name,
                                namespace=self.namespace) from exc

    def sync(self) -> SyncReport:
        """One pass: render HEAD, compare with the cluster, apply, prune, report."""
        from ._guard import require_lab_cluster

        started = time.monotonic() - self._started
        revision = "?"
        try:
            require_lab_cluster(f"let a GitOps loop apply and prune in {self.namespace}")
            revision = self._render_head()
            new = revision != self._applied_revision
            changes: list[Drift] = []
            to_apply: list[dict] = []
            for obj in self._desired:
                live = self._get(obj["kind"], obj["metadata"]["name"], obj.get("apiVersion"))
                found = drift(obj, live)
                relevant = [d for d in found if d.field != f"metadata.annotations."
                            f"{REVISION_ANNOTATION}"]
                if new or found:
                    changes += relevant if live is not None else [
                        Drift(key(obj), "(object)", "present", "missing")]
                    to_apply.append(obj)
            reason = "new revision" if new else "drift" if to_apply else "in sync"
            applied: list[str] = []
            if new or self.self_heal:
                for obj in to_apply:
                    self._apply(obj)
                    applied.append(key(obj))
            self._kinds |= {o["kind"] for o in self._desired}
            pruned: list[str] = []
            if self.prune:
                for ref in to_prune(self._labelled(), [key(o) for o in self._desired]):
                    self._delete(ref)
                    pruned.append(ref)
            if pruned and reason == "in sync":
                reason = "drift"
            self._inventory = {key(o) for o in self._desired}
            self._applied_revision = revision
            report = SyncReport(started, revision, reason, changes, applied, pruned)
            if reason != "in sync":
                self._write_status(report)
        except Exception as exc:
            message = (exc.message if isinstance(exc, K8sLabError)
                       else f"{type(exc).__name__}: {exc}")
            report = SyncReport(started, revision, "error", error=message)
        with self._cond:
            self.passes += 1
            self._last = report
            if report.reason != "in sync":
                self._reports.append(report)
            self._cond.notify_all()
        return report

    def _write_status(self, report: SyncReport) -> None:
        body = {"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": f"gitops-{self.app}", "labels": {STATUS_LABEL: self.app}},
                "data": {"app": self.app, "path": self.path, "revision": report.revision,
                         "reason": report.reason,
                         "objects": "\n".join(sorted(self._inventory)),
                         "pruned": "\n".join(report.pruned)}}
        self._apply(body)

    # -- the background loop ----------------------------------------------------

    def start(self) -> GitOpsLoop:
        """Run :meth:`sync` every ``interval`` seconds in a background thread."""
        if self.running:
            return self
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"gitops-{self.app}",
                                        daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sync()
            self._stop.wait(self.interval)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the loop after its current pass (idempotent)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise K8sLabError("The GitOps loop did not stop in time.",
                                  "Restart the kernel to be sure it is gone.")
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return (f"<GitOpsLoop {self.path} of {self.repo.path} -> {self.namespace!r}: {state}, "
                f"{self.passes} passes, last revision {self._applied_revision}>")

    # -- looking at it ------------------------------------------------------------

    def history(self, last: int = 20) -> pd.DataFrame:
        """The passes that did something (or failed), oldest first."""
        with self._cond:
            reports = list(self._reports[-last:])
        rows = [{"seconds": round(r.seconds, 1), "revision": r.revision, "reason": r.reason,
                 "changes": "; ".join(f"{d.object} {d.field}: {d.git!r} (git) vs "
                                      f"{d.cluster!r} (cluster)" for d in r.changes[:4])
                 + (" ..." if len(r.changes) > 4 else ""),
                 "applied": len(r.applied), "pruned": ", ".join(r.pruned), "error": r.error}
                for r in reports]
        return pd.DataFrame(rows, columns=["seconds", "revision", "reason", "changes",
                                           "applied", "pruned", "error"])

    def _wait(self, test, what: str, timeout: float) -> SyncReport:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = test()
                if found is not None:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    last = self._last
                    raise WaitTimeout(
                        f"The GitOps loop did not {what} within {timeout:.0f}s; last pass: "
                        f"{last.reason if last else 'none'}"
                        + (f" ({last.error})" if last and last.error else "") + ".",
                        "Is it running (loop.start())? Look at loop.history().")
                self._cond.wait(remaining)

    def wait_synced(self, revision: str | None = None, timeout: float = 60) -> SyncReport:
        """Wait until a pass has applied ``revision`` (default: the repository's HEAD)."""
        want = revision or self.repo.head()

        def test() -> SyncReport | None:
            last = self._last
            if last and last.reason != "error" and _same_commit(want, last.revision) \
                    and self._applied_revision == last.revision:
                self._seen = len(self._reports)
                applied = next((r for r in reversed(self._reports)
                                if r.revision == last.revision and r.reason != "error"), last)
                return applied
            return None

        return self._wait(test, f"sync revision {want}", timeout)

    def wait_drift(self, timeout: float = 60) -> SyncReport:
        """Wait for the next pass that found drift (since the last wait) and return it."""
        def test() -> SyncReport | None:
            for i in range(self._seen, len(self._reports)):
                if self._reports[i].reason == "drift":
                    self._seen = i + 1
                    return self._reports[i]
            return None

        return self._wait(test, "find drift", timeout)
