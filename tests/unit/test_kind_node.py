"""The kind pass's pieces that run without Docker: the sandbox-only capability
wrapper, the node image's command links and configuration."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from k8slab.engines import _kind_node, _private_docker
from k8slab.engines._private_docker import DROP_CAPS_WRAPPER, PrivateDocker, missing_capabilities


def test_missing_capabilities_reads_the_bounding_set():
    assert missing_capabilities("CapBnd:\t000001ffffffffff\n") == []
    assert missing_capabilities("CapBnd:\t000001fffeffffff\n") == ["SYS_RESOURCE"]
    assert missing_capabilities("CapBnd:\t000001fffefffffe\n") == ["CHOWN", "SYS_RESOURCE"]


def _wrapper(tmp_path: Path) -> Path:
    fake_runc = tmp_path / "runc"
    fake_runc.write_text(f"#!{sys.executable}\nimport sys, json\n"
                         f"open({str(tmp_path / 'argv')!r}, 'w').write(json.dumps(sys.argv[1:]))\n")
    fake_runc.chmod(0o755)
    wrapper = tmp_path / "wrapper"
    wrapper.write_text(DROP_CAPS_WRAPPER.format(names=_private_docker.CAPABILITIES,
                                                runc=str(fake_runc)))
    wrapper.chmod(0o755)
    return wrapper


def test_drop_caps_wrapper_removes_what_this_machine_lacks_then_runs_runc(tmp_path):
    missing = {"CAP_" + n for n in missing_capabilities(Path("/proc/self/status").read_text())}
    asked = ["CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_SYS_RESOURCE", "CAP_NET_ADMIN"]
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "config.json").write_text(json.dumps(
        {"process": {"capabilities": {"bounding": asked, "effective": asked}}}))
    args = ["--root", "/x", "create", "--bundle", str(bundle), "c1"]
    subprocess.run([str(_wrapper(tmp_path)), *args], check=True)
    assert json.loads((tmp_path / "argv").read_text()) == args  # runc got the same arguments
    caps = json.loads((bundle / "config.json").read_text())["process"]["capabilities"]
    assert caps["bounding"] == [c for c in asked if c not in missing]
    assert caps["effective"] == caps["bounding"]


def test_drop_caps_wrapper_edits_an_exec_process_spec(tmp_path):
    missing = {"CAP_" + n for n in missing_capabilities(Path("/proc/self/status").read_text())}
    asked = ["CAP_KILL", "CAP_SYS_RESOURCE"]
    spec = tmp_path / "process.json"
    spec.write_text(json.dumps({"args": ["id"], "capabilities": {"permitted": asked}}))
    subprocess.run([str(_wrapper(tmp_path)), "exec", "--process", str(spec), "c1"], check=True)
    assert json.loads(spec.read_text())["capabilities"]["permitted"] == [
        c for c in asked if c not in missing]


def test_private_docker_is_the_tests_own():
    docker = PrivateDocker(Path("/tmp/k8slab-x"), drop_caps=False)
    cmd = docker.command("/usr/sbin/dockerd")
    assert cmd[:2] == ["nsenter", f"--net=/var/run/netns/{docker.netns}"]
    assert cmd[cmd.index("--data-root") + 1] == "/tmp/k8slab-x/data"
    assert cmd[cmd.index("-H") + 1] == "unix:///tmp/k8slab-x/docker.sock"
    assert "--default-runtime" not in cmd  # the capability switch is never the default
    assert docker.env()["DOCKER_HOST"] == "unix:///tmp/k8slab-x/docker.sock"
    assert PrivateDocker(Path("/tmp/k8slab-y")).netns != docker.netns


def test_iptables_commands_are_linked_like_debian_would(tmp_path):
    sbin = tmp_path / "usr" / "sbin"
    sbin.mkdir(parents=True)
    (sbin / "xtables-nft-multi").write_text("")
    _kind_node._alternatives(tmp_path)
    for name in ("iptables", "iptables-save", "iptables-restore", "ip6tables-restore"):
        assert (sbin / name).readlink() == Path("xtables-nft-multi")


def test_node_files_name_the_local_images():
    assert "sandbox = 'k8slab.local/pause:1.0'" in _kind_node.CONTAINERD_CONFIG.format(
        pause=_kind_node.PAUSE)
    docs = list(yaml.safe_load_all(_kind_node.KIND_NET_MANIFEST))
    daemonset = docs[-1]["spec"]["template"]["spec"]
    assert daemonset["containers"][0]["image"] == _kind_node.KIND_NET_IMAGE
    assert daemonset["containers"][0]["imagePullPolicy"] == "Never"
    assert "would you kindly patch this file" in _kind_node.KIND_NET_MANIFEST
    assert "forward" not in _kind_node.OFFLINE_COREFILE
    settings = [line.split("=")[0] for line in _kind_node.UNITS["containerd.service"].splitlines()]
    assert "OOMScoreAdjust" not in settings and "LimitNOFILE" not in settings
