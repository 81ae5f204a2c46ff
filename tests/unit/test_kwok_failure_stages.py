"""The kwok stages that imitate a typo'd image and a crashing command stay true to the lab.

They decide from the object alone: an image the lab does not have (so the list
must be k8slab/_binaries/images.py's catalogue), a program BusyBox does not have (so
the course's own busybox commands must be in the list). The live behaviour is
proven by the notebook tests (04, 05) on kwok and on the host engine.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from k8slab._binaries.images import CATALOG

STAGES = Path(__file__).resolve().parents[2] / "k8slab" / "engines" / "kwok-stages.yaml"
ROOT = STAGES.parents[2]


def _stages() -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in yaml.safe_load_all(STAGES.read_text()) if d}


def _values(stage: dict, key_part: str) -> list[str]:
    for expr in stage["spec"]["selector"]["matchExpressions"]:
        if key_part in expr["key"]:
            return expr["values"]
    raise AssertionError(f"{stage['metadata']['name']} has no expression on {key_part}")


def test_failure_stages_come_right_after_the_node_heartbeat():
    names = list(_stages())
    at = names.index("lab-node-heartbeat")
    assert names[at + 1:at + 6] == ["lab-pod-image-pull-error", "lab-pod-image-pull-backoff",
                                    "lab-pod-image-pull-retry", "lab-pod-start-error",
                                    "lab-pod-crash-backoff"]
    for name in names[at + 1:at + 6]:
        assert _stages()[name]["spec"]["weight"] > 0  # they win over lab-pod-start


def test_a_missing_image_is_one_the_catalogue_lacks():
    stages = _stages()
    for name in ("lab-pod-image-pull-error", "lab-pod-image-pull-backoff",
                 "lab-pod-image-pull-retry"):
        assert sorted(_image_list(stages[name])) == sorted(CATALOG), name


def _image_list(stage: dict) -> list[str]:
    for expr in stage["spec"]["selector"]["matchExpressions"]:
        if expr["key"] == ".spec.containers.[0].image" and expr["operator"] == "NotIn":
            return expr["values"]
    raise AssertionError(stage["metadata"]["name"])


def test_every_busybox_program_the_course_runs_is_an_applet():
    applets = set(_values(_stages()["lab-pod-start-error"], "split"))
    assert {"sh", "sleep", "echo", "cat", "nc", "httpd", "wget"} <= applets
    assert "slep" not in applets
    used = set()
    for path in [*ROOT.glob("manifests/*.yaml"), *ROOT.glob("notebooks/*.py")]:
        for doc in re.findall(r"busybox:1\.35[\s\S]{0,300}?command:\s*\[\s*\"?([\w./-]+)",
                              path.read_text()):
            used.add(doc.rsplit("/", 1)[-1])
    assert used - {"slep"} <= applets, used - applets
