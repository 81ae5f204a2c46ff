"""Helm from Python: install, upgrade, roll back and inspect charts on the lab cluster.

A thin wrapper over the ``helm`` v4 binary, not a re-implementation: every
call runs the real ``helm`` (so the course teaches the tool people use at
work) and announces the command line a learner can paste into a terminal.
What the wrapper adds is safety and readability:

* helm only ever sees the lab kubeconfig and context (``--kubeconfig``,
  ``--kube-context``), never ``~/.kube/config``, and keeps its cache, config
  and plugins under the lab state folder, so the course leaves no trace in
  the learner's own Helm setup;
* values are passed as a dict, written to a temporary YAML file (``-f``):
  no shell quoting, and numbers stay numbers;
* ``--wait`` is on by default, so a cell ends when the pods are Ready;
* a failing helm raises :class:`~k8slab.errors.HelmError` carrying helm's
  own words plus a hint; uninstall and rollback refuse non-lab clusters.

Example:
    >>> from k8slab import helm
    >>> helm.install("web", "12-helm-chart", "demo")              # doctest: +SKIP
    Release 'web' in 'demo': revision 1, deployed (hello-web-0.1.0)
    >>> helm.upgrade("web", "12-helm-chart", "demo",
    ...              values={"replicaCount": 3})              # doctest: +SKIP
    >>> helm.history("web", "demo")                              # doctest: +SKIP
    >>> helm.rollback("web", 1, "demo")                          # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import shlex
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from k8slab._base import display as _display
from k8slab._base.paths import PROJECT_ROOT, state_dir
from k8slab._binaries import catalog as _tools
from k8slab._core import guard as _guard
from k8slab._core import target as _target
from k8slab._core.manifests import resolve_path
from k8slab._core.objects import selector_of
from k8slab._core.resources import list_
from k8slab.errors import ClusterUnavailable, HelmError, ToolMissing, WaitTimeout

__all__ = [
    "Release", "binary", "connection_args", "get_release", "get_values", "helm_env",
    "helm_error", "helm_home", "history", "history_frame", "install", "lint",
    "list_releases", "pod_selectors", "releases", "releases_frame", "resolve_chart",
    "rollback", "run", "status", "template", "template_objects", "trim_stderr",
    "uninstall", "upgrade",
]

#: Wait until the release's objects are ready (helm v4: ``--wait`` alone means "watcher").
WAIT_STRATEGY = "watcher"
DEFAULT_TIMEOUT = "60s"

Values = dict[str, Any]
Timeout = str | int | float


# ---------------------------------------------------------------------------
# Locating helm and building its environment


def binary() -> Path:
    """The helm executable: ``K8SLAB_HELM`` or the version-pinned build in the cache.

    Raises:
        ToolMissing: helm is not built and cannot be built here.
    """
    try:
        return _tools.locate("helm")
    except ToolMissing as exc:
        raise ToolMissing(
            f"helm {_tools.HELM_VERSION} is not available: {exc.message}",
            "Build it once with `k8slab tools helm` in a terminal (it needs Go), "
            "or point K8SLAB_HELM at a helm v4 binary.",
        ) from exc


def helm_home() -> Path:
    """Where helm keeps its cache, config and data for the lab (inside the state folder)."""
    return state_dir() / "helm"


def helm_env() -> dict[str, str]:
    """The environment helm runs with: the caller's, minus any ``HELM_*`` setting.

    A learner's ``HELM_NAMESPACE`` or ``HELM_KUBECONTEXT`` must not redirect a
    course step, so all ``HELM_*`` variables are dropped, then helm's three
    home folders are pointed under :func:`helm_home`.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELM_")}
    env.pop("KUBECONFIG", None)
    home = helm_home()
    env["HELM_CACHE_HOME"] = str(home / "cache")
    env["HELM_CONFIG_HOME"] = str(home / "config")
    env["HELM_DATA_HOME"] = str(home / "data")
    return env


def connection_args() -> list[str]:
    """``--kubeconfig`` (always the lab one) and ``--kube-context`` when a cluster is recorded."""
    args = ["--kubeconfig", str(_target.kubeconfig())]
    context = _target.context()
    return [*args, "--kube-context", context] if context else args


