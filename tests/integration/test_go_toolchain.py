"""The only-Python path: no ``go`` on PATH, Go's toolchain downloaded, checked and used.

A thread on 127.0.0.1 serves go.dev's URL layout (``/go/go<v>.<os>-<arch>.tar.gz``)
and the Gateway API's release layout. The Go tarball is made here, once per
session, from this machine's own Go (``go env GOROOT``), trimmed of what a
build does not need (tests, ``src/cmd``, the vet/cgo/cover tools): still a
working Go of the pinned version, so ``go version`` and a real build with it
pass. Its SHA-256 is computed here and pinned for the test in place of
go.dev's (the digest table is what is patched, not the check).

The build is the real one: ``ensure()`` of a tool whose wrapper module is
tools/pause (the pause program), built by the downloaded ``go`` with the
user's default build cache. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import http.server
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from k8slab._binaries import catalog as _tools
from k8slab._binaries import download as _download
from k8slab._binaries import gotoolchain as _go
from k8slab._runners import traefik as _traefik
from k8slab.errors import ChecksumMismatch

PLAT = _download.host_platform()
TARBALL = f"go{_go.GO_VERSION}.{PLAT.os}-{PLAT.arch}.tar.gz"
#: A tool of the catalog's kind, for the test only: tools/pause as a wrapper module.
PAUSE = _tools.Tool("pause", "pause", "v0.0.0-test", "k8slab.local/tools/pause", "pause")


class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        path = self.server.root / self.path.lstrip("/")
        if not path.is_file():
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(path.stat().st_size))
        self.end_headers()
        with open(path, "rb") as fh:
            shutil.copyfileobj(fh, self.wfile)


@pytest.fixture
def mirror(tmp_path) -> Iterator[http.server.ThreadingHTTPServer]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.root = tmp_path / "mirror"
    server.root.mkdir()
    server.requests = []
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def go_tarball(tmp_path_factory) -> tuple[Path, str]:
    """This machine's Go, trimmed and packed as go.dev packs it (``go/...``); its SHA-256."""
    go = shutil.which("go")
    if go is None:
        pytest.skip("the test packs this machine's Go as the download: install Go 1.26")
    root = Path(subprocess.run([go, "env", "GOROOT"], capture_output=True, text=True,
                               check=True, env={**os.environ, "GOTOOLCHAIN": "local"},
                               cwd="/").stdout.strip())
    if (root / "VERSION").read_text().split()[0] != f"go{_go.GO_VERSION}":
        pytest.skip(f"this machine's Go is not {_go.GO_VERSION}, the version k8slab pins")
    out = tmp_path_factory.mktemp("go-dl") / TARBALL
    tool_dir = f"go/pkg/tool/{PLAT.os}_{PLAT.arch}"
    excludes = ["*_test.go", "testdata", "go/src/cmd",
                *(f"{tool_dir}/{t}" for t in ("cgo", "cover", "fix", "preprofile", "vet"))]
    tar = subprocess.Popen(["tar", "-c", *(f"--exclude={e}" for e in excludes), "-C",
                            str(root.parent), "go/VERSION", "go/go.env", "go/bin/go",
                            "go/pkg", "go/src"], stdout=subprocess.PIPE)
    with open(out, "wb") as fh:
        subprocess.run(["nice", "-n", "10", "gzip", "-1"], stdin=tar.stdout, stdout=fh,
                       check=True)
    assert tar.wait() == 0
    sha = hashlib.sha256()
    with open(out, "rb") as fh:
        while chunk := fh.read(1 << 20):
            sha.update(chunk)
    return out, sha.hexdigest()


