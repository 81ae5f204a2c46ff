"""The exec gate: every ``kubectl exec`` on a simulated pod runs in a sandbox of its own.

On the kwok engine no container exists, so kwok answers ``exec`` by running
the requested program itself, on this machine, with kwok's own network and
view of the files; kwok v0.8.0 offers no hook to wrap that program. The gate
is a small TLS relay between the API server and kwok's "kubelet" port: the
simulated nodes advertise the gate's port, the API server sends its exec,
log and port-forward requests there, and the gate passes them on to kwok,
rewriting only the exec command so that it starts inside ``bwrap``
(bubblewrap) with

- no network at all (a network namespace with nothing but its own loopback),
- a file system made of the system's read-only ``/usr`` and a few ``/etc``
  files, a private ``/tmp`` and ``/proc``, and one writable folder, the pod's
  own ``/sandbox`` (``.k8slab/simulated/sandboxes/<pod UID>``): no home
  folder, no project, no lab state, no other pod's folder; a pod of the same
  name made later gets a new, empty folder (a new UID),
- an empty environment apart from ``PATH``, ``HOME`` and ``K8SLAB_SIMULATED``.

A pod's folder goes with the pod: every few seconds the gate lists the pods'
UIDs (metadata only) and removes the folders of pods that are gone.

The gate answers the API server only: it requires a client certificate from
k8slab's own CA (``k8slab._base.pki``), which only the API server holds. Requests
other than exec, port-forward and logs are refused, and every plain request
is forced to ``Connection: close`` so that no second request can ride an
already-checked connection.

kwok's own port must not be reachable either: kwok serves exec, pprof and
metrics to any client, with no authentication at all (v0.8.0 has no client
CA option). When k8slab runs as root, the gate therefore makes a network
namespace of its own at start (``unshare(CLONE_NEWNET)``) after opening its
listening socket on the host, and kwok is started inside that namespace
(``nsenter --net=/proc/<gate>/ns/net``, see ``k8slab.engines.kwok``). In there
kwok's port exists on a loopback that no other process on the machine shares;
the gate reaches it from inside, and relays kwok's own connections to the API
server (``127.0.0.1:<API port>`` inside the namespace) to the host's API
server. Only root can enter another process's network namespace.

When bubblewrap is missing or cannot make namespaces here (some container
platforms forbid it), the gate passes commands through unchanged and
``k8slab up`` records ``exec_sandbox: none``; ``workshop create`` then leaves
exec out of the attendees' rights, so unsandboxed exec stays the machine
owner's alone.

Run by ``k8slab up`` as ``python -I -S k8slab/engines/_execgate.py CONFIG.json``: it
needs the standard library only, so it must never import from k8slab.

Example:
    >>> gate = Sandbox(Path("/lab/sandboxes"), bwrap="/usr/bin/bwrap")
    >>> rewrite_target("/exec/demo/web/nginx?command=id&output=1", gate)[:38]
    '/exec/demo/web/nginx?command=%2Fusr%2F'
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import fcntl
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

HEAD_LIMIT = 64 * 1024
NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
#: A pod's UID, which names its sandbox folder.
UID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
#: Seconds between two sweeps of the folders of deleted pods.
SWEEP_SECONDS = 3.0
CLONE_NEWNET = 0x40000000
#: The first path segment of the kubelet endpoints the API server uses for pods.
ALLOWED = {"exec", "portForward", "containerLogs", "healthz"}
#: /etc files a program needs to start and to name users; nothing secret.
ETC_FILES = ("passwd", "group", "nsswitch.conf", "ld.so.cache", "ld.so.conf", "ld.so.conf.d",
             "alternatives", "localtime", "os-release", "debian_version")
TOP_LEVEL = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
#: Resource limits of a sandboxed exec (``prlimit``): processes of the exec user,
#: size of one written file, address space of one process. No fork bomb or
#: runaway ``dd`` of an attendee takes the instructor's machine down.
LIMITS = ("--nproc=256", "--fsize=268435456", "--as=4294967296")
README = (
    "This folder stands in for the container's file system: the lab cluster is\n"
    "simulated by kwok, so there is no container. `exec` runs here, in a sandbox of\n"
    "this pod's own on the lab machine: no network, the system's programs read-only,\n"
    "and only this folder (/sandbox) to write in, which no other pod can see.\n")


class Refused(Exception):
    """A request the gate does not pass on, with the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Sandbox:
    """How the gate wraps an exec: bubblewrap (or nothing) and the per-pod folders.

    Attributes:
        root: the folder holding one ``<pod UID>`` folder per pod.
        bwrap: path of ``bwrap``; None to run commands unchanged (no sandbox).
        uid: owner to give new pod folders (the user kwok runs exec as), if root.
        gid: their group.
        prlimit: path of ``prlimit`` to apply :data:`LIMITS` (None: no limits).
    """

    root: Path
    bwrap: str | None = None
    uid: int | None = None
    gid: int | None = None
    prlimit: str | None = None

    def folder(self, pod_uid: str) -> Path:
        """The pod's folder, named by its UID: a pod made later under the same name starts empty.

        Raises:
            Refused: not a UID (it must never name a path outside ``root``).
        """
        if not UID.match(pod_uid):
            raise Refused(400, "bad pod UID")
        return self.root / pod_uid

    def argv(self, pod_uid: str, pod: str, command: list[str]) -> list[str]:
        """The command kwok runs: ``command`` inside the pod's sandbox (unit-tested)."""
        if not self.bwrap:
            return list(command)
        args = [self.prlimit, *LIMITS] if self.prlimit else []
        args += [self.bwrap, "--unshare-all", "--die-with-parent", "--new-session",
                "--ro-bind", "/usr", "/usr"]
        for name in TOP_LEVEL:
            path = Path("/") / name
            if path.is_symlink():
                args += ["--symlink", os.readlink(path), str(path)]
            elif path.is_dir():
                args += ["--ro-bind", str(path), str(path)]
        args += ["--dir", "/etc"]
        for name in ETC_FILES:
            path = Path("/etc") / name
            if path.exists():
                args += ["--ro-bind", str(path), str(path)]
        args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
                 "--bind", str(self.folder(pod_uid)), "/sandbox", "--chdir", "/sandbox",
                 "--hostname", pod[:63].rstrip("-."), "--clearenv",
                 "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
                 "--setenv", "HOME", "/sandbox", "--setenv", "HOSTNAME", pod[:63],
                 "--setenv", "K8SLAB_SIMULATED", "1", "--"]
        return args + list(command)

    def prepare(self, pod_uid: str) -> Path:
        """Create the pod's folder (0700, owned by the exec user), with its README."""
        folder = self.folder(pod_uid)
        if folder.is_dir():
            return folder
        self.root.mkdir(exist_ok=True)
        self.root.chmod(0o711)
        folder.mkdir(mode=0o700, exist_ok=True)
        (folder / "README.txt").write_text(README)
        if self.uid is not None and os.geteuid() == 0:
            for path in (folder, folder / "README.txt"):
                os.chown(path, self.uid, self.gid if self.gid is not None else self.uid)
        return folder

    def sweep(self, live: set[str], before: float) -> list[str]:
        """Remove the folders of pods not in ``live`` (UIDs listed after ``before``, a time).

        A folder made after the list was asked for is kept: its pod may be
        newer than the list.
        """
        removed = []
        if not self.root.is_dir():
            return removed
        for folder in self.root.iterdir():
            if folder.name in live or not folder.is_dir() or folder.is_symlink():
                continue
            with contextlib.suppress(FileNotFoundError):
                if folder.lstat().st_ctime >= before:
                    continue
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
        return removed