def resolve_chart(chart: str | Path) -> str:
    """Find a local chart folder as given, else relative to the project or ``manifests/``.

    A path that does not exist is still made absolute when it clearly is a
    path (``./x``, ``/x``, or ``manifests/x`` whose first folder exists), so
    helm answers "path not found" rather than "repo manifests not found".
    Anything else (``repo/name``, ``oci://...``) is passed to helm unchanged.

    Example:
        >>> Path(resolve_chart("12-helm-chart")).name
        '12-helm-chart'
    """
    text = str(chart)
    candidate = Path(text).expanduser()
    if candidate.exists():
        return str(candidate.resolve())
    for base in (PROJECT_ROOT, PROJECT_ROOT / "manifests"):
        if (base / text).exists():
            return str(base / text)
    if "://" in text:
        return text
    if text.startswith(("/", ".", "~")):
        return str(candidate.absolute())
    first = Path(text).parts[0] if Path(text).parts else ""
    for base in (Path.cwd(), PROJECT_ROOT):
        if "/" in text and (base / first).is_dir():
            return str(base / text)
    return text


def _shown_path(path: str) -> str:
    """A path as the learner would type it from the project root."""
    with contextlib.suppress(ValueError):
        return str(Path(path).relative_to(PROJECT_ROOT))
    return path


def _timeout_seconds(timeout: Timeout) -> float:
    """Seconds in a helm duration (``90s``, ``5m``, ``1m30s``) or a number."""
    if isinstance(timeout, int | float):
        return float(timeout)
    parts = re.findall(r"(\d+(?:\.\d+)?)(h|ms|m|s)", timeout)
    if not parts or "".join(n + u for n, u in parts) != timeout.strip():
        raise HelmError(f"Cannot read the timeout {timeout!r}.",
                        "Write a duration helm understands, like '60s', '2m' or '1m30s'.")
    scale = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    return sum(float(n) * scale[u] for n, u in parts)


def _timeout_flag(timeout: Timeout) -> str:
    if isinstance(timeout, int | float):
        return f"{int(timeout)}s"
    _timeout_seconds(timeout)
    return timeout.strip()


def _wait_args(wait: bool | str, timeout: Timeout) -> list[str]:
    if wait is False:
        return ["--timeout", _timeout_flag(timeout)]
    strategy = WAIT_STRATEGY if wait is True else str(wait)
    return [f"--wait={strategy}", "--timeout", _timeout_flag(timeout)]


# ---------------------------------------------------------------------------
# Errors


_HINTS: list[tuple[str, str]] = [
    (r"path .* not found|no such file or directory|Chart\.yaml file is missing"
     r"|non-absolute URLs|repo_name/path_to_chart|repo .* not found",
     "Check the chart path: the course chart is manifests/12-helm-chart "
     "(pass '12-helm-chart' or 'manifests/12-helm-chart')."),
    (r"cannot reuse a name that is still in use",
     "A release with this name already exists here: change it with helm.upgrade(...), "
     "or remove it first with helm.uninstall(...)."),
    (r"conflict occurred while applying|Apply failed with \d+ conflict",
     "Someone changed these fields outside Helm (the message says who). Put the change in "
     "the release's values instead, or pass force_conflicts=True to let Helm overwrite it."),
    (r"has no \d+ version",
     "That revision does not exist: pick one from helm.history(release, namespace)."),
    (r"release: not found|Release not loaded",
     "No release of that name in this namespace: see helm.list_releases(namespace)."),
    (r"namespaces? \"[^\"]*\" not found",
     "Create the namespace first (lab.namespace(name)), or pass create_namespace=True."),
    (r"cluster unreachable|connection refused|no configuration has been provided",
     "Is the lab cluster running? Check with `k8slab status`, start it with `k8slab up`."),
    (r"context deadline exceeded|timed out|timeout",
     "The objects were not ready in time: look at lab.table('Pod', namespace) and "
     "lab.events(namespace), or give a longer timeout."),
    (r"parse error|template: |error converting YAML|YAML parse error",
     "A template does not render: the message names the file and line; "
     "`helm lint` and helm.template(...) show it without touching the cluster."),
    (r"server-side apply failed|is invalid|expected .* got",
     "The API server rejected an object the chart rendered: check the types of your "
     "values (a number, not a string?) and look at helm.template(...)."),
    (r"another operation .* is in progress",
     "A previous helm call on this release did not finish: wait, or roll back."),
]


