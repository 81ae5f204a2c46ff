"""Which Go builds the lab's tools, and the Gateway API CRDs' two sources, without a server.

The ``go`` commands here are small shell scripts that answer ``go version``
like Go does (an old Go, a new one), put first on PATH: what is tested is
k8slab's choice between them, never Go itself. The download path against a
real server is in tests/integration/test_go_toolchain.py.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

from k8slab._binaries import catalog as _tools
from k8slab._binaries import download as _download
from k8slab._binaries import gotoolchain as _go
from k8slab._binaries.download import Platform
from k8slab._runners import traefik as _traefik
from k8slab.engines.kwok import KwokEngine
from k8slab.errors import ToolMissing


def fake_go(folder: Path, version: str) -> Path:
    """A ``go`` that says it is ``version`` (and does nothing else)."""
    folder.mkdir(parents=True, exist_ok=True)
    go = folder / "go"
    go.write_text(f"#!/bin/sh\necho 'go version go{version} linux/amd64'\n")
    go.chmod(0o755)
    return go


@pytest.fixture
def no_go(monkeypatch, tmp_path) -> Path:
    """An empty cache and a PATH with no ``go``; returns a folder to put one in first."""
    monkeypatch.setenv("K8SLAB_CACHE", str(tmp_path / "cache"))
    first = tmp_path / "path"
    first.mkdir()
    monkeypatch.setenv("PATH", str(first))  # the fake go scripts need nothing else
    return first


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_every_pinned_go_digest_is_a_sha256_of_the_pinned_version():
    assert _go.GO_VERSION.startswith("1.26.")  # what tools/*/go.mod ask for, or newer
    assert set(_go.GO_SHA256) >= {"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64"}
    for digest in _go.GO_SHA256.values():
        assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert len(set(_go.GO_SHA256.values())) == len(_go.GO_SHA256)


def test_go_minimum_is_what_the_wrappers_go_mod_require():
    root = Path(__file__).resolve().parents[2] / "tools"
    wanted = set()
    for mod in root.glob("*/go.mod"):
        match = re.search(r"(?m)^go (\d+)\.(\d+)", mod.read_text())
        assert match, mod
        wanted.add((int(match[1]), int(match[2])))
    assert max(wanted) == _go.GO_MINIMUM


def test_toolchain_url_follows_go_dev_and_its_mirror(monkeypatch):
    assert _go.toolchain_url(Platform("darwin", "arm64")) == \
        f"https://go.dev/dl/go{_go.GO_VERSION}.darwin-arm64.tar.gz"
    monkeypatch.setenv("K8SLAB_MIRROR_GO", "http://127.0.0.1:9/go/")
    assert _go.toolchain_url(Platform("linux", "amd64")) == \
        f"http://127.0.0.1:9/go/go{_go.GO_VERSION}.linux-amd64.tar.gz"


def test_a_new_enough_go_on_path_is_the_users(no_go):
    go = fake_go(no_go, "1.26.2")
    assert _go.go_version(go) == (1, 26, 2)
    assert _tools.which_go() == str(go)
    assert _go.go_executable() == str(go)
    assert _go.go_environ(str(go), {"GOROOT": "/theirs"}) == {"GOROOT": "/theirs"}


def test_an_old_go_on_path_gives_way_to_the_cached_toolchain(no_go):
    fake_go(no_go, "1.24.2")
    assert _tools.which_go() is None
    cached = fake_go(_go.toolchain_dir() / "bin", _go.GO_VERSION)
    assert _tools.which_go() == str(cached)
    env = _go.go_environ(str(cached), {"GOROOT": "/usr/lib/go-1.24", "HOME": "/h"})
    assert env == {"GOTOOLCHAIN": "local", "HOME": "/h"}  # never the older Go's library


def test_build_mode_downloads_no_go_and_says_what_to_do(no_go):
    fake_go(no_go, "1.24.2")
    with pytest.raises(ToolMissing) as err:
        _go.go_executable()
    assert "Go 1.24.2, older than 1.26" in err.value.message
    assert "K8SLAB_BINARIES=build downloads nothing" in err.value.message
    assert "go.dev/dl" in err.value.hint and "unset K8SLAB_BINARIES" in err.value.hint
    assert not _go.toolchain_dir().parent.exists()


def test_an_unreachable_go_download_teaches(no_go, monkeypatch):
    monkeypatch.setenv("K8SLAB_BINARIES", "auto")
    monkeypatch.setenv("K8SLAB_MIRROR_GO", f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(ToolMissing) as err:
        _go.go_executable()
    assert "`go` is not on PATH" in err.value.message
    assert f"Go {_go.GO_VERSION} could not be downloaded" in err.value.message
    assert "K8SLAB_MIRROR_GO" in err.value.hint and "go.dev/dl" in err.value.hint
    assert _go.cached_go() is None
    assert sorted(p.name for p in _go.toolchain_dir().parent.iterdir()) == [".download.lock"]


def test_no_pinned_go_for_a_platform_means_no_download(no_go, monkeypatch):
    monkeypatch.setenv("K8SLAB_BINARIES", "auto")
    monkeypatch.setattr(_download, "host_platform", lambda: Platform("freebsd", "riscv64"))
    assert not _go.can_download()
    with pytest.raises(ToolMissing) as err:
        _go.go_executable()
    assert "knows no checksum of Go" in err.value.message and "freebsd/riscv64" in err.value.message


def test_kwok_is_available_without_go_when_go_can_be_downloaded(no_go, monkeypatch):
    monkeypatch.setenv("K8SLAB_BINARIES", "auto")
    assert KwokEngine().availability().ok
    monkeypatch.setenv("K8SLAB_BINARIES", "build")
    avail = KwokEngine().availability()
    assert not avail.ok and "K8SLAB_BINARIES=build" in avail.reason


CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: {plural}.gateway.networking.k8s.io
spec:
  group: gateway.networking.k8s.io
"""


