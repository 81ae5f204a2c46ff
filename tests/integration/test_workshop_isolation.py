"""Workshop isolation on the live kwok cluster, tried the way an attendee would try it.

Each attack is made with an attendee's kubeconfig only: the API, or a command
run through ``exec`` (which on kwok runs on this machine). Each test also runs
a positive control (the same probe with the right key, or from the host) so
that a broken probe cannot pass for a wall: etcd answers its one client, the
listener the sandbox cannot reach is reachable from the host, the file an
attendee cannot see is really there.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.stream import stream
from kubernetes.stream.ws_client import ERROR_CHANNEL

import k8slab as lab
from k8slab import workshop
from k8slab._base.cluster_record import ClusterRecord
from k8slab._base.paths import kubeconfig_path, state_dir
from k8slab._base.procs import free_ports
from k8slab._binaries import catalog as _tools
from k8slab._core.pods import exec_status, handshake_status
from k8slab.engines.kwok import KwokEngine, exec_dir, pki_dir
from tests.conftest import ROOT, k8slab_cli

SECRET_TEXT = "attendee-a-private-notes"


@pytest.fixture(scope="module")
def record(cluster) -> ClusterRecord:
    if cluster.engine != "kwok":
        pytest.skip("the exec sandbox and etcd TLS belong to the kwok engine")
    assert cluster.extra.get("exec_sandbox") == "bwrap", (
        f"no exec sandbox on this machine: {cluster.extra.get('exec_sandbox_reason')}")
    return cluster


def _api(path: str) -> client.ApiClient:
    return config.new_client_from_config(config_file=path)


def _pod(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}


@pytest.fixture(scope="module")
def pair(record, tmp_path_factory):
    """Two attendees, each with a running pod ``box`` made with their own credentials."""
    prefix = f"wi{uuid.uuid4().hex[:6]}"
    made = workshop.create(2, prefix=prefix, out=tmp_path_factory.mktemp("kubeconfigs"))
    for att in made:
        client.CoreV1Api(_api(att.kubeconfig)).create_namespaced_pod(att.name, _pod("box"))
    for att in made:
        lab.wait("Pod", "box", att.name, timeout=60)
    yield made
    workshop.delete([a.name for a in made], workshop=prefix)


def attendee_exec(att: workshop.Attendee, argv: list[str], namespace: str | None = None,
                  pod: str = "box") -> tuple[int | None, str]:
    """``kubectl exec`` with the attendee's kubeconfig: (exit code, stdout+stderr)."""
    core = client.CoreV1Api(_api(att.kubeconfig))
    resp = stream(core.connect_get_namespaced_pod_exec, pod, namespace or att.name,
                  command=argv, stderr=True, stdin=False, stdout=True, tty=False,
                  _preload_content=False)
    resp.run_forever(timeout=60)
    status = resp.read_channel(ERROR_CHANNEL)
    output = resp.read_all()
    resp.close()
    code, message = exec_status(status)
    return code, output + (message if code is None else "")


def sh(att: workshop.Attendee, script: str) -> tuple[int | None, str]:
    return attendee_exec(att, ["sh", "-c", script])


def _etcd_port(record: ClusterRecord) -> int:
    return int(record.extra["internal_ports"]["etcd"])


def _https_get(port: int, path: str, context: ssl.SSLContext) -> tuple[int, bytes]:
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def _no_verify() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


# -- etcd -----------------------------------------------------------------------

def test_etcd_answers_plain_http_with_nothing(record):
    conn = http.client.HTTPConnection("127.0.0.1", _etcd_port(record), timeout=10)
    try:
        conn.request("GET", "/version")
        resp = conn.getresponse()
        status, body = resp.status, resp.read()
    except (OSError, http.client.HTTPException):
        return  # refused outright: even better
    finally:
        conn.close()
    assert status == 400, (status, body)
    assert b"etcdserver" not in body and b"HTTPS" in body, body


@pytest.mark.parametrize("path", ["/version", "/v3/kv/range"])
def test_etcd_refuses_tls_without_a_client_certificate(record, path):
    with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
        _https_get(_etcd_port(record), path, _no_verify())


