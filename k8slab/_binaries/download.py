"""Fetch official release binaries, checked against their published checksums.

Why: building the cluster binaries with Go takes about 13 minutes on two
cores; downloading the same versions from their projects' release servers
takes seconds. So k8slab downloads first and builds only when it must: when
the server is unreachable (offline, CI without internet) or the project does
not publish that binary for this platform.

Where each tool comes from (``<v>`` the version, ``<os>``/``<arch>`` in Go's
names; each base URL can be replaced by a mirror with the variable in
brackets, which is how the tests serve a local copy):

- kubernetes [``K8SLAB_MIRROR_KUBERNETES``]:
  ``https://dl.k8s.io/release/<v>/bin/<os>/<arch>/<name>``, its checksum in
  ``<name>.sha256`` beside (the bare digest).
- etcd [``K8SLAB_MIRROR_ETCD``]:
  ``https://github.com/etcd-io/etcd/releases/download/<v>/etcd-<v>-linux-<arch>.tar.gz``
  (``-darwin-<arch>.zip`` on macOS), checksums of all files in ``SHA256SUMS`` beside.
- kwok [``K8SLAB_MIRROR_KWOK``]:
  ``https://github.com/kubernetes-sigs/kwok/releases/download/<v>/<name>-<os>-<arch>``
  (bare binaries, no checksum file).
- helm [``K8SLAB_MIRROR_HELM``]: ``https://get.helm.sh/helm-<v>-<os>-<arch>.tar.gz``,
  its checksum in ``.sha256sum`` beside (``<digest>  <file>``).
- traefik [``K8SLAB_MIRROR_TRAEFIK``]:
  ``https://github.com/traefik/traefik/releases/download/<v>/traefik_<v>_<os>_<arch>.tar.gz``,
  checksums of all files in ``traefik_<v>_checksums.txt`` beside.
- the Go toolchain [``K8SLAB_MIRROR_GO``]: ``https://go.dev/dl/go<v>.<os>-<arch>.tar.gz``,
  its SHA-256 pinned in :data:`k8slab._binaries.gotoolchain.GO_SHA256` (go.dev
  publishes them in ``https://go.dev/dl/?mode=json&include=all``).
- the Gateway API CRDs [``K8SLAB_MIRROR_GATEWAY_API``]:
  ``https://github.com/kubernetes-sigs/gateway-api/releases/download/<v>/standard-install.yaml``,
  its SHA-256 pinned in :data:`k8slab._runners.traefik.GATEWAY_API_SHA256`.

What is published, hence what gets downloaded:

- Linux amd64/arm64 (and ppc64le/s390x): everything.
- macOS (darwin amd64/arm64): kubectl, etcd, kwok, kwokctl and helm. The
  Kubernetes project publishes **no** kube-apiserver, kube-controller-manager
  or kube-scheduler for macOS: they are built with Go there. kubelet and
  kube-proxy are Linux programs (they drive Linux namespaces and iptables);
  k8slab refuses them on macOS rather than building something that cannot run.
- kwok publishes no checksum file. k8slab downloads it only when a digest is
  known: a ``<asset>.sha256`` file served beside it (a mirror can do that) or
  an entry in :data:`PINNED_SHA256`; otherwise kwok and kwokctl are built.

A checksum protects against a truncated or corrupted transfer and a mirror
serving the wrong file; it comes from the same server, so it is not a
signature. A download is written to ``<name>.partial-<pid>``, checked, and only
then renamed into the cache: an interrupted transfer never leaves a binary
that looks valid.

Example:
    >>> from k8slab._binaries.download import Platform, release_asset
    >>> release_asset("kubectl", "v1.36.3", Platform("linux", "amd64")).url
    'https://dl.k8s.io/release/v1.36.3/bin/linux/amd64/kubectl'
"""

from __future__ import annotations

import hashlib
import http.client
import os
import platform as _platform
import re
import shutil
import tarfile
import threading
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from k8slab._binaries.progress import Progress, Task
from k8slab.errors import ChecksumMismatch

