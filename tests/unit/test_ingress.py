"""k8slab.ingress: how a controller reads Ingress rules, without a cluster."""

from __future__ import annotations

import pytest

from k8slab import ingress
from k8slab._core import pods as _pods
from k8slab.ingress import host_matches, path_matches, route


def _ingress(name: str, rules: list[dict], default: str | None = None,
             klass: str = "nginx") -> dict:
    spec: dict = {"ingressClassName": klass, "rules": rules}
    if default:
        spec["defaultBackend"] = {"service": {"name": default, "port": {"number": 80}}}
    return {"kind": "Ingress", "metadata": {"name": name}, "spec": spec}


def _rule(host: str | None, *paths: tuple[str, str, str, int | str]) -> dict:
    rule: dict = {"http": {"paths": [
        {"path": p, "pathType": t, "backend": {"service": {"name": svc, "port": (
            {"number": port} if isinstance(port, int) else {"name": port})}}}
        for p, t, svc, port in paths]}}
    if host:
        rule["host"] = host
    return rule


FANOUT = _ingress("fanout", [_rule(None, ("/app1", "Prefix", "app1", 80),
                                   ("/app2", "Prefix", "app2", "http"))])
SINGLE = _ingress("single", [_rule("shop.k8slab.test", ("/", "Prefix", "app1", 80))])


@pytest.mark.parametrize(("kind", "rule", "request_path", "expected"), [
    ("Prefix", "/", "/anything/at/all", True),
    ("Prefix", "/app1", "/app1", True),
    ("Prefix", "/app1", "/app1/", True),
    ("Prefix", "/app1", "/app1/cart?id=3", True),
    ("Prefix", "/app1", "/app10", False),
    ("Prefix", "/app1/", "/app1", True),          # a trailing slash in the rule is ignored
    ("Prefix", "/aaa/bbb", "/aaa/bbbxyz", False),
    ("Prefix", "/aaa/bbb", "/aaa/bbb/ccc", True),
    ("Exact", "/app1", "/app1", True),
    ("Exact", "/app1", "/app1/", False),
    ("Exact", "/app1", "/APP1", False),           # case-sensitive
    ("ImplementationSpecific", "/app1", "/app1/x", True),
])
def test_path_matching_follows_the_specification(kind, rule, request_path, expected):
    assert path_matches(kind, rule, request_path) is expected


def test_unknown_path_type_is_an_error():
    with pytest.raises(ValueError, match="pathType"):
        path_matches("Regex", "/a", "/a")


def test_host_matching_exact_wildcard_and_any():
    assert host_matches("shop.k8slab.test", "SHOP.k8slab.test:8080") == 0
    assert host_matches("*.k8slab.test", "shop.k8slab.test") == 1
    assert host_matches("*.k8slab.test", "k8slab.test") is None
    assert host_matches("*.k8slab.test", "a.b.k8slab.test") is None
    assert host_matches(None, "whatever") == 2
    assert host_matches("shop.k8slab.test", "admin.k8slab.test") is None


def test_route_by_path_with_numbered_and_named_ports():
    r = route(FANOUT, "k8slab.test", "/app1/cart")
    assert (r.ingress, r.service, r.port, r.path, r.path_type) == ("fanout", "app1", 80,
                                                                   "/app1", "Prefix")
    assert route(FANOUT, "k8slab.test", "/app2").port == "http"
    assert route(FANOUT, "k8slab.test", "/apple") is None
    assert "service/app1:80" in str(r)


def test_a_host_rule_beats_rules_without_host_even_for_their_paths():
    both = [FANOUT, SINGLE]
    assert route(both, "shop.k8slab.test", "/app2").service == "app1"
    assert route(both, "other.test", "/app2").service == "app2"


def test_exact_host_beats_wildcard():
    wild = _ingress("wild", [_rule("*.k8slab.test", ("/", "Prefix", "wild", 80))])
    exact = _ingress("exact", [_rule("admin.k8slab.test", ("/", "Prefix", "admin", 80))])
    assert route([wild, exact], "admin.k8slab.test", "/").service == "admin"
    assert route([wild, exact], "shop.k8slab.test", "/").service == "wild"


