"""Read Ingress rules the way an Ingress controller does, and follow a request through them.

An Ingress is only a routing table stored by the API server: nothing moves
until a controller (ingress-nginx, Traefik, HAProxy...) reads it and
configures a reverse proxy. The lab's clusters (kwok and the host engine)
run no such controller, so this module plays its routing part in pure Python:
given Ingress objects and a request's host and path, :func:`route` says which
Service and port would receive the request. :func:`send` then delivers the
request to a pod of that Service through the API server's port-forward, with
the request's Host header, so a learner sees the whole route end to end. The
routing is a simulation; the answer is the pod's own (a real web server on
the host engine, kind or minikube; kwok's simulated server on kwok).

Matching follows the Ingress specification and ingress-nginx's reading of it:

* hosts first: an exact host beats a wildcard (``*.example.test`` matches one
  extra label), which beats rules without a host; paths are then looked up
  only among the rules of the winning host;
* paths next: the longest matching path wins, and ``Exact`` beats ``Prefix``
  on a tie; ``Prefix`` compares whole path elements (``/app`` matches
  ``/app/x`` but not ``/apple``); ``ImplementationSpecific`` is read as
  ``Prefix`` (what ingress-nginx does without regex annotations);
* nothing matches: the Ingress ``defaultBackend`` if one is set, else the
  controller's own "404 Not Found" page.

Example:
    >>> web = {"kind": "Ingress", "metadata": {"name": "web"}, "spec": {"rules": [
    ...     {"http": {"paths": [{"path": "/app1", "pathType": "Prefix", "backend":
    ...         {"service": {"name": "app1", "port": {"number": 80}}}}]}}]}}
    >>> route(web, "shop.k8slab.test", "/app1/cart").service
    'app1'
    >>> route(web, "shop.k8slab.test", "/apple") is None
    True
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import pandas as pd

from . import _display
from ._pods import HttpResponse, forward_get, resolve_pod
from ._resources import get, list_

#: The path types of ``networking.k8s.io/v1``.
PATH_TYPES = ("Exact", "Prefix", "ImplementationSpecific")


@dataclass(frozen=True)
class Route:
    """Where a request lands: the Ingress rule that matched and its Service backend.

    Attributes:
        ingress: the Ingress holding the rule.
        host: the rule's host (``""``: a rule for every host; ``"default"``: the
            Ingress's ``defaultBackend``).
        path: the rule's path (``None`` for a default backend).
        path_type: ``Exact``, ``Prefix`` or ``ImplementationSpecific``.
        service: the backend Service's name.
        port: the Service port, a number or a port name.
    """

    ingress: str
    host: str
    path: str | None
    path_type: str | None
    service: str
    port: int | str

    def __str__(self) -> str:
        where = f"{self.host or '*'}{self.path or ''}" if self.path else "defaultBackend"
        return f"service/{self.service}:{self.port} (Ingress {self.ingress!r}, rule {where})"


def _as_list(ingresses: dict | Iterable[dict]) -> list[dict]:
    return [ingresses] if isinstance(ingresses, dict) else list(ingresses)


def _backend(backend: dict | None) -> tuple[str, int | str] | None:
    """``(service, port)`` of a backend; None for resource backends or an empty one."""
    svc = (backend or {}).get("service")
    if not svc or not svc.get("name"):
        return None
    port = svc.get("port") or {}
    return svc["name"], port.get("number") if port.get("number") is not None else port.get("name")


def split_host(host: str) -> str:
    """The host part of a Host header, lower-cased, without a port."""
    host = host.strip().lower()
    if host.startswith("["):  # an IPv6 literal
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def host_matches(rule_host: str | None, host: str) -> int | None:
    """How well a rule's host matches a request host: 0 exact, 1 wildcard, 2 any, None no.

    Example:
        >>> host_matches("*.k8slab.test", "shop.k8slab.test"), host_matches(None, "x")
        (1, 2)
        >>> host_matches("*.k8slab.test", "a.b.k8slab.test") is None
        True
    """
    if not rule_host:
        return 2
    rule_host, host = rule_host.lower(), split_host(host)
    if rule_host == host:
        return 0
    if rule_host.startswith("*."):
        first, _, rest = host.partition(".")
        if first and rest == rule_host[2:]:
            return 1
    return None


def _clean(path: str) -> str:
    return path.split("?", 1)[0].split("#", 1)[0] or "/"


def path_matches(path_type: str, rule_path: str, request_path: str) -> bool:
    """Does a request path match one Ingress path, under its ``pathType``?

    ``Exact`` wants the very same string (``/foo`` does not match ``/foo/``).
    ``Prefix`` compares element by element, split on ``/``, ignoring a trailing
    slash: ``/foo`` matches ``/foo``, ``/foo/`` and ``/foo/bar`` but not ``/foobar``.

    Example:
        >>> path_matches("Prefix", "/app1", "/app1/cart"), path_matches("Prefix", "/app1", "/app1x")
        (True, False)
        >>> path_matches("Exact", "/app1", "/app1/")
        False
    """
    request = _clean(request_path)
    if path_type == "Exact":
        return request == rule_path
    if path_type not in PATH_TYPES:
        raise ValueError(f"unknown pathType {path_type!r}; use one of {', '.join(PATH_TYPES)}")
    want = [p for p in rule_path.split("/") if p]
    have = [p for p in request.split("/") if p]
    return have[:len(want)] == want


def route(ingresses: dict | Iterable[dict], host: str, path: str, *,
          ingress_class: str | None = None) -> Route | None:
    """The Service and port that would receive ``GET path`` for ``Host: host``.

    Args:
        ingresses: one Ingress or several (a controller merges all Ingresses of its class).
        host: the request's Host header (a port after ``:`` is ignored).
        path: the request path (a query string is ignored).
        ingress_class: only consider Ingresses whose ``spec.ingressClassName`` is this.

    Returns:
        The winning :class:`Route`, or None when the controller would answer 404.

    Example:
        >>> r = route(lab.list("Ingress", "demo"), "shop.k8slab.test", "/app2")  # doctest: +SKIP
        >>> lab.http_get(f"service/{r.service}", r.port, "/app2", "demo")         # doctest: +SKIP
    """
    items = [i for i in _as_list(ingresses)
             if ingress_class is None or (i.get("spec") or {}).get("ingressClassName")
             == ingress_class]
    candidates: list[tuple[int, int, int, Route]] = []
    for ing in items:
        name = (ing.get("metadata") or {}).get("name", "?")
        for rule in (ing.get("spec") or {}).get("rules") or []:
            tier = host_matches(rule.get("host"), host)
            if tier is None:
                continue
            for p in (rule.get("http") or {}).get("paths") or []:
                target = _backend(p.get("backend"))
                kind = p.get("pathType", "ImplementationSpecific")
                rule_path = p.get("path") or "/"
                if target and path_matches(kind, rule_path, path):
                    length = len(rule_path.rstrip("/")) if kind != "Exact" else len(rule_path)
                    candidates.append((tier, -length, 0 if kind == "Exact" else 1,
                                       Route(name, rule.get("host") or "", rule_path, kind,
                                             *target)))
    if candidates:
        best_tier = min(c[0] for c in candidates)
        return min((c for c in candidates if c[0] == best_tier), key=lambda c: c[:3])[3]
    for ing in items:
        target = _backend((ing.get("spec") or {}).get("defaultBackend"))
        if target:
            return Route(ing["metadata"]["name"], "default", None, None, *target)
    return None


def rules_frame(ingresses: dict | Iterable[dict]) -> pd.DataFrame:
    """One row per path of each Ingress: host, path, pathType, backend (``kubectl describe``)."""
    rows = []
    for ing in _as_list(ingresses):
        spec, name = ing.get("spec") or {}, (ing.get("metadata") or {}).get("name")
        for rule in spec.get("rules") or []:
            for p in (rule.get("http") or {}).get("paths") or []:
                target = _backend(p.get("backend"))
                rows.append({"ingress": name, "class": spec.get("ingressClassName") or "",
                             "host": rule.get("host") or "*", "path": p.get("path") or "/",
                             "pathType": p.get("pathType", ""),
                             "backend": f"{target[0]}:{target[1]}" if target else "(resource)"})
        target = _backend(spec.get("defaultBackend"))
        if target:
            rows.append({"ingress": name, "class": spec.get("ingressClassName") or "",
                         "host": "*", "path": "(default)", "pathType": "",
                         "backend": f"{target[0]}:{target[1]}"})
    return pd.DataFrame(rows, columns=["ingress", "class", "host", "path", "pathType",
                                       "backend"])


def addresses(ingress: dict) -> list[str]:
    """The addresses a controller published in ``status.loadBalancer`` (IPs or host names)."""
    lb = ((ingress.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    return [e.get("ip") or e.get("hostname") for e in lb if e.get("ip") or e.get("hostname")]


def has_address(ingress: dict) -> tuple[bool, str]:
    """A rule for ``lab.wait(..., until=has_address)``: has a controller published an address?"""
    found = addresses(ingress)
    if found:
        return True, f"address {', '.join(found)}"
    return False, "status.loadBalancer is empty: no Ingress controller has claimed it"


def service_port_number(service: dict, port: int | str) -> int:
    """Turn a backend's port (number or name) into the Service's port number.

    Raises:
        ValueError: the Service has no such port (the controller would answer 503).
    """
    for p in (service.get("spec") or {}).get("ports") or []:
        if port in (p.get("port"), p.get("name")):
            return int(p["port"])
    name = (service.get("metadata") or {}).get("name")
    raise ValueError(f"Service {name!r} has no port {port!r}")


def forwarded_path(found: Route, path: str, *, strip_prefix: bool = False) -> str:
    """The path the backend receives for ``path``, once routed by ``found``.

    By default a controller forwards the path unchanged (ingress-nginx,
    Traefik and the Gateway API all do), so an application behind ``/app1``
    receives ``/app1/...``. With ``strip_prefix`` the rule's path is removed
    first, what ingress-nginx's ``rewrite-target`` annotation, Traefik's
    ``StripPrefix`` middleware or the Gateway API's ``URLRewrite`` filter
    (``ReplacePrefixMatch: /``) are configured to do.

    Example:
        >>> r = Route("fanout", "", "/app1", "Prefix", "app1", 80)
        >>> forwarded_path(r, "/app1/whoami"), forwarded_path(r, "/app1/whoami", strip_prefix=True)
        ('/app1/whoami', '/whoami')
    """
    if not strip_prefix or found.path is None:
        return path
    clean, query = _clean(path), path[len(_clean(path)):]
    if found.path_type == "Exact":
        return "/" + query
    drop = len([p for p in found.path.split("/") if p])
    rest = [p for p in clean.split("/") if p][drop:]
    tail = "/" if clean.endswith("/") and rest else ""
    return "/" + "/".join(rest) + tail + query


def answer_summary(response: HttpResponse) -> str:
    """One line about an HTTP answer: an HTML page's title, else its first line of text."""
    if response.simulated:
        return "simulated by kwok (no container)"
    body = response.body.strip()
    start, end = body.lower().find("<title>"), body.lower().find("</title>")
    if 0 <= start < end:
        return body[start + len("<title>"):end].strip()
    return body.splitlines()[0][:80] if body else ""