def classify(target: str) -> tuple[str, str, str]:
    """The endpoint, namespace and pod of a request target ("" for /healthz).

    Raises:
        Refused: not an endpoint the API server uses for pods, or a malformed one.
    """
    parts = urlsplit(target)
    if "%" in parts.path or "//" in parts.path or parts.scheme or parts.netloc:
        raise Refused(400, "malformed path")
    segments = parts.path.strip("/").split("/")
    if segments[0] not in ALLOWED:
        raise Refused(403, f"/{segments[0]} is not served through the k8slab exec gate")
    if segments[0] == "healthz":
        return "healthz", "", ""
    if len(segments) < 3 or not all(NAME.match(s) for s in segments[1:3]):
        raise Refused(400, "bad namespace or pod name")
    return segments[0], segments[1], segments[2]


def rewrite_target(target: str, sandbox: Sandbox, pod_uid: str | None = None) -> str:
    """Check one request target and put an exec's command in its pod's sandbox.

    Args:
        pod_uid: the pod's UID (looked up by the gate), which names its folder.

    Raises:
        Refused: not an endpoint the API server uses for pods, or a malformed one.
    """
    kind, _namespace, pod = classify(target)
    if kind != "exec":
        return target
    parts = urlsplit(target)
    params = parse_qsl(parts.query, keep_blank_values=True)
    command = [v for k, v in params if k == "command"]
    if not command:
        raise Refused(400, "exec without a command")
    kept = [(k, v) for k, v in params if k != "command"]
    if sandbox.bwrap:
        if pod_uid is None:
            raise Refused(404, "the pod's UID is unknown")
        sandbox.prepare(pod_uid)
    wrapped = [("command", c) for c in sandbox.argv(pod_uid or "", pod, command)]
    return f"{parts.path}?{urlencode(wrapped + kept)}"