def test_longest_path_wins_and_exact_wins_a_tie():
    ing = _ingress("mix", [_rule(None, ("/", "Prefix", "root", 80),
                                 ("/api", "Prefix", "api", 80),
                                 ("/api/v2", "Prefix", "v2", 80),
                                 ("/api", "Exact", "api-exact", 80))])
    assert route(ing, "h", "/api/v2/users").service == "v2"
    assert route(ing, "h", "/api/v1").service == "api"
    assert route(ing, "h", "/api").service == "api-exact"
    assert route(ing, "h", "/other").service == "root"


def test_default_backend_and_ingress_class_filter():
    ing = _ingress("d", [_rule("a.test", ("/x", "Exact", "x", 80))], default="fallback")
    assert route(ing, "a.test", "/y").host == "default"
    assert route(ing, "a.test", "/y").service == "fallback"
    other = _ingress("t", [_rule(None, ("/", "Prefix", "traefik-svc", 80))], klass="traefik")
    assert route([other], "h", "/", ingress_class="nginx") is None
    assert route([other], "h", "/", ingress_class="traefik").service == "traefik-svc"


def test_rules_frame_addresses_and_port_numbers():
    frame = ingress.rules_frame([FANOUT, SINGLE])
    assert list(frame["backend"]) == ["app1:80", "app2:http", "app1:80"]
    assert list(frame["host"]) == ["*", "*", "shop.k8slab.test"]
    assert ingress.addresses({"status": {"loadBalancer": {}}}) == []
    done = {"status": {"loadBalancer": {"ingress": [{"ip": "10.0.0.5"}, {"hostname": "lb"}]}}}
    assert ingress.addresses(done) == ["10.0.0.5", "lb"]
    assert ingress.has_address(done)[0] is True
    assert ingress.has_address({})[0] is False
    svc = {"metadata": {"name": "app2"}, "spec": {"ports": [{"name": "http", "port": 80}]}}
    assert ingress.service_port_number(svc, "http") == 80
    assert ingress.service_port_number(svc, 80) == 80
    with pytest.raises(ValueError, match="no port"):
        ingress.service_port_number(svc, 443)
    assert ingress.route_dict(None) is None


def test_parse_echo_reads_the_echo_images_line():
    body = ("service=app2 pod=app2-6f9c-x namespace=nb10 host=k8slab.test path=/app2/orders?x=1 "
            "via=traefik-7d4-y prefix=-\n")
    echo = ingress.parse_echo(body)
    assert echo["service"] == "app2" and echo["pod"] == "app2-6f9c-x"
    assert echo["path"] == "/app2/orders?x=1" and echo["via"] == "traefik-7d4-y"
    # Traefik's own 404 (no route) is not an echo answer.
    assert ingress.parse_echo("404 page not found\n") == {}
    assert ingress.parse_echo("") == {}


def test_route_status_and_acceptance():
    route = {"status": {"parents": [{"parentRef": {"name": "web"},
                                     "controllerName": "traefik.io/gateway-controller",
                                     "conditions": [
                                         {"type": "Accepted", "status": "True",
                                          "reason": "Accepted"},
                                         {"type": "ResolvedRefs", "status": "True",
                                          "reason": "ResolvedRefs"}]}]}}
    rows = ingress.route_status(route)
    assert [(r["gateway"], r["type"], r["status"]) for r in rows] == [
        ("web", "Accepted", "True"), ("web", "ResolvedRefs", "True")]
    assert ingress.route_accepted(route) == (True, "accepted by traefik.io/gateway-controller")
    done, why = ingress.route_accepted({"status": {}})
    assert not done and "no controller" in why


def test_answer_summary_names_the_page_or_its_first_line():
    from k8slab._core.pods import HttpResponse

    page = HttpResponse(404, {"server": "nginx/1.22.1"},
                        "<html>\r\n<head><title>404 Not Found</title></head>\r\n</html>")
    assert ingress.answer_summary(page) == "404 Not Found"
    whoami = HttpResponse(200, {}, "pod=app1-x host=k8slab.test uri=/whoami version=1.0\n")
    assert ingress.answer_summary(whoami) == "pod=app1-x host=k8slab.test uri=/whoami version=1.0"
    simulated = HttpResponse(200, {"x-k8slab-simulated": "true"}, "<title>Welcome</title>")
    assert ingress.answer_summary(simulated) == "simulated by kwok (no container)"


def test_a_response_is_complete_once_its_content_length_arrived():
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
    assert not _pods._complete(head + b"hel")
    assert _pods._complete(head + b"hello")
    assert not _pods._complete(b"HTTP/1.1 200 OK\r\nContent-Le")
