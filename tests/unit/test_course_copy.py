"""The learner's copy of the course (``k8slab course DIR``), where ``k8slab lab`` finds
it, and where an installed k8slab keeps its state and cache.

The copy is made from this checkout's real notebooks and manifests; the
"installed" cases flip ``paths.IN_CHECKOUT`` (the wheel itself is built and
installed by tests/integration/test_wheel.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import pytest

from k8slab._base import paths as _paths
from k8slab._course.learner_copy import RECORD, copy_course
from k8slab.cli import course_folder, main
from k8slab.errors import K8sLabError
from tests.conftest import ROOT


def _course_notebooks() -> tuple[list[str], list[str]]:
    en = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    fr = sorted(p.name for p in (ROOT / "notebooks" / "fr").glob("*.ipynb"))
    return en, fr


def test_the_copy_holds_both_editions_and_every_manifest(tmp_path):
    dest = tmp_path / "course"
    done = copy_course(dest)
    en, fr = _course_notebooks()
    assert len(en) >= 14 and en == fr
    assert sorted(p.name for p in dest.glob("*.ipynb")) == en
    assert sorted(p.name for p in (dest / "fr").glob("*.ipynb")) == fr
    for name in en:
        assert (dest / name).read_bytes() == (ROOT / "notebooks" / name).read_bytes()
    manifests = sorted(p.relative_to(ROOT / "manifests") for p in (ROOT / "manifests").rglob("*")
                       if p.is_file())
    assert sorted(p.relative_to(dest / "manifests") for p in (dest / "manifests").rglob("*")
                  if p.is_file()) == manifests
    # The French notebooks reach the same manifests as the English ones.
    assert (dest / "fr" / "manifests").is_symlink()
    assert (dest / "fr" / "manifests" / "04-pods-web.yaml").read_bytes() == \
        (ROOT / "manifests" / "04-pods-web.yaml").read_bytes()
    assert len(done.new) == len(en) + len(fr) + len(manifests)
    assert not done.updated and not done.unchanged
    recorded = json.loads((dest / RECORD).read_text())["files"]
    assert set(recorded) == {*done.new}


def test_copying_again_changes_nothing_and_keeps_the_learners_own_files(tmp_path):
    dest = tmp_path / "course"
    copy_course(dest)
    (dest / "my-notes.md").write_text("mine")
    again = copy_course(dest)
    assert not again.new and not again.updated and not again.overwritten
    assert len(again.unchanged) > 14
    assert (dest / "my-notes.md").read_text() == "mine"


def test_a_changed_file_stops_the_copy_before_anything_is_written(tmp_path, capsys):
    dest = tmp_path / "course"
    copy_course(dest)
    worked = dest / "04-pods.ipynb"
    worked.write_text('{"cells": "the learner ran and saved it"}')
    (dest / "05-deployments.ipynb").unlink()          # would be restored by a copy
    with pytest.raises(K8sLabError) as err:
        copy_course(dest)
    assert "04-pods.ipynb" in err.value.message
    assert "Nothing was copied" in err.value.message
    assert "--force" in err.value.hint
    assert worked.read_text() == '{"cells": "the learner ran and saved it"}'
    assert not (dest / "05-deployments.ipynb").exists()
    # The command line says the same, and exits non-zero.
    assert main(["course", str(dest)]) == 1
    assert "04-pods.ipynb" in capsys.readouterr().err
    forced = copy_course(dest, force=True)
    assert forced.overwritten == ["04-pods.ipynb"]
    assert "05-deployments.ipynb" in forced.new
    assert worked.read_bytes() == (ROOT / "notebooks" / "04-pods.ipynb").read_bytes()


def test_a_file_the_learner_left_alone_follows_a_newer_course(tmp_path):
    """The recorded digest tells "copied by k8slab, untouched" from "changed by the learner"."""
    dest = tmp_path / "course"
    copy_course(dest)
    old = dest / "manifests" / "04-pods-web.yaml"
    old.write_text("# what an older k8slab shipped\n")
    record = json.loads((dest / RECORD).read_text())
    record["files"]["manifests/04-pods-web.yaml"] = hashlib.sha256(old.read_bytes()).hexdigest()
    (dest / RECORD).write_text(json.dumps(record))
    done = copy_course(dest)
    assert done.updated == ["manifests/04-pods-web.yaml"]
    assert old.read_bytes() == (ROOT / "manifests" / "04-pods-web.yaml").read_bytes()


def test_a_file_in_the_way_of_the_folder_is_refused(tmp_path):
    (tmp_path / "course").write_text("")
    with pytest.raises(K8sLabError, match="is a file"):
        copy_course(tmp_path / "course")


def test_lab_opens_the_folder_named_then_a_copy_here_then_the_checkout(tmp_path, monkeypatch):
    dest = tmp_path / "course"
    copy_course(dest)
    assert course_folder(str(tmp_path / "any"), None) == tmp_path / "any"
    assert course_folder(None, str(dest)) == dest
    with pytest.raises(K8sLabError, match="holds no copy of the course") as err:
        course_folder(None, str(tmp_path / "empty"))
    assert "k8slab course" in err.value.hint
    monkeypatch.chdir(dest)
    assert course_folder(None, None) == dest
    monkeypatch.chdir(tmp_path)
    assert course_folder(None, None) == ROOT / "notebooks"
    monkeypatch.setattr("k8slab.cli.IN_CHECKOUT", False)
    with pytest.raises(K8sLabError, match="installed") as err:
        course_folder(None, None)
    assert "k8slab course" in err.value.hint


def test_an_installed_k8slab_keeps_state_and_cache_in_the_users_folders(tmp_path, monkeypatch):
    assert _paths.IN_CHECKOUT            # this test runs from the checkout
    monkeypatch.setattr(_paths, "IN_CHECKOUT", False)
    monkeypatch.delenv("K8SLAB_STATE")
    monkeypatch.delenv("K8SLAB_CACHE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    if sys.platform.startswith("linux"):
        assert _paths.state_dir() == (tmp_path / "data" / "k8slab").resolve()
        assert _paths.cache_dir() == tmp_path / "cache" / "k8slab"
    assert Path(os.environ["HOME"]) / ".kube" not in _paths.kubeconfig_path().parents
    # The overrides win, installed or not.
    monkeypatch.setenv("K8SLAB_STATE", str(tmp_path / "s"))
    monkeypatch.setenv("K8SLAB_CACHE", str(tmp_path / "c"))
    assert _paths.state_dir() == (tmp_path / "s").resolve()
    assert _paths.cache_dir() == (tmp_path / "c").resolve()


def test_a_checkout_keeps_its_state_in_the_project(monkeypatch):
    monkeypatch.delenv("K8SLAB_STATE")
    assert _paths.PROJECT_ROOT == ROOT
    assert _paths.state_dir() == (ROOT / ".k8slab").resolve()
    assert _paths.notebooks_dir() == ROOT / "notebooks"
