"""Attacks on the workshop room made from an attendee's own Unix user, the way the hub runs them.

Each probe runs as a real attendee user (``k8slab-<attendee>``, made by
:func:`k8slab.workshop._hub.users.prepare_home` as ``workshop serve`` makes it) inside
the same private view (:func:`k8slab.workshop._hub.users.private_view`) that the hub
gives their JupyterLab. Each wall has its positive control: the port that
refuses the attendee is shown to be a live server, the kernel the attendee
cannot reach answers its owner, the sandbox that is gone had a file in it.

Root only: one Unix user per attendee needs it (as the hub does).
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from kubernetes import client

import k8slab as lab
from k8slab import workshop
from k8slab._base.procs import free_ports
from k8slab.engines.kwok import KwokEngine, exec_dir
from k8slab.workshop._hub import users as _hub_users
from tests.conftest import k8slab_cli
from tests.integration.test_workshop_isolation import _api, _pod, attendee_exec, sh

pytestmark = pytest.mark.skipif(os.geteuid() != 0,
                                reason="one Unix user per attendee needs root")

SECRET = "attendee-file-that-must-not-outlive-its-pod"


class Attendee:
    """An attendee's Unix user and home, made as ``workshop serve`` makes them."""

    def __init__(self, name: str, kubeconfig: Path) -> None:
        self.name = name
        person = _hub_users.prepare_home(name, kubeconfig)
        self.home = Path(person["home"])
        self.entry = pwd.getpwnam(person["unix_user"])
        self.uid = self.entry.pw_uid

    def command(self, argv: list[str]) -> list[str]:
        """``argv`` as this attendee, in the private view the hub gives their server."""
        needed = _hub_users.server_needs(str(Path(sys.executable).parent))
        return _hub_users.private_view(self.entry, self.home, needed) + argv

    def env(self, **extra: str) -> dict[str, str]:
        return {"HOME": str(self.home), "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
                "LANG": "C.UTF-8", "JUPYTER_RUNTIME_DIR": _hub_users.runtime_dir(), **extra}

    def python(self, script: str, timeout: float = 60) -> dict:
        """Run ``script`` as the attendee; it prints one JSON line, returned as a dict."""
        done = subprocess.run(self.command([sys.executable, "-I", "-c", script]),
                              env=self.env(), capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def people(tmp_path_factory):
    """Two attendee Unix users (their kubeconfig content does not matter to these attacks)."""
    prefix = f"wx{uuid.uuid4().hex[:5]}"
    kubeconfig = tmp_path_factory.mktemp("kc") / "kubeconfig.yaml"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\n")
    names = [f"{prefix}-01", f"{prefix}-02"]
    try:
        yield [Attendee(n, kubeconfig) for n in names]
    finally:
        _hub_users.remove(names)
    for name in names:
        with pytest.raises(KeyError):
            pwd.getpwnam(_hub_users.unix_name(name))


# -- kwok's own port ------------------------------------------------------------

def _kwok_port() -> int:
    """kwok's port, as anyone reads it in ``ps`` (its --server-address flag)."""
    for pid_file in (KwokEngine().cluster_dir() / "pids").glob("kwok-controller.pid"):
        cmdline = Path(f"/proc/{pid_file.read_text().strip()}/cmdline").read_bytes()
        found = re.search(rb"--server-address=127\.0\.0\.1:(\d+)", cmdline)
        if found:
            return int(found.group(1))
    raise AssertionError("kwok's command line shows no --server-address")


def _gate_pid() -> int:
    return int(KwokEngine().exec_gate_files()[1].read_text().strip())


KWOK_PROBE = """
import json, socket, ssl
port = {port}
out = {{}}
for path in ("/exec/default/nope/app?command=id&output=1", "/debug/pprof/", "/metrics"):
    for scheme in ("http", "https"):
        try:
            raw = socket.create_connection(("127.0.0.1", port), timeout=5)
            if scheme == "https":
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                raw = ctx.wrap_socket(raw)
            head = f"GET {{path}} HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n"
            raw.sendall(head.encode())
            out[scheme + " " + path] = raw.recv(200).decode("latin-1")
        except OSError as err:
            out[scheme + " " + path] = type(err).__name__
print(json.dumps(out))
"""


def test_kwok_port_refuses_an_attendee(cluster, people):
    if cluster.engine != "kwok":
        pytest.skip("kwok's port belongs to the kwok engine")
    assert cluster.extra.get("kwok_port") == "gate-netns", cluster.extra
    port = _kwok_port()
    a, _ = people
    seen = a.python(KWOK_PROBE.format(port=port))
    assert seen and all(v == "ConnectionRefusedError" for v in seen.values()), seen
    # The control: inside the gate's network namespace the same port is kwok, serving.
    inside = subprocess.run(
        ["nsenter", f"--net=/proc/{_gate_pid()}/ns/net", "--", sys.executable, "-I", "-c",
         KWOK_PROBE.format(port=port)], capture_output=True, text=True, timeout=60)
    there = json.loads(inside.stdout.strip().splitlines()[-1])
    assert there["https /metrics"].startswith("HTTP/1.1 200"), there
    # And the host's own loopback has no listener on it at all (nor does ps lie about it).
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5)


