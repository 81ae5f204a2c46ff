"""lab.watch survives an expired resourceVersion (HTTP 410) by listing again."""

from __future__ import annotations

from types import SimpleNamespace

from kubernetes.client.exceptions import ApiException

from k8slab._core import watch as _watch


class Item(dict):
    def to_dict(self):
        return dict(self)


class FakeDynamic:
    """Lists return a growing resourceVersion; the first watch answers 410 Gone."""

    def __init__(self):
        self.lists = 0
        self.watched_from = []

    def get(self, res, **kw):
        self.lists += 1
        return SimpleNamespace(items=[Item(metadata={"name": "a"})],
                               metadata=SimpleNamespace(resourceVersion=str(self.lists * 10)))

    def watch(self, res, *, resource_version, **kw):
        self.watched_from.append(resource_version)
        if len(self.watched_from) == 1:
            raise ApiException(status=410, reason="Gone")
        yield {"type": "MODIFIED", "raw_object": {"metadata": {"name": "a",
                                                              "resourceVersion": "21"}}}


def test_watch_lists_again_after_410(monkeypatch):
    fake = FakeDynamic()
    res = SimpleNamespace(namespaced=True, name="pods", kind="Pod",
                          path=lambda **kw: "/api/v1/namespaces/x/pods")
    monkeypatch.setattr(_watch, "resource_for", lambda kind: res)
    monkeypatch.setattr(_watch, "dynamic", lambda: fake)
    events = []
    for event, obj in _watch.watch("Pod", "x", timeout=5):
        events.append((event, obj["metadata"]["name"]))
        if event == "MODIFIED":
            break
    assert events == [("EXISTING", "a"), ("MODIFIED", "a")]
    assert fake.lists == 2                       # listed again after the 410
    assert fake.watched_from == ["10", "20"]     # and resumed from the new version


def test_watch_error_event_410_also_relists(monkeypatch):
    fake = FakeDynamic()

    def watch(res, *, resource_version, **kw):
        fake.watched_from.append(resource_version)
        if len(fake.watched_from) == 1:
            yield {"type": "ERROR", "raw_object": {"code": 410, "message": "too old"}}
            return
        yield {"type": "ADDED", "raw_object": {"metadata": {"name": "b",
                                                           "resourceVersion": "22"}}}

    fake.watch = watch
    res = SimpleNamespace(namespaced=True, name="pods", kind="Pod",
                          path=lambda **kw: "/api/v1/namespaces/x/pods")
    monkeypatch.setattr(_watch, "resource_for", lambda kind: res)
    monkeypatch.setattr(_watch, "dynamic", lambda: fake)
    seen = []
    for event, obj in _watch.watch("Pod", "x", timeout=5, initial=False):
        seen.append((event, obj["metadata"]["name"]))
        break
    assert seen == [("ADDED", "b")] and fake.lists == 2
