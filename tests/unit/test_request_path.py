"""One request path: every verb sends its API call through ``request.send`` (issue #25).

Two halves. First, ``send`` itself: it announces the kubectl line and the REST
call (unless quiet) before the request, and turns what the client raised into
the project's errors, naming the action, the object and its namespace. Then
the verbs: with ``send`` replaced by a recorder, each verb of resources.py,
imperative.py (and the other modules that request) makes exactly one call
through it, with the kubectl line and REST path a learner sees, and never
announces anything by itself.

No cluster: the API resources are the official client's own ``Resource``
objects, and the client calls are recorded by a stub that answers nothing but
what the verb reads back.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from kubernetes import client as k8s_client
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.resource import Resource

from k8slab._base import display as _display
from k8slab._core import discovery as _discovery
from k8slab._core import imperative as _imperative
from k8slab._core import pods as _pods
from k8slab._core import request as _request
from k8slab._core import resources as _resources
from k8slab.errors import ApiError, ClusterUnavailable, K8sLabError

DEPLOYMENTS = Resource(prefix="apis", group="apps", api_version="v1", kind="Deployment",
                       namespaced=True, name="deployments", singularName="deployment")
NAMESPACES = Resource(prefix="api", group="", api_version="v1", kind="Namespace",
                      namespaced=False, name="namespaces", singularName="namespace")


def api_exception(status: int, reason: str, message: str) -> ApiException:
    """An ApiException as the client raises it: the Status object in the body."""
    exc = ApiException(status=status, reason=reason)
    exc.body = json.dumps({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                           "message": message, "reason": reason.replace(" ", ""),
                           "code": status})
    return exc


@pytest.fixture
def shown(monkeypatch):
    """Commands shown (the switch on), and every announced line recorded by a hook."""
    monkeypatch.setitem(_display._state, "show", True)
    heard: list[tuple[str, str, str]] = []
    monkeypatch.setattr(_display, "hooks", [lambda *line: heard.append(line)])
    return heard


# --- send itself ---------------------------------------------------------------------


def test_send_announces_the_kubectl_line_and_rest_call_before_the_request(shown, capsys):
    order = []

    def call():
        order.append(("request", len(shown)))
        return {"kind": "Deployment"}

    out = _request.send("get", DEPLOYMENTS, name="web", namespace="demo", method="GET",
                        kubectl=_display.kubectl("get", "deployments", "web", "-n", "demo"),
                        call=call)
    assert out == {"kind": "Deployment"}
    assert order == [("request", 1)]   # the line was heard before the request went
    assert shown == [("kubectl get deployments web -n demo", "GET",
                      "/apis/apps/v1/namespaces/demo/deployments/web")]
    assert capsys.readouterr().out == ("$ kubectl get deployments web -n demo    "
                                       "# GET /apis/apps/v1/namespaces/demo/deployments/web\n")


def test_an_explicit_path_is_announced_as_given(shown):
    _request.send("list", DEPLOYMENTS, namespace="demo", method="GET",
                  kubectl=_display.kubectl("get", "deployments", "-n", "demo", "-l", "app=web"),
                  path="/apis/apps/v1/namespaces/demo/deployments?labelSelector=app=web",
                  call=lambda: None)
    assert shown[0][2] == "/apis/apps/v1/namespaces/demo/deployments?labelSelector=app=web"


def test_quiet_sends_without_printing_or_calling_the_hooks(shown, capsys):
    assert _request.send("get", DEPLOYMENTS, name="web", namespace="demo", quiet=True,
                         call=lambda: 42) == 42
    assert capsys.readouterr().out == ""
    assert shown == []


def test_an_announced_call_needs_its_kubectl_line(shown):
    with pytest.raises(ValueError, match="kubectl line"):
        _request.send("get", DEPLOYMENTS, name="web", namespace="demo", call=lambda: 1)
    with pytest.raises(ValueError, match="REST path"):
        _request.send("get", "Pod", name="web", namespace="demo", kubectl="kubectl get pod web",
                      call=lambda: 1)


def fail(exc: BaseException):
    def call():
        raise exc
    return call


def test_a_404_becomes_an_api_error_naming_the_object_and_its_namespace():
    refused = api_exception(404, "Not Found", 'deployments.apps "web" not found')
    with pytest.raises(ApiError) as err:
        _request.send("get", DEPLOYMENTS, name="web", namespace="demo", quiet=True,
                      call=fail(refused))
    assert err.value.status == 404 and err.value.reason == "NotFound"
    assert err.value.message == ("Could not get Deployment 'web' in namespace 'demo': "
                                 'deployments.apps "web" not found (HTTP 404).')
    assert "Check the name, the namespace" in err.value.hint
    assert err.value.__cause__ is refused   # the client's own story stays chained


def test_a_403_names_the_action_and_says_to_ask_for_a_role():
    refused = api_exception(403, "Forbidden", 'deployments.apps "web" is forbidden: '
                            'User "alice" cannot delete resource "deployments"')
    with pytest.raises(ApiError) as err:
        _request.send("delete", DEPLOYMENTS, name="web", namespace="demo", quiet=True,
                      missing_ok=True, call=fail(refused))   # missing_ok forgives 404 only
    assert err.value.status == 403
    assert err.value.message.startswith("Could not delete Deployment 'web' in namespace "
                                        "'demo': deployments.apps \"web\" is forbidden")
    assert "Role" in err.value.hint


def test_a_kind_name_target_names_the_object_too():
    with pytest.raises(ApiError, match=r"Could not read the log of Pod 'web' in namespace "
                                       r"'demo': .* \(HTTP 404\)"):
        _request.send("read the log of", "Pod", name="web", namespace="demo", quiet=True,
                      call=fail(api_exception(404, "Not Found", 'pods "web" not found')))


def test_missing_ok_returns_none_for_a_404_only():
    assert _request.send("get", DEPLOYMENTS, name="web", namespace="demo", quiet=True,
                         missing_ok=True,
                         call=fail(api_exception(404, "Not Found", "not found"))) is None
    with pytest.raises(ApiError):
        _request.send("get", DEPLOYMENTS, name="web", namespace="demo", quiet=True,
                      call=fail(api_exception(404, "Not Found", "not found")))


def test_no_answer_becomes_cluster_unavailable_with_what_was_being_done():
    with pytest.raises(ClusterUnavailable) as err:
        _request.send("list", NAMESPACES, quiet=True,
                      call=fail(ConnectionRefusedError(111, "Connection refused")))
    assert err.value.message == ("Could not list Namespace: the API server does not answer "
                                 "(connection refused).")
    assert "k8slab up" in err.value.hint


def test_a_k8slab_error_passes_through_with_its_own_cause():
    original = ValueError("bad manifest")
    ours = K8sLabError("Already explained.")
    ours.__cause__ = original

    def call():
        raise ours from original

    with pytest.raises(K8sLabError) as err:
        _request.send("apply", "Pod", name="p", namespace="demo", quiet=True, call=call)
    assert err.value is ours and err.value.__cause__ is original


# --- every verb through send -------------------------------------------------------


class Answer(dict):
    """What the dynamic client returns, reduced to what the verbs read back."""

    def to_dict(self) -> dict:
        return dict(self)


class RecordingClient:
    """Records each dynamic-client method a verb's request calls, and its arguments."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple, dict]] = []

    def __getattr__(self, method: str):
        def record(*args, **kwargs):
            self.calls.append((method, args, kwargs))
            return Answer(kind="Deployment", metadata={"name": kwargs.get("name"),
                                                       "managedFields": [{}]})
        return record


