"""k8slab.gitops: git repository, rendering and drift, without a cluster."""

from __future__ import annotations

import pytest

from k8slab import gitops
from k8slab.errors import K8sLabError, ManifestError
from k8slab.gitops import Drift, GitRepo, drift, stamp, to_prune

WEB = {"apiVersion": "apps/v1", "kind": "Deployment",
       "metadata": {"name": "web", "labels": {"app": "web"}},
       "spec": {"replicas": 1, "template": {"spec": {"containers": [
           {"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 8080}]}]}}}}


def _live(**changes) -> dict:
    """WEB as the API server returns it: defaults and status added."""
    import copy

    obj = copy.deepcopy(WEB)
    obj["metadata"].update(uid="u", resourceVersion="7", labels={"app": "web", "extra": "x"})
    obj["spec"]["revisionHistoryLimit"] = 10
    obj["spec"]["template"]["spec"]["containers"][0]["ports"][0]["protocol"] = "TCP"
    obj["spec"]["template"]["spec"]["containers"].append({"name": "sidecar", "image": "x"})
    obj["status"] = {"replicas": 1}
    for path, value in changes.items():
        target = obj
        parts = path.split("__")
        for p in parts[:-1]:
            target = target[p]
        target[parts[-1]] = value
    return obj


def test_no_drift_when_only_defaults_and_status_were_added():
    assert drift(WEB, _live()) == []


def test_drift_names_the_field_git_value_and_cluster_value():
    assert drift(WEB, _live(spec__replicas=4)) == [
        Drift("Deployment/web", "spec.replicas", 1, 4)]
    live = _live()
    live["spec"]["template"]["spec"]["containers"][1]["image"] = "other"   # not in git
    live["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"
    assert drift(WEB, live) == [Drift("Deployment/web",
                                      "spec.template.spec.containers[web].image",
                                      "nginx:1.27", "nginx:1.28")]


def test_drift_on_labels_and_missing_objects():
    live = _live()
    live["metadata"]["labels"] = {"extra": "x"}
    assert drift(WEB, live) == [Drift("Deployment/web", "metadata.labels.app", "web", None)]
    assert drift(WEB, None) == [Drift("Deployment/web", "(object)", "present", "missing")]


def test_drift_on_configmap_data_and_unnamed_lists():
    cm = {"kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"A": "1"}}
    assert drift(cm, {**cm, "data": {"A": "2", "B": "3"}}) == [
        Drift("ConfigMap/c", "data.A", "1", "2")]
    args = {"kind": "Pod", "metadata": {"name": "p"}, "spec": {"args": ["a", "b"]}}
    assert drift(args, {**args, "spec": {"args": ["a"]}})[0].field == "spec.args"
    assert drift(args, {**args, "spec": {"args": ["a", "c"]}})[0].field == "spec.args[1]"


def test_stamp_and_prune_selection():
    stamped = stamp({**WEB, "metadata": {**WEB["metadata"], "namespace": "elsewhere"}},
                    "dev", "abc1234")
    assert stamped["metadata"]["labels"] == {"app": "web", gitops.APP_LABEL: "dev"}
    assert stamped["metadata"]["annotations"] == {gitops.REVISION_ANNOTATION: "abc1234"}
    assert "namespace" not in stamped["metadata"]
    assert WEB["metadata"] == {"name": "web", "labels": {"app": "web"}}   # input untouched
    live = [{"kind": "ConfigMap", "metadata": {"name": "debug"}}, stamped]
    assert to_prune(live, ["Deployment/web"]) == ["ConfigMap/debug"]
    assert to_prune(live, ["Deployment/web", "ConfigMap/debug"]) == []


def test_git_repo_commit_log_show_revert_export(tmp_path):
    repo = GitRepo.create(tmp_path / "repo")
    repo.write("app/config.yaml", "replicas: 1\n")
    first = repo.commit("first")
    repo.replace("app/config.yaml", "replicas: 1", "replicas: 2")
    assert repo.status().strip() == "M app/config.yaml"
    second = repo.commit("scale")
    assert list(repo.log()["message"]) == ["scale", "first"]
    assert "+replicas: 2" in repo.show(second)
    undo = repo.revert(second)
    assert undo not in (first, second) and repo.read("app/config.yaml") == "replicas: 1\n"
    assert repo.log()["message"].iloc[0] == 'Revert "scale"'
    out = repo.export(second, tmp_path / "export")
    assert (out / "app/config.yaml").read_text() == "replicas: 2\n"
    assert repo.files() == ["app/config.yaml"]
    with pytest.raises(K8sLabError, match="0 times"):
        repo.replace("app/config.yaml", "absent", "x")
    with pytest.raises(K8sLabError, match="did not create"):
        repo.delete()                        # only temporary repos are deleted
    with pytest.raises(K8sLabError, match="failed"):
        repo.git("checkout", "no-such-branch")


def test_temporary_repo_is_deleted(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    repo = GitRepo.create(prefix="unit-")
    assert repo.path.is_dir() and repo.path.name.startswith("k8slab-gitops-unit-")
    repo.delete()
    assert not repo.path.exists()


def test_render_the_course_overlays_with_the_lab_kubectl(tmp_path):
    repo = GitRepo.create(tmp_path / "repo")
    files = repo.add_tree("13-gitops")
    assert "overlays/dev/kustomization.yaml" in files and "base/deployment.yaml" in files
    dev = gitops.render(repo.path / "overlays/dev", echo=False)
    prod = gitops.render(repo.path / "overlays/prod", echo=False)
    by_key = {gitops.key(o): o for o in dev}
    web = by_key["Deployment/web"]
    assert web["spec"]["replicas"] == 1
    config = next(k for k in by_key if k.startswith("ConfigMap/web-config-"))
    assert web["spec"]["template"]["spec"]["containers"][0]["envFrom"][0]["configMapRef"][
        "name"] == config.split("/", 1)[1]
    assert by_key[config]["data"] == {"GREETING": "hello from dev"}
    assert "ConfigMap/debug" in by_key
    prod_web = next(o for o in prod if o["kind"] == "Deployment")
    assert prod_web["spec"]["replicas"] == 3
    assert prod_web["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"] == {
        "cpu": "200m", "memory": "128Mi"}
    assert all("namespace" not in o["metadata"] for o in dev + prod)
    summary = gitops.summary(dev)
    assert list(summary.columns) == ["kind", "name", "replicas", "images", "data"]
    with pytest.raises(ManifestError, match="kustomize"):
        gitops.render(tmp_path, echo=False)
