"""The pure helpers on object dicts every layer shares (k8slab._core.objects)."""

from __future__ import annotations

import pytest

from k8slab._core.objects import condition, is_true, matches, selector_of, selector_string

POD = {"metadata": {"name": "web-1", "labels": {"app": "web", "tier": "front"}},
       "status": {"conditions": [{"type": "PodScheduled", "status": "True"},
                                 {"type": "Ready", "status": "False", "reason": "Probe"}]}}


@pytest.mark.parametrize(("labels", "text"), [
    (None, None), ("", None), ({}, None), ("app=web", "app=web"),
    ({"app": "web", "tier": "front"}, "app=web,tier=front"),
    ({"matchLabels": {"app": "web"}}, "app=web"),
    ({"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["dev"]},
                           {"key": "legacy", "operator": "DoesNotExist"}]},
     "env notin (dev),!legacy"),
])
def test_selector_string_takes_every_form(labels, text):
    assert selector_string(labels) == text


def test_selector_of_reads_services_and_workloads():
    service = {"kind": "Service", "spec": {"selector": {"app": "web"}}}
    deployment = {"kind": "Deployment", "spec": {"selector": {"matchLabels": {"app": "web"}}}}
    assert selector_of(service) == selector_of(deployment) == {"app": "web"}
    assert selector_of({"kind": "Service", "spec": {}}) == {}


def test_matches_needs_every_label_and_a_selector():
    assert matches({"app": "web"}, POD)
    assert matches({"app": "web", "tier": "front"}, POD)
    assert not matches({"app": "web", "tier": "back"}, POD)
    assert not matches({}, POD)  # a Service without a selector selects no pod


def test_conditions_by_type():
    assert condition(POD, "Ready") == {"type": "Ready", "status": "False", "reason": "Probe"}
    assert condition(POD, "Initialized") is None and condition({}, "Ready") is None
    assert is_true(POD, "PodScheduled") and not is_true(POD, "Ready")