def test_etcd_answers_the_api_server_certificate_only(record):
    """The positive control: the right port, a live etcd, and the one key that opens it."""
    pki = Path(pki_dir())
    ctx = ssl.create_default_context(cafile=str(pki / "ca.crt"))
    ctx.load_cert_chain(pki / "apiserver-etcd-client.crt", pki / "apiserver-etcd-client.key")
    status, body = _https_get(_etcd_port(record), "/version", ctx)
    assert status == 200 and b"etcdserver" in json.dumps(json.loads(body)).encode()
    for path in pki.iterdir():
        assert path.stat().st_mode & 0o077 == 0, f"{path} is readable by others"
    assert pki.stat().st_mode & 0o077 == 0
    # kwokctl's own plain-HTTP URLs are gone from what it runs.
    kwok_yaml = (KwokEngine().cluster_dir() / "kwok.yaml").read_text()
    assert "--listen-client-urls=http://" not in kwok_yaml
    assert "--etcd-servers=http://" not in kwok_yaml


def test_exec_cannot_reach_etcd_the_api_server_or_the_host(record, pair):
    a, _ = pair
    hits: list[bytes] = []
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            hits.append(conn.recv(100))
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    probe = "echo probe > /dev/tcp/127.0.0.1/{port}"
    try:
        # From the host the probe works: it would find the listener if it could.
        subprocess.run(["bash", "-c", probe.format(port=port)], check=True, timeout=10)
        for target in (_etcd_port(record), record.extra["port"], port):
            code, out = attendee_exec(a, ["bash", "-c", probe.format(port=target)])
            assert code not in (0, None), (target, code, out)
            assert "Connection refused" in out or "unreachable" in out, out
        code, out = attendee_exec(a, ["python3", "-c",
                                      "import socket;print(socket.if_nameindex())"])
        assert code == 0 and "'lo'" in out and "eth" not in out, out
    finally:
        stop.set()
        thread.join(timeout=2)
        listener.close()
    assert hits == [b"probe\n"], f"the sandbox reached the host's listener: {hits}"


# -- files ------------------------------------------------------------------------

def test_exec_sees_its_own_sandbox_not_another_attendees(pair):
    a, b = pair
    code, out = sh(a, f"echo {SECRET_TEXT} > notes.txt && pwd && cat notes.txt")
    assert code == 0 and out.split() == ["/sandbox", SECRET_TEXT], out
    box_uid = lab.get("Pod", "box", a.name)["metadata"]["uid"]
    on_host = exec_dir() / "sandboxes" / box_uid / "notes.txt"  # named by the pod's UID
    assert on_host.read_text().strip() == SECRET_TEXT  # it is really there
    code, out = attendee_exec(b, ["ls", "-a", "/sandbox"])
    assert code == 0 and out.split() == [".", "..", "README.txt"], out
    code, out = sh(b, f"grep -rl {SECRET_TEXT} /sandbox /tmp /usr/local 2>/dev/null; "
                      f"cat {on_host}")
    assert code not in (0, None) and SECRET_TEXT not in out, out
    assert f"{on_host}: No such file or directory" in out, out
    # A's other pod gets a sandbox of its own too.
    client.CoreV1Api(_api(a.kubeconfig)).create_namespaced_pod(a.name, _pod("second"))
    lab.wait("Pod", "second", a.name, timeout=60)
    code, out = attendee_exec(a, ["ls", "-a", "/sandbox"], pod="second")
    assert code == 0 and "notes.txt" not in out and "README.txt" in out, out


def test_exec_cannot_read_the_instructors_files(pair):
    a, _ = pair
    lab_files = [kubeconfig_path(), pki_dir() / "ca.key", ROOT / "pyproject.toml",
                 state_dir() / "cluster.json", Path.home()]
    for path in lab_files:
        assert path.exists(), path  # the control: each is there on the host
    script = "; ".join(f"ls -d {p} 2>&1; cat {p} 2>&1 | head -c 200" for p in lab_files)
    code, out = sh(a, script + "; ls /; echo processes: $(ls /proc | grep -c '^[0-9]')")
    assert code == 0, out
    for path in lab_files:
        assert f"{path}: No such file or directory" in out, (path, out)
    assert "BEGIN" not in out and "certificate-authority" not in out
    top = set(out.split())
    assert {"work", "root", "home"}.isdisjoint(top), out
    # Its own processes only: the host's (kwok, the API server, ...) are out of sight.
    assert int(out.rsplit("processes:", 1)[1].split()[0]) < 10, out
    assert len([p for p in Path("/proc").iterdir() if p.name.isdigit()]) > 10
    code, out = attendee_exec(a, ["env"])
    names = {line.split("=", 1)[0] for line in out.splitlines() if "=" in line}
    assert code == 0 and names <= {"PATH", "HOME", "HOSTNAME", "K8SLAB_SIMULATED", "PWD",
                                   "SHLVL", "_"}, names