@pytest.fixture
def sent(monkeypatch, shown):
    """``request.send`` replaced by a recorder that still runs the request (against the
    recording client); any announcement outside ``send`` fails the test."""
    calls: list[dict] = []
    answers: list = []
    dyn = RecordingClient()

    def record(action, target=None, **kw):
        calls.append({"action": action, "target": target, **kw})
        if answers:
            return answers.pop(0)
        return kw["call"]()

    def stray_announce(*args):
        raise AssertionError(f"announced outside request.send: {args}")

    monkeypatch.setattr(_request, "send", record)
    monkeypatch.setattr(_display, "announce", stray_announce)
    for module in (_resources, _imperative):
        monkeypatch.setattr(module, "resource_for",
                            lambda kind, api_version=None: {"Deployment": DEPLOYMENTS,
                                                            "Namespace": NAMESPACES}[kind])
        monkeypatch.setattr(module, "dynamic", lambda: dyn)
    monkeypatch.setattr(_resources, "require_lab_cluster", lambda *a, **kw: None)
    return SimpleNamespace(calls=calls, answers=answers, client=dyn)


def test_get_goes_through_send(sent):
    got = _resources.get("Deployment", "web", "demo")
    [call] = sent.calls
    assert (call["action"], call["target"], call["name"], call["namespace"],
            call["method"]) == ("get", DEPLOYMENTS, "web", "demo", "GET")
    assert call["kubectl"] == "kubectl get deployments web -n demo -o yaml"
    assert call.get("path") is None          # the resource's own path: .../deployments/web
    assert not call.get("quiet") and not call.get("missing_ok")
    assert sent.client.calls == [("get", (DEPLOYMENTS,), {"name": "web", "namespace": "demo"})]
    assert "managedFields" not in got["metadata"]