#: Default base URL of each source (override: ``K8SLAB_MIRROR_<SOURCE>``).
DEFAULT_BASES = {
    "kubernetes": "https://dl.k8s.io/release",
    "etcd": "https://github.com/etcd-io/etcd/releases/download",
    "kwok": "https://github.com/kubernetes-sigs/kwok/releases/download",
    "helm": "https://get.helm.sh",
    "traefik": "https://github.com/traefik/traefik/releases/download",
    # Not tools of their own: the Go toolchain that builds what has no release
    # (k8slab._binaries.gotoolchain) and the Gateway API's release manifest.
    "go": "https://go.dev/dl",
    "gateway_api": "https://github.com/kubernetes-sigs/gateway-api/releases/download",
}

#: Which platforms each source publishes, as ``os/arch`` (Go names).
_LINUX_SERVER = {"linux/amd64", "linux/arm64", "linux/ppc64le", "linux/s390x"}
PUBLISHED: dict[str, set[str]] = {
    "kube-apiserver": _LINUX_SERVER,
    "kube-controller-manager": _LINUX_SERVER,
    "kube-scheduler": _LINUX_SERVER,
    "kubelet": _LINUX_SERVER,
    "kube-proxy": _LINUX_SERVER,
    "kubeadm": _LINUX_SERVER,
    "kubectl": _LINUX_SERVER | {"darwin/amd64", "darwin/arm64"},
    "etcd": _LINUX_SERVER | {"darwin/amd64", "darwin/arm64"},
    "etcdctl": _LINUX_SERVER | {"darwin/amd64", "darwin/arm64"},
    "etcdutl": _LINUX_SERVER | {"darwin/amd64", "darwin/arm64"},
    "kwok": {"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64"},
    "kwokctl": {"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64"},
    "helm": _LINUX_SERVER | {"darwin/amd64", "darwin/arm64"},
    "traefik": _LINUX_SERVER | {"darwin/amd64", "darwin/arm64"},
}

#: Digests of release files that publish none, keyed by the file's URL name
#: and version: ``("kwokctl-linux-amd64", "v0.8.0"): "<64 hex digits>"``. Fill
#: it from a machine with internet (``sha256sum`` of the release asset); an
#: entry makes the download path usable for that file.
PINNED_SHA256: dict[tuple[str, str], str] = {}

#: Seconds to wait for a connection (and the checksum file): an offline
#: machine must fall back to building quickly. ``K8SLAB_DOWNLOAD_TIMEOUT``.
CONNECT_TIMEOUT = 5.0
#: Seconds a running transfer may stall before it counts as broken.
READ_TIMEOUT = 60.0

_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64",
         "ppc64le": "ppc64le", "s390x": "s390x"}
_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


class Unreachable(Exception):
    """The release server could not be reached or the transfer broke (internal)."""


class NotPublished(Exception):
    """The source has no such file (or no checksum for it) for this platform (internal)."""


@dataclass(frozen=True)
class Platform:
    """An ``os``/``arch`` pair in Go's names (``linux``/``amd64``, ``darwin``/``arm64``)."""

    os: str
    arch: str

    def __str__(self) -> str:
        return f"{self.os}/{self.arch}"


def host_platform() -> Platform:
    """This machine, in the names release servers use."""
    machine = _platform.machine().lower()
    return Platform(_platform.system().lower(), _ARCH.get(machine, machine))


@dataclass(frozen=True)
class Asset:
    """One downloadable file and how to check it.

    Attributes:
        source: ``kubernetes``, ``etcd``, ``kwok`` or ``helm``.
        url: the file to fetch.
        checksum_url: where its SHA-256 is published (None: only pinned).
        checksum_name: the file name to look up in a multi-line checksum file.
        member: the binary's path inside the archive (None: a bare binary).
    """

    source: str
    url: str
    checksum_url: str | None
    checksum_name: str
    member: str | None = None

    @property
    def host(self) -> str:
        return urllib.parse.urlparse(self.url).netloc


