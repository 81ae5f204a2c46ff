"""The isolation pieces that need no cluster: etcd TLS flags, the exec gate, exec errors, RBAC."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from k8slab._base.cluster_record import ClusterRecord
from k8slab._base.pki import LEAVES, ensure_pki
from k8slab._core.pods import exec_status, handshake_status
from k8slab.engines._execgate import (
    Refused,
    Sandbox,
    build_head,
    is_upgrade,
    parse_head,
    rewrite_target,
)
from k8slab.engines.kwok import KwokEngine, exec_dir
from k8slab.workshop._cluster import exec_for_attendees
from k8slab.workshop._objects import role_rules


def _args(docs: list[dict], component: str) -> dict[str, dict]:
    patches = [p for p in docs[0]["componentsPatches"] if p["name"] == component]
    assert len(patches) == 1, f"kwokctl applies one patch entry per component: {component}"
    return {a["key"]: a for a in patches[0]["extraArgs"]}


def test_etcd_speaks_tls_with_client_certificates_only(isolated_state):
    engine = KwokEngine(port=36999)
    docs = engine.config_documents(None)
    ports = engine.internal_ports()
    assert docs[0]["options"]["etcdPort"] == ports["etcd"]
    etcd = _args(docs, "etcd")
    for key in ("listen-client-urls", "advertise-client-urls", "listen-peer-urls",
                "initial-advertise-peer-urls"):
        assert etcd[key]["value"].startswith("https://127.0.0.1:"), key
        assert etcd[key]["override"] is True, f"{key} must replace kwokctl's http:// flag"
    assert etcd["listen-client-urls"]["value"].endswith(f":{ports['etcd']}")
    assert etcd["client-cert-auth"]["value"] == "true"
    assert etcd["peer-client-cert-auth"]["value"] == "true"
    assert etcd["initial-cluster"]["value"] == f"node0=https://127.0.0.1:{ports['etcd-peer']}"
    api = _args(docs, "kube-apiserver")
    assert api["etcd-servers"] == {"key": "etcd-servers", "override": True,
                                   "value": f"https://127.0.0.1:{ports['etcd']}"}
    assert api["etcd-keyfile"]["value"] == str(isolated_state / "pki" /
                                               "apiserver-etcd-client.key")
    assert api["service-cluster-ip-range"]["value"] == "10.96.0.0/16"  # the rest is kept


def test_nodes_advertise_the_exec_gate(isolated_state):
    engine = KwokEngine()
    docs = engine.config_documents(None)
    ports = engine.internal_ports()
    assert len(set(ports.values())) == len(ports)
    assert docs[0]["options"]["kwokControllerPort"] == ports["kwok"]
    kwok = _args(docs, "kwok-controller")
    assert kwok["node-port"] == {"key": "node-port", "value": str(ports["execgate"]),
                                 "override": True}
    api = _args(docs, "kube-apiserver")
    assert api["kubelet-certificate-authority"]["value"].endswith("/pki/ca.crt")
    assert api["kubelet-client-certificate"]["value"].endswith("apiserver-kubelet-client.crt")


def test_two_engines_never_leave_a_component_port_to_kwokctl(isolated_state):
    """kwokctl counts down from 32767 for a port it is not given: two clusters made
    at the same moment got the same controller-manager port, and one never ran."""
    first, second = KwokEngine(port=36998), KwokEngine(port=36997)
    options = [engine.config_documents(None)[0]["options"] for engine in (first, second)]
    for key in ("etcdPort", "etcdPeerPort", "kwokControllerPort", "kubeControllerManagerPort",
                "kubeSchedulerPort"):
        assert all(o.get(key) for o in options), f"{key} is left to kwokctl"
    assert options[0]["kubeControllerManagerPort"] == first.internal_ports()[
        "kube-controller-manager"]
    assert options[0]["kubeSchedulerPort"] == first.internal_ports()["kube-scheduler"]


class RealContainers(KwokEngine):
    """An engine like the host one: kwokctl's control plane, exec answered by real pods."""

    def debugging_documents(self) -> list[dict]:
        return []


