"""The download path of ``k8slab tools`` against a local mirror on 127.0.0.1.

A thread (``tests/tools/release_mirror.py``, shared with the Binder test)
serves the official URL layouts (dl.k8s.io, GitHub releases for etcd,
get.helm.sh) from a temporary folder: the real kubectl built here with
its real SHA-256, and small archives for etcd and helm. No cluster is needed;
nothing leaves 127.0.0.1. The Go build, which takes minutes, is replaced by a
recorder only where the test is about *whether* k8slab falls back to it.
"""

from __future__ import annotations

import hashlib
import http.server
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from k8slab._binaries import build as _build
from k8slab._binaries import catalog as _tools
from k8slab._binaries import download as _download
from k8slab.errors import ChecksumMismatch
from tests.tools import release_mirror

KUBE = _tools.KUBE_VERSION
PLAT = _download.host_platform()
#: The kubectl ``./run setup`` put in the shared cache, looked up before any
#: test points K8SLAB_CACHE elsewhere.
BUILT_KUBECTL = _tools.find("kubectl")


@pytest.fixture
def mirror(tmp_path) -> Iterator[http.server.ThreadingHTTPServer]:
    with release_mirror.serve(tmp_path / "mirror") as server:
        yield server


@pytest.fixture
def real_kubectl() -> Path:
    """The kubectl built by ``./run setup`` (the shared cache), to serve as a release."""
    if BUILT_KUBECTL is None:
        pytest.skip("kubectl is not built yet: run `k8slab tools kubectl` first")
    return BUILT_KUBECTL


