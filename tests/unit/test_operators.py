"""k8slab.operators: the pure parts around kopf (no cluster, no operator started).

The operator itself runs against the cluster in tests/notebooks/test_nb11_extending.py.
"""

from __future__ import annotations

import kopf

from k8slab import operators

WEBSITES = ("k8slab.io", "v1alpha1", "websites")


def _handler(registry, source: str):
    """Define a handler function named ``reconcile`` from source, as a re-run cell does."""
    namespace: dict = {"kopf": kopf, "registry": registry, "WEBSITES": WEBSITES}
    exec(source, namespace)
    return namespace["reconcile"]


def test_a_rerun_cell_replaces_its_handlers_instead_of_adding_to_them():
    registry = kopf.OperatorRegistry()
    source = ("@kopf.on.create(*WEBSITES, registry=registry)\n"
              "@kopf.on.resume(*WEBSITES, registry=registry)\n"
              "def reconcile(**_): pass\n")
    first = _handler(registry, source)
    second = _handler(registry, source)            # the same cell, run again
    handlers = operators._handlers_of(registry, "_changing")
    assert len(handlers) == 4                      # kopf keeps both definitions...
    kept = operators._latest_handlers(handlers)
    assert [h.fn for h in kept] == [second, second]  # ...only the latest one runs
    assert first is not second


def test_handlers_of_different_functions_are_all_kept():
    registry = kopf.OperatorRegistry()

    @kopf.on.create(*WEBSITES, registry=registry)
    def created(**_):
        pass

    @kopf.on.event("apps", "v1", "deployments", registry=registry)
    def changed(**_):
        pass

    every = [*operators._handlers_of(registry, "_changing"),
             *operators._handlers_of(registry, "_watching")]
    assert {h.fn for h in operators._latest_handlers(every)} == {created, changed}


def test_status_line():
    assert operators._status_line({"phase": "Progressing", "replicas": 3,
                                   "readyReplicas": 1}) == "Progressing, 1/3 ready"
    assert operators._status_line({"phase": "Pending", "replicas": 2}) == "Pending, 0/2 ready"
    assert operators._status_line({"url": "service/home:80"}) == "url=service/home:80"


def test_what_changed_names_the_fields_the_handler_owns():
    before = {"metadata": {"labels": {"a": "1"}}, "spec": {"replicas": 4, "x": 1},
              "status": {"readyReplicas": 1}}
    same = {"metadata": {"labels": {"a": "1"}}, "spec": {"replicas": 4, "x": 1},
            "status": {"readyReplicas": 4}}        # only status moved: not the handler's doing
    assert operators._what_changed(before, same) == ""
    scaled = {"metadata": {"labels": {"a": "1"}}, "spec": {"replicas": 1, "x": 1}}
    assert operators._what_changed(before, scaled) == "replicas 4 → 1"
    relabelled = {"metadata": {"labels": {"a": "2"}}, "spec": {"replicas": 4, "x": 2}}
    assert operators._what_changed(before, relabelled) == "spec, metadata.labels"


def test_timeline_hides_kopf_routine_lines_and_marks_problems():
    op = operators.Operator("demo", kopf.OperatorRegistry())
    for message, level in [("created Deployment/home", "INFO"),
                           ("Handler 'website_changed' succeeded.", "INFO"),
                           ("OS signals are ignored: running not in the main thread.",
                            "WARNING"),
                           ("Handler 'website_changed' failed with an exception.", "ERROR")]:
        op._add(operators.Entry(1.23, "Website/home", "website_changed", level, message))
    frame = op.timeline()
    assert list(frame["message"]) == [
        "created Deployment/home",
        "ERROR: Handler 'website_changed' failed with an exception."]
    assert list(frame["seconds"]) == [1.2, 1.2]
    everything = op.timeline(everything=True)
    assert len(everything) == 4
    assert "WARNING: OS signals are ignored: running not in the main thread." in \
        list(everything["message"])
    # kopf's expected warning (it runs in a thread) is not a problem; the error is
    assert op.problems() == ["Website/home: Handler 'website_changed' failed with an exception."]
    assert not op.running and "stopped" in repr(op)