def test_an_engine_with_real_containers_keeps_etcd_tls_but_no_gate(isolated_state):
    engine = RealContainers()
    assert not engine.uses_exec_gate() and KwokEngine().uses_exec_gate()
    docs = engine.config_documents(None)
    assert _args(docs, "etcd")["client-cert-auth"]["value"] == "true"
    assert "kubelet-client-certificate" not in _args(docs, "kube-apiserver")
    assert "node-port" not in _args(docs, "kwok-controller")


def _exec_local(docs: list[dict]) -> dict:
    doc = next(d for d in docs if d["kind"] == "ClusterExec")
    return doc["spec"]["execs"][0]["local"]


def test_exec_runs_as_nobody_only_when_k8slab_can_switch_users(isolated_state, monkeypatch):
    monkeypatch.setattr("os.geteuid", lambda: 0)
    assert _exec_local(KwokEngine().debugging_documents())["securityContext"] == {
        "runAsUser": 65534, "runAsGroup": 65534}
    monkeypatch.setattr("os.geteuid", lambda: 1000)  # Binder's jovyan cannot setuid
    assert "securityContext" not in _exec_local(KwokEngine().debugging_documents())


POD_UID = "3f1c2a9e-5b7d-4e21-9c4a-0d6e8f1a2b3c"


def test_sandbox_command_has_no_network_no_home_and_one_writable_folder(tmp_path):
    box = Sandbox(tmp_path / "boxes", bwrap="/usr/bin/bwrap", prlimit="/usr/bin/prlimit")
    argv = box.argv(POD_UID, "web-1", ["sh", "-c", "id"])
    assert argv[0] == "/usr/bin/prlimit" and "--nproc=256" in argv[:5]
    start = argv.index("/usr/bin/bwrap")
    assert argv[start:start + 2] == ["/usr/bin/bwrap", "--unshare-all"]
    assert argv[-4:] == ["--", "sh", "-c", "id"]
    binds = [(argv[i], argv[i + 1], argv[i + 2]) for i, a in enumerate(argv)
             if a in ("--bind", "--ro-bind")]
    writable = [b for b in binds if b[0] == "--bind"]
    assert writable == [("--bind", str(tmp_path / "boxes" / POD_UID), "/sandbox")]
    sources = {b[1] for b in binds}
    assert "/" not in sources and str(Path.home()) not in sources
    assert not any(s.startswith(("/home", "/root", "/work")) for s in sources)
    assert "--share-net" not in argv and "--clearenv" in argv
    assert Sandbox(tmp_path, bwrap=None).argv("a", "b", ["id"]) == ["id"]


def test_rewrite_puts_the_exec_command_in_the_pods_sandbox(tmp_path):
    box = Sandbox(tmp_path / "boxes", bwrap="/usr/bin/bwrap")
    target = rewrite_target("/exec/team-a/web-1/app?command=cat&command=%2Fetc%2Fx&output=1"
                            "&error=1", box, POD_UID)
    path, _, query = target.partition("?")
    assert path == "/exec/team-a/web-1/app"
    assert query.startswith("command=%2Fusr%2Fbin%2Fbwrap&command=--unshare-all")
    assert query.endswith("command=cat&command=%2Fetc%2Fx&output=1&error=1")
    folder = tmp_path / "boxes" / POD_UID
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert "sandbox" in (folder / "README.txt").read_text()
    # Without the pod's UID there is no folder to run in: refused, never a shared one.
    with pytest.raises(Refused) as info:
        rewrite_target("/exec/team-a/web-1/app?command=id", box)
    assert info.value.status == 404
    # Logs and port-forward pass unchanged.
    assert rewrite_target("/containerLogs/a/b/c?tailLines=5", box) == \
        "/containerLogs/a/b/c?tailLines=5"


@pytest.mark.parametrize(("target", "status"), [
    ("/run/a/b/c?cmd=id", 403), ("/attach/a/b/c", 403), ("/metrics", 403),
    ("/exec/a%2F../b/c?command=id", 400), ("/exec/Bad_Name/b/c?command=id", 400),
    ("/exec/a/b/c?output=1", 400), ("http://evil/exec/a/b/c?command=id", 400),
])
def test_rewrite_refuses_anything_else(tmp_path, target, status):
    with pytest.raises(Refused) as info:
        rewrite_target(target, Sandbox(tmp_path, bwrap="/usr/bin/bwrap"))
    assert info.value.status == status


