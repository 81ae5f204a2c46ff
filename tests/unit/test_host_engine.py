"""The host engine's pure parts: configuration files, snapshots, images, provisioning."""

from __future__ import annotations

import io
import json
import tarfile
import tomllib
from pathlib import Path

import pytest

from k8slab._binaries import images as _images
from k8slab._binaries import oci as _oci
from k8slab.engines import host, host_state, provisioner
from k8slab.engines import host_config as cfg
from k8slab.errors import K8sLabError


@pytest.fixture
def layout(tmp_path: Path) -> cfg.NodeLayout:
    return cfg.NodeLayout(tmp_path / "node", "vm")


def test_containerd_config_is_private_and_survives_a_vm(layout):
    doc = tomllib.loads(cfg.containerd_config(layout, "k8slab.local/pause:1.0"))
    assert doc["root"].startswith(str(layout.root))
    assert doc["state"].startswith(str(layout.root))
    assert doc["grpc"]["address"] == str(layout.containerd_socket)
    assert doc["plugins"]["io.containerd.internal.v1.opt"]["path"].startswith(str(layout.root))
    cri = doc["plugins"]["io.containerd.grpc.v1.cri"]
    assert cri["restrict_oom_score_adj"] is True
    assert cri["sandbox_image"] == "k8slab.local/pause:1.0"
    assert cri["cni"]["conf_dir"] == str(layout.cni_conf_dir)
    assert cri["containerd"]["runtimes"]["runc"]["options"]["SystemdCgroup"] is False


def test_cni_config_adds_no_masquerade_and_keeps_ipam_state_inside(layout):
    conf = cfg.cni_config(layout)
    bridge = conf["plugins"][0]
    assert bridge["type"] == "bridge" and bridge["bridge"] == cfg.BRIDGE
    assert bridge["ipMasq"] is False and bridge["hairpinMode"] is True
    assert bridge["ipam"]["dataDir"] == str(layout.cni_ipam_dir)
    assert bridge["ipam"]["ranges"][0][0]["subnet"] == cfg.NODE_POD_CIDR
    json.dumps(conf)  # CNI reads JSON


def test_kubelet_config_for_cgroup_v1_and_loopback(layout, tmp_path):
    conf = cfg.kubelet_config(layout, port=10250, healthz_port=10248,
                              client_ca=tmp_path / "ca.crt", resolv_conf=tmp_path / "r")
    assert conf["failCgroupV1"] is False and conf["cgroupDriver"] == "cgroupfs"
    assert conf["address"] == "127.0.0.1" and conf["healthzBindAddress"] == "127.0.0.1"
    assert conf["authentication"]["anonymous"]["enabled"] is False
    assert conf["authentication"]["x509"]["clientCAFile"].endswith("ca.crt")
    assert conf["podLogsDir"].startswith(str(layout.root))
    assert conf["volumePluginDir"].startswith(str(layout.root))
    assert conf["containerRuntimeEndpoint"] == f"unix://{layout.containerd_socket}"
    assert conf["clusterDNS"] == [cfg.CLUSTER_DNS_IP]
    assert conf["imageGCHighThresholdPercent"] == 100


def test_kube_proxy_leaves_kernel_tuning_alone(layout, tmp_path):
    conf = cfg.kube_proxy_config(layout, kubeconfig=tmp_path / "k", healthz_port=1,
                                 metrics_port=2)
    assert conf["iptables"]["localhostNodePorts"] is False
    assert conf["conntrack"]["maxPerCore"] == 0
    assert conf["healthzBindAddress"].startswith("127.0.0.1:")
    assert conf["hostnameOverride"] == "vm"


def test_dns_listens_on_the_gateway_and_the_service_points_there(tmp_path):
    text = cfg.corefile(tmp_path / "kc", "ctx", health_port=1, ready_port=2)
    assert f"bind {cfg.POD_GATEWAY}" in text and "kubeconfig" in text
    service, slice_ = cfg.dns_service()
    assert service["spec"]["clusterIP"] == cfg.CLUSTER_DNS_IP
    assert "selector" not in service["spec"]
    assert slice_["endpoints"][0]["addresses"] == [cfg.POD_GATEWAY]
    assert slice_["metadata"]["labels"]["kubernetes.io/service-name"] == "kube-dns"


def test_host_engine_keeps_kwok_off_the_real_node():
    patches = {p["name"]: {a["key"]: a["value"] for a in p["extraArgs"]}
               for p in host.HostEngine(port=1).components_patches()}
    assert patches["kwok-controller"]["manage-all-nodes"] == "false"
    assert patches["kwok-controller"]["manage-nodes-with-annotation-selector"] == \
        "kwok.x-k8s.io/node=fake"
    api = patches["kube-apiserver"]
    assert api["kubelet-preferred-address-types"].startswith("Hostname")
    assert api["kubelet-client-certificate"].endswith("admin.crt")
    engine = host.HostEngine(port=1)
    assert engine.stages() == [] and engine.debugging_documents() == []


def test_host_engine_refuses_without_root(monkeypatch):
    monkeypatch.setattr(host.platform, "system", lambda: "Linux")
    monkeypatch.setattr(host.os, "geteuid", lambda: 1000)
    avail = host.HostEngine(port=1).availability()
    assert not avail.ok and "root" in avail.reason and "--engine kwok" in avail.fix


def test_host_engine_names_missing_packages(monkeypatch):
    monkeypatch.setattr(host.platform, "system", lambda: "Linux")
    monkeypatch.setattr(host.os, "geteuid", lambda: 0)
    monkeypatch.setattr(host, "which", lambda name: None)
    avail = host.HostEngine(port=1).availability()
    assert not avail.ok and "containerd" in avail.reason and "apt-get install" in avail.fix