def trim_stderr(stderr: str, limit: int = 800) -> str:
    """Helm's own error lines, without its log noise (``level=...``) or the ``Error:`` prefix.

    Example:
        >>> trim_stderr('level=ERROR msg="x"\\nError: INSTALLATION FAILED: boom\\n')
        'INSTALLATION FAILED: boom'
    """
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    errors = [ln.removeprefix("Error:").strip() for ln in lines if ln.startswith("Error:")]
    if not errors:
        errors = [ln for ln in lines if not ln.startswith("level=")] or lines
        errors = errors[-5:]
    text = "\n".join(errors)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def helm_error(action: str, stderr: str, returncode: int, stdout: str = "") -> HelmError:
    """Turn a failed helm run into a :class:`HelmError` with helm's message and a hint.

    Example:
        >>> err = helm_error("install", "Error: INSTALLATION FAILED: path \\"x\\" not found", 1)
        >>> err.message
        'helm install failed: INSTALLATION FAILED: path "x" not found'
    """
    # helm lint writes its findings to stdout and only a summary to stderr.
    findings = [ln.strip() for ln in stdout.splitlines() if "[ERROR]" in ln]
    detail = "\n".join([*findings, trim_stderr(stderr)]).strip() \
        or f"helm exited with status {returncode} and no message"
    hint = next((h for pattern, h in _HINTS if re.search(pattern, detail, re.IGNORECASE)),
                "Run the helm command shown above in a terminal (add --debug for details).")
    return HelmError(f"helm {action} failed: {detail}", hint)


# ---------------------------------------------------------------------------
# Running helm


@contextlib.contextmanager
def _values_args(values: Values | None, values_files: Iterable[str | Path]
                 ) -> Iterator[tuple[list[str], list[str]]]:
    """``-f`` arguments to run with and to display; a values dict goes to a temp file."""
    given: list[str] = []
    shown: list[str] = []
    for path in values_files:
        found = resolve_path(path)
        given += ["-f", str(found)]
        shown += ["-f", _shown_path(str(found))]
    tmp: Path | None = None
    if values:
        if not isinstance(values, dict):
            raise HelmError(f"values must be a dict, not a {type(values).__name__}.",
                            "Example: values={'replicaCount': 3, 'message': 'Hi'}")
        with tempfile.NamedTemporaryFile("w", prefix="k8slab-values-", suffix=".yaml",
                                         delete=False) as handle:
            yaml.safe_dump(values, handle, sort_keys=False, allow_unicode=True)
            tmp = Path(handle.name)
        given += ["-f", str(tmp)]
        shown += ["-f", "values.yaml"]
    try:
        yield given, shown
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _describe_values(values: Values | None) -> str:
    if not values:
        return ""
    text = json.dumps(values, separators=(", ", ": "), ensure_ascii=False)
    return f"; values.yaml = {text if len(text) <= 120 else text[:117] + '...'}"


def run(args: list[str], *, action: str, shown: list[str] | None = None,
        description: str = "", needs_cluster: bool = True,
        timeout: Timeout = 120) -> subprocess.CompletedProcess[str]:
    """Run helm with the lab's connection and environment; raise HelmError if it fails.

    Args:
        args: helm's arguments (``["list", "-n", "demo"]``), without connection flags.
        action: what is being done, for messages (``install``, ``history``...).
        shown: the arguments to display instead of ``args`` (temp files replaced).
        description: the short text shown after the command.
        needs_cluster: check that the lab kubeconfig exists before running.
        timeout: the longest the process may run (seconds or a helm duration).

    Raises:
        ClusterUnavailable: ``needs_cluster`` and no lab cluster is running.
        HelmError: helm exited with a non-zero status or did not finish in time.
        ToolMissing: helm is not available.
    """
    helm = binary()
    if needs_cluster and not _target.kubeconfig().is_file():
        raise ClusterUnavailable(
            f"No lab cluster is running (no kubeconfig at {_target.kubeconfig()}).",
            "Start one with `k8slab up` in a terminal, then re-run this cell.")
    _display.announce("helm " + shlex.join(shown if shown is not None else args), "HELM",
                      description or action)
    try:
        proc = subprocess.run([str(helm), *args, *connection_args()], capture_output=True,
                              text=True, env=helm_env(), timeout=_timeout_seconds(timeout) + 30)
    except subprocess.TimeoutExpired as exc:
        raise HelmError(f"helm {action} did not finish in time.",
                        "Look at lab.events(namespace) to see what is stuck.") from exc
    if proc.returncode != 0:
        raise helm_error(action, proc.stderr, proc.returncode, proc.stdout)
    return proc


