"""Write container images as OCI image-layout tarballs, without Docker.

Why by hand: the lab has no registry and no Docker engine, yet containerd,
kind and minikube all import an OCI image-layout tarball (``ctr images
import``, ``kind load image-archive``, ``minikube image load``). An image is
only a few JSON documents and one tar of its file system, so writing one is a
page of code and keeps the whole image pipeline offline.

Example:
    >>> from k8slab._binaries.oci import ImageConfig
    >>> ImageConfig(entrypoint=["/pause"]).to_json()["config"]["Entrypoint"]
    ['/pause']
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
CONFIG_TYPE = "application/vnd.oci.image.config.v1+json"
LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar"
#: Bumped when the archive layout changes (image archives are rebuilt then).
FORMAT = 2
#: Epoch for every file in a layer: the same inputs give the same image digest.
EPOCH = 0


@dataclass
class ImageConfig:
    """The runtime part of an image: what starts, as whom, with which labels."""

    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    user: str = ""
    env: list[str] = field(default_factory=lambda: [
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"])
    working_dir: str = ""
    ports: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)

    def to_json(self, diff_id: str = "") -> dict:
        config: dict = {"Env": self.env, "Labels": self.labels}
        if self.entrypoint:
            config["Entrypoint"] = self.entrypoint
        if self.cmd:
            config["Cmd"] = self.cmd
        if self.user:
            config["User"] = self.user
        if self.working_dir:
            config["WorkingDir"] = self.working_dir
        if self.ports:
            config["ExposedPorts"] = {p: {} for p in self.ports}
        return {
            "architecture": _arch(),
            "os": "linux",
            "config": config,
            "rootfs": {"type": "layers", "diff_ids": [diff_id] if diff_id else []},
            "history": [{"created_by": "k8slab images build (made locally, offline)"}],
        }


def _arch() -> str:
    machine = os.uname().machine
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def layer_from_dir(root: Path) -> bytes:
    """One uncompressed layer holding every file under ``root``, owned by root.

    Every file belongs to root whoever built it (images write only to /tmp,
    which is world-writable); modes and symlinks are kept, and times are fixed
    so that rebuilding gives the same digest.
    """
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root).as_posix()
            info = tar.gettarinfo(str(path), arcname=rel)
            info.mtime = EPOCH
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if info.isreg():
                with path.open("rb") as fh:
                    tar.addfile(info, fh)
            else:
                tar.addfile(info)
    return buf.getvalue()


def write_layout(out: Path, ref: str, layer: bytes, config: ImageConfig) -> str:
    """Write ``out`` as an OCI image-layout tar of one image named ``ref``.

    Returns:
        The manifest digest (``sha256:...``), the image's identity.
    """
    config_bytes = json.dumps(config.to_json(_digest(layer)), sort_keys=True).encode()
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_TYPE,
        "config": {"mediaType": CONFIG_TYPE, "digest": _digest(config_bytes),
                   "size": len(config_bytes)},
        "layers": [{"mediaType": LAYER_TYPE, "digest": _digest(layer), "size": len(layer)}],
        "annotations": dict(config.labels),
    }
    manifest_bytes = json.dumps(manifest, sort_keys=True).encode()
    index = {
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": MANIFEST_TYPE,
            "digest": _digest(manifest_bytes),
            "size": len(manifest_bytes),
            "platform": {"architecture": _arch(), "os": "linux"},
            "annotations": {
                # containerd reads the first, other tools the second.
                "io.containerd.image.name": ref,
                "org.opencontainers.image.ref.name": ref,
            },
        }],
    }
    # manifest.json is Docker's archive format, written beside the OCI layout
    # (as `docker save` does since Docker 25), so `docker load` and minikube's
    # docker driver read the same file.
    docker_manifest = [{
        "Config": "blobs/sha256/" + hashlib.sha256(config_bytes).hexdigest(),
        "RepoTags": [ref],
        "Layers": ["blobs/sha256/" + hashlib.sha256(layer).hexdigest()],
    }]
    files = {
        "oci-layout": json.dumps({"imageLayoutVersion": "1.0.0"}).encode(),
        "index.json": json.dumps(index, sort_keys=True).encode(),
        "manifest.json": json.dumps(docker_manifest).encode(),
    }
    for blob in (layer, config_bytes, manifest_bytes):
        files["blobs/sha256/" + hashlib.sha256(blob).hexdigest()] = blob
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with tarfile.open(partial, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = EPOCH
            tar.addfile(info, io.BytesIO(data))
    partial.replace(out)
    return _digest(manifest_bytes)


def read_index(archive: Path) -> dict:
    """The image name, digest and labels recorded in an image-layout tar."""
    with tarfile.open(archive) as tar:
        index = json.load(tar.extractfile("index.json"))  # type: ignore[arg-type]
        entry = index["manifests"][0]
        blob = tar.extractfile("blobs/sha256/" + entry["digest"].split(":", 1)[1])
        manifest = json.load(blob)  # type: ignore[arg-type]
    return {"ref": entry["annotations"]["io.containerd.image.name"],
            "digest": entry["digest"], "labels": manifest.get("annotations", {})}