def test_find_goes_through_send_quietly_and_forgives_a_missing_object(sent):
    sent.answers.append(None)                # what send answers for a 404 with missing_ok
    assert _resources.find("Deployment", "web", "demo") is None
    [call] = sent.calls
    assert call["quiet"] is True and call["missing_ok"] is True
    assert (call["action"], call["name"], call["namespace"]) == ("get", "web", "demo")


def test_list_goes_through_send_with_its_selectors(sent, monkeypatch):
    fetched = []
    monkeypatch.setattr(_resources, "_get_json", lambda path, **params: fetched.append(
        (path, params)) or {"items": [{"metadata": {"name": "web"}}]})
    items = _resources.list_("Deployment", "demo", labels={"app": "web"})
    [call] = sent.calls
    assert (call["action"], call["target"], call["namespace"]) == ("list", DEPLOYMENTS, "demo")
    assert call["kubectl"] == "kubectl get deployments -n demo -l app=web"
    assert call["path"] == "/apis/apps/v1/namespaces/demo/deployments?labelSelector=app=web"
    assert fetched == [("/apis/apps/v1/namespaces/demo/deployments",
                        {"labelSelector": "app=web", "fieldSelector": None})]
    assert items[0]["kind"] == "Deployment" and items[0]["apiVersion"] == "apps/v1"


def test_list_across_namespaces_says_dash_a(sent, monkeypatch):
    monkeypatch.setattr(_resources, "_get_json", lambda path, **params: {"items": []})
    _resources.list_("Deployment")
    assert sent.calls[0]["kubectl"] == "kubectl get deployments -A"
    assert sent.calls[0]["path"] == "/apis/apps/v1/deployments"


def test_apply_goes_through_send_once_per_object(sent):
    manifest = [{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name}}
                for name in ("web", "api")]
    applied = _resources.apply(manifest, namespace="demo")
    assert [c["name"] for c in sent.calls] == ["web", "api"]
    call = sent.calls[0]
    assert (call["action"], call["target"], call["namespace"], call["method"]) == (
        "apply", "Deployment", "demo", "PATCH")
    assert call["path"] == "/apis/apps/v1/namespaces/demo/deployments/web"
    assert call["kubectl"] == ("kubectl apply --server-side --force-conflicts "
                               "--field-manager=k8slab -f - -n demo")
    assert "name: web" in call["kubectl"].stdin   # what `-f -` reads
    method, _, kwargs = sent.client.calls[0]
    assert method == "server_side_apply" and kwargs["field_manager"] == "k8slab"
    assert [o["metadata"]["name"] for o in applied] == ["web", "api"]


def test_delete_goes_through_send_and_counts_what_was_there(sent):
    assert _resources.delete("Deployment", "web", "demo") == 1
    [call] = sent.calls
    assert (call["action"], call["target"], call["name"], call["namespace"],
            call["method"], call["missing_ok"]) == ("delete", DEPLOYMENTS, "web", "demo",
                                                    "DELETE", True)
    assert call["kubectl"] == ("kubectl delete deployments web -n demo --ignore-not-found "
                               "--wait=false")
    assert sent.client.calls[0][0] == "delete"
    sent.answers.append(None)                # already gone: send forgave the 404
    assert _resources.delete("Deployment", "web", "demo") == 0