def _json(proc: subprocess.CompletedProcess[str], action: str) -> Any:
    try:
        return json.loads(proc.stdout)
    except ValueError as exc:
        raise HelmError(f"helm {action} printed something that is not JSON: "
                        f"{proc.stdout[:200]!r}",
                        "Is K8SLAB_HELM pointing at a real helm v4 binary?") from exc


# ---------------------------------------------------------------------------
# Releases


@dataclass(repr=False)
class Release:
    """One revision of a release, as helm reports it after install, upgrade or status.

    Attributes:
        name, namespace: where the release lives.
        revision: the release's version number (1 at install, +1 per upgrade or rollback).
        status: ``deployed``, ``failed``, ``superseded``, ``pending-upgrade``...
        chart: ``name-version`` of the chart, e.g. ``hello-web-0.1.0``.
        app_version: the chart's appVersion.
        description: helm's one-line summary (``Install complete``, ``Rollback to 1``).
        notes: the rendered NOTES.txt.
        values: the values given by the user for this revision (not the chart defaults).
        manifest: the YAML helm sent to the API server.
        raw: helm's full JSON answer.
    """

    name: str
    namespace: str
    revision: int
    status: str
    chart: str
    app_version: str
    description: str
    notes: str = ""
    values: Values = field(default_factory=dict)
    manifest: str = ""
    raw: dict = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict) -> Release:
        info = data.get("info") or {}
        meta = (data.get("chart") or {}).get("metadata") or {}
        chart = f"{meta.get('name', '?')}-{meta.get('version', '?')}" if meta else ""
        return cls(
            name=data.get("name", ""), namespace=data.get("namespace", ""),
            revision=int(data.get("version") or 0), status=info.get("status", ""),
            chart=chart, app_version=str(meta.get("appVersion", "")),
            description=info.get("description", ""), notes=info.get("notes", "") or "",
            values=data.get("config") or {}, manifest=data.get("manifest", "") or "", raw=data)

    def objects(self) -> list[dict]:
        """The Kubernetes objects of this revision, parsed from its manifest."""
        return [d for d in yaml.safe_load_all(self.manifest) if d]

    def __str__(self) -> str:
        return (f"Release {self.name!r} in {self.namespace!r}: revision {self.revision}, "
                f"{self.status} ({self.chart}) - {self.description}")

    def __repr__(self) -> str:
        return str(self) + (f"\n\n{self.notes.rstrip()}" if self.notes else "")

    def _repr_html_(self) -> str:
        notes = (f'<pre style="margin:4px 0 0 0;white-space:pre-wrap">{html.escape(self.notes)}'
                 "</pre>" if self.notes else "")
        return (f'<div style="border-left:4px solid #0f1689;padding:4px 8px">'
                f"&#9096; <b>{html.escape(self.name)}</b> in <code>{html.escape(self.namespace)}"
                f"</code>: revision <b>{self.revision}</b>, {html.escape(self.status)} "
                f"({html.escape(self.chart)}) &mdash; {html.escape(self.description)}{notes}"
                "</div>")


def install(release: str, chart: str | Path, namespace: str, values: Values | None = None,
            values_files: Iterable[str | Path] = (), *, wait: bool | str = True,
            timeout: Timeout = DEFAULT_TIMEOUT, create_namespace: bool = False) -> Release:
    """Install a chart as a new release (``helm install``).

    Args:
        release: the release name (also the base name of the chart's objects here).
        chart: a chart folder (``"12-helm-chart"`` is found under manifests/),
            a packaged ``.tgz``, ``repo/name`` or ``oci://...``.
        namespace: where the release and its objects go.
        values: overrides of the chart's values.yaml, as a dict.
        values_files: values files applied before ``values`` (later ones win).
        wait: True waits until every object is ready (``--wait=watcher``);
            False returns once the objects are sent; a string picks a helm
            wait strategy (``"legacy"``, ``"hookOnly"``).
        timeout: how long helm may wait (``"60s"``, ``"2m"`` or seconds).
        create_namespace: create the namespace if it is missing.

    Raises:
        HelmError: helm refused (the release exists, the chart is wrong...).

    Example:
        >>> helm.install("web", "12-helm-chart", "demo",
        ...              values={"replicaCount": 2})          # doctest: +SKIP
    """
    extra = ["--create-namespace"] if create_namespace else []
    return _chart_command("install", release, chart, namespace, values, values_files,
                          extra, wait, timeout)