def test_exec_has_resource_limits(pair):
    a, _ = pair
    code, out = attendee_exec(a, ["cat", "/proc/self/limits"])
    limits = {" ".join(line.split()[:3]): line.split()[3:5] for line in out.splitlines()}
    assert code == 0, out
    assert limits["Max processes 256"] == ["256", "processes"], out
    assert limits["Max file size"] == ["268435456", "268435456"], out
    with open("/proc/self/limits") as own:  # the control: the test process has no such cap
        assert "Max file size             unlimited" in own.read()


def test_exec_into_another_attendees_pod_is_forbidden(pair):
    a, b = pair
    with pytest.raises(Exception) as info:  # the client raises what it raises
        attendee_exec(a, ["id"], namespace=b.name)
    assert handshake_status(info.value) == 403, repr(info.value)
    code, out = attendee_exec(b, ["id"])  # the control: B may, in B's own namespace
    assert code == 0 and "uid=" in out


# -- the API ----------------------------------------------------------------------

def test_attendee_cannot_get_secrets_elsewhere(pair):
    a, b = pair
    lab.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "b-secret"},
               "stringData": {"password": "s3cret"}}, b.name)
    core = client.CoreV1Api(_api(a.kubeconfig))
    for call, args in [(core.read_namespaced_secret, ("b-secret", b.name)),
                       (core.list_namespaced_secret, (b.name,)),
                       (core.list_namespaced_secret, ("kube-system",)),
                       (core.list_secret_for_all_namespaces, ())]:
        with pytest.raises(ApiException) as info:
            call(*args)
        assert info.value.status == 403, (call, info.value.status)
    assert lab.get("Secret", "b-secret", b.name)["metadata"]["name"] == "b-secret"


def _can_i(kubeconfig: str, verb: str, resource: str, namespace: str | None) -> str:
    kubectl = _tools.find("kubectl")
    assert kubectl is not None and f"kubernetes-{_tools.KUBE_VERSION}" in str(kubectl)
    # "pods/exec" alone would mean "the pod named exec": ask for the subresource.
    kind, _, sub = resource.partition("/")
    args = [str(kubectl), "--kubeconfig", kubeconfig, "auth", "can-i", verb, kind]
    args += [f"--subresource={sub}"] if sub else []
    args += ["-n", namespace] if namespace else ["--all-namespaces"]
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    done = subprocess.run(args, capture_output=True, text=True, timeout=30, env=env)
    answer = done.stdout.strip()
    assert answer in ("yes", "no"), (args, done.stdout, done.stderr)
    assert done.returncode == (0 if answer == "yes" else 1)
    return answer


#: (verb, resource, whose namespace: "own", "other", "kube-system" or None for all) -> answer
MATRIX = [
    ("create", "pods", "own", "yes"), ("delete", "pods", "own", "yes"),
    ("create", "pods/exec", "own", "yes"), ("create", "pods/portforward", "own", "yes"),
    ("get", "pods/log", "own", "yes"), ("get", "secrets", "own", "yes"),
    ("create", "deployments.apps", "own", "yes"), ("patch", "deployments.apps/scale", "own",
                                                   "yes"),
    ("create", "jobs.batch", "own", "yes"), ("create", "configmaps", "own", "yes"),
    ("create", "roles.rbac.authorization.k8s.io", "own", "no"),
    ("create", "rolebindings.rbac.authorization.k8s.io", "own", "no"),
    ("update", "resourcequotas", "own", "no"), ("delete", "limitranges", "own", "no"),
    ("create", "serviceaccounts/token", "own", "no"),
    ("get", "pods", "other", "no"), ("get", "secrets", "other", "no"),
    ("create", "pods/exec", "other", "no"), ("create", "deployments.apps", "other", "no"),
    ("get", "secrets", "kube-system", "no"), ("get", "configmaps", "kube-system", "no"),
    ("create", "pods", "kube-system", "no"), ("list", "pods", "kube-system", "yes"),
    ("list", "secrets", None, "no"), ("list", "pods", None, "no"),
    ("list", "namespaces", None, "no"), ("create", "namespaces", None, "no"),
    ("list", "nodes", None, "yes"), ("patch", "nodes", None, "no"),
    ("create", "clusterroles.rbac.authorization.k8s.io", None, "no"),
    ("create", "clusterrolebindings.rbac.authorization.k8s.io", None, "no"),
    ("create", "persistentvolumes", None, "no"), ("get", "storageclasses.storage.k8s.io",
                                                   None, "yes"),
]


