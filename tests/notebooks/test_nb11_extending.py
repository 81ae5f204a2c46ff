"""Notebook 11 · Extending Kubernetes, executed against the live cluster.

The operator is a real kopf operator run in the notebook's kernel; the
solution cell writes its reconcile handler, and the check confirms on the
cluster what the operator did.
"""

from __future__ import annotations

import k8slab as lab
from k8slab.crds import WEBSITE_CRD, custom_objects_elsewhere
from tests.notebooks.harness import run_notebook, run_second, second_run_wanted, unique_namespace

NOTEBOOK = "11-extending.ipynb"


def _crd_gone_unless_shared(ns: str, removed: bool) -> None:
    """The CRD is shared cluster-wide: gone, unless another namespace still uses it."""
    if lab.exists("CustomResourceDefinition", WEBSITE_CRD):
        crd = lab.get("CustomResourceDefinition", WEBSITE_CRD)
        assert not removed and custom_objects_elsewhere(crd, ns), \
            "the CRD was left behind although nobody else uses it"
    else:
        assert removed


def _check_run(run, cluster, ns: str) -> None:
    assert not run.errors()
    assert run.last("crd_kind") == "Website"
    assert run.last("websites_at_start") == 0
    assert run.last("home_spec") == {"image": "k8slab.local/web:1.0",
                                     "replicas": 1, "port": 8080}   # port: the schema default
    assert run.last("deployments_before_controller") == 0         # no operator, no behaviour
    assert run.last("rejected_status") == 422
    assert run.last("shop_stored") is False
    assert run.last("phases") == {"home": "Ready", "shop": "Ready"}
    assert run.last("home_owner") == {"kind": "Website", "name": "home"}
    assert run.last("engine") == cluster.engine
    # the timeline: what the learner's handler did, as kopf and the helpers logged it
    messages = run.last("timeline_messages")
    for made in ("created Deployment/home", "created Service/home",
                 "created Deployment/shop", "created Service/shop"):
        assert made in messages, (made, messages)
    assert any(m.startswith("status Ready, ") for m in messages), messages
    assert any(m.endswith("is processed: 1 succeeded; 0 failed.") for m in messages), messages
    assert run.last("website_events") > 0            # kopf posted the handler's infos as Events
    assert run.last("kopf_annotation") is True
    hello = run.last("home_hello")
    assert hello["status"] == 200
    if cluster.engine == "kwok":
        assert hello["simulated"] is True and "simulated" in hello["body"]
    else:
        # the real nginx of the operator's pod names itself
        assert hello["simulated"] is False
        assert hello["body"].startswith("Hello from home-") and hello["body"].endswith("(web 1.0)")
    assert run.last("healed") is True
    assert run.last("replicas_after_hand_scale") == 1
    assert run.last("shop_children_left") == []                    # garbage-collected
    assert run.last("operator_running_after_stop") is False
    assert run.last("recreated_after_stop") is False
    assert not lab.exists("Namespace", ns)
    assert run.last("operators_left") == []          # no kopf thread or watch left behind


def test_nb11_custom_kind_and_kopf_operator(cluster):
    ns = unique_namespace("nb11")
    params = {"namespace": ns}
    run = run_notebook(NOTEBOOK, parameters=params)
    _check_run(run, cluster, ns)
    checks = run.checks()
    assert set(checks) == {"11.shop", "11.operator", "11.scale"}
    for exercise, outcomes in checks.items():
        assert outcomes == [False, True], (exercise, outcomes)
    _crd_gone_unless_shared(ns, run.last("crd_removed"))

    if second_run_wanted():
        again = run_second(NOTEBOOK, parameters=params)
        _check_run(again, cluster, ns)
        assert again.checks() == checks
        assert again.last("phases") == run.last("phases")
        _crd_gone_unless_shared(ns, again.last("crd_removed"))