def manifest(*plurals: str) -> str:
    """A release-manifest-like text: a header, CRDs, and an admission policy."""
    docs = ["# Copyright of the project\n#\n# Gateway API Standard channel install\n#\n"]
    docs += [CRD.format(plural=p) for p in plurals]
    docs.append("apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\n"
                "metadata:\n  name: safe-upgrades.gateway.networking.k8s.io\n")
    return "---\n".join(docs)


def test_split_crds_keeps_each_crd_as_checked_and_names_it_as_the_module_does():
    crds = _traefik.split_crds(manifest("gatewayclasses", "httproutes"))
    assert list(crds) == ["gateway.networking.k8s.io_gatewayclasses.yaml",
                          "gateway.networking.k8s.io_httproutes.yaml"]
    assert crds["gateway.networking.k8s.io_httproutes.yaml"] == CRD.format(plural="httproutes")


def test_gateway_api_takes_the_module_without_downloads(monkeypatch, tmp_path):
    """K8SLAB_BINARIES=build: not one request to the release server, the module path."""
    monkeypatch.setenv("K8SLAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("K8SLAB_MIRROR_GATEWAY_API", "http://127.0.0.1:9")
    monkeypatch.setattr(_download, "fetch_checked", lambda *a, **k: pytest.fail("downloaded"))
    used = []
    monkeypatch.setattr(_traefik, "_crds_from_module", lambda target: used.append(target) or [])
    _traefik.gateway_api_crds()
    assert used == [tmp_path / "cache" / "gateway-api" / _traefik.GATEWAY_API_VERSION]


def test_gateway_api_falls_back_to_the_module_when_unreachable(monkeypatch, tmp_path, capfd):
    monkeypatch.setenv("K8SLAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("K8SLAB_BINARIES", "auto")
    port = closed_port()
    monkeypatch.setenv("K8SLAB_MIRROR_GATEWAY_API", f"http://127.0.0.1:{port}")
    used = []
    monkeypatch.setattr(_traefik, "_crds_from_module", lambda target: used.append(target) or [])
    _traefik.gateway_api_crds()
    assert len(used) == 1
    err = capfd.readouterr().err
    assert f"cannot reach http://127.0.0.1:{port}/" in err and "from the Go module instead" in err
    assert not list((tmp_path / "cache" / "gateway-api").iterdir())  # no partial file left
