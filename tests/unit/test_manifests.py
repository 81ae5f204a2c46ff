"""Manifest loading: every way of passing objects, and errors that point at the line."""

from __future__ import annotations

import pytest

from k8slab._core.manifests import load
from k8slab.errors import ManifestError

GOOD = """\
apiVersion: v1
kind: Namespace
metadata:
  name: a
---
# a comment-only document is skipped
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: b
data: {x: "1"}
"""


def test_multi_document_text():
    assert [o["kind"] for o in load(GOOD)] == ["Namespace", "ConfigMap"]


def test_file_dict_and_list(tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text(GOOD)
    assert len(load(str(path))) == 2
    assert len(load(path)) == 2
    assert load({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}})[0]["kind"] == "Pod"
    objs = load([{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": n}} for n in "xy"])
    assert [o["metadata"]["name"] for o in objs] == ["x", "y"]


def test_list_kind_is_flattened():
    objs = load({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}]})
    assert objs[0]["metadata"]["name"] == "p"


def test_load_does_not_mutate_the_callers_dict():
    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}
    load(obj)[0]["metadata"]["namespace"] = "x"
    assert "namespace" not in obj["metadata"]


def test_syntax_error_names_file_and_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n spec: {}\n")
    with pytest.raises(ManifestError) as err:
        load(str(path))
    assert str(path) in err.value.message
    assert "line 5" in err.value.message
    assert "indentation" in err.value.hint


def test_tab_indentation_is_explained():
    with pytest.raises(ManifestError) as err:
        load("apiVersion: v1\nkind: Pod\nmetadata:\n\tname: x\n")
    assert "line 4" in err.value.message and "tabs" in err.value.message


def test_missing_kind_and_name_name_the_document_line():
    with pytest.raises(ManifestError) as err:
        load("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\napiVersion: v1\n"
             "metadata: {name: b}\n")
    assert "line 5" in err.value.message and "'kind'" in err.value.message
    with pytest.raises(ManifestError) as err:
        load("apiVersion: v1\nkind: Pod\nmetadata: {labels: {a: b}}\n")
    assert "metadata.name" in err.value.message


def test_scalar_document_is_rejected():
    with pytest.raises(ManifestError) as err:
        load("just a sentence\n")
    assert "expected a mapping" in err.value.message


def test_missing_file_and_empty_manifest():
    with pytest.raises(ManifestError) as err:
        load("manifests/does-not-exist.yaml")
    assert "not found" in err.value.message
    with pytest.raises(ManifestError):
        load("# nothing here\n---\n")


def test_course_manifests_all_load():
    """Every Kubernetes manifest of the course parses (charts, kustomize trees,
    Helm values files and the kind config are not Kubernetes objects)."""
    from k8slab._base.paths import manifests_dir

    root = manifests_dir()
    files = [p for p in root.rglob("*.yaml")
             if p.parent == root and "values" not in p.name and p.name != "kind-cluster.yaml"]
    assert len(files) > 10
    for path in files:
        assert load(path), path