# -- the controller manager's and scheduler's metrics --------------------------------

def _secure_port(component: str) -> int:
    """The component's ``--secure-port``, read from the running process of this cluster."""
    marker = str(KwokEngine().cluster_dir())
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        words = [a.decode(errors="replace") for a in args]
        if words and words[0].endswith(component) and any(marker in w for w in words):
            for word in words:
                if word.startswith("--secure-port="):
                    return int(word.split("=", 1)[1])
    raise AssertionError(f"no running {component} of {marker} with --secure-port")


METRICS_PROBE = """
import json, ssl, urllib.request, urllib.error
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
out = {{}}
for path in ("/metrics", "/healthz"):
    try:
        with urllib.request.urlopen(f"https://127.0.0.1:{port}{{path}}", context=ctx,
                                    timeout=10) as resp:
            out[path] = resp.status
    except urllib.error.HTTPError as err:
        out[path] = err.code
print(json.dumps(out))
"""


@pytest.mark.parametrize("component", ["kube-controller-manager", "kube-scheduler"])
def test_component_metrics_ask_an_attendee_for_credentials(cluster, people, component):
    if cluster.engine != "kwok":
        pytest.skip("these flags belong to the kwok engine")
    port = _secure_port(component)
    a, _ = people
    seen = a.python(METRICS_PROBE.format(port=port))
    assert seen["/metrics"] in (401, 403), seen
    assert seen["/healthz"] == 200, seen  # the control: the right port, a live server


# -- kernels --------------------------------------------------------------------

def _listening_ports(uid: int) -> set[int]:
    """TCP ports in LISTEN state owned by ``uid`` (what ``ss -ltne`` shows anyone)."""
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            cols = line.split()
            if cols[3] == "0A" and int(cols[7]) == uid:
                ports.add(int(cols[1].rsplit(":", 1)[1], 16))
    return ports


KERNEL_PROBE = """
import json, os, socket
out = {{"tcp": sorted({{int(l.split()[1].rsplit(":", 1)[1], 16)
                       for t in ("/proc/net/tcp", "/proc/net/tcp6")
                       for l in open(t).read().splitlines()[1:]
                       if l.split()[3] == "0A" and int(l.split()[7]) == {uid}}})}}
try:
    os.listdir("{folder}")
    out["list"] = "listed"
except OSError as err:
    out["list"] = type(err).__name__
out["connect"] = {{}}
for path in {sockets}:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        out["connect"][path] = "connected"
    except OSError as err:
        out["connect"][path] = type(err).__name__
    finally:
        s.close()
out["own_runtime"] = sorted(os.listdir(os.environ["JUPYTER_RUNTIME_DIR"]))
# What each ZMQ port of B's is: the socket type its ZMTP greeting announces.
out["zmq"] = {{}}
greeting = b"\\xff" + bytes(8) + b"\\x7f\\x03\\x00" + b"NULL".ljust(20, b"\\0") + bytes(32)
ready = b"\\x05READY\\x0bSocket-Type" + (4).to_bytes(4, "big") + b"PUSH"
for p in out["tcp"]:
    if p == {http_port}:
        continue
    with socket.create_connection(("127.0.0.1", p), timeout=5) as s:
        s.sendall(greeting + bytes([4, len(ready)]) + ready)
        data = b""
        def parsed(data):
            at = data.find(b"Socket-Type") + 11
            if at < 11 or len(data) < at + 4:
                return None
            size = int.from_bytes(data[at:at + 4], "big")
            return data[at + 4:at + 4 + size].decode() if len(data) >= at + 4 + size else None
        while parsed(data) is None:
            chunk = s.recv(256)
            if not chunk:
                break
            data += chunk
        out["zmq"][p] = parsed(data)
print(json.dumps(out))
"""


