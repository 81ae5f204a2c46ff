"""Pure parts of notebook 10's controller: its objects, the API relay, the kind config."""

from __future__ import annotations

import asyncio
import json
import socket
import threading

import yaml

from k8slab._base.paths import manifests_dir, tools_src_dir
from k8slab._binaries import catalog as _tools
from k8slab._binaries import images as _images
from k8slab._runners import traefik as _traefik
from k8slab.engines import apirelay


def _by_kind(objects: list[dict]) -> dict[str, dict]:
    return {o["kind"]: o for o in objects}


def test_controller_objects_watch_only_the_namespace():
    objects = _by_kind(_traefik.controller_objects("nb10-x", "kind"))
    assert set(objects) == {"ServiceAccount", "ClusterRole", "ClusterRoleBinding",
                            "IngressClass", "Deployment", "Service"}
    binding = objects["ClusterRoleBinding"]
    assert binding["metadata"]["name"] == "k8slab-traefik-nb10-x"
    assert binding["metadata"]["labels"]["k8slab.io/for-namespace"] == "nb10-x"
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "traefik",
                                    "namespace": "nb10-x"}]
    assert objects["IngressClass"]["spec"]["controller"] == "traefik.io/ingress-controller"
    pod = objects["Deployment"]["spec"]["template"]["spec"]
    args = pod["containers"][0]["args"]
    assert "--providers.kubernetesIngress.namespaces=nb10-x" in args
    assert "--providers.kubernetesGateway.namespaces=nb10-x" in args
    assert pod["containers"][0]["image"] == _traefik.IMAGE
    # kind and minikube pods reach the API server the usual in-cluster way.
    assert "hostAliases" not in pod and not any("endpoint=" in a for a in args)


def test_on_the_host_engine_traefik_reaches_the_api_server_through_the_relay():
    pod = _by_kind(_traefik.controller_objects("n", "host", 36990))["Deployment"]
    spec = pod["spec"]["template"]["spec"]
    assert spec["hostAliases"] == [{"ip": "10.244.0.1", "hostnames": ["kubernetes.default.svc"]}]
    args = spec["containers"][0]["args"]
    assert "--providers.kubernetesIngress.endpoint=https://kubernetes.default.svc:36990" in args
    assert "--providers.kubernetesGateway.endpoint=https://kubernetes.default.svc:36990" in args


def test_the_relay_copies_bytes_both_ways():
    echo = socket.socket()
    echo.bind(("127.0.0.1", 0))
    echo.listen(1)

    def serve_once() -> None:
        conn, _ = echo.accept()
        with conn:
            conn.sendall(conn.recv(100).upper())

    threading.Thread(target=serve_once, daemon=True).start()
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    relay_port = probe.getsockname()[1]
    probe.close()
    loop = asyncio.new_event_loop()
    target = echo.getsockname()
    task = loop.create_task(apirelay.serve(("127.0.0.1", relay_port), target))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        for _ in range(50):
            try:
                client = socket.create_connection(("127.0.0.1", relay_port), timeout=2)
                break
            except OSError:
                threading.Event().wait(0.05)
        with client:
            client.sendall(b"hello api server")
            assert client.recv(100) == b"HELLO API SERVER"
    finally:
        loop.call_soon_threadsafe(task.cancel)
        loop.call_soon_threadsafe(loop.stop)
        echo.close()


def test_kind_config_maps_ingress_ports_to_loopback_and_labels_the_node():
    config = yaml.safe_load((manifests_dir() / "kind-cluster.yaml").read_text())
    control = config["nodes"][0]
    assert control["role"] == "control-plane"
    assert control["labels"] == {"ingress-ready": "true"}
    mapped = {m["containerPort"]: m for m in control["extraPortMappings"]}
    for port in (80, 443):
        assert mapped[port]["hostPort"] == port and mapped[port]["listenAddress"] == "127.0.0.1"


def test_traefik_image_is_made_on_demand_from_the_lab_binary():
    spec = _images.CATALOG[_traefik.IMAGE]
    assert spec.tool == "traefik" and spec.on_demand
    assert _tools.TOOLS["traefik"].version == "v3.7.13"
    assert "-X github.com/traefik/traefik/v3/pkg/version.Version=v3.7.13" in \
        _tools.TOOLS["traefik"].ldflags()
    # Images without a tool keep the fingerprint they had before the field existed.
    assert _images.CATALOG["k8slab.local/echo:1.0"].tool == ""


def test_traefik_wrapper_patches_name_files_that_exist():
    wrapper = tools_src_dir() / "traefik"
    patches = json.loads((wrapper / "patches.json").read_text())
    gomod = (wrapper / "go.mod").read_text()
    for module, how in patches.items():
        assert f"=> ./{how['dir']}" in gomod, module
        for patch in how["files"].values():
            assert (wrapper / patch).is_file(), patch