def base_url(source: str) -> str:
    """The base URL of a source, or the mirror named by ``K8SLAB_MIRROR_<SOURCE>``."""
    return os.environ.get(f"K8SLAB_MIRROR_{source.upper()}", DEFAULT_BASES[source]).rstrip("/")


def release_asset(name: str, version: str, plat: Platform) -> Asset | None:
    """The official release file of a tool for a platform, or None if none is published.

    Args:
        name: a tool of :data:`PUBLISHED` (``kube-apiserver``, ``etcd``, ``helm``...).
        version: its version with the ``v`` (``v1.36.3``).
        plat: the target platform.

    Example:
        >>> release_asset("kube-apiserver", "v1.36.3", Platform("darwin", "arm64")) is None
        True
    """
    if str(plat) not in PUBLISHED.get(name, set()):
        return None
    if name.startswith("kube"):
        url = f"{base_url('kubernetes')}/{version}/bin/{plat.os}/{plat.arch}/{name}"
        return Asset("kubernetes", url, url + ".sha256", name)
    if name in ("etcd", "etcdctl", "etcdutl"):
        # One release archive carries the server and both command-line tools.
        stem = f"etcd-{version}-{plat.os}-{plat.arch}"
        ext = ".zip" if plat.os == "darwin" else ".tar.gz"
        base = f"{base_url('etcd')}/{version}"
        return Asset("etcd", f"{base}/{stem}{ext}", f"{base}/SHA256SUMS", stem + ext,
                     member=f"{stem}/{name}")
    if name in ("kwok", "kwokctl"):
        file = f"{name}-{plat.os}-{plat.arch}"
        url = f"{base_url('kwok')}/{version}/{file}"
        return Asset("kwok", url, url + ".sha256", file)
    if name == "helm":
        file = f"helm-{version}-{plat.os}-{plat.arch}.tar.gz"
        url = f"{base_url('helm')}/{file}"
        return Asset("helm", url, url + ".sha256sum", file, member=f"{plat.os}-{plat.arch}/helm")
    if name == "traefik":
        file = f"traefik_{version}_{plat.os}_{plat.arch}.tar.gz"
        base = f"{base_url('traefik')}/{version}"
        return Asset("traefik", f"{base}/{file}", f"{base}/traefik_{version}_checksums.txt",
                     file, member="traefik")
    return None


def parse_checksum(text: str, file_name: str) -> str:
    """The SHA-256 of ``file_name`` in a checksum file, lower-case.

    Accepts the three published forms: a bare digest (``kubectl.sha256``),
    ``<digest>  <file>`` (helm's ``.sha256sum``) and many such lines
    (etcd's ``SHA256SUMS``, also ``<digest> *<file>``).

    Raises:
        ValueError: no well-formed digest for that file in the text.

    Example:
        >>> parse_checksum("ab" * 32 + "  helm-v4.3.1-linux-amd64.tar.gz\\n",
        ...                "helm-v4.3.1-linux-amd64.tar.gz") == "ab" * 32
        True
    """
    lines = [line.split() for line in text.splitlines() if line.strip()]
    if len(lines) == 1 and len(lines[0]) == 1 and _HEX64.match(lines[0][0]):
        return lines[0][0].lower()
    for parts in lines:
        if len(parts) == 2 and _HEX64.match(parts[0]):
            listed = parts[1].lstrip("*")
            if listed == file_name or listed.rsplit("/", 1)[-1] == file_name:
                return parts[0].lower()
    raise ValueError(f"no SHA-256 for {file_name} in the checksum file")


def _timeout() -> float:
    return float(os.environ.get("K8SLAB_DOWNLOAD_TIMEOUT", CONNECT_TIMEOUT))


def transfer_timeout() -> float:
    """Seconds a transfer from a server known to answer may stall (big files get time)."""
    return max(_timeout(), READ_TIMEOUT)


def download_mode() -> str:
    """``build`` (never download) or ``auto`` (download first), from ``K8SLAB_BINARIES``."""
    return "build" if os.environ.get("K8SLAB_BINARIES", "").lower() == "build" else "auto"


