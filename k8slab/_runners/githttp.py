"""A git server over HTTP on 127.0.0.1: git's own ``git http-backend`` behind a tiny CGI host.

Why: Flux's source-controller clones a repository by URL, as it would from
GitHub or GitLab. Notebook 13's repository is served to it by the real git
smart-HTTP server (``git http-backend``, shipped with git), so clone, fetch
and push are git's own protocol; this module only turns HTTP requests into
CGI calls, since Python's standard library has no CGI host left.

Every bare repository under the root folder is served (``GIT_HTTP_EXPORT_ALL``)
and accepts pushes (``http.receivepack``, set by :func:`init_bare`): it listens
on 127.0.0.1 only, for this machine's own lab.

Run as ``python -m k8slab._runners.githttp --root DIR --port PORT``.

Example:
    >>> cgi_environ("GET", "/app.git/info/refs", "service=git-upload-pack", {},
    ...             Path("/srv"))["PATH_INFO"]
    '/app.git/info/refs'
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def backend() -> str:
    """The path of ``git http-backend`` (in git's exec-path, not on PATH)."""
    git = shutil.which("git")
    if git is None:
        raise SystemExit("git is not installed: `apt-get install git`")
    exec_path = subprocess.run([git, "--exec-path"], capture_output=True, text=True,
                               check=True).stdout.strip()
    return str(Path(exec_path) / "git-http-backend")


def init_bare(path: Path) -> Path:
    """Make an empty bare repository that accepts pushes over this server."""
    git = shutil.which("git") or "git"
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run([git, "init", "--quiet", "--bare", "--initial-branch=main", str(path)],
                   check=True, env=env)
    subprocess.run([git, "-C", str(path), "config", "http.receivepack", "true"], check=True,
                   env=env)
    return path


def cgi_environ(method: str, path: str, query: str, headers: dict[str, str],
                root: Path) -> dict[str, str]:
    """The CGI variables ``git http-backend`` reads for one request."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GIT_PROJECT_ROOT": str(root),
        "GIT_HTTP_EXPORT_ALL": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    lower = {k.lower(): v for k, v in headers.items()}
    if "content-type" in lower:
        env["CONTENT_TYPE"] = lower["content-type"]
    for name in ("content-encoding", "git-protocol"):
        if name in lower:
            env["HTTP_" + name.upper().replace("-", "_")] = lower[name]
    return env


def parse_cgi(output: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    """Split a CGI response into status, headers and body.

    Example:
        >>> parse_cgi(b"Status: 404 Not Found\\r\\nContent-Type: text/plain\\r\\n\\r\\nno")
        (404, [('Content-Type', 'text/plain')], b'no')
    """
    head, _, body = output.partition(b"\r\n\r\n")
    if not _:
        head, _, body = output.partition(b"\n\n")
    status, headers = 200, []
    for line in head.decode("latin-1").splitlines():
        name, _, value = line.partition(":")
        if name.lower() == "status":
            status = int(value.split()[0])
        elif name:
            headers.append((name.strip(), value.strip()))
    return status, headers, body


class _Handler(BaseHTTPRequestHandler):
    root: Path
    cgi: str
    protocol_version = "HTTP/1.1"

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _serve(self) -> None:
        path, _, query = self.path.partition("?")
        body = self._body() if self.command == "POST" else b""
        env = cgi_environ(self.command, path, query, dict(self.headers.items()), self.root)
        env["CONTENT_LENGTH"] = str(len(body))
        proc = subprocess.run([self.cgi], input=body, env=env, capture_output=True,
                              timeout=120)
        status, headers, out = parse_cgi(proc.stdout)
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = _serve
    do_POST = _serve

    def log_message(self, format: str, *args: object) -> None:
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


def serve(root: Path, port: int) -> None:
    """Serve every bare repository under ``root`` on 127.0.0.1:``port`` until killed."""
    handler = type("Handler", (_Handler,), {"root": root.resolve(), "cgi": backend()})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    print(f"git http-backend serving {root} on http://127.0.0.1:{port}/", flush=True)
    server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    args.root.mkdir(parents=True, exist_ok=True)
    serve(args.root, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
