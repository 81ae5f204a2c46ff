"""Install Traefik, the lab's Ingress and Gateway API controller, in one namespace.

Why here, below the lesson: installing needs what only the entry points may
touch: the image made on this machine (:mod:`k8slab._binaries.images`, which builds
Traefik with Go the first time), the node's runtime to load it into, and, on
the host engine, the relay that lets a pod reach the API server
(:mod:`k8slab.engines.apirelay`). The Gateway API's CRDs come from the
project's release manifest (checked against a pinned SHA-256), else from its Go
module ``sigs.k8s.io/gateway-api`` (``go mod download``); they are cached and
nothing of them is committed.

What Traefik does once it runs (watch Ingresses and HTTPRoutes, route,
publish status) is Traefik's own work; :mod:`k8slab.ingress` only sends
requests to it and reads the answers.

Example:
    >>> from k8slab import _traefik
    >>> _traefik.controller_objects("demo", "kind")[0]["kind"]      # doctest: +SKIP
    'ServiceAccount'
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import yaml

from k8slab._base.paths import cache_dir, manifests_dir
from k8slab._binaries import download as _download
from k8slab._binaries import images as _images
from k8slab._binaries.build import go_executable
from k8slab._binaries.gotoolchain import go_environ
from k8slab._binaries.progress import Progress
from k8slab._core.manifests import load
from k8slab._core.resources import apply, find
from k8slab._core.status import status_record
from k8slab._core.wait import wait
from k8slab._runners.traefik_pod import controller_pod, controller_version
from k8slab.errors import K8sLabError, ToolMissing

IMAGE = "k8slab.local/traefik:3.7.13"
MANIFEST = "10-ingress-traefik.yaml"
GATEWAY_API_MODULE = "sigs.k8s.io/gateway-api"
GATEWAY_API_VERSION = "v1.6.1"
#: SHA-256 of that release's ``standard-install.yaml`` (GitHub shows it as the
#: asset's digest; the project publishes no checksum file).
GATEWAY_API_SHA256 = "24d931f22abd8e40c973264319ead7cfa09d0fb7716b7ab1ee2ff174cb063a73"


def gateway_api_manifest_url() -> str:
    """The release manifest of :data:`GATEWAY_API_VERSION` (``K8SLAB_MIRROR_GATEWAY_API``)."""
    return f"{_download.base_url('gateway_api')}/{GATEWAY_API_VERSION}/standard-install.yaml"


def gateway_api_crds() -> list[Path]:
    """The Gateway API's standard-channel CRDs, one file each, cached (fetched once).

    Where they come from: the project's release manifest
    (``standard-install.yaml``, checked against :data:`GATEWAY_API_SHA256`),
    which needs only Python and the internet; when that server cannot be
    reached, or with ``K8SLAB_BINARIES=build``, the Go module
    ``sigs.k8s.io/gateway-api`` (its ``config/crd/standard``), which needs Go and
    the module proxy. Both give the same CRD files. A manifest that does not
    match its checksum is refused, never papered over by the other path.

    Raises:
        ChecksumMismatch: the manifest is not the published one (nothing cached).
        ToolMissing: neither path works here (offline, no Go...).
    """
    target = cache_dir() / "gateway-api" / GATEWAY_API_VERSION
    files = sorted(target.glob("*.yaml"))
    if files:
        return files
    if _download.download_mode() == "auto":
        with Progress() as progress:
            try:
                return _crds_from_release(target, progress)
            except (_download.Unreachable, _download.NotPublished) as exc:
                progress.say(f"{exc}: taking the Gateway API CRDs from the Go module instead")
    return _crds_from_module(target)


def _crds_from_release(target: Path, progress: Progress) -> list[Path]:
    """Download the release manifest, check it, and keep its CRDs as one file each."""
    url = gateway_api_manifest_url()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.parent / f".standard-install-{os.getpid()}.yaml"
    task = progress.start(f"downloading the Gateway API {GATEWAY_API_VERSION} CRDs")
    outcome = "Gateway API download stopped"
    try:
        _download.fetch_checked(url, GATEWAY_API_SHA256, partial, task,
                                timeout=_download.transfer_timeout(),
                                what=f"The Gateway API {GATEWAY_API_VERSION} manifest",
                                source="gateway_api")
        crds = split_crds(partial.read_text())
        if not crds:
            raise K8sLabError(f"The Gateway API manifest {url} passed its checksum but holds "
                              "no CustomResourceDefinition.",
                              "Report it: GATEWAY_API_SHA256 names the wrong file.")
        files = _keep(target, crds)
        outcome = (f"downloaded the Gateway API {GATEWAY_API_VERSION} CRDs "
                   f"({task.done_bytes:,} bytes, checksum ok)")
        return files
    finally:
        partial.unlink(missing_ok=True)
        progress.finish(task, outcome)


def split_crds(text: str) -> dict[str, str]:
    """The CRDs of a multi-document manifest, by the file name the Go module gives them.

    Each document's text is kept as it was checked (no re-serialising); other
    kinds (the manifest's admission policy) are left out, as the module path
    leaves them out.

    Example:
        >>> doc = ("kind: CustomResourceDefinition\nmetadata:\n"
        ...        "  name: gateways.gateway.networking.k8s.io\n")
        >>> list(split_crds("# header\n---\n" + doc + "---\nkind: Namespace\n"))
        ['gateway.networking.k8s.io_gateways.yaml']
    """
    crds: dict[str, str] = {}
    for chunk in re.split(r"(?m)^---[ \t]*$\n?", text):
        doc = yaml.safe_load(chunk)
        if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
            continue
        plural, _, group = doc["metadata"]["name"].partition(".")
        crds[f"{group}_{plural}.yaml"] = chunk.lstrip("\n")
    return crds


def _keep(target: Path, files: dict[str, str]) -> list[Path]:
    """Write the CRD files into a private folder, then rename it into the cache at once."""
    tmp = target.parent / f".{target.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name, text in files.items():
        (tmp / name).write_text(text)
    try:
        tmp.replace(target)
    except OSError:  # another k8slab kept the same files a moment ago
        shutil.rmtree(tmp, ignore_errors=True)
    return sorted(target.glob("*.yaml"))


def _crds_from_module(target: Path) -> list[Path]:
    """The CRDs from the Go module (``go mod download``): the path without release server."""
    go = go_executable()
    module = f"{GATEWAY_API_MODULE}@{GATEWAY_API_VERSION}"
    target.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([go, "mod", "download", "-json", module], capture_output=True,
                          text=True, timeout=300, cwd=cache_dir(), env=go_environ(go))
    info = json.loads(proc.stdout or "{}")
    if proc.returncode != 0 or not info.get("Dir"):
        raise ToolMissing(f"`go mod download {module}` failed: "
                          f"{info.get('Error') or proc.stderr.strip()[-400:]}",
                          "Check that the Go module proxy is reachable (GOPROXY).")
    source = Path(info["Dir"]) / "config" / "crd" / "standard"
    return _keep(target, {crd.name: crd.read_text()
                          for crd in sorted(source.glob("gateway.networking.k8s.io_*.yaml"))})


def install_gateway_api() -> str:
    """Apply the Gateway API CRDs (idempotent); the version now served."""
    served = find("CustomResourceDefinition", "httproutes.gateway.networking.k8s.io")
    version = ((served or {}).get("metadata", {}).get("annotations") or {}).get(
        "gateway.networking.k8s.io/bundle-version")
    if version != GATEWAY_API_VERSION:
        for crd in gateway_api_crds():
            apply(str(crd))
        for crd in ("gatewayclasses", "gateways", "httproutes"):
            wait("CustomResourceDefinition", f"{crd}.gateway.networking.k8s.io",
                 until="condition=Established", timeout=60)
    return GATEWAY_API_VERSION


def controller_objects(namespace: str, engine: str, api_port: int | None = None) -> list[dict]:
    """The controller's objects for ``namespace`` (from :data:`MANIFEST`), ready to apply.

    On the host engine the pod reaches the API server through the relay on the
    pod bridge: ``kubernetes.default.svc`` (a name in the server's certificate)
    points there through ``hostAliases``.
    """
    text = (manifests_dir() / MANIFEST).read_text().replace("NAMESPACE", namespace)
    objects = load(text)
    if engine == "host":
        from k8slab.engines import host_config

        for obj in objects:
            if obj["kind"] == "Deployment":
                pod = obj["spec"]["template"]["spec"]
                pod["hostAliases"] = [{"ip": host_config.POD_GATEWAY,
                                       "hostnames": ["kubernetes.default.svc"]}]
                args = pod["containers"][0]["args"]
                endpoint = f"https://kubernetes.default.svc:{api_port}"
                args += [f"--providers.kubernetesIngress.endpoint={endpoint}",
                         f"--providers.kubernetesGateway.endpoint={endpoint}"]
    return objects


def _load_image(engine: str) -> None:
    """Make Traefik's image (building Traefik with Go the first time) and load it."""
    spec = _images.CATALOG[IMAGE]
    if not spec.archive.is_file():
        print("k8slab: making the image k8slab.local/traefik:3.7.13 (Traefik is built with "
              "Go once, then cached)...", flush=True)
    archive = _images.build(spec)
    record = status_record()
    socket = record.extra.get("containerd_socket")
    cmd = _images.load_command(engine, archive, containerd_socket=Path(socket) if socket
                               else None)
    if cmd is None:
        return
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise K8sLabError(f"Loading {IMAGE} into the {engine} cluster failed:\n"
                          f"{(proc.stderr or proc.stdout).strip()[-400:]}",
                          "Is the cluster running? `k8slab status`; then "
                          "`k8slab images load`.")


def install(namespace: str, *, timeout: float = 180) -> str:
    """Run Traefik in ``namespace``, watching only it; return its version.

    Raises:
        K8sLabError: on kwok (no container can run), or the pod never got ready.
    """
    record = status_record()
    from k8slab.engines import engine_for  # lazy: `import k8slab` loads no engine code

    if not engine_for(record).runs_containers:  # kwok only pretends
        raise K8sLabError(
            f"The {record.engine} engine runs no containers, so no Ingress controller can "
            f"run in namespace {namespace!r}.",
            "Use the host engine (`k8slab up --engine host`), kind or minikube; on kwok "
            "the lesson simulates the routing with ingress.send_all.")
    _load_image(record.engine)
    install_gateway_api()
    if record.engine == "host":
        from k8slab.engines.host import ensure_api_relay

        ensure_api_relay(int(record.extra.get("port") or record.server.rsplit(":", 1)[-1]))
    port = int(record.server.rsplit(":", 1)[-1])
    apply(controller_objects(namespace, record.engine, port), namespace)
    apply(str(manifests_dir() / "10-ingress-gatewayclass.yaml"))
    wait("Deployment", "traefik", namespace, until="rollout", timeout=timeout)
    deadline = time.monotonic() + 30
    while controller_pod(namespace) is None and time.monotonic() < deadline:
        time.sleep(1)
    found = controller_version(namespace)
    print(f"Traefik {found} runs in pod {controller_pod(namespace)} "
          f"(namespace {namespace}); IngressClass traefik and GatewayClass traefik.")
    return found
