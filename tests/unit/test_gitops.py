"""k8slab.gitops and k8slab._runners (githttp, flux): the parts Flux does not do, without a cluster.

The git server is exercised for real (git clone and push over HTTP through
``git http-backend``); the Flux status helpers are fed objects in the shape
the controllers write (the CRDs' status fields), not a fake API.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from k8slab import gitops
from k8slab._binaries import catalog as _tools
from k8slab._runners import flux as _flux
from k8slab._runners import githttp as _githttp
from k8slab.errors import K8sLabError, ManifestError
from k8slab.gitops import GitRepo

REV = "main@sha1:0123456789abcdef0123456789abcdef01234567"


def test_flux_get_rows_from_the_status_the_controllers_write():
    source = {"metadata": {"name": "course"}, "spec": {"url": "http://x"},
              "status": {"artifact": {"revision": REV},
                         "conditions": [{"type": "Ready", "status": "True",
                                         "message": f"stored artifact for revision '{REV}'"}]}}
    app = {"metadata": {"name": "dev"}, "spec": {"suspend": True},
           "status": {"lastAppliedRevision": REV, "conditions": [
               {"type": "Reconciling", "status": "False"},
               {"type": "Ready", "status": "False", "message": "kustomization path not found"}]}}
    assert gitops.status_row(source) == {
        "name": "course", "revision": "main@sha1:0123456", "suspended": False, "ready": "True",
        "message": f"stored artifact for revision '{REV}'"}
    assert gitops.status_row(app)["ready"] == "False"
    assert gitops.status_row(app)["suspended"] is True
    assert gitops.status_row({"metadata": {"name": "new"}})["ready"] == "Unknown"
    assert gitops.same_commit(REV, "0123456") and not gitops.same_commit(REV, "fedcba9")
    assert not gitops.same_commit(None, "0123456") and not gitops.same_commit(REV, "")


def test_inventory_ids_and_field_owner():
    app = {"status": {"inventory": {"entries": [
        {"id": "nb13_web_apps_Deployment", "v": "v1"},
        {"id": "nb13_debug__ConfigMap", "v": "v1"}]}}}
    assert gitops.inventory_of(app) == ["ConfigMap/debug", "Deployment/web"]
    assert gitops.parse_inventory_id("nb13_debug__ConfigMap")["group"] == ""
    assert gitops.inventory_of(None) == []
    web = {"metadata": {"managedFields": [
        {"manager": "kube-controller-manager", "fieldsV1": {"f:status": {"f:replicas": {}}}},
        {"manager": "kustomize-controller", "fieldsV1": {"f:spec": {"f:replicas": {},
                                                                    "f:template": {}}}}]}}
    assert gitops.field_owner(web, "spec", "replicas") == gitops.FLUX_MANAGER
    assert gitops.field_owner(web, "status", "replicas") == "kube-controller-manager"
    assert gitops.field_owner(web, "spec", "paused") is None


def _line(ts: str, msg: str, revision: str = "", output: dict | None = None,
          ns: str = "nb13") -> dict:
    """One JSON line of kustomize-controller's log, in the shape v1.9.6 writes it."""
    line = {"level": "info", "ts": ts, "msg": msg, "controller": "kustomization",
            "Kustomization": {"name": "dev", "namespace": ns}, "namespace": ns, "name": "dev"}
    if revision:
        line["revision"] = revision
    if output is not None:
        line["output"] = output
    return line


def test_passes_read_from_the_controller_log(tmp_path):
    r1, r2 = "main@sha1:" + "1" * 40, "main@sha1:" + "2" * 40
    web = {"Deployment/nb13/web": "unchanged", "Service/nb13/web": "unchanged"}
    lines = [
        _line("2026-12-01T22:49:55.1Z", "Source artifact not found, retrying in 30s"),
        _line("2026-12-01T22:49:56.1Z", "server-side apply completed", r1,
              {"Deployment/nb13/web": "created", "Service/nb13/web": "created"}),
        _line("2026-12-01T22:49:57.1Z", "server-side apply completed", r1, web, ns="other"),
        _line("2026-12-01T22:50:01.7Z", "server-side apply completed", r1,
              {**web, "Deployment/nb13/web": "configured"}),
        _line("2026-12-01T22:50:06.7Z", "server-side apply completed", r1, web),
        _line("2026-12-01T22:50:09.1Z", "server-side apply completed", r2, web),
        _line("2026-12-01T22:50:09.2Z", "garbage collection completed: "
              "ConfigMap/nb13/debug deleted"),
    ]
    rows = gitops.passes(lines, "nb13")
    assert [(r["time"], r["reason"], r["changes"]) for r in rows] == [
        ("22:49:56", "new revision", ["Deployment/web created", "Service/web created"]),
        ("22:50:01", "drift corrected", ["Deployment/web configured"]),
        ("22:50:06", "in sync", []),
        ("22:50:09", "new revision", ["ConfigMap/debug deleted"]),
    ]
    assert rows[0]["revision"] == "main@sha1:1111111"
    assert len(gitops.passes(lines, "nb13", since="2026-12-01T22:50:00Z")) == 3
    log = tmp_path / "kc.log"
    log.write_text("$ kustomize-controller --flags\n" + "\n".join(json.dumps(x) for x in lines)
                   + "\nnot json\n")
    assert gitops.passes(gitops._log_records(log), "nb13") == rows
    assert gitops._log_records(tmp_path / "absent") == []


def test_the_two_flux_objects():
    src = gitops.git_repository("http://127.0.0.1:1/course.git", interval="5s")
    assert src["apiVersion"] == "source.toolkit.fluxcd.io/v1"
    assert src["spec"] == {"url": "http://127.0.0.1:1/course.git", "ref": {"branch": "main"},
                           "interval": "5s"}
    app = gitops.kustomization("./overlays/dev", "nb13")
    assert app["spec"]["sourceRef"] == {"kind": "GitRepository", "name": gitops.SOURCE}
    assert app["spec"]["targetNamespace"] == "nb13" and app["spec"]["prune"] is True