def parse_head(head: bytes) -> tuple[str, str, str, list[tuple[str, str]]]:
    """Split an HTTP/1.1 request head into method, target, version and headers.

    Raises:
        Refused: not a well-formed HTTP/1.x request head.
    """
    try:
        text = head.decode("latin-1")
    except UnicodeDecodeError as exc:  # pragma: no cover - latin-1 decodes anything
        raise Refused(400, "undecodable head") from exc
    lines = text.split("\r\n")
    request = lines[0].split(" ")
    if len(request) != 3 or not request[2].startswith("HTTP/1."):
        raise Refused(400, "not an HTTP/1.x request")
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise Refused(400, "malformed header")
        headers.append((name, value.strip()))
    return request[0], request[1], request[2], headers


def is_upgrade(headers: list[tuple[str, str]]) -> bool:
    tokens = {t.strip().lower() for n, v in headers if n.lower() == "connection"
              for t in v.split(",")}
    return "upgrade" in tokens


def build_head(method: str, target: str, version: str, headers: list[tuple[str, str]],
               *, close: bool) -> bytes:
    """The request head to send on; ``close`` replaces Connection with ``close``."""
    kept = [(n, v) for n, v in headers
            if not (close and n.lower() in ("connection", "keep-alive"))]
    if close:
        kept.append(("Connection", "close"))
    lines = [f"{method} {target} {version}"] + [f"{n}: {v}" for n, v in kept]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _answer(status: int, message: str) -> bytes:
    body = f"k8slab exec gate: {message}\n".encode()
    return (f"HTTP/1.1 {status} Refused\r\nContent-Type: text/plain\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                limit: int | None = None) -> None:
    left = limit
    while left is None or left > 0:
        data = await reader.read(65536 if left is None else min(65536, left))
        if not data:
            break
        writer.write(data)
        await writer.drain()
        if left is not None:
            left -= len(data)


async def _close(writer: asyncio.StreamWriter) -> None:
    try:
        writer.close()
        await asyncio.wait_for(writer.wait_closed(), 2)
    except (TimeoutError, OSError, ssl.SSLError):
        pass


class PrivateNet:
    """A network namespace of the gate's own, where kwok runs (see the module's docstring).

    Made by the gate's main thread, which stays in it: sockets the gate opens
    afterwards (to kwok) are inside. :meth:`host_socket` opens one on the host
    (to the API server) by stepping out and back in.
    """

    def __init__(self) -> None:
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.host = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        if self.libc.unshare(CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"unshare(CLONE_NEWNET): {os.strerror(err)}")
        self.own = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        _loopback_up()

    def _enter(self, fd: int) -> None:
        if self.libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns: {os.strerror(err)}")

    def host_socket(self) -> socket.socket:
        """A TCP socket in the host's network namespace."""
        self._enter(self.host)
        try:
            return socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        finally:
            self._enter(self.own)


def _loopback_up() -> None:
    """``ip link set lo up`` in the current network namespace (SIOCSIFFLAGS, no iproute2)."""
    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        ifreq = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(s.fileno(), siocgifflags, ifreq))[1]
        fcntl.ioctl(s.fileno(), siocsifflags, struct.pack("16sH22x", b"lo", flags | iff_up))


