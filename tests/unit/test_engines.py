"""Engine selection, the command lines engines build, and their availability checks."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from k8slab._binaries import catalog as _tools
from k8slab._binaries import gotoolchain as _gotoolchain
from k8slab.engines import base, get_engine
from k8slab.engines.existing import extract_context
from k8slab.engines.kind import KindEngine
from k8slab.engines.kwok import KwokEngine, parse_delay
from k8slab.engines.minikube import MinikubeEngine
from k8slab.errors import K8sLabError, ToolMissing


def test_unknown_engine_names_the_choices():
    with pytest.raises(K8sLabError) as err:
        get_engine("docker-desktop")
    assert "Unknown engine 'docker-desktop'" in err.value.message
    assert "kwok" in err.value.hint and "kind" in err.value.hint


def test_engine_options_go_to_the_right_engine():
    kwok = get_engine("kwok", port=40000, kubeconfig="/x")
    assert isinstance(kwok, KwokEngine) and kwok.port == 40000
    existing = get_engine("existing", kubeconfig="/tmp/k.yaml", context="prod", port=1)
    assert existing.kubeconfig == Path("/tmp/k.yaml") and existing.context == "prod"


def test_auto_prefers_kwok_then_kind(monkeypatch):
    monkeypatch.setattr(KwokEngine, "availability",
                        lambda self: base.Availability(False, "no go"))
    monkeypatch.setattr(KindEngine, "availability", lambda self: base.Availability(True))
    assert get_engine("auto").name == "kind"
    monkeypatch.setattr(KwokEngine, "availability", lambda self: base.Availability(True))
    assert get_engine("auto").name == "kwok"


def test_auto_with_nothing_available_explains_each(monkeypatch):
    for cls in (KwokEngine, KindEngine, MinikubeEngine):
        monkeypatch.setattr(cls, "availability",
                            lambda self, n=cls.name: base.Availability(False, f"{n} missing"))
    with pytest.raises(K8sLabError) as err:
        get_engine("auto")
    assert "kwok missing" in err.value.message and "kind missing" in err.value.message


def test_kind_without_docker_says_so(monkeypatch):
    monkeypatch.setattr(base, "which", lambda p: "/usr/bin/" + p if p == "kind" else None)
    avail = KindEngine().availability()
    assert not avail.ok
    assert "Docker" in avail.reason and "--engine kwok" in avail.fix
    with pytest.raises(ToolMissing) as err:
        KindEngine().up()
    assert "kind engine cannot run here" in err.value.message


def test_kind_with_docker_cli_but_no_daemon(monkeypatch):
    monkeypatch.setattr(base, "which", lambda p: "/usr/bin/" + p)

    class Failed:
        returncode, stdout = 1, ""

    monkeypatch.setattr(base.subprocess, "run", lambda *a, **k: Failed())
    avail = KindEngine().availability()
    assert not avail.ok and "no Docker engine answers" in avail.reason


def test_kind_commands_use_the_lab_config_and_kubeconfig(isolated_state):
    engine = KindEngine()
    cmd = engine.create_command(2)
    assert Path(cmd[0]).name == "kind"  # the user's kind, or k8slab's pinned build
    assert cmd[1:5] == ["create", "cluster", "--name", "k8slab"]
    assert cmd[cmd.index("--config") + 1].endswith("manifests/kind-cluster.yaml")
    assert Path(cmd[cmd.index("--kubeconfig") + 1]).parent == isolated_state
    assert engine.delete_command()[1:5] == ["delete", "cluster", "--name", "k8slab"]
    config = yaml.safe_load(Path(cmd[cmd.index("--config") + 1]).read_text())
    roles = [n["role"] for n in config["nodes"]]
    assert roles == ["control-plane", "worker", "worker"]


def test_minikube_commands_and_kubeconfig_redirect(isolated_state):
    engine = MinikubeEngine()
    assert engine.create_command(2)[:5] == ["minikube", "start", "-p", "k8slab", "--nodes"]
    assert engine.create_command(2)[5] == "3"
    assert engine.env()["KUBECONFIG"] == str(isolated_state / "kubeconfig.yaml")
    assert engine.delete_command() == ["minikube", "delete", "-p", "k8slab"]


def test_kwokctl_commands_never_touch_home_kubeconfig(isolated_state):
    engine = KwokEngine(port=36999)
    create = engine.create_command(Path("/bin/kwokctl"), Path("/c.yaml"))
    assert create[create.index("--kubeconfig") + 1] == ""
    delete = engine.delete_command(Path("/bin/kwokctl"))
    assert delete[delete.index("--kubeconfig") + 1] == str(isolated_state / "kubeconfig.yaml")
    assert "--name" in create and "k8slab" in create


def test_kwok_config_binds_loopback_with_rbac_and_binaries(isolated_state):
    binaries = {n: Path(f"/cache/{n}") for n in _tools.KWOK_CLUSTER_TOOLS}
    docs = KwokEngine(port=36999).config_documents(binaries)
    options = docs[0]["options"]
    assert docs[0]["kind"] == "KwokctlConfiguration"
    assert options["bindAddress"] == "127.0.0.1"
    assert options["kubeApiserverPort"] == 36999
    assert options["kubeAuthorization"] is True and options["runtime"] == "binary"
    assert options["kubeApiserverBinary"] == "/cache/kube-apiserver"
    engine = KwokEngine(port=36999)
    if engine.kwok_in_netns():  # as root: a launcher that joins the gate's namespace
        launcher = engine.kwok_launcher_path()
        assert options["kwokControllerBinary"] == str(launcher)  # written by up()
    else:
        assert options["kwokControllerBinary"] == "/cache/kwok"
    kinds = [d["kind"] for d in docs]
    assert {"ClusterLogs", "ClusterExec", "ClusterPortForward"} <= set(kinds)
    assert kinds.count("Stage") >= 8


def test_kwok_download_mode_leaves_binaries_to_kwokctl(isolated_state):
    docs = KwokEngine(download=True).config_documents(None)
    assert not any(k.endswith("Binary") for k in docs[0]["options"])


def test_stage_delays_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("K8SLAB_POD_START_MS", "100-200")
    stages = {s["metadata"]["name"]: s for s in KwokEngine().stages()}
    assert stages["lab-pod-start"]["spec"]["delay"] == {
        "durationMilliseconds": 100, "jitterDurationMilliseconds": 200}
    assert stages["lab-pod-remove"]["spec"]["delay"]["durationMilliseconds"] > 0


@pytest.mark.parametrize("text,expected", [("800", (800, 800)), ("700-1500", (700, 1500)),
                                           ("9-3", (3, 9))])
def test_parse_delay(text, expected):
    assert parse_delay(text) == expected


@pytest.mark.parametrize("text", ["fast", "-5", "1-2-3", ""])
def test_parse_delay_rejects_nonsense(text):
    with pytest.raises(K8sLabError):
        parse_delay(text)


def test_kwok_unavailable_without_go_or_binaries(monkeypatch, tmp_path):
    monkeypatch.setenv("K8SLAB_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setattr(_tools, "which_go", lambda: None)
    avail = KwokEngine().availability()
    assert not avail.ok and "Go" in avail.reason and "K8SLAB_BINARIES=download" in avail.fix


def test_building_without_go_says_how_to_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("K8SLAB_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setattr(_gotoolchain.shutil, "which", lambda name: None)
    with pytest.raises(ToolMissing) as err:
        _tools.locate("kube-apiserver", quiet=True)
    assert "Go is needed" in err.value.message and "go.dev" in err.value.hint


def test_tool_cache_is_keyed_by_version(monkeypatch, tmp_path):
    monkeypatch.setenv("K8SLAB_CACHE", str(tmp_path))
    tool = _tools.TOOLS["kube-apiserver"]
    assert tool.cached == tmp_path / "bin" / f"kubernetes-{_tools.KUBE_VERSION}" / "kube-apiserver"
    assert f"gitVersion={_tools.KUBE_VERSION}" in tool.ldflags()


def test_env_override_must_point_to_a_file(monkeypatch, tmp_path):
    monkeypatch.setenv("K8SLAB_KUBECTL", str(tmp_path / "nope"))
    with pytest.raises(ToolMissing) as err:
        _tools.locate("kubectl", quiet=True)
    assert "K8SLAB_KUBECTL" in err.value.message


def test_port_in_use_detection():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        assert base.port_in_use(s.getsockname()[1])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    assert not base.port_in_use(free)


KUBECONFIG = {
    "apiVersion": "v1", "kind": "Config", "current-context": "a",
    "contexts": [{"name": "a", "context": {"cluster": "ca", "user": "ua"}},
                 {"name": "b", "context": {"cluster": "cb", "user": "ub"}}],
    "clusters": [{"name": "ca", "cluster": {"server": "https://a"}},
                 {"name": "cb", "cluster": {"server": "https://b"}}],
    "users": [{"name": "ua", "user": {"token": "ta"}}, {"name": "ub", "user": {"token": "tb"}}],
}


def test_existing_extracts_only_the_named_context():
    single = extract_context(KUBECONFIG, "b")
    assert single["current-context"] == "b"
    assert [c["name"] for c in single["clusters"]] == ["cb"]
    assert [u["name"] for u in single["users"]] == ["ub"]


def test_existing_unknown_context_lists_known_ones():
    with pytest.raises(K8sLabError) as err:
        extract_context(KUBECONFIG, "prod")
    assert "'prod'" in err.value.message and "a, b" in err.value.message


def test_existing_engine_copies_without_writing_source(tmp_path, isolated_state):
    source = tmp_path / "config"
    source.write_text(yaml.safe_dump(KUBECONFIG))
    before = source.read_text()
    record = get_engine("existing", kubeconfig=str(source), context="b").up()
    assert record.lab is False and record.server == "https://b"
    assert source.read_text() == before
    lab_copy = isolated_state / "kubeconfig.yaml"
    assert yaml.safe_load(lab_copy.read_text())["current-context"] == "b"
    assert oct(lab_copy.stat().st_mode & 0o777) == "0o600"


def test_kind_config_patches_only_what_this_machine_and_image_need():
    from k8slab.engines import kind

    assert kind.cluster_config(2, offline=False, v1=False) == \
        (kind.manifests_dir() / kind.KIND_CONFIG).read_text().rstrip("\n") + "\n"
    config = yaml.safe_load(kind.cluster_config(1, offline=True, v1=True))
    assert "nodes" not in config  # one control-plane node: kind's default layout
    patches = [yaml.safe_load(p) for p in config["kubeadmConfigPatches"]]
    assert patches[0]["imageRepository"] == "k8slab.local"
    assert patches[0]["etcd"]["local"]["imageTag"].startswith("v3.")
    assert patches[1] == {"kind": "KubeletConfiguration", "failCgroupV1": False}
    three = yaml.safe_load(kind.cluster_config(2, offline=False, v1=True))
    assert [n["role"] for n in three["nodes"]] == ["control-plane", "worker", "worker"]
    assert len(three["kubeadmConfigPatches"]) == 1
