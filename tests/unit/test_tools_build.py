"""How missing tools are grouped into Go builds, and how progress is shown."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import pytest

from k8slab._binaries import build as _build
from k8slab._binaries import catalog as _tools
from k8slab._binaries import download as _download
from k8slab._binaries.progress import Progress


def test_one_go_build_for_the_kubernetes_family():
    tools = [_tools.TOOLS[n] for n in ("kube-apiserver", "kubectl", "kubelet")]
    cmd, cwd, env = _build.build_command("go", tools, Path("/out"))
    assert cmd[:2] == ["go", "build"]
    assert cmd[cmd.index("-o") + 1] == "/out/"  # a folder: Go writes one binary per package
    assert cmd[-3:] == ["k8s.io/kubernetes/cmd/kube-apiserver", "k8s.io/kubernetes/cmd/kubectl",
                        "k8s.io/kubernetes/cmd/kubelet"]
    assert cwd.name == "kubernetes" and cwd.parent.name == "tools"
    assert env == {"GOFLAGS": "-mod=mod"}
    assert "gitVersion=v1.36.3" in cmd[cmd.index("-ldflags") + 1]


def test_single_wrapper_package_gets_a_named_output():
    cmd, _, _ = _build.build_command("go", [_tools.TOOLS["etcd"]], Path("/out"))
    assert cmd[cmd.index("-o") + 1] == "/out/etcd"  # the package is .../server/v3


def test_kwok_family_is_one_go_install():
    tools = [_tools.TOOLS["kwok"], _tools.TOOLS["kwokctl"]]
    cmd, cwd, env = _build.build_command("go", tools, Path("/out"))
    assert cmd[:2] == ["go", "install"]
    assert cmd[-2:] == ["sigs.k8s.io/kwok/cmd/kwok@v0.8.0", "sigs.k8s.io/kwok/cmd/kwokctl@v0.8.0"]
    assert env == {"GOBIN": "/out"} and cwd == Path("/out")


@pytest.mark.parametrize(("free_gib", "slots"), [(1.0, 1), (7.9, 1), (8.0, 2), (22.0, 2)])
def test_build_slots_follow_free_memory(monkeypatch, free_gib, slots):
    monkeypatch.delenv("K8SLAB_BUILD_JOBS", raising=False)
    monkeypatch.setattr(_build, "_available_gib", lambda: free_gib)
    assert _build.build_slots() == slots


def test_build_slots_override(monkeypatch):
    monkeypatch.setenv("K8SLAB_BUILD_JOBS", "1")
    monkeypatch.setattr(_build, "_available_gib", lambda: 64.0)
    assert _build.build_slots() == 1


def _record_builds(monkeypatch, delay: float = 0.0) -> tuple[list[list[str]], list[int]]:
    """Replace the Go build by one that writes a small file; record calls and overlap."""
    calls: list[list[str]] = []
    running = [0]
    peak = [0]
    lock = threading.Lock()

    def fake_build(tools, progress):
        with lock:
            calls.append([t.name for t in tools])
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(delay)
        out = {}
        for tool in tools:
            tool.cached.parent.mkdir(parents=True, exist_ok=True)
            tool.cached.write_text("#!/bin/sh\n")
            out[tool.name] = tool.cached
        with lock:
            running[0] -= 1
        return out

    monkeypatch.setattr(_build, "build_family", fake_build)
    monkeypatch.setattr(_build, "go_executable", lambda progress=None: "go")
    monkeypatch.setattr(_tools, "which_go", lambda: "/usr/bin/go")
    return calls, peak


def test_ensure_groups_missing_tools_by_family(monkeypatch, tmp_path):
    monkeypatch.setenv("K8SLAB_CACHE", str(tmp_path))
    calls, _ = _record_builds(monkeypatch)
    paths = _tools.ensure(["kubectl", "kwok", "kube-apiserver", "kwokctl", "helm"], quiet=True)
    assert sorted(map(sorted, calls)) == [["helm"], ["kube-apiserver", "kubectl"],
                                          ["kwok", "kwokctl"]]
    assert paths["kubectl"] == _tools.TOOLS["kubectl"].cached
    assert list(paths) == ["kubectl", "kwok", "kube-apiserver", "kwokctl", "helm"]
    # all cached now: nothing is built again
    calls.clear()
    _tools.ensure(["kubectl", "helm"], quiet=True)
    assert calls == []


def test_ensure_runs_at_most_the_allowed_families_at_once(monkeypatch, tmp_path):
    monkeypatch.setenv("K8SLAB_CACHE", str(tmp_path))
    monkeypatch.setenv("K8SLAB_BUILD_JOBS", "2")
    calls, peak = _record_builds(monkeypatch, delay=0.3)
    _tools.ensure(["kubectl", "kwok", "helm", "etcd"], quiet=True)
    assert len(calls) == 4 and peak[0] == 2
    assert ["kubectl"] in calls[:2]  # the longest family is among the first two


def test_an_unreachable_server_is_tried_once(monkeypatch, tmp_path):
    monkeypatch.setenv("K8SLAB_CACHE", str(tmp_path))
    monkeypatch.setenv("K8SLAB_BINARIES", "auto")
    monkeypatch.setattr(_download, "host_platform", lambda: _download.Platform("linux", "amd64"))
    tried: list[str] = []

    def offline(name, version, asset, target, progress):
        tried.append(name)
        raise _download.Unreachable(f"cannot reach {asset.host}")

    monkeypatch.setattr(_download, "download", offline)
    calls, _ = _record_builds(monkeypatch)
    _tools.ensure(["kube-apiserver", "kube-scheduler", "kubectl", "helm"], quiet=True)
    assert tried == ["kube-apiserver", "helm"]  # one attempt per host, then build
    assert sorted(map(sorted, calls)) == [["helm"],
                                          ["kube-apiserver", "kube-scheduler", "kubectl"]]


def test_progress_prints_a_line_at_least_every_interval():
    out = io.StringIO()
    with Progress(stream=out, interval=0.2, tick=0.05) as progress:
        task = progress.start("building kubelet v1.36.3 with Go")
        task.detail = "3 modules fetched"
        time.sleep(0.7)
        progress.finish(task, "built kubelet v1.36.3")
    lines = out.getvalue().splitlines()
    live = [line for line in lines if line.startswith("k8slab: building kubelet")]
    assert len(live) >= 3, lines  # announced, then repeated while it runs
    assert "3 modules fetched" in live[-1] and live[-1].endswith("s")
    assert lines[-1].startswith("k8slab: built kubelet v1.36.3 in ")


def test_progress_line_shows_bytes_for_downloads():
    with Progress(quiet=True) as progress:
        task = progress.start("downloading kubectl v1.36.3")
        task.done_bytes, task.total_bytes = 12_300_000, 57_000_000
        assert task.line().startswith("downloading kubectl v1.36.3 ... 12.3 MB/57.0 MB ")


def test_traefik_builds_in_a_patched_copy_of_its_wrapper(monkeypatch, tmp_path):
    from k8slab._binaries.catalog import TOOLS

    monkeypatch.setattr(_build, "cache_dir", lambda: tmp_path)
    tool = TOOLS["traefik"]
    cmd, cwd, env = _build.build_command("go", [tool], Path("/o"))
    assert cwd == tmp_path / "src" / "traefik-v3.7.13"
    assert cmd[-3:] == ["-o", "/o/traefik", "github.com/traefik/traefik/v3/cmd/traefik"]
    assert env == {"GOFLAGS": "-mod=mod"}
    # The other wrappers build in place.
    assert _build.wrapper_dir(TOOLS["coredns"]).name == "coredns"


def test_prepare_patched_copies_modules_and_puts_the_patches_over_them(monkeypatch, tmp_path):
    """A fake ``go mod download`` hands out a module folder; the copy gets the patch."""
    import json
    import subprocess

    from k8slab._binaries.catalog import Tool

    src = tmp_path / "tools" / "w"
    (src / "patches").mkdir(parents=True)
    (src / "go.mod").write_text("module k8slab.local/tools/w\n")
    (src / "patches" / "new.go").write_text("package m // patched\n")
    (src / "patches.json").write_text(json.dumps(
        {"example.com/m@v1.0.0": {"dir": "patched/m", "files": {"sub/new.go": "patches/new.go"}}}))
    module = tmp_path / "modcache" / "m@v1.0.0"
    (module / "sub").mkdir(parents=True)
    (module / "m.go").write_text("package m\n")
    module.chmod(0o555)  # the module cache is read-only
    calls = []

    def fake_run(cmd, **kwargs):
        calls.append(cmd)
        return subprocess.CompletedProcess(cmd, 0, json.dumps({"Dir": str(module)}), "")

    monkeypatch.setattr(_build, "tools_src_dir", lambda: tmp_path / "tools")
    monkeypatch.setattr(_build, "cache_dir", lambda: tmp_path / "cache")
    monkeypatch.setattr(_build.subprocess, "run", fake_run)
    tool = Tool("w", "w", "v1", "example.com/m/cmd", "w")
    _build.prepare_patched(tool, "go")
    built = tmp_path / "cache" / "src" / "w-v1"
    assert (built / "go.mod").is_file()
    assert (built / "patched" / "m" / "m.go").read_text() == "package m\n"
    assert (built / "patched" / "m" / "sub" / "new.go").read_text() == "package m // patched\n"
    assert calls == [["go", "mod", "download", "-json", "example.com/m@v1.0.0"]]
    _build.prepare_patched(tool, "go")   # unchanged wrapper: nothing is fetched again
    assert len(calls) == 1
    module.chmod(0o755)


def _go_target_name(package: str, tmp: Path) -> str:
    """What ``go list`` says the binary of ``package`` is called (a stand-in module, offline)."""
    import os
    import shutil
    import subprocess

    go = shutil.which("go")
    if go is None:
        pytest.fail("go is needed to check Go's binary names (./run installs it with the tools)")
    mod = tmp / package.replace("/", "_")
    mod.mkdir()
    (mod / "go.mod").write_text(f"module {package}\n\ngo 1.21\n")
    (mod / "main.go").write_text("package main\n\nfunc main() {}\n")
    out = subprocess.run([go, "list", "-f", "{{.Target}}", "."], cwd=mod, check=True,
                         capture_output=True, text=True,
                         env={**os.environ, "GOBIN": str(tmp / "bin"), "GOFLAGS": "-mod=mod",
                              "GOPROXY": "off", "GOTOOLCHAIN": "local"}).stdout.strip()
    return Path(out).name


@pytest.mark.parametrize("name", sorted(_tools.TOOLS))
def test_go_names_each_binary_as_go_exec_name_says(name, tmp_path):
    """Every tool of every family, slow ones included, without building it: Go's own answer."""
    package = _tools.TOOLS[name].package
    assert _build.go_exec_name(package) == _go_target_name(package, tmp_path)