class PodDirectory:
    """Pod UIDs, read from the API server with kwokctl's admin certificate (read-only use)."""

    def __init__(self, port: int, ca: str, cert: str, key: str) -> None:
        self.port, self.ca, self.cert, self.key = port, ca, cert, key

    def _get(self, path: str, accept: str = "application/json") -> tuple[int, dict]:
        ctx = ssl.create_default_context(cafile=self.ca)
        ctx.check_hostname = False  # kwokctl's serving certificate; the CA is checked
        ctx.load_cert_chain(self.cert, self.key)
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=ctx, timeout=10)
        try:
            conn.request("GET", path, headers={"Accept": accept})
            resp = conn.getresponse()
            body = resp.read()
            return resp.status, (json.loads(body) if resp.status == 200 else {})
        finally:
            conn.close()

    def uid(self, namespace: str, pod: str) -> str:
        """The pod's UID.

        Raises:
            Refused: no such pod (404), or the API server did not answer (503).
        """
        try:
            status, doc = self._get(f"/api/v1/namespaces/{quote(namespace)}/pods/{quote(pod)}")
        except (OSError, ssl.SSLError, http.client.HTTPException, ValueError) as exc:
            raise Refused(503, f"cannot look the pod up: {exc}") from None
        if status == 404:
            raise Refused(404, f"no pod {namespace}/{pod}")
        uid = str(doc.get("metadata", {}).get("uid", ""))
        if status != 200 or not UID.match(uid):
            raise Refused(503, f"cannot look the pod up (HTTP {status})")
        return uid

    def live(self) -> set[str]:
        """Every pod's UID (metadata only). Raises OSError and the like when it cannot."""
        status, doc = self._get("/api/v1/pods", "application/json;as=PartialObjectMetadataList;"
                                               "g=meta.k8s.io;v=v1")
        if status != 200:
            raise OSError(f"listing pods: HTTP {status}")
        return {str(item["metadata"]["uid"]) for item in doc.get("items", [])}