@pytest.fixture
def lab_cache(tmp_path, monkeypatch, mirror) -> Path:
    """An empty binary cache, downloads on, every source pointed at the mirror."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("K8SLAB_CACHE", str(cache))
    monkeypatch.setenv("K8SLAB_BINARIES", "auto")
    for source in _download.DEFAULT_BASES:
        monkeypatch.setenv(f"K8SLAB_MIRROR_{source.upper()}", f"{mirror.url}/{source}")
    for name in _tools.TOOLS:
        monkeypatch.delenv("K8SLAB_" + name.upper().replace("-", "_"), raising=False)
    return cache


class Builds(list):
    """The Go builds k8slab asked for, and what the cache held at that moment."""

    cache_then: list[list[str]]


@pytest.fixture
def builds(monkeypatch, lab_cache) -> Builds:
    """Record the Go builds k8slab would start, instead of running them for minutes.

    The recorder writes a placeholder where the build would, so ``ensure``
    returns as after a real build.
    """
    calls = Builds()
    calls.cache_then = []

    def record(tools, progress):
        calls.append([t.name for t in tools])
        calls.cache_then.append(leftovers(lab_cache))
        for tool in tools:
            tool.cached.parent.mkdir(parents=True, exist_ok=True)
            tool.cached.write_text("#!/bin/sh\necho placeholder of a go build\n")
        return {t.name: t.cached for t in tools}

    monkeypatch.setattr(_build, "build_family", record)
    monkeypatch.setattr(_build, "go_executable", lambda progress=None: "go")
    return calls


def publish_kubectl(mirror, binary: Path, digest: str | None = None) -> str:
    """Put kubectl and its ``.sha256`` where dl.k8s.io has them; return the URL path."""
    rel = f"kubernetes/{KUBE}/bin/{PLAT.os}/{PLAT.arch}/kubectl"
    target = mirror.root / rel
    target.parent.mkdir(parents=True)
    data = binary.read_bytes()
    target.write_bytes(data)
    (target.parent / "kubectl.sha256").write_text(digest or hashlib.sha256(data).hexdigest())
    return "/" + rel


def tarball(member: str, content: bytes) -> bytes:
    return release_mirror.tarball({member: content})


def leftovers(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.rglob("*") if p.is_file()) if cache.exists() else []


def test_download_from_mirror_gives_a_working_kubectl(mirror, lab_cache, real_kubectl,
                                                      builds, capfd):
    path = publish_kubectl(mirror, real_kubectl)
    paths = _tools.ensure(["kubectl"])
    assert paths["kubectl"] == lab_cache / "bin" / f"kubernetes-{KUBE}" / "kubectl"
    assert builds == []
    assert path in mirror.requests and path + ".sha256" in mirror.requests
    out = subprocess.run([str(paths["kubectl"]), "version", "--client"], capture_output=True,
                         text=True, timeout=30, check=True).stdout
    assert f"Client Version: {KUBE}" in out
    err = capfd.readouterr().err
    assert "downloaded kubectl" in err and "checksum ok" in err
    assert "1 downloaded, 0 built" in err
    assert leftovers(lab_cache) == ["kubectl"]  # no .partial file left next to it


def test_archives_are_checked_and_unpacked(mirror, lab_cache, builds):
    script = b"#!/bin/sh\necho served-by-the-test-mirror\n"
    etcd_stem = f"etcd-{_tools.ETCD_VERSION}-{PLAT.os}-{PLAT.arch}"
    etcd_dir = mirror.root / "etcd" / _tools.ETCD_VERSION
    etcd_dir.mkdir(parents=True)
    etcd_tgz = tarball(f"{etcd_stem}/etcd", script)
    (etcd_dir / f"{etcd_stem}.tar.gz").write_bytes(etcd_tgz)
    (etcd_dir / "SHA256SUMS").write_text(
        f"{'0' * 64}  etcd-{_tools.ETCD_VERSION}-windows-amd64.zip\n"
        f"{hashlib.sha256(etcd_tgz).hexdigest()}  {etcd_stem}.tar.gz\n")
    helm_file = f"helm-{_tools.HELM_VERSION}-{PLAT.os}-{PLAT.arch}.tar.gz"
    helm_tgz = tarball(f"{PLAT.os}-{PLAT.arch}/helm", script)
    (mirror.root / "helm").mkdir()
    (mirror.root / "helm" / helm_file).write_bytes(helm_tgz)
    (mirror.root / "helm" / f"{helm_file}.sha256sum").write_text(
        f"{hashlib.sha256(helm_tgz).hexdigest()}  {helm_file}\n")
    traefik_dir = mirror.root / "traefik" / _tools.TRAEFIK_VERSION
    traefik_dir.mkdir(parents=True)
    traefik_file = f"traefik_{_tools.TRAEFIK_VERSION}_{PLAT.os}_{PLAT.arch}.tar.gz"
    traefik_tgz = tarball("traefik", script)
    (traefik_dir / traefik_file).write_bytes(traefik_tgz)
    (traefik_dir / f"traefik_{_tools.TRAEFIK_VERSION}_checksums.txt").write_text(
        f"{'0' * 64}  traefik_{_tools.TRAEFIK_VERSION}_windows_amd64.zip\n"
        f"{hashlib.sha256(traefik_tgz).hexdigest()}  {traefik_file}\n")
    paths = _tools.ensure(["etcd", "helm", "traefik"], quiet=True)
    assert builds == []
    for name in ("etcd", "helm", "traefik"):
        out = subprocess.run([str(paths[name])], capture_output=True, text=True, check=True)
        assert out.stdout.strip() == "served-by-the-test-mirror"
    assert leftovers(lab_cache) == ["etcd", "helm", "traefik"]


def test_checksum_mismatch_is_refused_and_nothing_is_cached(mirror, lab_cache, real_kubectl,
                                                            builds):
    publish_kubectl(mirror, real_kubectl, digest="ab" * 32)
    with pytest.raises(ChecksumMismatch) as err:
        _tools.ensure(["kubectl"], quiet=True)
    assert "does not match its published checksum" in err.value.message
    assert "ab" * 32 in err.value.message
    assert "K8SLAB_MIRROR_KUBERNETES" in err.value.hint
    assert "K8SLAB_BINARIES=build" in err.value.hint
    assert builds == []  # a bad file is reported, not papered over by a build
    assert leftovers(lab_cache) == []


def test_unreachable_server_falls_back_to_the_go_build(lab_cache, monkeypatch, builds, capfd):
    with socket.socket() as sock:  # a port nobody listens on any more
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    monkeypatch.setenv("K8SLAB_MIRROR_KUBERNETES", f"http://127.0.0.1:{closed}")
    started = time.monotonic()
    _tools.ensure(["kube-apiserver", "kubectl"])
    assert time.monotonic() - started < 10
    assert builds == [["kube-apiserver", "kubectl"]]  # one Go build for the family
    err = capfd.readouterr().err
    assert f"cannot reach http://127.0.0.1:{closed}/" in err and "with Go instead" in err


def test_not_published_falls_back_to_the_go_build(mirror, lab_cache, builds):
    _tools.ensure(["kube-scheduler"], quiet=True)  # the mirror has no such file: 404
    assert builds == [["kube-scheduler"]]


def test_broken_transfer_leaves_no_cached_file(mirror, lab_cache, real_kubectl, builds):
    path = publish_kubectl(mirror, real_kubectl)
    mirror.truncate.add(path)
    _tools.ensure(["kubectl"], quiet=True)
    assert path in mirror.requests
    assert builds == [["kubectl"]]  # it broke: build instead
    assert builds.cache_then == [[]]  # neither kubectl nor kubectl.partial-<pid> was left


def test_build_mode_never_downloads(mirror, lab_cache, real_kubectl, builds, monkeypatch):
    publish_kubectl(mirror, real_kubectl)
    monkeypatch.setenv("K8SLAB_BINARIES", "build")
    _tools.ensure(["kubectl"], quiet=True)
    assert mirror.requests == [] and builds == [["kubectl"]]


def test_kwok_is_downloaded_only_with_a_checksum(mirror, lab_cache, builds):
    script = b"#!/bin/sh\necho kwokctl-from-the-mirror\n"
    folder = mirror.root / "kwok" / _tools.KWOK_VERSION
    folder.mkdir(parents=True)
    for name in ("kwok", "kwokctl"):
        (folder / f"{name}-{PLAT.os}-{PLAT.arch}").write_bytes(script)
    # like GitHub: no checksum file, so kwok is not trusted and gets built
    _tools.ensure(["kwok"], quiet=True)
    assert builds == [["kwok"]]
    # a mirror that serves `<asset>.sha256` beside it is used
    (folder / f"kwokctl-{PLAT.os}-{PLAT.arch}.sha256").write_text(
        hashlib.sha256(script).hexdigest())
    paths = _tools.ensure(["kwokctl"], quiet=True)
    assert builds == [["kwok"]]
    out = subprocess.run([str(paths["kwokctl"])], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "kwokctl-from-the-mirror"