@pytest.fixture
def python_only(tmp_path, monkeypatch, mirror, go_tarball) -> Path:
    """A machine with no ``go`` on PATH, an empty k8slab cache, downloads on, go.dev mirrored."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("K8SLAB_CACHE", str(cache))
    monkeypatch.setenv("K8SLAB_BINARIES", "auto")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.delenv("GOROOT", raising=False)
    assert shutil.which("go") is None, "this test needs a PATH without go"
    for source in _download.DEFAULT_BASES:
        monkeypatch.setenv(f"K8SLAB_MIRROR_{source.upper()}", f"{mirror.url}/{source}")
    folder = mirror.root / "go"
    folder.mkdir()
    (folder / TARBALL).symlink_to(go_tarball[0])
    monkeypatch.setitem(_tools.TOOLS, "pause", PAUSE)
    return cache


def go_folder_entries(cache: Path) -> list[str]:
    folder = cache / "go"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_without_go_the_toolchain_is_downloaded_checked_and_builds(python_only, mirror,
                                                                    go_tarball, monkeypatch,
                                                                    capfd):
    monkeypatch.setitem(_go.GO_SHA256, str(PLAT), go_tarball[1])
    assert _tools.which_go() is None
    paths = _tools.ensure(["pause"])
    assert f"/go/{TARBALL}" in mirror.requests
    out = subprocess.run([str(paths["pause"]), "-v"], capture_output=True, text=True,
                         timeout=10, check=True).stdout
    assert out.strip() == "k8slab pause (built locally)"
    cached = python_only / "go" / f"go{_go.GO_VERSION}" / "bin" / "go"
    assert _tools.which_go() == str(cached)
    err = capfd.readouterr().err
    assert f"downloaded Go {_go.GO_VERSION}" in err and "checksum ok" in err
    assert "0 downloaded, 1 built" in err
    # The binary says which Go built it (its embedded build info).
    info = subprocess.run([str(cached), "version", "-m", str(paths["pause"])],
                          capture_output=True, text=True, check=True,
                          env=_go.go_environ(str(cached))).stdout
    assert f"go{_go.GO_VERSION}" in info
    # No tarball, no half-unpacked tree left; the second time nothing is fetched.
    assert go_folder_entries(python_only) == [".download.lock", f"go{_go.GO_VERSION}"]
    mirror.requests.clear()
    PAUSE.cached.unlink()
    _tools.ensure(["pause"], quiet=True)
    assert mirror.requests == []


def test_a_go_toolchain_with_a_wrong_checksum_is_refused_and_nothing_is_cached(
        python_only, mirror, monkeypatch):
    monkeypatch.setitem(_go.GO_SHA256, str(PLAT), "ab" * 32)
    with pytest.raises(ChecksumMismatch) as err:
        _tools.ensure(["pause"], quiet=True)
    assert f"Go {_go.GO_VERSION} from {mirror.url}/go/{TARBALL}" in err.value.message
    assert "ab" * 32 in err.value.message
    assert "K8SLAB_MIRROR_GO" in err.value.hint and "go.dev/dl" in err.value.hint
    assert f"/go/{TARBALL}" in mirror.requests
    assert go_folder_entries(python_only) == [".download.lock"]
    assert _go.cached_go() is None and not PAUSE.cached.exists()


MANIFEST = """# Gateway API standard channel, as the release publishes it (abridged)
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gatewayclasses.gateway.networking.k8s.io
spec:
  group: gateway.networking.k8s.io
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: httproutes.gateway.networking.k8s.io
spec:
  group: gateway.networking.k8s.io
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: safe-upgrades.gateway.networking.k8s.io
"""


def publish_manifest(mirror) -> tuple[str, str]:
    rel = f"gateway_api/{_traefik.GATEWAY_API_VERSION}/standard-install.yaml"
    (mirror.root / rel).parent.mkdir(parents=True)
    (mirror.root / rel).write_text(MANIFEST)
    return "/" + rel, hashlib.sha256(MANIFEST.encode()).hexdigest()


def test_gateway_api_crds_come_from_the_checked_release_manifest(python_only, mirror,
                                                                  monkeypatch):
    path, digest = publish_manifest(mirror)
    monkeypatch.setattr(_traefik, "GATEWAY_API_SHA256", digest)
    monkeypatch.setattr(_traefik, "_crds_from_module", lambda t: pytest.fail("used the module"))
    files = _traefik.gateway_api_crds()
    assert [f.name for f in files] == ["gateway.networking.k8s.io_gatewayclasses.yaml",
                                       "gateway.networking.k8s.io_httproutes.yaml"]
    assert "name: httproutes.gateway.networking.k8s.io" in files[1].read_text()
    assert mirror.requests == [path]
    assert _traefik.gateway_api_crds() == files and mirror.requests == [path]  # cached
    assert sorted(p.name for p in files[0].parent.parent.iterdir()) == \
        [_traefik.GATEWAY_API_VERSION]  # the manifest itself is not kept


def test_a_gateway_api_manifest_with_a_wrong_checksum_is_refused(python_only, mirror,
                                                                 monkeypatch):
    publish_manifest(mirror)
    monkeypatch.setattr(_traefik, "GATEWAY_API_SHA256", "cd" * 32)
    monkeypatch.setattr(_traefik, "_crds_from_module", lambda t: pytest.fail("used the module"))
    with pytest.raises(ChecksumMismatch) as err:
        _traefik.gateway_api_crds()
    assert "does not match its published checksum" in err.value.message
    assert "K8SLAB_MIRROR_GATEWAY_API" in err.value.hint
    assert list((python_only / "gateway-api").iterdir()) == []