async def _relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 up_reader: asyncio.StreamReader, up_writer: asyncio.StreamWriter) -> None:
    both = [asyncio.ensure_future(_pump(reader, up_writer)),
            asyncio.ensure_future(_pump(up_reader, writer))]
    try:
        await asyncio.wait(both, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in both:
            task.cancel()


class Gate:
    """The relay itself: TLS in (client certificate required), TLS out to kwok."""

    def __init__(self, config: dict) -> None:
        self.listen = int(config["listen"])
        self.upstream = int(config["upstream"])
        #: Run kwok's port in a network namespace of the gate's own (root only).
        self.netns = bool(config.get("netns"))
        self.api_port = int(config.get("api_port") or 0)
        api = config.get("api") or {}
        self.pods = (PodDirectory(self.api_port, api["ca"], api["cert"], api["key"])
                     if api else None)
        self.net: PrivateNet | None = None
        self.sandbox = Sandbox(Path(config["sandboxes"]), config.get("bwrap"),
                               config.get("uid"), config.get("gid"), config.get("prlimit"))
        self.server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH,
                                                     cafile=config["ca"])
        self.server_ctx.load_cert_chain(config["cert"], config["key"])
        self.server_ctx.verify_mode = ssl.CERT_REQUIRED
        self.server_ctx.set_alpn_protocols(["http/1.1"])
        # kwok serves its port with kwokctl's admin certificate, for 127.0.0.1.
        self.client_ctx = ssl.create_default_context()
        self.client_ctx.check_hostname = False
        self.client_ctx.verify_mode = ssl.CERT_NONE
        self.client_ctx.set_alpn_protocols(["http/1.1"])

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_writer = None
        try:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
            except asyncio.LimitOverrunError:
                raise Refused(431, "request head too large") from None
            method, target, version, headers = parse_head(head[:-4])
            kind, namespace, pod = classify(target)
            pod_uid = None
            if kind == "exec" and self.sandbox.bwrap:
                if self.pods is None:
                    raise Refused(503, "the gate has no way to look pods up")
                pod_uid = await asyncio.to_thread(self.pods.uid, namespace, pod)
            target = rewrite_target(target, self.sandbox, pod_uid)
            upgrade = is_upgrade(headers)
            up_reader, upstream_writer = await asyncio.open_connection(
                "127.0.0.1", self.upstream, ssl=self.client_ctx, limit=HEAD_LIMIT)
            upstream_writer.write(build_head(method, target, version, headers,
                                             close=not upgrade))
            await upstream_writer.drain()
            if not upgrade:
                # One request per connection; the client has nothing more to send.
                await _pump(up_reader, writer)
                return
            answer = await up_reader.readuntil(b"\r\n\r\n")
            writer.write(answer)
            await writer.drain()
            status = answer.split(b" ", 2)[1] if answer.count(b" ") >= 1 else b""
            if status != b"101":
                length = next((int(line.split(b":", 1)[1]) for line in answer.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), None)
                await _pump(up_reader, writer, limit=length if length is not None else None)
                return
            await _relay(reader, writer, up_reader, upstream_writer)
        except Refused as exc:
            writer.write(_answer(exc.status, str(exc)))
            with contextlib.suppress(OSError, ssl.SSLError):
                await writer.drain()
        except (TimeoutError, OSError, ssl.SSLError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            if upstream_writer is not None:
                await _close(upstream_writer)
            await _close(writer)

    async def relay_api(self, reader: asyncio.StreamReader,
                        writer: asyncio.StreamWriter) -> None:
        """kwok's connections to the API server, from inside the namespace to the host's."""
        up_writer = None
        try:
            assert self.net is not None
            sock = self.net.host_socket()
            sock.setblocking(False)
            try:
                await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", self.api_port))
            except OSError:
                sock.close()
                raise
            up_reader, up_writer = await asyncio.open_connection(sock=sock)
            await _relay(reader, writer, up_reader, up_writer)
        except OSError:
            pass
        finally:
            if up_writer is not None:
                await _close(up_writer)
            await _close(writer)

    async def sweep_forever(self) -> None:
        """Remove the sandboxes of deleted pods, every :data:`SWEEP_SECONDS`."""
        assert self.pods is not None
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            before = time.time()
            try:
                live = await asyncio.to_thread(self.pods.live)
            except (OSError, ssl.SSLError, http.client.HTTPException, ValueError, KeyError):
                continue  # the API server is starting or stopping: next round
            await asyncio.to_thread(self.sandbox.sweep, live, before)

    async def serve(self) -> None:
        # The gate's own port is bound on the host, before any namespace is made; it
        # listens (and k8slab up sees it ready) once kwok's namespace exists.
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.listen))
        servers = []
        if self.netns:
            self.net = PrivateNet()
            inside = socket.create_server(("127.0.0.1", self.api_port))
            servers.append(await asyncio.start_server(self.relay_api, sock=inside))
        servers.append(await asyncio.start_server(self.handle, sock=listener,
                                                  ssl=self.server_ctx, limit=HEAD_LIMIT,
                                                  ssl_handshake_timeout=15))
        sweeper = asyncio.ensure_future(self.sweep_forever()) if self.pods else None
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            await stop.wait()
        finally:
            if sweeper is not None:
                sweeper.cancel()
            for server in servers:
                server.close()


def probe(bwrap: str | None, folder: Path, uid: int | None = None) -> str | None:
    """Run ``true`` in a sandbox like the gate's, as the exec user: None if it works.

    Returns the reason it cannot, for the cluster record and the log.
    """
    if not bwrap:
        return "bubblewrap (bwrap) is not installed, or K8SLAB_BWRAP=none"
    sandbox = Sandbox(folder, bwrap, uid, uid, shutil.which("prlimit"))
    probe_uid = "00000000-0000-0000-0000-000000000000"
    sandbox.prepare(probe_uid)
    kwargs: dict = {}
    if uid is not None and os.geteuid() == 0:
        kwargs = {"user": uid, "group": uid, "extra_groups": []}
    try:
        done = subprocess.run(sandbox.argv(probe_uid, "probe", ["true"]), capture_output=True,
                              text=True, timeout=30, cwd="/", **kwargs)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"bwrap could not start: {exc}"
    finally:
        shutil.rmtree(sandbox.folder(probe_uid), ignore_errors=True)
    if done.returncode != 0:
        return f"bwrap cannot make a sandbox here: {done.stderr.strip()[-300:]}"
    return None


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -I -S _execgate.py CONFIG.json", file=sys.stderr)
        return 2
    config = json.loads(Path(args[0]).read_text())
    asyncio.run(Gate(config).serve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