def test_delete_without_ignore_missing_lets_a_404_raise(sent):
    _resources.delete("Namespace", "demo", ignore_missing=False)
    call = sent.calls[0]
    assert call["missing_ok"] is False and call["namespace"] is None
    assert call["kubectl"] == "kubectl delete namespaces demo --wait=false"


@pytest.mark.parametrize(("verb", "kubectl", "manager"), [
    (lambda: _imperative.scale("Deployment", "web", "demo", 3),
     "kubectl scale deployment/web -n demo --replicas=3", "kubectl-scale"),
    (lambda: _imperative.restart("Deployment", "web", "demo"),
     "kubectl rollout restart deployment/web -n demo", "kubectl-rollout"),
], ids=["scale", "restart"])
def test_scale_and_restart_go_through_send_as_a_patch(sent, verb, kubectl, manager):
    verb()
    [call] = sent.calls
    assert (call["action"], call["target"], call["name"], call["namespace"],
            call["method"], call["kubectl"]) == ("patch", DEPLOYMENTS, "web", "demo", "PATCH",
                                                 kubectl)
    [(method, _, kwargs)] = sent.client.calls
    assert method == "patch" and kwargs["field_manager"] == manager
    assert kwargs["content_type"] == "application/merge-patch+json"


def test_logs_goes_through_send(sent, monkeypatch):
    monkeypatch.setattr(_pods, "resolve_pod", lambda target, namespace, port=None: ("web", None))
    sent.answers.append("hello\n")
    assert _pods.logs("web", "demo", tail=5) == "hello\n"
    [call] = sent.calls
    assert (call["action"], call["target"], call["name"], call["namespace"]) == (
        "read the log of", "Pod", "web", "demo")
    assert call["kubectl"] == "kubectl logs web -n demo --tail=5"
    assert call["path"] == "/api/v1/namespaces/demo/pods/web/log"


def test_get_raw_goes_through_send_naming_the_path(sent):
    sent.answers.append(SimpleNamespace(data=b'{"gitVersion": "v1.36.3"}',
                                        headers={"Content-Type": "application/json"}))
    assert _discovery.get_raw("/version") == {"gitVersion": "v1.36.3"}
    [call] = sent.calls
    assert (call["action"], call["target"], call["kubectl"], call["path"]) == (
        "GET /version", None, "kubectl get --raw /version", "/version")


# --- exec keeps its own words for a refused websocket -------------------------------


@pytest.fixture
def exec_pod(monkeypatch):
    monkeypatch.setattr(_pods, "resolve_pod", lambda target, namespace, port=None: ("web", None))
    monkeypatch.setattr(_pods, "stream_client", k8s_client.ApiClient)
    through = []
    real_send = _request.send
    monkeypatch.setattr(_request, "send", lambda *a, **kw: through.append(a) or real_send(*a, **kw))
    return through


def test_exec_refused_at_the_handshake_says_forbidden(exec_pod, monkeypatch):
    def refused(*args, **kwargs):
        raise ApiException(status=0, reason="Handshake status 403 Forbidden")

    monkeypatch.setattr(_pods, "stream", refused)
    with pytest.raises(K8sLabError) as err:
        _pods.exec_("web", ["ls"], "demo")
    assert err.value.message == ("You may not exec into pod 'web' in namespace 'demo' "
                                 "(403 Forbidden).")
    assert exec_pod == [("exec into", "Pod")]


def test_exec_refused_by_the_api_server_says_it_could_not_run(exec_pod, monkeypatch):
    def missing(*args, **kwargs):
        raise api_exception(404, "Not Found", 'pods "web" not found')

    monkeypatch.setattr(_pods, "stream", missing)
    with pytest.raises(K8sLabError) as err:
        _pods.exec_("web", ["ls"], "demo")
    assert not isinstance(err.value, ApiError)
    assert err.value.message.startswith("The cluster could not run ['ls'] in pod 'web' (demo): ")
    assert "(404)" in err.value.message and "sandbox" in err.value.hint
    assert isinstance(err.value.__cause__, ApiException)