def _chart_command(verb: str, release: str, chart: str | Path, namespace: str,
                   values: Values | None, values_files: Iterable[str | Path],
                   extra: list[str], wait: bool | str, timeout: Timeout) -> Release:
    """Run ``helm install`` or ``helm upgrade`` with values written to a temporary file."""
    chart_path = resolve_chart(chart)
    flags = ["-n", namespace, *_wait_args(wait, timeout), *extra]
    with _values_args(values, values_files) as (vrun, vshown):
        proc = run([verb, release, chart_path, *flags, *vrun, "-o", "json"],
                   shown=[verb, release, _shown_path(chart_path), *flags, *vshown],
                   action=verb,
                   description=f"{verb} release {release!r} in {namespace!r}"
                               f"{_describe_values(values)}",
                   timeout=timeout)
    return Release.from_json(_json(proc, verb))


def upgrade(release: str, chart: str | Path, namespace: str, values: Values | None = None,
            values_files: Iterable[str | Path] = (), *, install: bool = False,
            reuse_values: bool = False, force_conflicts: bool = False,
            wait: bool | str = True, timeout: Timeout = DEFAULT_TIMEOUT) -> Release:
    """Move a release to a new revision with a new chart or new values (``helm upgrade``).

    Helm renders the chart again, compares with what the previous revision
    sent, and changes only what differs. The old revision stays in the
    history, ready for :func:`rollback`.

    Args:
        release, chart, namespace, values, values_files, wait, timeout: as in :func:`install`.
        install: install the release if it does not exist yet (``--install``).
        reuse_values: start from the previous revision's values instead of the
            chart's defaults (``--reuse-values``).
        force_conflicts: overwrite fields that another tool changed since the
            last revision (``--force-conflicts``). Helm 4 applies server-side,
            so by default such drift stops the upgrade with a conflict.

    Example:
        >>> helm.upgrade("web", "12-helm-chart", "demo",
        ...              values={"replicaCount": 3})          # doctest: +SKIP
    """
    extra = [flag for flag, on in (("--install", install), ("--reuse-values", reuse_values),
                                   ("--force-conflicts", force_conflicts)) if on]
    return _chart_command("upgrade", release, chart, namespace, values, values_files,
                          extra, wait, timeout)


def rollback(release: str, revision: int, namespace: str, *, wait: bool | str = True,
             timeout: Timeout = DEFAULT_TIMEOUT, force_conflicts: bool = False) -> Release:
    """Go back to an earlier revision's chart and values (``helm rollback``).

    A rollback does not rewind history: it creates a *new* revision that
    copies the old one, so ``history`` shows 1, 2, then 3 "Rollback to 1".

    Raises:
        UnsafeContext: the cluster is not a lab cluster.
        HelmError: the release or revision does not exist.
    """
    _guard.require_lab_cluster(f"roll back Helm release {release!r} in namespace {namespace!r}")
    args = ["rollback", release, str(int(revision)), "-n", namespace, *_wait_args(wait, timeout)]
    if force_conflicts:
        args.append("--force-conflicts")
    run(args, action="rollback", timeout=timeout,
        description=f"roll back release {release!r} in {namespace!r} to revision {revision}")
    with _display.quiet():
        return get_release(release, namespace)


_WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job")


def pod_selectors(manifest: str) -> list[dict[str, str]]:
    """The pod labels of every workload in a release manifest (to find its pods).

    Example:
        >>> pod_selectors("kind: Deployment\\nspec: {selector: {matchLabels: {app: web}}}")
        [{'app': 'web'}]
    """
    selectors = []
    for doc in yaml.safe_load_all(manifest):
        if isinstance(doc, dict) and doc.get("kind") in _WORKLOADS:
            template = (doc.get("spec") or {}).get("template") or {}
            labels = selector_of(doc) or (template.get("metadata") or {}).get("labels")
            if labels:
                selectors.append(dict(labels))
    return selectors