def test_an_attendee_cannot_reach_another_attendees_kernel(people, tmp_path):
    """B runs a server and a kernel the way the hub starts them; A looks for a way in."""
    a, b = people
    port = free_ports(1)[0]
    token = uuid.uuid4().hex
    server = subprocess.Popen(
        b.command([str(Path(sys.executable).parent / "jupyter-server"),
                   *_hub_users.KERNEL_ARGS, f"--port={port}", "--ip=127.0.0.1",
                   f"--IdentityProvider.token={token}", "--no-browser",
                   f"--ServerApp.root_dir={b.home}"]),
        env=b.env(), stdout=(tmp_path / "server.log").open("w"), stderr=subprocess.STDOUT)
    try:
        headers = {"Authorization": f"token {token}"}
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, (tmp_path / "server.log").read_text()[-2000:]
            try:
                req = urllib.request.Request(f"http://127.0.0.1:{port}/api/kernels",
                                             data=b"{}", headers=headers, method="POST")
                with urllib.request.urlopen(req, timeout=10) as resp:
                    kernel = json.loads(resp.read())
                break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()
                time.sleep(1)
        name = f"kernel-{kernel['id']}"
        deadline = time.monotonic() + 60
        kernel_pid = None
        while kernel_pid is None:
            for pid in _hub_users.processes_of(b.uid):
                try:
                    if name.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                        kernel_pid = pid
                except OSError:
                    continue
            assert kernel_pid or time.monotonic() < deadline, "B's kernel did not start"
            time.sleep(0.5)
        # The control, as root: B's kernel is there, over ipc, in B's private runtime folder.
        folder = Path(f"/proc/{kernel_pid}/root") / _hub_users.runtime_dir().lstrip("/")
        info = json.loads((folder / f"{name}.json").read_text())
        assert info["transport"] == "ipc", info
        assert info["ip"] == f"{_hub_users.runtime_dir()}/{name}-ipc", info  # no relative path
        sockets = [str(folder / f"{name}-ipc-{info[f'{ch}_port']}")
                   for ch in ("shell", "iopub", "stdin", "control", "hb")]
        deadline = time.monotonic() + 60
        while not all(Path(p).exists() for p in sockets):  # the kernel binds them as it starts
            assert time.monotonic() < deadline, (sockets, os.listdir(folder))
            time.sleep(0.5)
        for path in sockets:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.connect(path)  # its owner's side could connect
        # B listens on one TCP port only: the server's own HTTP port (it asks for a token).
        # B's TCP listeners: the server's HTTP port (it asks for a token) and, at most,
        # ipykernel's IOPub pipe for forked subprocesses, a PULL socket: it only takes in
        # (messages signed with a secret of the kernel's), it never sends anything out.
        extra = _listening_ports(b.uid) - {port}
        # The attack, as A.
        seen = a.python(KERNEL_PROBE.format(uid=b.uid, folder=folder, sockets=sockets,
                                            http_port=port))
        assert set(seen["tcp"]) == extra | {port}, seen
        assert all(kind == "PULL" for kind in seen["zmq"].values()), seen
        assert seen["list"] in ("PermissionError", "FileNotFoundError"), seen
        assert set(seen["connect"].values()) <= {"PermissionError", "FileNotFoundError"}, seen
        assert not any(kernel["id"] in f for f in seen["own_runtime"]), seen
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        _hub_users.stop_processes(b.uid)


# -- sandboxes go with their pod ---------------------------------------------------

@pytest.fixture(scope="module")
def boxed(cluster, tmp_path_factory):
    if cluster.engine != "kwok" or cluster.extra.get("exec_sandbox") != "bwrap":
        pytest.skip("the exec sandbox belongs to the kwok engine with bubblewrap")
    prefix = f"wy{uuid.uuid4().hex[:5]}"
    (made,) = workshop.create(1, prefix=prefix, out=tmp_path_factory.mktemp("kc"))
    yield made
    if lab.exists("Namespace", made.name):
        workshop.delete([made.name], workshop=prefix)


def _make_pod(att: workshop.Attendee, name: str) -> str:
    client.CoreV1Api(_api(att.kubeconfig)).create_namespaced_pod(att.name, _pod(name))
    lab.wait("Pod", name, att.name, timeout=60)
    return lab.get("Pod", name, att.name)["metadata"]["uid"]


