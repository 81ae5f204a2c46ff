"""Logs, exec and port-forward, through the API server's streaming endpoints.

These go where a learner's ``kubectl logs/exec/port-forward`` go: to the API
server, which relays to the node. On the embedded kwok cluster no container
runs, so kwok answers instead (a log file, a command run in a sandbox of the
pod's own on the lab machine, see ``k8slab.engines._execgate``, a small simulated web
server), and says so in its output. An exec that fails, or whose command
exits non-zero, raises: a learner never gets an empty string for an error.
Traffic never goes to a pod IP: only to the API server on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import re
import select
import shlex
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import yaml
from kubernetes import client
from kubernetes.stream import portforward, stream
from kubernetes.stream.ws_client import ERROR_CHANNEL

from k8slab._base import display as _display
from k8slab._base.procs import free_port as _free_port
from k8slab._core import request
from k8slab._core.client import connect, stream_client
from k8slab._core.objects import selector_of
from k8slab._core.resources import get, list_, resource_for
from k8slab.errors import ApiError, ExecFailed, K8sLabError

#: The kinds whose pods :func:`resolve_pod` picks from (any name or short name
#: API discovery knows for them: ``deploy``, ``sts``, ``svc``...).
POD_OWNERS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Service")


def resolve_pod(target: str, namespace: str, port: int | None = None) -> tuple[str, int | None]:
    """Turn ``pod/x``, ``deployment/web``, ``service/web`` or ``x`` into a running pod.

    For a Service the port is translated to the pod's target port, as kubectl does.

    Raises:
        K8sLabError: no running pod backs the target.
    """
    kind, _, name = target.rpartition("/")
    if not kind:
        return name, port
    with _display.quiet():
        try:
            kind = resource_for(kind).kind
        except ApiError:
            kind = ""
        if kind == "Pod":
            return name, port
        if kind not in POD_OWNERS:
            raise K8sLabError(f"Cannot pick a pod from {target!r}.",
                              "Use pod/NAME, deployment/NAME or service/NAME.")
        obj = get(kind, name, namespace)
        pod_port = port
        service_ports = (obj.get("spec") or {}).get("ports") if kind == "Service" else None
        for p in service_ports or []:
            if port is None or p.get("port") == port:
                pod_port = p.get("targetPort", p.get("port"))
                break
        pods = [p for p in list_("Pod", namespace, labels=selector_of(obj) or None)
                if (p.get("status") or {}).get("phase") == "Running"
                and not p["metadata"].get("deletionTimestamp")]
    if not pods:
        raise K8sLabError(f"No running pod behind {target} in namespace {namespace!r}.",
                          "Check `lab.table('Pod', namespace)`: are the pods Running, and do "
                          "their labels match the selector?")
    chosen = sorted(p["metadata"]["name"] for p in pods)[0]
    if isinstance(pod_port, str):  # a named port: look it up in the pod
        pod = next(p for p in pods if p["metadata"]["name"] == chosen)
        for c in pod["spec"]["containers"]:
            for p in c.get("ports") or []:
                if p.get("name") == pod_port:
                    pod_port = p["containerPort"]
    return chosen, pod_port


def logs(target: str, namespace: str = "default", *, container: str | None = None,
         tail: int | None = None, previous: bool = False) -> str:
    """Return a pod's log (``kubectl logs``).

    Args:
        target: a pod name, or ``deployment/NAME`` / ``service/NAME`` (one of its pods).
        container: which container, when the pod has several.
        tail: only the last N lines.
        previous: the log of the previous, restarted container.

    Example:
        >>> print(lab.logs("nginx", "demo"))                # doctest: +SKIP
    """
    pod, _ = resolve_pod(target, namespace)
    kwargs = {k: v for k, v in {"container": container, "tail_lines": tail,
                                "previous": previous or None}.items() if v is not None}

    def read() -> str:
        resp = client.CoreV1Api(connect()).read_namespaced_pod_log(
            pod, namespace, _preload_content=False, **kwargs)
        return resp.data.decode("utf-8", "replace")

    return request.send(
        "read the log of", "Pod", name=pod, namespace=namespace, method="GET",
        kubectl=_display.kubectl("logs", pod, "-n", namespace,
                                 *(("-c", container) if container else ()),
                                 *((f"--tail={tail}",) if tail else ()),
                                 *(("--previous",) if previous else ())),
        path=f"/api/v1/namespaces/{namespace}/pods/{pod}/log", call=read)


def handshake_status(exc: BaseException) -> int | None:
    """The HTTP status of a refused exec/port-forward handshake, if that is what ``exc`` is.

    The client reports a refused websocket upgrade as ``ApiException("Handshake
    status 403 Forbidden ...")``, and some versions then fail on it with an
    AttributeError; the status is found anywhere in the exception chain.
    """
    seen: BaseException | None = exc
    while seen is not None:
        found = re.search(r"Handshake status (\d{3})", str(seen))
        if found:
            return int(found.group(1))
        seen = seen.__cause__ or seen.__context__
    return None


def exec_status(text: str) -> tuple[int | None, str]:
    """Read the status the API server sends at the end of an exec (unit-tested).

    Returns (exit code, message): (0, "") for success, (N, message) for a
    command that exited with N, and (None, message) when the command could
    not run at all (kwok could not start it, no such container, ...). kwok
    v0.8.0 wraps the exit status in an internal error ("cmd wait: <command
    line>: exit status N"); that is read as exit code N too.
    """
    if not text.strip():
        return 0, ""
    try:
        status = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        return None, text.strip()
    if not isinstance(status, dict) or status.get("status") == "Success":
        return 0, ""
    message = str(status.get("message") or status.get("reason") or text.strip())
    if status.get("reason") == "NonZeroExitCode":
        for cause in (status.get("details") or {}).get("causes") or []:
            if cause.get("reason") == "ExitCode":
                with contextlib.suppress(TypeError, ValueError):
                    return int(cause.get("message")), message
    wrapped = re.search(r"cmd wait: .*: exit status (\d+)\s*$", message, re.S)
    if wrapped:
        return int(wrapped.group(1)), f"exit status {wrapped.group(1)}"
    started = re.search(r"cmd start: .*?: (fork/exec .*|exec: .*)$", message, re.S)
    if started:  # kwok's own failure to start the program: keep the reason only
        return None, started.group(1).strip()
    return None, message


def exec_(target: str, command: list[str] | str, namespace: str = "default", *,
          container: str | None = None, timeout: float = 120) -> str:
    """Run a command in a pod's container and return its output (``kubectl exec``).

    Output is stdout and stderr together, as ``kubectl exec`` shows them.

    Raises:
        ExecFailed: the command exited with a non-zero code (the output is in the error).
        K8sLabError: the command could not run at all, or ran longer than ``timeout``.

    Example:
        >>> lab.exec("nginx", ["cat", "/etc/hostname"], "demo")   # doctest: +SKIP
    """
    pod, _ = resolve_pod(target, namespace)
    argv = ["sh", "-c", command] if isinstance(command, str) else list(command)
    kubectl = _display.kubectl("exec", pod, "-n", namespace,
                               *(("-c", container) if container else ()), "--", *argv)
    api = client.CoreV1Api(stream_client())
    kwargs = {"container": container} if container else {}
    where = f"pod {pod!r} ({namespace})"
    hint = ("On the kwok engine exec runs in a sandbox on the lab machine, with the system's "
            "programs only: use simple commands (echo, ls, cat, env, id). On kind/minikube, "
            "check the container has the program.")

    def open_stream():
        # An exec is a websocket upgrade: a refusal comes back as the handshake's
        # status, which says more to a learner than the generic translation
        # (a K8sLabError raised here passes through send's translation as it is).
        try:
            return stream(api.connect_get_namespaced_pod_exec, pod, namespace, command=argv,
                          stderr=True, stdin=False, stdout=True, tty=False,
                          _preload_content=False, **kwargs)
        except Exception as exc:
            if handshake_status(exc) == 403:
                raise K8sLabError(
                    f"You may not exec into pod {pod!r} in namespace {namespace!r} "
                    "(403 Forbidden).",
                    "Exec into your own namespace's pods only. In a workshop on the simulated "
                    "cluster, exec is refused to every attendee when the instructor's machine "
                    "cannot sandbox it (`k8slab workshop create` says so): ask the instructor."
                ) from exc
            if "Handshake status" in str(exc):
                raise K8sLabError(f"The cluster could not run {argv!r} in {where}: {exc}",
                                  hint) from exc
            raise

    try:
        resp = request.send("exec into", "Pod", name=pod, namespace=namespace, kubectl=kubectl,
                            method="POST", path=f"/api/v1/namespaces/{namespace}/pods/{pod}/exec",
                            call=open_stream)
    except ApiError as err:  # the API server refused the request itself (no such pod...)
        refused = err.__cause__ or err
        raise K8sLabError(f"The cluster could not run {argv!r} in {where}: {refused}",
                          hint) from refused
    try:
        resp.run_forever(timeout=timeout)
        finished = not resp.is_open()
        status = resp.read_channel(ERROR_CHANNEL)  # before read_all(), which empties it
        output = resp.read_all()
    finally:
        resp.close()
    if not finished:
        raise K8sLabError(f"{argv!r} in {where} still ran after {timeout:g}s; it was stopped.",
                          "Run a command that ends by itself, or pass a larger timeout=.")
    code, message = exec_status(status)
    if code is None:
        raise K8sLabError(f"The cluster could not run {argv!r} in {where}: {message}", hint)
    if code != 0:
        raise ExecFailed(f"{argv!r} in {where} exited with code {code}:\n{output}",
                         "kubectl exec would fail the same way: read the output above.",
                         exit_code=code, output=output)
    return output


@dataclass
class HttpResponse:
    """What :func:`http_get` returns: status code, headers and body text."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""

    @property
    def simulated(self) -> bool:
        """True when the answer came from kwok's simulated server."""
        return self.headers.get("x-k8slab-simulated") == "true"


def parse_http(raw: bytes) -> HttpResponse:
    """Parse a raw HTTP/1.x response (unit-tested)."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines or not lines[0].startswith("HTTP/"):
        raise K8sLabError("The pod did not answer with HTTP.",
                          "Is this the right port? Is the application an HTTP server?")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    return HttpResponse(status, headers, body.decode("utf-8", "replace"))


def _open_forward(pod: str, namespace: str, port: int):
    api = client.CoreV1Api(stream_client())
    # Quiet: the caller (http_get, port_forward) announced the line; this is one stream of it.
    return request.send("port-forward to", "Pod", name=pod, namespace=namespace, quiet=True,
                        call=lambda: portforward(api.connect_get_namespaced_pod_portforward,
                                                 pod, namespace, ports=str(port)))


def curl_through_forward(pod: str, port: int, path: str, namespace: str, *,
                         host: str | None = None) -> _display.Command:
    """The shell line that does what :func:`http_get` does, runnable as printed.

    ``kubectl port-forward`` never ends by itself, so ``... && curl`` would
    never reach curl: the forward runs in the background, curl waits for it
    (``--retry-connrefused``), and the forward is stopped afterwards. The
    local port is one that was free when the line was printed; ``host`` adds
    the ``Host:`` header an Ingress controller routes by.

    Example:
        >>> str(curl_through_forward("web", 8080, "/", "demo"))  # doctest: +ELLIPSIS
        'kubectl port-forward pod/web ...:8080 -n demo >/dev/null & curl -s ...; kill $!'
    """
    local = _free_port()
    forward = _display.kubectl("port-forward", f"pod/{pod}", f"{local}:{port}", "-n", namespace)
    url = f"http://127.0.0.1:{local}{path}"
    header = f"-H {shlex.quote('Host: ' + host)} " if host else ""
    text = (f"{forward} >/dev/null & curl -s --retry 10 --retry-connrefused --retry-delay 1 "
            f"{header}{shlex.quote(url)}; kill $!")
    return _display.Command(text, forward.argv, shell=True)


def http_get(target: str, port: int, path: str = "/", namespace: str = "default", *,
             timeout: float = 10) -> HttpResponse:
    """Send one HTTP GET to a pod through the API server's port-forward.

    Args:
        target: a pod name, ``deployment/NAME`` or ``service/NAME``.
        port: the port on the pod (or the Service's port for ``service/NAME``).

    Example:
        >>> r = lab.http_get("service/web", 80, "/", "demo")     # doctest: +SKIP
        >>> r.status
        200
    """
    pod, pod_port = resolve_pod(target, namespace, port)
    assert pod_port is not None
    _display.announce(curl_through_forward(pod, int(pod_port), path, namespace),
                      "POST", f"/api/v1/namespaces/{namespace}/pods/{pod}/portforward")
    return forward_get(pod, int(pod_port), path, namespace, timeout=timeout)


def _complete(raw: bytes) -> bool:
    """Has a whole HTTP response arrived (its head and Content-Length bytes of body)?

    A port-forward stream does not always report the server's close, so the
    length says when to stop reading.
    """
    head, sep, body = raw.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if sep and name.strip().lower() == b"content-length":
            return len(body) >= int(value.strip())
    return False


def forward_get(pod: str, port: int, path: str, namespace: str, *, host: str | None = None,
                user_agent: str = "k8slab", timeout: float = 10) -> HttpResponse:
    """One ``GET path`` to a pod's port over a port-forward stream of the API server.

    The one place that speaks HTTP through a port-forward: ``http_get`` and
    the Ingress lesson's ``deliver`` (which keeps a proxied request's Host
    header) both call it.

    Raises:
        K8sLabError: nothing answered (the pod does not listen on that port).
    """
    pf = _open_forward(pod, namespace, port)
    sock = pf.socket(port)
    sock.settimeout(timeout)
    chunks: list[bytes] = []
    try:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host or pod}\r\nUser-Agent: {user_agent}"
                     "\r\nConnection: close\r\n\r\n".encode())
        while True:
            try:
                data = sock.recv(65536)
            except TimeoutError:
                break
            if not data:
                break
            chunks.append(data)
            if _complete(b"".join(chunks)):
                break
    finally:
        sock.close()
        pf.close()
    if not chunks:
        error = pf.error(port)
        raise K8sLabError(f"No answer from pod {pod!r} port {port}: {error or 'timeout'}.",
                          "Is the application listening on that port? Try "
                          f"lab.logs({pod!r}, {namespace!r}).")
    return parse_http(b"".join(chunks))


@contextlib.contextmanager
def port_forward(target: str, port: int, namespace: str = "default", *,
                 local_port: int = 0) -> Iterator[int]:
    """Forward a local port on 127.0.0.1 to a pod, for as long as the block runs.

    Yields the local port; each connection to it opens its own stream through
    the API server, like ``kubectl port-forward``.

    Example:
        >>> with lab.port_forward("service/web", 80, "demo") as local:   # doctest: +SKIP
        ...     urllib.request.urlopen(f"http://127.0.0.1:{local}/").status
        200
    """
    pod, pod_port = resolve_pod(target, namespace, port)
    assert pod_port is not None
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", local_port))
    listener.listen(8)
    listener.settimeout(0.2)
    chosen = listener.getsockname()[1]
    _display.announce(_display.kubectl("port-forward", f"pod/{pod}", f"{chosen}:{pod_port}",
                                       "-n", namespace),
                      "POST", f"/api/v1/namespaces/{namespace}/pods/{pod}/portforward")
    stop = threading.Event()

    def pump(conn: socket.socket) -> None:
        pf = _open_forward(pod, namespace, int(pod_port))
        remote = pf.socket(int(pod_port))
        try:
            while not stop.is_set():
                ready, _, _ = select.select([conn, remote], [], [], 0.2)
                if conn in ready:
                    data = conn.recv(65536)
                    if not data:
                        break
                    remote.sendall(data)
                if remote in ready:
                    data = remote.recv(65536)
                    if not data:
                        break
                    conn.sendall(data)
        except OSError:
            pass
        finally:
            conn.close()
            remote.close()
            pf.close()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=pump, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield chosen
    finally:
        stop.set()
        thread.join(timeout=2)
        listener.close()
