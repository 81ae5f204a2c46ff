"""Send requests through the lab's Ingress controller, or simulate it where none can run.

An Ingress is only a routing table stored by the API server: nothing moves
until a controller reads it and configures a reverse proxy. Notebook 10 runs
a real one, Traefik (:func:`install_controller`), on engines with containers
(host, kind, minikube): :func:`send_all` sends each request to Traefik's entry
point through the API server's port-forward, with its Host header, and reads
the echo backend's answer (which Service and pod served it, the path it got,
the proxy that relayed it, :func:`parse_echo`). Traefik does the routing.

What a controller does not do, and this module does:

* on kwok, where no container (so no controller) runs, :func:`route` plays
  the controller's routing part in Python and :func:`simulate` delivers the
  request to a pod of the chosen Service; every such row says ``simulated``;
* :func:`route` also lets the lesson *predict* a route and the checks judge a
  learner's Ingress by where requests would land, on every engine;
* tables of rules and status (:func:`rules_frame`, :func:`route_status`) and
  wait rules (:func:`has_address`, :func:`route_accepted`).

:func:`route`'s matching follows the Ingress specification:

* hosts first: an exact host beats a wildcard (``*.example.test`` matches one
  extra label), which beats rules without a host; paths are then looked up
  only among the rules of the winning host;
* paths next: the longest matching path wins, and ``Exact`` beats ``Prefix``
  on a tie; ``Prefix`` compares whole path elements (``/app`` matches
  ``/app/x`` but not ``/apple``); ``ImplementationSpecific`` is read as
  ``Prefix`` (what Traefik does);
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

import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import pandas as pd

from k8slab._base import display as _display
from k8slab._core.pods import HttpResponse, curl_through_forward, forward_get, resolve_pod
from k8slab._core.resources import delete, get, list_
from k8slab._runners.traefik_pod import WEB_PORT, controller_pod
from k8slab._runners.traefik_pod import controller_version as controller_version  # for the lesson
from k8slab.errors import K8sLabError

__all__ = [
    "Route", "addresses", "answer_summary", "controller_version", "deliver",
    "has_address", "host_matches", "install_controller", "install_gateway_api",
    "parse_echo", "path_matches", "remove_controller", "route", "route_accepted",
    "route_dict", "route_status", "rules_frame", "send_all", "service_port_number",
    "simulate", "split_host", "through_controller", "wait_served",
]

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
    number = port.get("number")
    # The API server requires a number or a name; "" only for an object it never validated.
    return svc["name"], number if number is not None else str(port.get("name") or "")


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


def answer_summary(response: HttpResponse) -> str:
    """One line about an HTTP answer: an HTML page's title, else its first line of text."""
    if response.simulated:
        return "simulated by kwok (no container)"
    body = response.body.strip()
    start, end = body.lower().find("<title>"), body.lower().find("</title>")
    if 0 <= start < end:
        return body[start + len("<title>"):end].strip()
    return body.splitlines()[0][:100] if body else ""


def parse_echo(body: str) -> dict[str, str]:
    """The fields of the echo image's answer (``service=app1 pod=app1-x host=... path=...``).

    Example:
        >>> parse_echo("service=app1 pod=app1-7f host=k8slab.test path=/app1 via=traefik-5c")
        {'service': 'app1', 'pod': 'app1-7f', 'host': 'k8slab.test', 'path': '/app1', \
'via': 'traefik-5c'}
        >>> parse_echo("404 page not found")
        {}
    """
    first = body.strip().splitlines()[0] if body.strip() else ""
    fields = dict(part.split("=", 1) for part in first.split() if "=" in part)
    return fields if "pod" in fields else {}


def deliver(pod: str, port: int, path: str, host: str, namespace: str, *,
            timeout: float = 30) -> HttpResponse:
    """``GET path`` with ``Host: host`` to a pod's port, through the API server's port-forward.

    Used for the controller's pod (its entry point) on engines that run
    containers, and for a backend pod on kwok, where the routing is simulated.
    Only the API server on 127.0.0.1 is contacted; it relays to the node.
    """
    _display.announce(curl_through_forward(pod, port, path, namespace, host=host),
                      "POST", f"/api/v1/namespaces/{namespace}/pods/{pod}/portforward")
    return forward_get(pod, port, path, namespace, host=host, user_agent="k8slab-ingress",
                       timeout=timeout)


#: The columns of :func:`send_all`'s table.
COLUMNS = ["host", "path", "through", "status", "service", "pod", "received", "via", "answer"]


def through_controller(host: str, path: str, namespace: str) -> dict:
    """Send ``GET path`` with ``Host: host`` to the namespace's Traefik, and read the answer.

    This is a real request: it enters Traefik's ``web`` entry point (port 8000
    of its pod, reached through the API server's port-forward on 127.0.0.1);
    Traefik picks the route from the Ingresses and HTTPRoutes it watches and
    proxies it to a pod. The echo backend's answer names the Service and pod
    that served it, the path it received and the proxy (``via``) that relayed it.
    """
    pod = controller_pod(namespace)
    if pod is None:
        raise K8sLabError(f"No running Traefik pod in namespace {namespace!r}.",
                          f"Start it with ingress.install_controller({namespace!r}).")
    response = deliver(pod, WEB_PORT, path, host, namespace)
    echo = parse_echo(response.body)
    return {"host": host, "path": path, "through": f"traefik ({pod})",
            "status": response.status, "service": echo.get("service", ""),
            "pod": echo.get("pod", ""), "received": echo.get("path", ""),
            "via": echo.get("via", ""),
            "answer": "" if echo else f"{answer_summary(response)} (from Traefik itself)"}