def test_go_exec_name_strips_major_version_suffixes():
    assert _build.go_exec_name("go.etcd.io/etcd/server/v3") == "server"
    assert _build.go_exec_name("example.com/tool/v10") == "tool"
    assert _build.go_exec_name("example.com/v1") == "v1"  # v1 is never a suffix
    assert _build.go_exec_name("k8s.io/kubernetes/cmd/kubectl") == "kubectl"


def test_two_builds_of_one_family_build_once(monkeypatch, tmp_path):
    """A second k8slab waits for the first one's build of the same family, then uses it."""
    monkeypatch.setenv("K8SLAB_CACHE", str(tmp_path))
    monkeypatch.setattr(_build, "go_executable", lambda progress=None: "go")
    built: list[list[str]] = []

    out = io.StringIO()

    def fake_locked(go, tools, progress):
        built.append([t.name for t in tools])
        # Hold the lock until the second build has said that it waits for this one.
        deadline = time.monotonic() + 30
        while "waiting for another" not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.05)
        for tool in tools:
            tool.cached.parent.mkdir(parents=True, exist_ok=True)
            tool.cached.write_text("#!/bin/sh\n")
        return {t.name: t.cached for t in tools}

    monkeypatch.setattr(_build, "_build_locked", fake_locked)
    tools = [_tools.TOOLS["kwok"], _tools.TOOLS["kwokctl"]]
    results: list[dict] = []
    with Progress(stream=out, interval=10, tick=0.05) as progress:
        threads = [threading.Thread(target=lambda: results.append(
            _build.build_family(tools, progress))) for _ in range(2)]
        for thread in threads:
            thread.start()
            time.sleep(0.1)
        for thread in threads:
            thread.join()
    assert built == [["kwok", "kwokctl"]]
    assert results[0] == results[1] == {t.name: t.cached for t in tools}
    assert "waiting for another k8slab that is building kwok, kwokctl" in out.getvalue()