@pytest.mark.parametrize("bad", ["..", "team-a/web-1", "", "3F1C2A9E-5B7D-4E21-9C4A-0D6E8F1A2B3C",
                                 "../" + POD_UID])
def test_a_sandbox_folder_is_named_by_a_uid_only(tmp_path, bad):
    with pytest.raises(Refused):
        Sandbox(tmp_path, bwrap="/usr/bin/bwrap").folder(bad)


def test_sweep_removes_the_folders_of_deleted_pods_only(tmp_path):
    box = Sandbox(tmp_path / "boxes", bwrap="/usr/bin/bwrap")
    gone, kept = POD_UID, POD_UID.replace("3f", "4a")
    for uid in (gone, kept):
        (box.prepare(uid) / "notes.txt").write_text("mine")
    listed = time.time() + 1  # both folders existed before the pods were listed
    assert box.sweep({kept}, listed) == [gone]
    assert not (tmp_path / "boxes" / gone).exists()
    assert (tmp_path / "boxes" / kept / "notes.txt").read_text() == "mine"
    # A folder made after the list was asked for may belong to a newer pod: kept.
    assert box.sweep(set(), time.time() - 60) == []
    assert (tmp_path / "boxes" / kept).is_dir()


def test_controller_manager_and_scheduler_metrics_ask_for_credentials(isolated_state):
    docs = KwokEngine().config_documents(None)
    for component in ("kube-controller-manager", "kube-scheduler"):
        allow = _args(docs, component)["authorization-always-allow-paths"]
        assert allow["override"] is True, "it must replace kwokctl's flag, which has /metrics"
        assert allow["value"].split(",") == ["/healthz", "/readyz", "/livez"]


def test_kwok_starts_in_the_gates_network_namespace_as_root(isolated_state, monkeypatch,
                                                            tmp_path):
    monkeypatch.setattr("os.geteuid", lambda: 0)
    engine = KwokEngine()
    kwok = tmp_path / "kwok"
    engine.exec_gate_files()[0].parent.mkdir(parents=True, exist_ok=True)
    docs = engine.config_documents({"kwok": kwok})
    launcher = Path(docs[0]["options"]["kwokControllerBinary"])
    assert launcher == engine.kwok_launcher_path()
    text = engine.write_kwok_launcher(kwok).read_text()
    assert "nsenter" in text and "--net=" in text and f"'{kwok}'" in text
    assert str(engine.exec_gate_files()[1]) in text  # the gate's pid, read at each start
    assert stat.S_IMODE(launcher.stat().st_mode) == 0o700
    config = json.loads(engine.write_exec_gate_config("/usr/bin/bwrap").read_text())
    assert config["netns"] is True and config["api_port"] == engine.port
    monkeypatch.setattr("os.geteuid", lambda: 1000)  # no other user to keep out, no netns
    assert KwokEngine().config_documents({"kwok": kwok})[0]["options"][
        "kwokControllerBinary"] == str(kwok)


def test_plain_requests_are_forced_to_close_upgrades_are_kept():
    method, target, version, headers = parse_head(
        b"GET /containerLogs/a/b/c HTTP/1.1\r\nHost: x\r\nConnection: keep-alive")
    assert (method, target, version) == ("GET", "/containerLogs/a/b/c", "HTTP/1.1")
    assert not is_upgrade(headers)
    head = build_head(method, target, version, headers, close=True)
    assert head.endswith(b"\r\nConnection: close\r\n\r\n") and b"keep-alive" not in head
    _, _, _, up = parse_head(b"POST /exec/a/b/c HTTP/1.1\r\nConnection: Upgrade\r\n"
                             b"Upgrade: SPDY/3.1")
    assert is_upgrade(up)
    assert b"Connection: Upgrade" in build_head("POST", "/x", "HTTP/1.1", up, close=False)
    with pytest.raises(Refused):
        parse_head(b"GET /x HTTP/2\r\n")
    with pytest.raises(Refused):
        parse_head(b"GET /x HTTP/1.1\r\n Folded: header")