def _wait_pods_gone(selectors: list[dict[str, str]], namespace: str, timeout: Timeout,
                    release: str) -> None:
    """Helm's wait ends when the Deployment is deleted; its pods terminate a moment later."""
    deadline = time.monotonic() + _timeout_seconds(timeout)
    with _display.quiet():
        while True:
            left = sum(len(list_("Pod", namespace, labels=sel)) for sel in selectors)
            if not left:
                return
            if time.monotonic() > deadline:
                raise WaitTimeout(
                    f"Release {release!r} is uninstalled but {left} of its pods are still "
                    f"terminating in {namespace!r}.",
                    f"Look at lab.table('Pod', {namespace!r}); they usually go within seconds.")
            time.sleep(0.3)


def uninstall(release: str, namespace: str, *, wait: bool | str = True,
              timeout: Timeout = DEFAULT_TIMEOUT, keep_history: bool = False) -> str:
    """Delete every object of a release, and the release itself (``helm uninstall``).

    With ``wait`` the call returns once the objects are deleted *and* the
    pods of the release's workloads are gone (helm itself stops waiting when
    the Deployment is deleted, while its pods are still terminating).

    Raises:
        UnsafeContext: the cluster is not a lab cluster.
        HelmError: there is no such release.

    Returns:
        helm's confirmation, e.g. ``release "web" uninstalled``.
    """
    _guard.require_lab_cluster(f"uninstall Helm release {release!r} in namespace {namespace!r}")
    selectors: list[dict[str, str]] = []
    if wait is not False:
        with _display.quiet(), contextlib.suppress(HelmError):
            manifest = run(["get", "manifest", release, "-n", namespace],
                           action="get manifest").stdout
            selectors = pod_selectors(manifest)
    args = ["uninstall", release, "-n", namespace, *_wait_args(wait, timeout)]
    if keep_history:
        args.append("--keep-history")
    proc = run(args, action="uninstall", timeout=timeout,
               description=f"delete release {release!r} and its objects in {namespace!r}")
    if selectors:
        _wait_pods_gone(selectors, namespace, timeout, release)
    return proc.stdout.strip()


def status(release: str, namespace: str, revision: int | None = None) -> dict:
    """The state of a release (``helm status -o json``): helm's whole answer as a dict.

    Keys: name, namespace, version (the revision), info (status, description,
    notes, and ``resources``: the live objects of the release), config (the
    user's values), manifest. :func:`get_release` gives the same as a
    :class:`Release`.
    """
    args = ["status", release, "-n", namespace, "-o", "json"]
    if revision is not None:
        args += ["--revision", str(int(revision))]
    proc = run(args, action="status", description=f"release {release!r} in {namespace!r}")
    return _json(proc, "status")


def get_release(release: str, namespace: str) -> Release:
    """The current revision of a release as a :class:`Release` (status plus chart metadata)."""
    data = status(release, namespace)
    proc = run(["get", "metadata", release, "-n", namespace, "-o", "json"],
               action="get metadata", description=f"chart of release {release!r}")
    meta = _json(proc, "get metadata") or {}
    found = Release.from_json(data)
    found.chart = f"{meta.get('chart', '?')}-{meta.get('version', '?')}"
    found.app_version = str(meta.get("appVersion", ""))
    return found


def get_values(release: str, namespace: str, revision: int | None = None, *,
               all_values: bool = False) -> Values:
    """The values a revision was installed with (``helm get values -o json``).

    Args:
        all_values: include the chart's defaults, not only what the user set.
    """
    args = ["get", "values", release, "-n", namespace, "-o", "json"]
    if revision is not None:
        args += ["--revision", str(int(revision))]
    if all_values:
        args.append("--all")
    proc = run(args, action="get values",
               description=f"values of release {release!r} in {namespace!r}")
    return _json(proc, "get values") or {}