def wait_served(host: str, path: str, namespace: str, *, timeout: float = 30) -> bool:
    """Wait until Traefik routes ``host`` + ``path`` somewhere (an answer other than its 404).

    A controller applies a changed Ingress or HTTPRoute a moment later (Traefik
    gathers changes for a second or two before it reloads). Returns at once,
    False, when no controller runs in the namespace (kwok).
    """
    if controller_pod(namespace) is None:
        return False
    deadline = time.monotonic() + timeout
    with _display.quiet():
        while True:
            if through_controller(host, path, namespace)["service"]:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.5)


def simulate(ingresses: dict | Iterable[dict], host: str, path: str, namespace: str) -> dict:
    """Route a request with :func:`route` (a simulation), then deliver it to a pod.

    For kwok, where no controller can run: the routing decision is k8slab's
    Python reading of the rules, and the pod's answer is kwok's simulated one.
    The ``through`` column says so.
    """
    found = route(ingresses, host, path)
    row = {"host": host, "path": path, "through": "simulated (k8slab.ingress.route)",
           "status": 404, "service": "", "pod": "", "received": "", "via": "",
           "answer": "no rule: a controller would answer 404"}
    if found is None:
        return row
    row.update(service=found.service)
    with _display.quiet():
        try:
            number = service_port_number(get("Service", found.service, namespace), found.port)
            pod, pod_port = resolve_pod(f"service/{found.service}", namespace, number)
        except Exception:
            row.update(status=503, answer="no running pod: a controller would answer 503")
            return row
    response = deliver(pod, int(pod_port or number), path, split_host(host) or host, namespace)
    row.update(pod=pod, received=path, status=response.status, answer=answer_summary(response))
    return row


def send_all(requests: Iterable[tuple[str, str]], namespace: str,
             ingresses: dict | Iterable[dict] | None = None) -> pd.DataFrame:
    """Send ``(host, path)`` requests: through Traefik when it runs, else simulated.

    Args:
        requests: the Host headers and paths to send.
        namespace: the lesson's namespace (its Traefik, its Ingresses).
        ingresses: for the simulation only; default: the namespace's Ingresses.
    """
    if controller_pod(namespace) is not None:
        rows = [through_controller(host, path, namespace) for host, path in requests]
    else:
        items = _as_list(ingresses) if ingresses is not None else list_("Ingress", namespace)
        rows = [simulate(items, host, path, namespace) for host, path in requests]
    return pd.DataFrame(rows, columns=COLUMNS)


def install_controller(namespace: str, *, timeout: float = 180) -> str:
    """Run Traefik (a real Ingress and Gateway API controller) in ``namespace``.

    One call does what an administrator does once per cluster: it makes the
    image (Traefik is built from the Go module proxy the first time, then
    cached), loads it into the node, applies the Gateway API CRDs, then
    ``manifests/10-ingress-traefik.yaml`` (ServiceAccount, ClusterRole and
    binding, IngressClass ``traefik``, Deployment, Service) and the
    GatewayClass ``traefik``, waits for the pod and asks Traefik its version.
    This Traefik watches only ``namespace``. ``lab.cleanup(namespace)`` removes
    it (its ClusterRoleBinding too); ``k8slab down`` removes everything.

    Returns:
        Traefik's version, as Traefik itself reports it (``v3.7.13``).

    Raises:
        K8sLabError: on kwok, where no container runs (the lesson simulates instead).

    Example:
        >>> ingress.install_controller("nb10-ingress")          # doctest: +SKIP
        Traefik v3.7.13 runs in pod traefik-6d5f... (namespace nb10-ingress); ...
        'v3.7.13'
    """
    from k8slab._runners import traefik as _traefik

    return _traefik.install(namespace, timeout=timeout)


def install_gateway_api() -> str:
    """Apply the Gateway API's standard CRDs (release manifest or Go module, cached); their version.

    Works on every engine, kwok included: CRDs only teach the API server new
    kinds. Serving Gateways and HTTPRoutes is a controller's job (Traefik's).
    """
    from k8slab._runners import traefik as _traefik

    return _traefik.install_gateway_api()


def route_status(route: dict) -> list[dict]:
    """One row per parent Gateway of an HTTPRoute: the conditions its controller wrote."""
    rows = []
    for parent in (route.get("status") or {}).get("parents") or []:
        for cond in parent.get("conditions") or []:
            rows.append({"gateway": (parent.get("parentRef") or {}).get("name"),
                         "controller": parent.get("controllerName"), "type": cond.get("type"),
                         "status": cond.get("status"), "reason": cond.get("reason")})
    return rows


def route_accepted(route: dict) -> tuple[bool, str]:
    """A rule for ``lab.wait``: has a controller accepted the HTTPRoute?"""
    accepted = [r for r in route_status(route) if r["type"] == "Accepted"]
    if any(r["status"] == "True" for r in accepted):
        return True, f"accepted by {accepted[0]['controller']}"
    return False, "no controller has accepted it yet (status.parents is empty)"


def remove_controller(namespace: str) -> None:
    """Stop the namespace's Traefik and its ClusterRoleBinding (the shared classes stay)."""
    for kind, name, ns in (("Deployment", "traefik", namespace), ("Service", "traefik", namespace),
                           ("ServiceAccount", "traefik", namespace),
                           ("ClusterRoleBinding", f"k8slab-traefik-{namespace}", None)):
        delete(kind, name, ns)


def route_dict(found: Route | None) -> dict | None:
    """A Route as a plain dict (for ``lab.record``), None stays None."""
    return asdict(found) if found else None
