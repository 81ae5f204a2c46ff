"""Which ``go`` builds the lab's tools: the user's, or Go's official toolchain in the cache.

Why: some binaries have no release k8slab can check (kwok and kwokctl publish
no checksums; Flux's controllers are published as images only; CoreDNS with
the lab's reduced plugin set and Traefik's patched build exist nowhere), so
they are built with Go. A learner with internet but no Go must not be stuck
there: k8slab then downloads Go itself, from its official download
(``https://go.dev/dl/go<version>.<os>-<arch>.tar.gz``), checks it against a
SHA-256 pinned here (go.dev publishes them in its JSON feed,
``https://go.dev/dl/?mode=json&include=all``), unpacks it into
``~/.cache/k8slab/go/go<version>/`` and builds with it. Nothing is installed
outside the cache, and nothing on PATH changes.

The order :func:`go_executable` tries:

1. the ``go`` on PATH, when it is at least :data:`GO_MINIMUM` (what the
   wrappers' ``tools/*/go.mod`` ask for): the user's Go, their module and build
   caches, their ``GOTOOLCHAIN`` setting;
2. the toolchain already in k8slab's cache;
3. downloading that toolchain, unless ``K8SLAB_BINARIES=build``;
4. a :class:`~k8slab.errors.ToolMissing` that says what to install.

Why ``K8SLAB_BINARIES=build`` does not download Go: that setting means
"fetch nothing from release servers" (offline rooms, CI that must prove the
source path); Go's own download is one. Such a machine needs a Go 1.26+ on
PATH (or one left in the cache by an earlier online run).

The cached toolchain runs with ``GOTOOLCHAIN=local`` (it must never fetch yet
another Go) and without the user's ``GOROOT`` (which may name an older Go);
``GOPATH`` and ``GOCACHE`` stay the user's defaults, so modules and compiled
packages are shared with any other Go on the machine.

Example:
    >>> from k8slab._binaries import gotoolchain
    >>> gotoolchain.toolchain_url(gotoolchain.Platform("linux", "arm64"))
    'https://go.dev/dl/go1.26.8.linux-arm64.tar.gz'
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

from k8slab._base.paths import cache_dir
from k8slab._binaries import download as _download
from k8slab._binaries.download import Platform
from k8slab._binaries.progress import Progress, exclusive
from k8slab.errors import ToolMissing

__all__ = ["GO_MINIMUM", "GO_SHA256", "GO_VERSION", "Platform", "cached_go", "can_download",
           "fetch_toolchain", "go_environ", "go_executable", "go_version", "toolchain_dir",
           "toolchain_url", "which_go"]

#: The Go release k8slab downloads when the machine has no Go new enough.
GO_VERSION = "1.26.8"
#: The oldest Go that builds every wrapper module (``go 1.26.0`` in tools/*/go.mod).
GO_MINIMUM = (1, 26)
#: SHA-256 of ``go<GO_VERSION>.<os>-<arch>.tar.gz`` per platform, as go.dev
#: publishes them (``https://go.dev/dl/?mode=json&include=all``). A platform
#: missing here gets no download: its users install Go themselves.
GO_SHA256: dict[str, str] = {
    "linux/amd64": "d0f743b33e8d8945e6b1f432edd15785c70507121d6e2a723b21285eddf8b57b",
    "linux/arm64": "211ffced9dcb9633a55eac6364816ec0ddd951389a740e88fa8b3337971bdda0",
    "darwin/amd64": "186be014105aa6542b767d2c6ed5cca10a0214bdff809ef1724022a8c7894150",
    "darwin/arm64": "a012b25b571bd0138a03dcd25375ceba866fe5ca822f426d2c66a4de56fd3f4b",
}

_VERSION = re.compile(r"go(\d+)\.(\d+)(?:\.(\d+))?")
_INSTALL_HINT = "Install Go 1.26 or newer (https://go.dev/dl/ or your package manager)"


def toolchain_url(plat: Platform) -> str:
    """Where Go's official tarball for ``plat`` is (or its mirror's, ``K8SLAB_MIRROR_GO``)."""
    return f"{_download.base_url('go')}/go{GO_VERSION}.{plat.os}-{plat.arch}.tar.gz"


def toolchain_dir() -> Path:
    """``~/.cache/k8slab/go/go<GO_VERSION>``: the unpacked toolchain (its ``bin/go``)."""
    return cache_dir() / "go" / f"go{GO_VERSION}"


def cached_go() -> Path | None:
    """The cached toolchain's ``go``, if an earlier run unpacked it."""
    go = toolchain_dir() / "bin" / "go"
    return go if go.is_file() else None


