"""The pure helpers behind notebooks 07-09: no cluster needed."""

from __future__ import annotations

import base64

import pytest

from k8slab._core.access import groups_of, service_account_user
from k8slab._core.imperative import job_from_cronjob
from k8slab._views.kubelet import AT_START, NEVER, REFRESHED, compare, decode, render
from k8slab._views.storage import claims_frame, volumes_frame
from k8slab.errors import K8sLabError

STARTED = "2024-05-01T10:00:00Z"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _configmap(data: dict, changed: str = "2024-05-01T09:00:00Z") -> dict:
    return {"metadata": {"name": "cfg", "managedFields": [{"time": changed}]}, "data": data}


def _secret(data: dict) -> dict:
    return {"metadata": {"name": "creds", "managedFields": [{"time": "2024-05-01T09:00:00Z"}]},
            "data": {k: _b64(v) for k, v in data.items()}}


def _pod(container: dict, volumes: list[dict] | None = None) -> dict:
    return {"metadata": {"name": "p", "namespace": "demo", "labels": {"tier": "web"}},
            "spec": {"containers": [{"name": "c", **container}], "volumes": volumes or []},
            "status": {"containerStatuses": [{"name": "c", "state": {"running": {
                "startedAt": STARTED}}}]}}


def test_env_sources_and_precedence():
    pod = _pod({
        "envFrom": [{"configMapRef": {"name": "cfg"}, "prefix": "CFG_"},
                    {"secretRef": {"name": "creds"}}],
        "env": [{"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "mode"}}},
                {"name": "password", "value": "overridden"},
                {"name": "TIER", "valueFrom": {"fieldRef": {
                    "fieldPath": "metadata.labels['tier']"}}}]})
    view = render(pod, [_configmap({"mode": "fast"})], [_secret({"password": "s3cr3t"})])
    assert view.env() == {"CFG_mode": "fast", "password": "overridden", "MODE": "fast",
                          "TIER": "web"}
    assert {s.updates for s in view.items} == {AT_START}


def test_missing_sources_are_flagged_unless_optional():
    pod = _pod({"env": [
        {"name": "A", "valueFrom": {"configMapKeyRef": {"name": "gone", "key": "k"}}},
        {"name": "B", "valueFrom": {"configMapKeyRef": {"name": "gone", "key": "k",
                                                        "optional": True}}}]})
    view = render(pod)
    assert view.env() == {"A": None}
    assert "would not start" in view.items[0].note


def test_volumes_items_subpath_and_secrets_decoded():
    pod = _pod({"volumeMounts": [{"name": "cfg", "mountPath": "/etc/cfg"},
                                 {"name": "cfg", "mountPath": "/etc/one.conf",
                                  "subPath": "mode"},
                                 {"name": "creds", "mountPath": "/etc/creds"}]},
               [{"name": "cfg", "configMap": {"name": "cfg"}},
                {"name": "creds", "secret": {"secretName": "creds",
                                             "items": [{"key": "password", "path": "pw"}]}}])
    view = render(pod, [_configmap({"mode": "fast", "size": "2"})],
                  [_secret({"password": "s3cr3t", "user": "app"})])
    assert view.files() == {"/etc/cfg/mode": "fast", "/etc/cfg/size": "2",
                            "/etc/one.conf": "fast", "/etc/creds/pw": "s3cr3t"}
    updates = {s.name: s.updates for s in view.items}
    assert updates["/etc/one.conf"] == NEVER and updates["/etc/cfg/mode"] == REFRESHED


def test_a_change_after_start_freezes_variables_not_files():
    pod = _pod({"env": [{"name": "MODE", "valueFrom": {"configMapKeyRef": {
                   "name": "cfg", "key": "mode"}}}],
                "volumeMounts": [{"name": "cfg", "mountPath": "/etc/cfg"}]},
               [{"name": "cfg", "configMap": {"name": "cfg"}}])
    started = render(pod, [_configmap({"mode": "slow"})])
    now = render(pod, [_configmap({"mode": "fast"}, changed="2024-05-01T10:05:00Z")])
    assert now.env() == {"MODE": None} and "now says 'fast'" in now.items[0].note
    assert [s.name for s in now.outdated()] == ["MODE"]
    running = started.after_update(now)
    assert running.env() == {"MODE": "slow"} and running.files() == {"/etc/cfg/mode": "fast"}
    table = compare({"start": started, "running": running})
    assert table.loc["MODE"].tolist() == ["slow", "slow"]
    assert table.loc["/etc/cfg/mode"].tolist() == ["slow", "fast"]


@pytest.mark.parametrize(("config_version", "outdated"), [("120", ["MODE"]), ("80", [])])
def test_a_change_in_the_start_second_is_told_apart_by_resource_versions(config_version,
                                                                         outdated):
    pod = _pod({"env": [{"name": "MODE", "valueFrom": {"configMapKeyRef": {
        "name": "cfg", "key": "mode"}}}]})
    pod["metadata"]["resourceVersion"] = "100"
    config = _configmap({"mode": "fast"}, changed=STARTED)
    config["metadata"]["resourceVersion"] = config_version
    assert [s.name for s in render(pod, [config]).outdated()] == outdated


def test_decode_merges_string_data():
    assert decode({"data": {"a": _b64("x")}, "stringData": {"b": "y"}}) == {"a": "x", "b": "y"}


def test_job_from_cronjob_copies_the_template_and_names_its_owner():
    cronjob = {"apiVersion": "batch/v1", "kind": "CronJob",
               "metadata": {"name": "report", "uid": "u-1"},
               "spec": {"jobTemplate": {"metadata": {"labels": {"app": "report"}},
                                        "spec": {"backoffLimit": 2}}}}
    job = job_from_cronjob(cronjob, "report-now")
    assert job["spec"] == {"backoffLimit": 2} and job["metadata"]["labels"] == {"app": "report"}
    owner = job["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["name"], owner["uid"], owner["controller"]) == \
        ("CronJob", "report", "u-1", True)
    job["spec"]["backoffLimit"] = 5
    assert cronjob["spec"]["jobTemplate"]["spec"]["backoffLimit"] == 2
    assert job_from_cronjob(cronjob)["metadata"]["name"].startswith("report-manual-")
    with pytest.raises(K8sLabError, match="no uid"):
        job_from_cronjob({"metadata": {"name": "x"}, "spec": {}})


def test_service_account_identity():
    user = service_account_user("demo", "reader")
    assert user == "system:serviceaccount:demo:reader"
    assert "system:serviceaccounts:demo" in groups_of(user)


def test_storage_tables():
    pv = {"metadata": {"name": "v", "deletionTimestamp": "2024-05-01T10:00:00Z"},
          "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteMany"],
                   "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "standard"},
          "status": {"phase": "Released"}}
    row = volumes_frame([pv]).iloc[0]
    assert (row["access"], row["status"], row["claim"]) == ("RWX", "Terminating", "")
    pvc = {"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"],
                                                  "storageClassName": "standard"}}
    row = claims_frame([pvc]).iloc[0]
    assert (row["status"], row["volume"], row["access"]) == ("Pending", "", "RWO")