def test_a_new_pod_of_the_same_name_starts_with_an_empty_sandbox(boxed):
    """Sandboxes are named by pod UID: a later pod never inherits an earlier one's files.

    (The gate's sweep that should remove a deleted pod's folder within seconds
    is not proven: its test found the folder still there after 60 s. Until it
    is, `workshop delete` and `k8slab down` are what remove them, tested below.)
    """
    uid = _make_pod(boxed, "reborn")
    code, out = attendee_exec(boxed, ["sh", "-c", f"echo {SECRET} > notes.txt && cat notes.txt"],
                              pod="reborn")
    assert code == 0 and SECRET in out, out
    folder = exec_dir() / "sandboxes" / uid
    assert (folder / "notes.txt").read_text().strip() == SECRET  # the control
    client.CoreV1Api(_api(boxed.kubeconfig)).delete_namespaced_pod("reborn", boxed.name,
                                                                   grace_period_seconds=0)
    lab.wait("Pod", "reborn", boxed.name, until="deleted", timeout=60)
    again = _make_pod(boxed, "reborn")
    assert again != uid
    code, out = attendee_exec(boxed, ["ls", "-a", "/sandbox"], pod="reborn")
    assert code == 0 and out.split() == [".", "..", "README.txt"], out


def _files_holding(root: Path, text: str) -> list[str]:
    if not root.exists():
        return []
    done = subprocess.run(["grep", "-rlF", text, str(root)], capture_output=True, text=True)
    return done.stdout.split()


def test_workshop_delete_leaves_no_attendee_file(cluster, tmp_path):
    if cluster.engine != "kwok" or cluster.extra.get("exec_sandbox") != "bwrap":
        pytest.skip("the exec sandbox belongs to the kwok engine with bubblewrap")
    prefix = f"wz{uuid.uuid4().hex[:5]}"
    (att,) = workshop.create(1, prefix=prefix, out=tmp_path)
    uid = _make_pod(att, "box")
    marker = f"{SECRET}-{prefix}"
    code, out = sh(att, f"echo {marker} > notes.txt")
    assert code == 0, out
    assert _files_holding(exec_dir(), marker)  # the control: the file is on this machine
    k8slab_cli("workshop", "delete", "--all", "--workshop", prefix)
    assert not (exec_dir() / "sandboxes" / uid).exists()
    assert _files_holding(exec_dir(), marker) == []
    assert not Path(att.kubeconfig).exists()


def test_down_leaves_no_attendee_file(cluster, tmp_path):
    """A cluster of its own (state folder and port), so the main one stays up."""
    if cluster.engine != "kwok":
        pytest.skip("the kwok engine's files")
    port = free_ports(1)[0]
    state = tmp_path / "state"
    env = {**os.environ, "K8SLAB_STATE": str(state), "K8SLAB_API_PORT": str(port)}
    k8slab_cli("up", env=env)
    try:
        record = json.loads((state / "cluster.json").read_text())
        if record["extra"].get("exec_sandbox") != "bwrap":
            pytest.skip("no exec sandbox here")
        k8slab_cli("workshop", "create", "1", "--workshop", "gone", "--out", str(tmp_path / "kc"),
                   env=env)
        script = (
            "import k8slab as lab, json\n"
            "from k8slab.engines.kwok import exec_dir\n"
            "lab.apply({'apiVersion': 'v1', 'kind': 'Pod', 'metadata': {'name': 'box'},"
            " 'spec': {'containers': [{'name': 'app', 'image': 'nginx:1.27'}]}}, 'gone-01')\n"
            "lab.wait('Pod', 'box', 'gone-01', timeout=60)\n"
            f"lab.exec('box', ['sh', '-c', 'echo {SECRET} > notes.txt'], 'gone-01')\n"
            "print(json.dumps(str(exec_dir())))\n")
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                              text=True, timeout=180)
        assert done.returncode == 0, done.stderr[-2000:]
        execs = Path(json.loads(done.stdout.strip().splitlines()[-1]))
        assert _files_holding(execs, SECRET)  # the control
    finally:
        k8slab_cli("down", env=env, check=False)
    assert not execs.exists(), f"{execs} outlived k8slab down"
    assert _files_holding(state, SECRET) == []
    leftovers = [p for p in (state / "simulated", state / "workshop-homes") if p.exists()]
    assert leftovers == [], leftovers
    shutil.rmtree(state, ignore_errors=True)