def list_releases(namespace: str | None = None) -> list[dict]:
    """The releases of a namespace, or of all namespaces with ``None`` (``helm list -o json``).

    Each dict has name, namespace, revision (an int), updated, status, chart, app_version.
    """
    scope = ["-n", namespace] if namespace else ["--all-namespaces"]
    proc = run(["list", *scope, "-o", "json"], action="list",
               description=f"releases in {namespace!r}" if namespace else "releases everywhere")
    items = _json(proc, "list") or []
    for item in items:
        item["revision"] = int(item.get("revision") or 0)
    return items


def _updated(value: Any) -> pd.Timestamp | None:
    """Helm's two time formats (RFC 3339 in history, Go's default in list), to the second."""
    if not value:
        return None
    text = re.sub(r"\s+[A-Z]{3,4}$", "", str(value))  # "... +0000 UTC" -> "... +0000"
    try:
        return pd.Timestamp(text).tz_convert("UTC").floor("s")
    except (ValueError, TypeError):
        return None


RELEASE_COLUMNS = ["name", "namespace", "revision", "updated", "status", "chart", "app_version"]
HISTORY_COLUMNS = ["revision", "updated", "status", "chart", "app_version", "description"]


def releases_frame(items: list[dict]) -> pd.DataFrame:
    """A table of ``helm list -o json`` items (pure: unit-tested on captured output)."""
    rows = [{**{c: item.get(c, "") for c in RELEASE_COLUMNS},
             "revision": int(item.get("revision") or 0),
             "updated": _updated(item.get("updated"))} for item in items]
    return pd.DataFrame(rows, columns=RELEASE_COLUMNS)


def history_frame(items: list[dict]) -> pd.DataFrame:
    """A table of ``helm history -o json`` items, oldest revision first."""
    rows = [{**{c: item.get(c, "") for c in HISTORY_COLUMNS},
             "revision": int(item.get("revision") or 0),
             "updated": _updated(item.get("updated"))} for item in items]
    frame = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    return frame.sort_values("revision", ignore_index=True)


def releases(namespace: str | None = None) -> pd.DataFrame:
    """:func:`list_releases` as a table (what ``helm list`` prints)."""
    return releases_frame(list_releases(namespace))


def history(release: str, namespace: str) -> pd.DataFrame:
    """Every revision of a release (``helm history``): revision, updated, status, chart,
    app_version, description.

    Example:
        >>> helm.history("web", "demo")[["revision", "status", "description"]]  # doctest: +SKIP
           revision      status       description
        0         1  superseded  Install complete
        1         2    deployed  Upgrade complete
    """
    proc = run(["history", release, "-n", namespace, "-o", "json"], action="history",
               description=f"revisions of release {release!r} in {namespace!r}")
    return history_frame(_json(proc, "history") or [])


# ---------------------------------------------------------------------------
# Offline: render and lint


def template(release: str, chart: str | Path, namespace: str, values: Values | None = None,
             values_files: Iterable[str | Path] = ()) -> str:
    """Render a chart to YAML without touching the cluster (``helm template``).

    This is exactly what helm would send to the API server at install time:
    the quickest way to see what a values change does.
    """
    chart_path = resolve_chart(chart)
    with _values_args(values, values_files) as (vrun, vshown):
        proc = run(["template", release, chart_path, "-n", namespace, *vrun],
                   shown=["template", release, _shown_path(chart_path), "-n", namespace,
                          *vshown],
                   action="template", needs_cluster=False,
                   description=f"render only, nothing sent to the cluster"
                               f"{_describe_values(values)}")
    return proc.stdout


def template_objects(release: str, chart: str | Path, namespace: str,
                     values: Values | None = None,
                     values_files: Iterable[str | Path] = ()) -> list[dict]:
    """:func:`template`, parsed into the list of Kubernetes objects it renders."""
    text = template(release, chart, namespace, values, values_files)
    return [doc for doc in yaml.safe_load_all(text) if doc]


def lint(chart: str | Path, values: Values | None = None) -> str:
    """Check a chart for mistakes (``helm lint``); return helm's report.

    Raises:
        HelmError: the chart has errors (the message lists them).
    """
    chart_path = resolve_chart(chart)
    with _values_args(values, ()) as (vrun, vshown):
        proc = run(["lint", chart_path, *vrun], shown=["lint", _shown_path(chart_path), *vshown],
                   action="lint", needs_cluster=False, description="check the chart offline")
    return proc.stdout.strip()