def deliver(pod: str, port: int, path: str, host: str, namespace: str, *,
            timeout: float = 10) -> HttpResponse:
    """``GET path`` with ``Host: host`` to a pod's port, through the API server's port-forward.

    What a proxy does once it has chosen a backend: it keeps the request's
    Host header (a pod's ``/whoami`` shows it). Only the API server on
    127.0.0.1 is contacted; it relays to the node.
    """
    local = 10000 + port if port < 55535 else port
    _display.announce(_display.kubectl("port-forward", f"pod/{pod}", f"{local}:{port}", "-n",
                                       namespace)
                      + f" & sleep 1; curl -s -H {shlex.quote('Host: ' + host)} "
                      f"{shlex.quote(f'http://127.0.0.1:{local}{path}')}; kill $!",
                      "POST", f"/api/v1/namespaces/{namespace}/pods/{pod}/portforward")
    return forward_get(pod, port, path, namespace, host=host, user_agent="k8slab-ingress",
                       timeout=timeout)


def send(ingresses: dict | Iterable[dict], host: str, path: str, namespace: str, *,
         strip_prefix: bool = False) -> dict:
    """Route a request like the controller would, then deliver it to a pod of the Service.

    The request goes to a pod behind the chosen Service via the API server's
    port-forward, with its Host header and the path unchanged, as ingress-nginx
    forwards it by default (``strip_prefix``: see :func:`forwarded_path`).

    Returns:
        A dict: host, path, the matching rule, service, port, pod, the path
        sent to the pod, the HTTP status and a one-line answer (404 with
        answer "no rule (404 from the controller)" when no rule matches, 503
        when the Service has no running pod).
    """
    found = route(ingresses, host, path)
    row = {"host": host, "path": path, "rule": "", "service": "", "port": "", "pod": "",
           "sent": "", "status": 404, "answer": "no rule: 404 from the controller"}
    if found is None:
        return row
    row.update(rule=f"{found.host or '*'} {found.path or '(default)'} ({found.path_type or '-'})",
               service=found.service, port=found.port)
    with _display.quiet():
        try:
            number = service_port_number(get("Service", found.service, namespace), found.port)
            pod, pod_port = resolve_pod(f"service/{found.service}", namespace, number)
        except Exception:
            row.update(status=503, answer="no running pod: 503 from the controller")
            return row
    sent = forwarded_path(found, path, strip_prefix=strip_prefix)
    response = deliver(pod, int(pod_port or number), sent, split_host(host) or host, namespace)
    row.update(port=number, pod=pod, sent=sent, status=response.status,
               answer=answer_summary(response))
    return row


def send_all(requests: Iterable[tuple[str, str]], namespace: str,
             ingresses: dict | Iterable[dict] | None = None, *,
             strip_prefix: bool = False) -> pd.DataFrame:
    """:func:`send` for several ``(host, path)`` requests; Ingresses default to the namespace's."""
    items = _as_list(ingresses) if ingresses is not None else list_("Ingress", namespace)
    rows = [send(items, host, path, namespace, strip_prefix=strip_prefix)
            for host, path in requests]
    return pd.DataFrame(rows, columns=["host", "path", "rule", "service", "port", "pod",
                                       "sent", "status", "answer"])


def route_dict(found: Route | None) -> dict | None:
    """A Route as a plain dict (for ``lab.record``), None stays None."""
    return asdict(found) if found else None
