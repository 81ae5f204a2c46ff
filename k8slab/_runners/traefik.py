"""Install Traefik, the lab's Ingress and Gateway API controller, in one namespace.

Why here, below the lesson: installing needs what only the entry points may
touch: the image made on this machine (:mod:`k8slab._binaries.images`, which builds
Traefik with Go the first time), the node's runtime to load it into, and, on
the host engine, the relay that lets a pod reach the API server
(:mod:`k8slab.engines.apirelay`). The Gateway API's CRDs come from the Go
module ``sigs.k8s.io/gateway-api`` (its standard channel), fetched with
``go mod download`` and cached; nothing of it is committed.

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
import shutil
import subprocess
import time
from pathlib import Path

from k8slab._base.paths import cache_dir, manifests_dir
from k8slab._binaries import images as _images
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


def gateway_api_crds() -> list[Path]:
    """The Gateway API's standard-channel CRDs, from its Go module (downloaded once).

    Raises:
        ToolMissing: Go is not installed, or the module proxy cannot be reached.
    """
    target = cache_dir() / "gateway-api" / GATEWAY_API_VERSION
    files = sorted(target.glob("*.yaml"))
    if files:
        return files
    go = shutil.which("go")
    if go is None:
        raise ToolMissing("The Gateway API CRDs come from the Go module "
                          f"{GATEWAY_API_MODULE}, and `go` is not on PATH.",
                          "Install Go 1.26+ (it also builds the lab's binaries).")
    module = f"{GATEWAY_API_MODULE}@{GATEWAY_API_VERSION}"
    proc = subprocess.run([go, "mod", "download", "-json", module], capture_output=True,
                          text=True, timeout=300, cwd=cache_dir())
    info = json.loads(proc.stdout or "{}")
    if proc.returncode != 0 or not info.get("Dir"):
        raise ToolMissing(f"`go mod download {module}` failed: "
                          f"{info.get('Error') or proc.stderr.strip()[-400:]}",
                          "Check that the Go module proxy is reachable (GOPROXY).")
    source = Path(info["Dir"]) / "config" / "crd" / "standard"
    target.mkdir(parents=True, exist_ok=True)
    for crd in sorted(source.glob("gateway.networking.k8s.io_*.yaml")):
        shutil.copyfile(crd, target / crd.name)
    return sorted(target.glob("*.yaml"))


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