def go_version(go: str | os.PathLike) -> tuple[int, int, int] | None:
    """``(1, 26, 8)`` for a ``go`` command, or None when it does not run.

    Asked with ``GOTOOLCHAIN=local`` from the filesystem root, so the answer is
    the binary's own version, never one it would switch to for some go.mod.

    Example:
        >>> go_version("/nonexistent/go") is None
        True
    """
    try:
        stat = os.stat(go)
    except OSError:
        return None
    return _go_version_cached(str(go), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _go_version_cached(go: str, mtime: int, size: int) -> tuple[int, int, int] | None:
    env = {k: v for k, v in os.environ.items() if k != "GOROOT"}
    try:
        out = subprocess.run([go, "version"], capture_output=True, text=True, timeout=30,
                             cwd="/", env={**env, "GOTOOLCHAIN": "local"})
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = _VERSION.search(out.stdout)
    if out.returncode != 0 or match is None:
        return None
    major, minor, patch = match.groups()
    return int(major), int(minor), int(patch or 0)


def _user_go() -> tuple[str | None, tuple[int, int, int] | None]:
    go = shutil.which("go")
    return go, (go_version(go) if go else None)


def which_go() -> str | None:
    """The ``go`` to build with, without downloading anything; None when there is none.

    The user's ``go`` when it is new enough, else the cached toolchain.
    """
    go, version = _user_go()
    if go is not None and version is not None and version[:2] >= GO_MINIMUM:
        return go
    cached = cached_go()
    return str(cached) if cached is not None else None


def can_download(plat: Platform | None = None) -> bool:
    """Whether :func:`go_executable` may fetch Go here: downloads allowed, a digest pinned."""
    plat = plat or _download.host_platform()
    return _download.download_mode() == "auto" and str(plat) in GO_SHA256


def go_executable(progress: Progress | None = None) -> str:
    """The ``go`` to build with; Go's toolchain is downloaded into the cache if needed.

    Args:
        progress: where the download shows; None: a visible one of its own (a
            70 MB download must not be silent).

    Raises:
        ToolMissing: no Go new enough and none may or can be downloaded; says how to fix.
        ChecksumMismatch: the downloaded toolchain is not the published one (nothing kept).
    """
    found = which_go()
    if found is not None:
        return found
    user, version = _user_go()
    if user is None:
        why = "`go` is not on PATH"
    else:
        shown = ".".join(map(str, version)) if version else "unknown"
        why = f"the `go` on PATH ({user}) is Go {shown}, older than 1.26"
    message = f"Go is needed to build the lab's binaries on this machine, and {why}"
    plat = _download.host_platform()
    if _download.download_mode() != "auto":
        raise ToolMissing(
            f"{message}; K8SLAB_BINARIES=build downloads nothing, Go's toolchain included.",
            f"{_INSTALL_HINT}, or unset K8SLAB_BINARIES to let k8slab download Go "
            f"{GO_VERSION} into its cache, or point K8SLAB_KUBE_APISERVER and friends at "
            "official binaries.",
        )
    if str(plat) not in GO_SHA256:
        raise ToolMissing(
            f"{message}, and k8slab knows no checksum of Go {GO_VERSION} for {plat} "
            "to download it safely.",
            f"{_INSTALL_HINT}, then run `k8slab tools` again.",
        )
    try:
        if progress is None:
            with Progress() as own:
                return str(fetch_toolchain(own))
        return str(fetch_toolchain(progress))
    except (_download.Unreachable, _download.NotPublished) as exc:
        raise ToolMissing(
            f"{message}, and Go {GO_VERSION} could not be downloaded: {exc}.",
            f"{_INSTALL_HINT}, or connect this machine to the internet (or set "
            "K8SLAB_MIRROR_GO to a mirror of https://go.dev/dl), then run `k8slab tools` again.",
        ) from exc


def go_environ(go: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment to run ``go`` in: unchanged for the user's Go, pinned for k8slab's.

    The cached toolchain gets ``GOTOOLCHAIN=local`` and loses ``GOROOT``: it
    finds its own root from where it lies, and a user's ``GOROOT`` naming an
    older Go would make it compile with that Go's standard library.

    Example:
        >>> go_environ("/usr/bin/go", {"GOROOT": "/x"})
        {'GOROOT': '/x'}
    """
    env = dict(os.environ if base is None else base)
    try:
        ours = Path(go).resolve().is_relative_to(toolchain_dir().resolve())
    except OSError:
        ours = False
    if ours:
        env.pop("GOROOT", None)
        env["GOTOOLCHAIN"] = "local"
    return env


@contextlib.contextmanager
def _download_lock(folder: Path, progress: Progress):
    """One k8slab downloads Go at a time; another waits (visibly) and uses its result."""
    folder.mkdir(parents=True, exist_ok=True)
    with exclusive(folder / ".download.lock", progress,
                   f"waiting for another k8slab that is downloading Go {GO_VERSION}",
                   "the other download of Go ended"):
        yield


def fetch_toolchain(progress: Progress) -> Path:
    """Download Go's official tarball, check its pinned SHA-256, unpack it into the cache.

    The tarball is written beside the cache as ``.partial``, checked, unpacked
    into a temporary folder, asked for its version, and only then renamed to
    :func:`toolchain_dir`; the tarball itself is deleted. An interrupted or
    refused download leaves nothing that looks like a toolchain.

    Returns:
        The path of the cached ``go``.

    Raises:
        Unreachable, NotPublished: the download server cannot give it.
        ChecksumMismatch: the bytes are not go.dev's (nothing is cached).
        ToolMissing: the archive passed its checksum but holds no working Go.
    """
    plat = _download.host_platform()
    digest = GO_SHA256[str(plat)]
    url = toolchain_url(plat)
    target = toolchain_dir()
    folder = target.parent
    with _download_lock(folder, progress):
        if cached_go() is not None:  # another k8slab got it while this one waited
            return toolchain_dir() / "bin" / "go"
        partial = folder / f"{url.rsplit('/', 1)[-1]}.partial-{os.getpid()}"
        unpacked = folder / f".unpack-{os.getpid()}"
        task = progress.start(f"downloading Go {GO_VERSION} (to build what has no release)")
        outcome = "Go download stopped"
        try:
            _download.fetch_checked(url, digest, partial, task,
                                    timeout=_download.transfer_timeout(),
                                    what=f"Go {GO_VERSION}", source="go")
            task.detail = "checksum ok, unpacking"
            _unpack(partial, unpacked)
            go = unpacked / "go" / "bin" / "go"
            version = go_version(go)
            if version is None or ".".join(map(str, version)) != GO_VERSION:
                raise ToolMissing(
                    f"The Go archive from {url} passed its checksum, but its `go version` "
                    f"says {version or 'nothing'} instead of {GO_VERSION}.",
                    f"Nothing was cached. {_INSTALL_HINT}.",
                )
            (unpacked / "go").replace(target)
            outcome = (f"downloaded Go {GO_VERSION} ({task.done_bytes:,} bytes, checksum ok) "
                       f"-> {target}")
        finally:
            partial.unlink(missing_ok=True)
            shutil.rmtree(unpacked, ignore_errors=True)
            progress.finish(task, outcome)
    return target / "bin" / "go"


def _unpack(archive: Path, into: Path) -> None:
    """Unpack a checked Go tarball (its files under ``go/``), refusing links out of it."""
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    try:
        with tarfile.open(archive, "r:gz") as tf:
            tf.extractall(into, filter="data")
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ToolMissing(f"The Go archive {archive.name} passed its checksum but could not be "
                          f"unpacked ({exc}).", f"Nothing was cached. {_INSTALL_HINT}.") from exc
