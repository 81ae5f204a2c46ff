"""A local release server on 127.0.0.1 with the official URL layouts (dl.k8s.io, GitHub, get.helm.sh).

Why: the download path of ``k8slab tools`` (and Binder's postBuild, which uses
it) must be tested without the internet. A thread serves a temporary folder;
``K8SLAB_MIRROR_<SOURCE>`` points k8slab at ``<url>/<source>``
(:func:`mirror_env`). The ``publish_*`` helpers lay out real binaries (the
developer's cache) as their projects publish them, with their real SHA-256:
a bare file with a ``.sha256`` beside it (Kubernetes, and kwok, whose
releases have none, so the mirror serves one as a mirror may), a ``.tar.gz``
listed in ``SHA256SUMS`` (etcd), a ``.tar.gz`` with a ``.sha256sum`` (helm).
"""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import io
import socket
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

from k8slab._binaries import catalog as _tools
from k8slab._binaries import download as _download

PLAT = _download.host_platform()


class MirrorHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files; a path listed in ``server.truncate`` stops after half its bytes."""

    def log_message(self, *args: object) -> None:  # keep pytest output clean
        pass

    def do_GET(self) -> None:
        path = self.server.root / self.path.lstrip("/")
        self.server.requests.append(self.path)
        if not path.is_file():
            self.send_error(404)
            return
        size = path.stat().st_size
        self.send_response(200)
        self.send_header("Content-Length", str(size))
        self.end_headers()
        with path.open("rb") as data:
            if self.path in self.server.truncate:
                self.wfile.write(data.read(size // 2))
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            while chunk := data.read(1 << 20):
                self.wfile.write(chunk)


@contextlib.contextmanager
def serve(root: Path) -> Iterator[http.server.ThreadingHTTPServer]:
    """Serve ``root`` on 127.0.0.1 (a free port) while the block runs; ``.url``, ``.requests``."""
    root.mkdir(parents=True, exist_ok=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), MirrorHandler)
    server.root = root
    server.requests = []
    server.truncate = set()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def mirror_env(server: http.server.ThreadingHTTPServer) -> dict[str, str]:
    """``K8SLAB_MIRROR_<SOURCE>`` for every source k8slab downloads from."""
    return {f"K8SLAB_MIRROR_{source.upper()}": f"{server.url}/{source}"
            for source in _download.DEFAULT_BASES}


def tarball(members: dict[str, bytes]) -> bytes:
    """A ``.tar.gz`` holding each member (path -> content), executable."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=1) as tf:
        for member, content in members.items():
            info = tarfile.TarInfo(member)
            info.size, info.mode = len(content), 0o755
            tf.addfile(info, io.BytesIO(content))
    return buf.getvalue()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def publish_kubernetes(root: Path, name: str, binary: Path) -> str:
    """``<root>/kubernetes/<v>/bin/<os>/<arch>/<name>`` and its ``.sha256``; the URL path."""
    rel = f"kubernetes/{_tools.KUBE_VERSION}/bin/{PLAT.os}/{PLAT.arch}/{name}"
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    data = binary.read_bytes()
    target.write_bytes(data)
    (target.parent / f"{name}.sha256").write_text(_sha(data))
    return "/" + rel


def publish_kwok(root: Path, name: str, binary: Path) -> None:
    """kwok's bare release file, with a ``.sha256`` beside it (which a mirror may serve)."""
    folder = root / "kwok" / _tools.KWOK_VERSION
    folder.mkdir(parents=True, exist_ok=True)
    data = binary.read_bytes()
    (folder / f"{name}-{PLAT.os}-{PLAT.arch}").write_bytes(data)
    (folder / f"{name}-{PLAT.os}-{PLAT.arch}.sha256").write_text(_sha(data))


def publish_etcd(root: Path, binaries: dict[str, Path]) -> None:
    """etcd's release archive (etcd, etcdctl, etcdutl as given) listed in ``SHA256SUMS``."""
    stem = f"etcd-{_tools.ETCD_VERSION}-{PLAT.os}-{PLAT.arch}"
    folder = root / "etcd" / _tools.ETCD_VERSION
    folder.mkdir(parents=True, exist_ok=True)
    archive = tarball({f"{stem}/{name}": path.read_bytes() for name, path in binaries.items()})
    (folder / f"{stem}.tar.gz").write_bytes(archive)
    (folder / "SHA256SUMS").write_text(f"{'0' * 64}  etcd-{_tools.ETCD_VERSION}-windows-amd64.zip\n"
                                       f"{_sha(archive)}  {stem}.tar.gz\n")


def publish_helm(root: Path, binary: Path) -> None:
    """get.helm.sh's ``helm-<v>-<os>-<arch>.tar.gz`` and its ``.sha256sum``."""
    file = f"helm-{_tools.HELM_VERSION}-{PLAT.os}-{PLAT.arch}.tar.gz"
    archive = tarball({f"{PLAT.os}-{PLAT.arch}/helm": binary.read_bytes()})
    (root / "helm").mkdir(parents=True, exist_ok=True)
    (root / "helm" / file).write_bytes(archive)
    (root / "helm" / f"{file}.sha256sum").write_text(f"{_sha(archive)}  {file}\n")


def publish_from(root: Path, names: list[str]) -> list[str]:
    """Publish each named tool found in the developer's cache; the names that were not found."""
    missing = []
    etcd_family: dict[str, Path] = {}
    for name in names:
        path = _tools.find(name)
        if path is None or path.stat().st_size < 1024:   # absent, or a test placeholder
            missing.append(name)
        elif _tools.TOOLS[name].family == "kubernetes":
            publish_kubernetes(root, name, path)
        elif name in ("kwok", "kwokctl"):
            publish_kwok(root, name, path)
        elif name in ("etcd", "etcdctl", "etcdutl"):
            etcd_family[name] = path
        elif name == "helm":
            publish_helm(root, path)
        else:
            missing.append(name)   # upstream publishes no binary: nothing to mirror
    if etcd_family:
        publish_etcd(root, etcd_family)
    return missing