def test_rbac_matrix_with_kubectl_auth_can_i(pair):
    a, b = pair
    wrong = []
    for me, other in ((a, b), (b, a)):
        for verb, resource, where, expected in MATRIX:
            namespace = {"own": me.name, "other": other.name}.get(where, where)
            got = _can_i(me.kubeconfig, verb, resource, namespace)
            if got != expected:
                wrong.append((me.name, verb, resource, namespace, got))
    assert not wrong, f"kubectl auth can-i disagrees with the design: {wrong}"


def test_exec_gate_answers_the_api_server_only(record):
    gate = json.loads((state_dir() / "execgate.json").read_text())
    with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
        _https_get(gate["listen"], "/healthz", _no_verify())
    pki = Path(pki_dir())
    ctx = ssl.create_default_context(cafile=str(pki / "ca.crt"))
    ctx.load_cert_chain(pki / "apiserver-kubelet-client.crt",
                        pki / "apiserver-kubelet-client.key")
    assert _https_get(gate["listen"], "/healthz", ctx)[0] == 200
    status, body = _https_get(gate["listen"], "/run/default/x/y?cmd=id", ctx)
    assert status == 403 and b"not served" in body


# -- a machine that cannot sandbox --------------------------------------------------

ATTENDEE_EXEC = """
import k8slab as lab
from k8slab.errors import K8sLabError
try:
    lab.exec("box", ["id"], "{ns}")
except K8sLabError as exc:
    print("REFUSED", exc)
else:
    print("RAN")
"""


def test_without_a_sandbox_exec_is_the_owners_only(cluster, tmp_path):
    """K8SLAB_BWRAP=none stands for a machine where bubblewrap cannot run (no user namespaces).

    A cluster of its own (state folder and a free port), so the main one keeps its sandbox.
    """
    port = free_ports(1)[0]
    env = {**os.environ, "K8SLAB_STATE": str(tmp_path / "state"), "K8SLAB_API_PORT": str(port),
           "K8SLAB_BWRAP": "none"}
    k8slab_cli("up", env=env)
    try:
        state = json.loads((tmp_path / "state" / "cluster.json").read_text())
        assert state["extra"]["exec_sandbox"] == "none"
        assert "K8SLAB_BWRAP=none" in state["extra"]["exec_sandbox_reason"]
        out = k8slab_cli("workshop", "create", "1", "--workshop", "nobox", "--out",
                         str(tmp_path / "kc"), env=env).stdout
        assert "exec is refused to attendees" in out and "bubblewrap" in out, out
        kubeconfig = str(tmp_path / "kc" / "nobox-01.kubeconfig.yaml")
        assert _can_i(kubeconfig, "create", "pods/exec", "nobox-01") == "no"
        assert _can_i(kubeconfig, "create", "pods/portforward", "nobox-01") == "yes"
        script = (
            "import k8slab as lab\n"
            "lab.apply({'apiVersion': 'v1', 'kind': 'Pod', 'metadata': {'name': 'box'},"
            " 'spec': {'containers': [{'name': 'app', 'image': 'nginx:1.27'}]}}, 'nobox-01')\n"
            "lab.wait('Pod', 'box', 'nobox-01', timeout=60)\n"
            "print(lab.exec('box', ['id'], 'nobox-01'))\n")
        owner = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                               text=True, timeout=120)
        assert owner.returncode == 0 and "uid=" in owner.stdout, owner.stderr
        as_attendee = {**env, "K8SLAB_KUBECONFIG": kubeconfig,
                       "K8SLAB_STATE": str(tmp_path / "attendee")}
        refused = subprocess.run([sys.executable, "-c", ATTENDEE_EXEC.format(ns="nobox-01")],
                                 env=as_attendee, capture_output=True, text=True, timeout=120)
        assert refused.stdout.startswith("REFUSED"), (refused.stdout, refused.stderr)
        assert "403 Forbidden" in refused.stdout and "sandbox" in refused.stdout
    finally:
        k8slab_cli("down", env=env, check=False)