def test_exec_status_tells_exit_codes_from_failures_to_run():
    assert exec_status("") == (0, "")
    assert exec_status('{"status":"Success"}') == (0, "")
    real = ('{"status":"Failure","reason":"NonZeroExitCode","message":"command terminated",'
            '"details":{"causes":[{"reason":"ExitCode","message":"2"}]}}')
    assert exec_status(real)[0] == 2
    kwok = ('{"status":"Failure","reason":"InternalError","message":"Internal error occurred:'
            ' error executing command in container: cmd wait: /usr/bin/bwrap --x -- sh -c '
            'exit 3: exit status 3"}')
    assert exec_status(kwok) == (3, "exit status 3")
    cannot = ('{"status":"Failure","reason":"InternalError","message":"error executing command'
              ' in container: cmd start: /usr/bin/id : fork/exec /usr/bin/id: operation not '
              'permitted"}')
    assert exec_status(cannot) == (None, "fork/exec /usr/bin/id: operation not permitted")


def test_handshake_status_is_found_in_the_exception_chain():
    assert handshake_status(ValueError("Connection refused")) is None
    try:
        try:
            raise RuntimeError("Handshake status 403 Forbidden")
        except RuntimeError:
            raise AttributeError("decode")  # noqa: B904 - the client does exactly this
    except AttributeError as exc:
        assert handshake_status(exc) == 403


def test_attendee_role_without_exec():
    granted = {r for rule in role_rules("a-01") for r in rule["resources"]}
    assert {"pods/exec", "pods/attach", "pods/portforward"} <= granted
    refused = {r for rule in role_rules("a-01", exec_allowed=False) for r in rule["resources"]}
    assert "pods/exec" not in refused and "pods/attach" not in refused
    assert "pods/portforward" in refused and "pods" in refused


@pytest.mark.parametrize(("engine", "extra", "allowed"), [
    ("kind", {}, True), ("existing", {}, True),
    ("kwok", {"exec_sandbox": "bwrap"}, True),
    ("kwok", {"exec_sandbox": "none", "exec_sandbox_reason": "bwrap is not installed"}, False),
    ("kwok", {}, False),  # a cluster started before the sandbox existed
    ("host", {"exec_sandbox": "container"}, True),
])
def test_exec_for_attendees_follows_the_cluster_record(isolated_state, engine, extra, allowed):
    ClusterRecord(engine=engine, context="c", extra=extra).save()
    ok, why = exec_for_attendees()
    assert ok is allowed
    if not allowed:
        assert "bubblewrap" in why and "refused" in why
        assert extra.get("exec_sandbox_reason", "no sandbox") in why


def test_pki_is_private_and_chains_to_its_ca(tmp_path):
    pki = ensure_pki(tmp_path / "pki")
    assert stat.S_IMODE(pki.folder.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in pki.folder.iterdir())
    for name in LEAVES:
        done = subprocess.run(["openssl", "verify", "-CAfile", str(pki.ca_cert),
                               str(pki.cert(name))], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    text = subprocess.run(["openssl", "x509", "-in", str(pki.etcd_cert), "-noout", "-text"],
                          capture_output=True, text=True, check=True).stdout
    assert "IP Address:127.0.0.1" in text
    before = pki.ca_cert.read_bytes()
    assert ensure_pki(tmp_path / "pki").ca_cert.read_bytes() == before  # kept
    assert ensure_pki(tmp_path / "pki", fresh=True).ca_cert.read_bytes() != before


def test_exec_folder_is_one_nobody_can_reach(isolated_state, monkeypatch, tmp_path):
    monkeypatch.setattr("os.geteuid", lambda: 1000)  # exec runs as the user: any folder
    assert exec_dir() == isolated_state / "simulated"
    monkeypatch.setattr("os.geteuid", lambda: 0)  # exec runs as nobody
    tmp_path.chmod(0o700)  # a private parent, like /root or pytest's folders
    assert exec_dir().parent == Path(tempfile.gettempdir())
    assert exec_dir().name.startswith("k8slab-exec-")
    open_state = Path("/k8slab-no-such-state")  # below / only, which everyone may enter
    monkeypatch.setenv("K8SLAB_STATE", str(open_state))
    assert exec_dir() == open_state / "simulated"


def test_the_gate_runs_on_the_standard_library_alone():
    """k8slab up starts it as a bare file (-I -S): an import from k8slab would break exec."""
    gate = Path(__file__).resolve().parents[2] / "k8slab" / "engines" / "_execgate.py"
    done = subprocess.run([sys.executable, "-I", "-S", str(gate)], capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 2 and "usage:" in done.stderr, done.stderr
