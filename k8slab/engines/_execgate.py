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
  own ``/sandbox`` (``.k8slab/simulated/sandboxes/<namespace>/<pod>``): no
  home folder, no project, no lab state, no other pod's folder,
- an empty environment apart from ``PATH``, ``HOME`` and ``K8SLAB_SIMULATED``.

The gate answers the API server only: it requires a client certificate from
k8slab's own CA (``k8slab._base.pki``), which only the API server holds. Requests
other than exec, port-forward and logs are refused, and every plain request
is forced to ``Connection: close`` so that no second request can ride an
already-checked connection.

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
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

HEAD_LIMIT = 64 * 1024
NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
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
        root: the folder holding ``<namespace>/<pod>`` sandboxes.
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

    def folder(self, namespace: str, pod: str) -> Path:
        return self.root / namespace / pod

    def argv(self, namespace: str, pod: str, command: list[str]) -> list[str]:
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
                 "--bind", str(self.folder(namespace, pod)), "/sandbox", "--chdir", "/sandbox",
                 "--hostname", pod[:63].rstrip("-."), "--clearenv",
                 "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
                 "--setenv", "HOME", "/sandbox", "--setenv", "HOSTNAME", pod[:63],
                 "--setenv", "K8SLAB_SIMULATED", "1", "--"]
        return args + list(command)

    def prepare(self, namespace: str, pod: str) -> Path:
        """Create the pod's folder (0700, owned by the exec user), with its README."""
        folder = self.folder(namespace, pod)
        if folder.is_dir():
            return folder
        for parent in (self.root, self.root / namespace):
            parent.mkdir(exist_ok=True)
            parent.chmod(0o711)
        folder.mkdir(mode=0o700, exist_ok=True)
        (folder / "README.txt").write_text(README)
        if self.uid is not None and os.geteuid() == 0:
            for path in (folder, folder / "README.txt"):
                os.chown(path, self.uid, self.gid if self.gid is not None else self.uid)
        return folder


def rewrite_target(target: str, sandbox: Sandbox) -> str:
    """Check one request target and put an exec's command in its sandbox.

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
        return target
    if len(segments) < 3 or not all(NAME.match(s) for s in segments[1:3]):
        raise Refused(400, "bad namespace or pod name")
    if segments[0] != "exec":
        return target
    namespace, pod = segments[1], segments[2]
    params = parse_qsl(parts.query, keep_blank_values=True)
    command = [v for k, v in params if k == "command"]
    if not command:
        raise Refused(400, "exec without a command")
    kept = [(k, v) for k, v in params if k != "command"]
    if sandbox.bwrap:
        sandbox.prepare(namespace, pod)
    wrapped = [("command", c) for c in sandbox.argv(namespace, pod, command)]
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


class Gate:
    """The relay itself: TLS in (client certificate required), TLS out to kwok."""

    def __init__(self, config: dict) -> None:
        self.listen = int(config["listen"])
        self.upstream = int(config["upstream"])
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
            target = rewrite_target(target, self.sandbox)
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
            both = [asyncio.ensure_future(_pump(reader, upstream_writer)),
                    asyncio.ensure_future(_pump(up_reader, writer))]
            _done, pending = await asyncio.wait(both, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
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

    async def serve(self) -> None:
        server = await asyncio.start_server(self.handle, "127.0.0.1", self.listen,
                                            ssl=self.server_ctx, limit=HEAD_LIMIT,
                                            ssl_handshake_timeout=15)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        async with server:
            await stop.wait()


def probe(bwrap: str | None, folder: Path, uid: int | None = None) -> str | None:
    """Run ``true`` in a sandbox like the gate's, as the exec user: None if it works.

    Returns the reason it cannot, for the cluster record and the log.
    """
    if not bwrap:
        return "bubblewrap (bwrap) is not installed, or K8SLAB_BWRAP=none"
    sandbox = Sandbox(folder, bwrap, uid, uid, shutil.which("prlimit"))
    sandbox.prepare("probe", "probe")
    kwargs: dict = {}
    if uid is not None and os.geteuid() == 0:
        kwargs = {"user": uid, "group": uid, "extra_groups": []}
    try:
        done = subprocess.run(sandbox.argv("probe", "probe", ["true"]), capture_output=True,
                              text=True, timeout=30, cwd="/", **kwargs)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"bwrap could not start: {exc}"
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