def test_controller_flags_stay_on_localhost_and_in_one_namespace(tmp_path):
    ports = {"metrics": 1, "health": 2, "storage": 3}
    source = _flux.controller_args("source-controller", ports, tmp_path)
    assert "--storage-addr=127.0.0.1:3" in source and "--storage-adv-addr=127.0.0.1:3" in source
    assert f"--storage-path={tmp_path}" in source
    for name in _flux.CONTROLLERS:
        args = _flux.controller_args(name, ports, tmp_path)
        assert "--watch-all-namespaces=false" in args
        assert "--enable-leader-election=false" in args
        addrs = [a.split("=", 1)[1] for a in args if a.split("=")[0].endswith("-addr")]
        assert all(a == "" or a.startswith("127.0.0.1:") for a in addrs), addrs
    assert len(set(_flux.free_ports(4))) == 4


def test_flux_tools_are_pinned_to_one_release_built_from_the_wrapper():
    for name in _flux.CONTROLLERS:
        tool = _tools.TOOLS[name]
        assert (tool.family, tool.version, tool.wrapper) == ("flux", "v1.9.6", "flux")
        assert tool.package == f"github.com/fluxcd/{name}"
    gomod = (Path(__file__).parents[2] / "tools/flux/go.mod").read_text()
    assert "github.com/fluxcd/source-controller v1.9.6" in gomod
    assert "github.com/fluxcd/kustomize-controller v1.9.6" in gomod
    # The controllers' own replace directives, mirrored (Go ignores a dependency's).
    assert "github.com/opencontainers/go-digest => " in gomod
    assert "sigs.k8s.io/kustomize/api => sigs.k8s.io/kustomize/api v0.21.1" in gomod


def test_go_module_version_reads_the_build_info(tmp_path):
    fake = tmp_path / "bin"
    fake.write_bytes(b"\x00junk\tpath\tmod\tk8slab.local/tools/flux\t(devel)\t\n"
                     b"dep\tgithub.com/fluxcd/source-controller\tv1.9.6\th1:abc=\n")
    assert _tools.go_module_version(fake, "github.com/fluxcd/source-controller") == "v1.9.6"
    assert _tools.go_module_version(fake, "github.com/fluxcd/kustomize-controller") is None
    assert _tools.go_module_version(tmp_path / "absent", "x") is None


def test_stop_signals_only_our_live_processes_and_clears_the_state(tmp_path):
    assert _flux.stop(tmp_path) == []
    sleeper = subprocess.Popen(["sleep", "60"])
    # Right after exec the kernel may not show the new command line yet (an empty
    # /proc/PID/cmdline under load): wait until the process is visibly `sleep`.
    cmdline = Path(f"/proc/{sleeper.pid}/cmdline")
    deadline = time.monotonic() + 10
    while b"sleep" not in cmdline.read_bytes() and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        (tmp_path / "git" / "course.git").mkdir(parents=True)
        (tmp_path / "state.json").write_text(json.dumps({"namespace": "x", "processes": {
            "git-server": {"pid": 999999999, "marker": "k8slab._runners.githttp"},   # gone
            "not-ours": {"pid": sleeper.pid, "marker": "kustomize-controller"},  # pid reused
            "ours": {"pid": sleeper.pid, "marker": "sleep"}}}))
        assert _flux.running(_flux.load_state(tmp_path)) is False
        assert _flux.stop(tmp_path) == ["ours"]
        assert sleeper.wait(timeout=10) == -15                 # SIGTERM
        assert not (tmp_path / "state.json").exists() and not (tmp_path / "git").exists()
    finally:
        sleeper.kill()


def test_cgi_helpers():
    env = _githttp.cgi_environ("POST", "/course.git/git-upload-pack", "",
                               {"Content-Type": "application/x-git-upload-pack-request",
                                "Git-Protocol": "version=2"}, Path("/srv"))
    assert env["CONTENT_TYPE"] == "application/x-git-upload-pack-request"
    assert env["HTTP_GIT_PROTOCOL"] == "version=2" and env["GIT_PROJECT_ROOT"] == "/srv"
    assert _githttp.parse_cgi(b"Content-Type: a\n\nbody") == (200, [("Content-Type", "a")],
                                                               b"body")


@pytest.fixture
def git_server(tmp_path):
    """The real git server on a free 127.0.0.1 port, in a thread of this test."""
    root = tmp_path / "served"
    root.mkdir()
    handler = type("Handler", (_githttp._Handler,), {"root": root, "cgi": _githttp.backend()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_push_and_clone_through_git_http_backend(tmp_path, git_server):
    root, base = git_server
    _githttp.init_bare(root / "course.git")
    repo = GitRepo.create(tmp_path / "work")
    repo.write("app.yaml", "replicas: 1\n")
    first = repo.commit("first")
    repo.push(f"{base}/course.git")
    repo.replace("app.yaml", "1", "2")
    second = repo.commit("scale")
    assert repo.push() == second
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", f"{base}/course.git", str(clone)], check=True,
                   env={"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
                        "PATH": "/usr/bin:/bin"})
    assert (clone / "app.yaml").read_text() == "replicas: 2\n"
    log = subprocess.run(["git", "-C", str(clone), "log", "--format=%h"], capture_output=True,
                         text=True, check=True).stdout.split()
    assert log == [second, first]
    assert repo.full_head().startswith(second) and len(repo.full_head()) == 40


def test_git_repo_commit_log_show_revert(tmp_path):
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