def _open(url: str, timeout: float) -> http.client.HTTPResponse:
    """``urlopen`` with the name lookup bounded too (a hung resolver would block)."""
    result: dict = {}

    def run() -> None:
        try:
            result["response"] = urllib.request.urlopen(url, timeout=timeout)
        except BaseException as exc:  # handed back to the caller
            result["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout + 1)
    if worker.is_alive():
        raise Unreachable(f"no answer from {url} within {timeout:.0f}s")
    if "error" in result:
        exc = result["error"]
        if isinstance(exc, urllib.error.HTTPError):
            if exc.code == 404:
                raise NotPublished(f"{url} does not exist (404)") from exc
            raise Unreachable(f"{url} answered {exc.code} {exc.reason}") from exc
        if isinstance(exc, (urllib.error.URLError, OSError)):
            reason = getattr(exc, "reason", exc)
            raise Unreachable(f"cannot reach {url} ({reason})") from exc
        raise exc
    return result["response"]


def expected_digest(asset: Asset, version: str) -> str:
    """The digest to check against: pinned, else the published checksum file.

    Raises:
        Unreachable: the server does not answer (offline).
        NotPublished: there is no checksum for this file.
        ChecksumMismatch: the checksum file is there but unreadable.
    """
    key = (asset.url.rsplit("/", 1)[-1], version)
    if key in PINNED_SHA256:
        return PINNED_SHA256[key].lower()
    if asset.checksum_url is None:
        raise NotPublished(f"no checksum is published for {asset.url}")
    try:
        with _open(asset.checksum_url, _timeout()) as response:
            text = response.read(1 << 20).decode("utf-8", "replace")
    except NotPublished as exc:
        raise NotPublished(f"no checksum is published for {asset.url} "
                           f"({asset.checksum_url}: 404)") from exc
    try:
        return parse_checksum(text, asset.checksum_name)
    except ValueError as exc:
        raise ChecksumMismatch(
            f"The checksum file {asset.checksum_url} does not list a SHA-256 for "
            f"{asset.checksum_name}, so the download cannot be checked.",
            _mismatch_hint(asset.source),
        ) from exc


def _mismatch_hint(source: str) -> str:
    var = f"K8SLAB_MIRROR_{source.upper()}"
    where = (f"the mirror {os.environ[var]} ({var})" if var in os.environ
             else "the release server")
    if source == "go":
        return (f"Nothing was cached. Check {where}, or install Go 1.26 or newer yourself "
                "(https://go.dev/dl/ or your package manager): k8slab uses a `go` on PATH.")
    if source == "gateway_api":
        return (f"Nothing was cached. Check {where}, or take the CRDs from the Go module "
                "instead: `K8SLAB_BINARIES=build` (needs Go and the Go module proxy).")
    return (f"Nothing was cached. Check {where}, or build from source instead: "
            "`K8SLAB_BINARIES=build k8slab tools`.")


def download(name: str, version: str, asset: Asset, target: Path, progress: Progress) -> Path:
    """Fetch ``asset``, check it, and install the binary at ``target``.

    Args:
        name: the tool (for messages).
        version: its version (the pinned-digest key).
        asset: from :func:`release_asset`.
        target: the final path in the cache.
        progress: where bytes and time are shown.

    Raises:
        Unreachable: offline, or the transfer broke (nothing is left behind).
        NotPublished: no file or no checksum for it.
        ChecksumMismatch: the bytes are not the published ones (nothing is cached).
    """
    digest = expected_digest(asset, version)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
    task = progress.start(f"downloading {name} {version}")
    try:
        # The checksum usually came from this server a moment ago: it is
        # reachable, so a slow transfer gets time rather than a fallback build.
        # (A pinned digest skips that probe; the short timeout then applies.)
        pinned = (asset.url.rsplit("/", 1)[-1], version) in PINNED_SHA256
        timeout = _timeout() if pinned else max(_timeout(), READ_TIMEOUT)
        fetch_checked(asset.url, digest, partial, task, timeout=timeout,
                      what=f"{name} {version}", source=asset.source)
        if asset.member is None:
            partial.chmod(0o755)
            partial.replace(target)
        else:
            _extract(partial, asset.member, target)
    finally:
        partial.unlink(missing_ok=True)
        progress.finish(task, f"downloaded {name} {version} ({task.done_bytes:,} bytes, "
                              "checksum ok)" if target.is_file() else f"{name}: download stopped")
    return target


def fetch_checked(url: str, digest: str, dest: Path, task: Task, *, timeout: float,
                  what: str, source: str) -> None:
    """Stream ``url`` into ``dest`` and check its SHA-256; on any failure ``dest`` is deleted.

    Why one function: every download k8slab makes (a tool, the Go toolchain,
    the Gateway API manifest) must fail the same way: a broken transfer is
    :class:`Unreachable` (the caller may fall back to building), a wrong
    digest is :class:`ChecksumMismatch` (never papered over), and neither
    leaves a file behind.

    Args:
        url: the file to fetch.
        digest: its expected SHA-256 (lower-case hex).
        dest: where the bytes go (a ``.partial`` name the caller renames).
        task: its progress line (bytes are counted on it).
        timeout: seconds a connection or a read may stall.
        what: the thing downloaded, for messages (``kubectl v1.36.3``).
        source: the :data:`DEFAULT_BASES` key, for the mirror hint.

    Raises:
        Unreachable: offline, or the transfer broke.
        NotPublished: the server has no such file (404).
        ChecksumMismatch: the bytes are not the expected ones.
    """
    try:
        sha = hashlib.sha256()
        with _open(url, timeout) as response:
            length = response.headers.get("Content-Length")
            task.total_bytes = int(length) if length and length.isdigit() else None
            with open(dest, "wb") as out:
                while chunk := response.read(1 << 16):
                    out.write(chunk)
                    sha.update(chunk)
                    task.done_bytes += len(chunk)
        if task.total_bytes is not None and task.done_bytes != task.total_bytes:
            raise Unreachable(f"the transfer of {url} broke after "
                              f"{task.done_bytes} of {task.total_bytes} bytes")
        if sha.hexdigest() != digest.lower():
            raise ChecksumMismatch(
                f"{what} from {url} does not match its published checksum "
                f"(expected sha256 {digest.lower()}, got {sha.hexdigest()}); "
                "the file was deleted.",
                _mismatch_hint(source),
            )
    except (OSError, EOFError, ValueError, http.client.HTTPException) as exc:
        # a reset connection, a short read, a stalled transfer
        dest.unlink(missing_ok=True)
        raise Unreachable(f"the transfer of {url} broke "
                          f"after {task.done_bytes} bytes ({exc})") from exc
    except BaseException:
        dest.unlink(missing_ok=True)
        raise


def _extract(archive: Path, member: str, target: Path) -> None:
    """Copy one binary out of a checked ``.tar.gz`` or ``.zip`` into ``target``."""
    tmp = target.with_name(f"{target.name}.partial-x{os.getpid()}")
    with open(archive, "rb") as fh:
        is_zip = fh.read(2) == b"PK"
    try:
        with open(tmp, "wb") as out:
            if is_zip:
                with zipfile.ZipFile(archive) as zf, zf.open(member) as src:
                    shutil.copyfileobj(src, out)
            else:
                with tarfile.open(archive, "r:gz") as tf:
                    packed = tf.extractfile(member)
                    if packed is None:
                        raise KeyError(member)
                    shutil.copyfileobj(packed, out)
        tmp.chmod(0o755)
        tmp.replace(target)
    except (KeyError, tarfile.TarError, zipfile.BadZipFile) as exc:
        raise ChecksumMismatch(
            f"The archive {archive.name} passed its checksum but holds no readable {member}.",
            "Nothing was cached. Build from source instead: `K8SLAB_BINARIES=build k8slab tools`.",
        ) from exc
    finally:
        tmp.unlink(missing_ok=True)