def test_snapshot_differences_name_what_changed():
    before = host_state.HostSnapshot(sysctls={"kernel.panic": "1"}, links=["lo", "eth0"],
                                     chains=["ip filter INPUT"], mounts=["/"])
    after = host_state.HostSnapshot(sysctls={"kernel.panic": "10"},
                                    links=["lo", "eth0", "k8slab0"],
                                    chains=["ip filter INPUT", "ip nat KUBE-SERVICES"],
                                    mounts=["/"])
    diff = before.differences(after)
    assert "kernel setting kernel.panic is 10 (was 1)" in diff
    assert "new network interface: k8slab0" in diff
    assert "new iptables chain: ip nat KUBE-SERVICES" in diff
    assert before.differences(before) == []


def test_snapshot_round_trips(tmp_path):
    snap = host_state.HostSnapshot(sysctls={"vm.overcommit_memory": "0"}, paths=["/etc/cni"])
    snap.save(tmp_path / "s.json")
    assert host_state.HostSnapshot.load(tmp_path / "s.json") == snap
    assert host_state.HostSnapshot.load(tmp_path / "none.json") is None


def test_package_closure_skips_maintainer_script_helpers():
    graph = {"nginx": ["libc6", "nginx-common", "iproute2"], "nginx-common": ["debconf"],
             "iproute2": ["libbpf1"], "libc6": ["libgcc-s1"], "libgcc-s1": ["libc6"]}
    closure = _images.package_closure(("nginx",), depends=lambda n: graph.get(n, []))
    assert closure == ["nginx", "libc6", "nginx-common", "libgcc-s1"]


def test_oci_layout_round_trips_and_is_reproducible(tmp_path):
    root = tmp_path / "rootfs"
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "hello").write_text("#!/bin/sh\necho hi\n")
    (root / "bin" / "hello").chmod(0o755)
    (root / "bin" / "hi").symlink_to("hello")
    layer = _oci.layer_from_dir(root)
    assert layer == _oci.layer_from_dir(root)
    config = _oci.ImageConfig(entrypoint=["/bin/hello"], labels={"k8slab.io/source": "test"})
    digest = _oci.write_layout(tmp_path / "img.tar", "k8slab.local/hello:1", layer, config)
    info = _oci.read_index(tmp_path / "img.tar")
    assert info == {"ref": "k8slab.local/hello:1", "digest": digest,
                    "labels": {"k8slab.io/source": "test"}}
    with tarfile.open(tmp_path / "img.tar") as archive:
        docker = json.load(archive.extractfile("manifest.json"))
        names = set(archive.getnames())
    assert docker[0]["RepoTags"] == ["k8slab.local/hello:1"]
    assert {docker[0]["Config"], *docker[0]["Layers"]} <= names
    with tarfile.open(fileobj=io.BytesIO(layer)) as tar:
        members = {m.name: m for m in tar.getmembers()}
    assert members["bin/hello"].uid == 0 and members["bin/hello"].mode & 0o111
    assert members["bin/hi"].issym() and members["bin/hi"].linkname == "hello"


def test_every_course_image_is_local_and_says_what_it_is():
    assert _images.PAUSE_IMAGE in _images.CATALOG
    for ref, spec in _images.CATALOG.items():
        assert ref.startswith("k8slab.local/")
        assert spec.source and spec.what


def test_image_load_commands_per_engine(tmp_path):
    archive = tmp_path / "a.tar"
    assert _images.load_command("kwok", archive) is None
    assert _images.load_command("minikube", archive)[:3] == ["minikube", "-p", "k8slab"]
    cmd = _images.load_command("host", archive, containerd_socket=tmp_path / "s.sock")
    assert cmd[:3] == ["ctr", "--address", str(tmp_path / "s.sock")] and cmd[-1] == str(archive)
    with pytest.raises(K8sLabError, match="containerd socket"):
        _images.load_command("host", archive)
    with pytest.raises(K8sLabError, match="registry"):
        _images.load_command("existing", archive)


def _claim(**spec) -> dict:
    return {"metadata": {"name": "data", "namespace": "demo", "uid": "abcdef12-3456"},
            "spec": {"resources": {"requests": {"storage": "1Gi"}},
                     "storageClassName": "standard", **spec},
            "status": {"phase": "Pending"}}


def test_provisioner_makes_a_bound_host_path_volume(tmp_path):
    pv = provisioner.volume_for(_claim(accessModes=["ReadWriteOnce"]), "vm", tmp_path, "Delete")
    assert pv["metadata"]["name"] == "pvc-abcdef12-3456"
    assert pv["spec"]["claimRef"] == {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                                      "namespace": "demo", "name": "data",
                                      "uid": "abcdef12-3456"}
    assert pv["spec"]["hostPath"]["path"].startswith(str(tmp_path))
    assert pv["spec"]["capacity"] == {"storage": "1Gi"}
    term = pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]
    assert term["matchExpressions"][0]["values"] == ["vm"]


def test_provisioner_serves_only_its_own_pending_claims():
    classes = {"standard": {"provisioner": provisioner.PROVISIONER},
               "other": {"provisioner": "example.com/nfs"}}
    assert provisioner.wants_us(_claim(), classes)
    assert not provisioner.wants_us(_claim(storageClassName="other"), classes)
    assert not provisioner.wants_us(_claim(volumeName="pv-1"), classes)
    bound = _claim()
    bound["status"]["phase"] = "Bound"
    assert not provisioner.wants_us(bound, classes)
