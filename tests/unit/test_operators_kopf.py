"""The places where k8slab.operators leans on kopf's insides, and kopf's logger given back.

kopf 1.x has no public way to list a registry's handlers or to ask which
handler is running; :mod:`k8slab.operators` does both in one marked place.
These tests fail when a kopf release moves those insides, so the upgrade is
noticed here rather than in notebook 11.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

import kopf

from k8slab import operators

WEBSITES = ("k8slab.io", "v1alpha1", "websites")


def test_every_handler_part_exists_and_lists_what_the_decorators_put_there():
    registry = kopf.OperatorRegistry()

    @kopf.on.create(*WEBSITES, registry=registry)
    def created(**_):
        pass

    @kopf.on.event(*WEBSITES, registry=registry)
    def seen(**_):
        pass

    @kopf.daemon(*WEBSITES, registry=registry)
    def watching(**_):
        pass

    @kopf.index(*WEBSITES, registry=registry)
    def by_name(**_):
        pass

    found = {part: [h.fn for h in operators._handlers_of(registry, part)]
             for part in operators.KOPF_HANDLER_PARTS}
    assert found == {"_indexing": [by_name], "_watching": [seen], "_spawning": [watching],
                     "_changing": [created], "_webhooks": []}
    assert set(operators.KOPF_OBJECT_PARTS) <= set(operators.KOPF_HANDLER_PARTS)


def test_a_handler_copied_into_a_fresh_registry_is_listed_there():
    source, fresh = kopf.OperatorRegistry(), kopf.OperatorRegistry()

    @kopf.on.update(*WEBSITES, registry=source)
    def updated(**_):
        pass

    for handler in operators._handlers_of(source, "_changing"):
        operators._add_handler(fresh, "_changing", handler)
    assert [h.fn for h in operators._handlers_of(fresh, "_changing")] == [updated]


def test_the_running_handler_is_read_from_kopfs_context_variable():
    from kopf._core.actions import execution

    assert isinstance(execution.handler_var, ContextVar)
    registry = kopf.OperatorRegistry()

    @kopf.on.create(*WEBSITES, registry=registry, id="make-it")
    def created(**_):
        pass

    handler = operators._handlers_of(registry, "_changing")[0]
    assert operators._current_handler_id() == ""
    token = execution.handler_var.set(handler)
    try:
        assert operators._current_handler_id() == "make-it"
    finally:
        execution.handler_var.reset(token)


def test_a_stopped_operator_gives_kopfs_logger_back_as_it_was():
    logger = logging.getLogger("kopf")
    before = (logger.level, logger.propagate, list(logger.handlers))
    first = operators.Operator("ns-one", kopf.OperatorRegistry())
    second = operators.Operator("ns-two", kopf.OperatorRegistry())
    try:
        operators._borrow_kopf_logger(first, first._collector)
        operators._borrow_kopf_logger(second, second._collector)
        assert logger.propagate is False and logger.level == logging.INFO
        first.stop()                               # one still runs: still quiet
        assert logger.propagate is False
        assert first._collector not in logger.handlers
        second.stop()
        assert (logger.level, logger.propagate, list(logger.handlers)) == before
        second.stop()                              # idempotent
        assert (logger.level, logger.propagate, list(logger.handlers)) == before
    finally:
        logger.setLevel(before[0])
        logger.propagate = before[1]
        for extra in set(logger.handlers) - set(before[2]):
            logger.removeHandler(extra)
