"""A one-request HTTP server on stdin/stdout, behind port-forward on kwok.

kwok has no container to forward a port to, so its ClusterPortForward runs
this module for each connection: it reads one HTTP request and answers with a
small page that says, honestly, that the answer is simulated. The bytes still
travel the real path: client -> kube-apiserver -> kwok controller -> here.
"""

from __future__ import annotations

import sys


def respond(request_head: bytes) -> bytes:
    """Build the HTTP response for a raw request head (tested without I/O)."""
    first = request_head.split(b"\r\n", 1)[0].decode("latin-1", "replace")
    parts = first.split(" ")
    method = parts[0] if parts else "GET"
    path = parts[1] if len(parts) > 1 else "/"
    body = (
        "<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head>\n"
        "<body><h1>Welcome to nginx!</h1>\n"
        f"<p>You asked for {path} with {method}.</p>\n"
        "<p>This answer is simulated by the k8slab kwok cluster: it came through the real "
        "API server port-forward, but no container runs here.</p>\n</body></html>\n"
    ).encode()
    payload = b"" if method == "HEAD" else body
    head = (
        "HTTP/1.1 200 OK\r\n"
        "Server: nginx (simulated by k8slab)\r\n"
        "Content-Type: text/html\r\n"
        f"Content-Length: {len(body)}\r\n"
        "X-K8slab-Simulated: true\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    return head + payload


def main() -> None:
    data = b""
    stdin = sys.stdin.buffer
    while b"\r\n\r\n" not in data:
        chunk = stdin.read1(4096) if hasattr(stdin, "read1") else stdin.read(4096)
        if not chunk:
            break
        data += chunk
    sys.stdout.buffer.write(respond(data))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
