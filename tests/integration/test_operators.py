"""k8slab.operators against the live cluster: a real kopf operator, started and stopped.

No CRD here (that is notebook 11's test): the handler reacts to ConfigMaps, a
core kind, so this test runs beside the others.
"""

from __future__ import annotations

import threading
import time

import kopf
import pytest

import k8slab as lab
from k8slab import operators


def _wait_for(predicate, timeout: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout:.0f}s: {what}")
        time.sleep(0.2)


def _registry() -> kopf.OperatorRegistry:
    registry = kopf.OperatorRegistry()

    @kopf.on.create("", "v1", "configmaps", labels={"k8slab.io/test": "mirror"},
                    registry=registry)
    def mirror(body, name, logger, **_):
        copy = {"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": f"{name}-copy"}, "data": dict(body.get("data") or {})}
        kopf.adopt(copy, owner=body)
        # adopt also gives the copy its owner's labels, this handler's selector
        # among them: without this the copy would be copied again, and so on.
        copy["metadata"]["labels"].pop("k8slab.io/test", None)
        operators.apply(copy, logger)

    return registry


def test_operator_reacts_only_in_its_namespace_and_stops_cleanly(ns, capsys):
    other = f"{ns}-other"
    lab.namespace(other)
    try:
        op = operators.start(ns, registry=_registry())
        assert f"kopf {kopf.__version__} is running the operator in namespace {ns!r}" \
            in capsys.readouterr().out
        assert operators.running(ns) is op and op.running
        source = {"apiVersion": "v1", "kind": "ConfigMap",
                  "metadata": {"name": "greeting", "labels": {"k8slab.io/test": "mirror"}},
                  "data": {"hello": "world"}}
        lab.apply(source, ns)
        lab.apply(source, other)                     # outside the operator's namespace
        _wait_for(lambda: lab.exists("ConfigMap", "greeting-copy", ns), what="the copy")
        copy = lab.get("ConfigMap", "greeting-copy", ns)
        assert copy["data"] == {"hello": "world"}
        assert copy["metadata"]["ownerReferences"][0]["name"] == "greeting"
        assert "created ConfigMap/greeting-copy" in list(op.timeline()["message"])
        assert op.problems() == []
        time.sleep(2)
        assert not lab.exists("ConfigMap", "greeting-copy", other)
        assert not lab.exists("ConfigMap", "greeting-copy-copy", ns)  # a copy is not copied

        lab.cleanup(ns)                              # stops the operator first
        assert not op.running and operators.running(ns) is None
        assert operators.leftovers() == []
        assert not [t for t in threading.enumerate() if t.name.startswith("kopf-")]
    finally:
        operators.stop()
        lab.delete("Namespace", other)


def test_a_second_start_replaces_the_first(ns):
    first = operators.start(ns, registry=_registry(), quiet=True)
    second = operators.start(ns, registry=_registry(), quiet=True)
    try:
        assert not first.running and second.running
        assert operators.running(ns) is second
    finally:
        second.stop()
    assert operators.leftovers() == []
