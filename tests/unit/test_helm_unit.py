"""The helm wrapper without a cluster: a fake ``helm`` (K8SLAB_HELM) records what it is given.

The fake is a small Python script: it writes its arguments, its HELM_*
environment and the contents of every ``-f`` file to a log, then prints what
the test asked for and exits with the requested status. So these tests see
the exact command lines k8slab builds and how it reads helm's answers.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from k8slab import helm
from k8slab._base import display as _display
from k8slab._base.cluster_record import ClusterRecord
from k8slab._base.paths import PROJECT_ROOT
from k8slab.errors import ClusterUnavailable, HelmError, ToolMissing, UnsafeContext

FAKE_HELM = """#!{python}
import json, os, sys
here = os.path.dirname(os.path.abspath(__file__))
args = sys.argv[1:]
files = {{}}
for flag, value in zip(args, args[1:]):
    if flag == "-f":
        with open(value) as handle:
            files[value] = handle.read()
env = {{k: v for k, v in os.environ.items() if k.startswith("HELM_") or k == "KUBECONFIG"}}
with open(os.path.join(here, "calls.jsonl"), "a") as log:
    log.write(json.dumps({{"args": args, "env": env, "files": files}}) + "\\n")
with open(os.path.join(here, "answer.json")) as handle:
    answer = json.load(handle)
sys.stdout.write(answer.get("stdout", ""))
sys.stderr.write(answer.get("stderr", ""))
sys.exit(answer.get("rc", 0))
"""

# Shapes of helm v4.3.1's JSON answers, as printed by the real binary on the lab cluster.
INSTALL_JSON = {
    "name": "web", "namespace": "demo", "version": 1,
    "info": {"first_deployed": "2026-11-27T05:48:45.992800259Z",
             "last_deployed": "2026-11-27T05:48:45.992800259Z",
             "description": "Install complete", "status": "deployed",
             "notes": "hello-web 0.1.0 is installed as release \"web\" in namespace \"demo\".\n"},
    "chart": {"metadata": {"name": "hello-web", "version": "0.1.0", "appVersion": "1.27"}},
    "config": {"replicaCount": 3},
    "manifest": "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\n"
                "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n",
}
HISTORY_JSON = [
    {"revision": 2, "updated": "2026-11-27T05:48:47.277892783Z", "status": "deployed",
     "chart": "hello-web-0.1.0", "app_version": "1.27", "description": "Upgrade complete"},
    {"revision": 1, "updated": "2026-11-27T05:48:45.992800259Z", "status": "superseded",
     "chart": "hello-web-0.1.0", "app_version": "1.27", "description": "Install complete"},
]
LIST_JSON = [{"name": "web", "namespace": "demo", "revision": "2",
              "updated": "2026-11-27 05:48:47.277892783 +0000 UTC", "status": "deployed",
              "chart": "hello-web-0.1.0", "app_version": "1.27"}]


class FakeHelm:
    """Controls the fake binary and reads back what it was called with."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / "helm"
        self.path.write_text(FAKE_HELM.format(python=sys.executable))
        self.path.chmod(0o755)
        self.answer()

    def answer(self, stdout: str | object = "", stderr: str = "", rc: int = 0) -> None:
        text = stdout if isinstance(stdout, str) else json.dumps(stdout)
        (self.folder / "answer.json").write_text(json.dumps(
            {"stdout": text, "stderr": stderr, "rc": rc}))

    def calls(self) -> list[dict]:
        log = self.folder / "calls.jsonl"
        return [json.loads(ln) for ln in log.read_text().splitlines()] if log.exists() else []


@pytest.fixture
def fake(tmp_path, monkeypatch) -> FakeHelm:
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("K8SLAB_HELM", str(folder / "helm"))
    return FakeHelm(folder)


@pytest.fixture
def lab_cluster(isolated_state) -> Path:
    """A recorded kwok lab cluster with a kubeconfig (nothing listens: helm is fake)."""
    isolated_state.mkdir(parents=True, exist_ok=True)
    kubeconfig = isolated_state / "kubeconfig.yaml"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\n")
    ClusterRecord(engine="kwok", context="kwok-unit", kubeconfig=str(kubeconfig)).save()
    return kubeconfig


def test_install_builds_the_command_line_and_parses_the_release(fake, lab_cluster,
                                                                isolated_state, monkeypatch):
    monkeypatch.setenv("HELM_NAMESPACE", "learners-own-namespace")
    monkeypatch.setenv("KUBECONFIG", "/home/me/.kube/config")
    fake.answer(INSTALL_JSON)
    values = {"replicaCount": 3, "message": "Salut: à tous, 'quoted' $HOME"}
    rel = helm.install("web", "12-helm-chart", "demo", values=values)

    [call] = fake.calls()
    args = call["args"]
    values_file = args[args.index("-f") + 1]
    assert args == ["install", "web", str(PROJECT_ROOT / "manifests" / "12-helm-chart"),
                    "-n", "demo", "--wait=watcher", "--timeout", "60s", "-f", values_file,
                    "-o", "json", "--kubeconfig", str(lab_cluster), "--kube-context",
                    "kwok-unit"]
    # Values travel in a YAML file that keeps their types, never on the command line.
    import yaml

    assert yaml.safe_load(call["files"][values_file]) == values
    assert not any("Salut" in a for a in args)
    assert not Path(values_file).exists(), "the temporary values file must be removed"
    # helm's homes are inside the lab state; the learner's HELM_* and KUBECONFIG are ignored.
    home = isolated_state.resolve() / "helm"
    assert call["env"] == {"HELM_CACHE_HOME": str(home / "cache"),
                           "HELM_CONFIG_HOME": str(home / "config"),
                           "HELM_DATA_HOME": str(home / "data")}
    assert (rel.name, rel.namespace, rel.revision, rel.status) == ("web", "demo", 1, "deployed")
    assert rel.chart == "hello-web-0.1.0" and rel.app_version == "1.27"
    assert rel.values == {"replicaCount": 3} and 'release "web" in namespace' in rel.notes
    assert [o["kind"] for o in rel.objects()] == ["ConfigMap", "Service"]
    assert "revision 1, deployed (hello-web-0.1.0)" in str(rel)


def test_upgrade_flags_values_files_and_numeric_timeout(fake, lab_cluster, tmp_path):
    extra = tmp_path / "prod.yaml"
    extra.write_text("replicaCount: 5\n")
    fake.answer({**INSTALL_JSON, "version": 2})
    rel = helm.upgrade("web", "manifests/12-helm-chart", "demo", values={"message": "hi"},
                       values_files=[extra], install=True, reuse_values=True, wait=False,
                       timeout=90, force_conflicts=True)
    args = fake.calls()[0]["args"]
    assert args[:3] == ["upgrade", "web", str(PROJECT_ROOT / "manifests" / "12-helm-chart")]
    assert {"--install", "--reuse-values", "--force-conflicts"} <= set(args)
    assert not any(a.startswith("--wait") for a in args)
    assert args[args.index("--timeout") + 1] == "90s"
    files = [args[i + 1] for i, a in enumerate(args) if a == "-f"]
    assert files[0] == str(extra), "values files come first, the values dict wins last"
    assert fake.calls()[0]["files"][files[1]] == "message: hi\n"
    assert rel.revision == 2


def test_rollback_and_uninstall_commands(fake, lab_cluster):
    fake.answer('release "web" uninstalled\n')
    assert helm.uninstall("web", "demo", keep_history=True) == 'release "web" uninstalled'
    # First the manifest (to find the release's pods afterwards), then the uninstall itself.
    assert fake.calls()[0]["args"][:5] == ["get", "manifest", "web", "-n", "demo"]
    assert fake.calls()[1]["args"][:8] == ["uninstall", "web", "-n", "demo", "--wait=watcher",
                                           "--timeout", "60s", "--keep-history"]
    fake.answer("Rollback was a success!\n")
    with pytest.raises(HelmError, match="not JSON"):
        helm.rollback("web", 1, "demo", timeout="2m")  # the follow-up status reads the same text
    rollback = fake.calls()[2]["args"]
    assert rollback[:7] == ["rollback", "web", "1", "-n", "demo", "--wait=watcher", "--timeout"]
    assert rollback[7] == "2m"
    assert fake.calls()[3]["args"][:5] == ["status", "web", "-n", "demo", "-o"]


def test_pod_selectors_come_from_the_workloads_of_a_manifest():
    assert helm.pod_selectors("---\nkind: Service\nspec: {selector: {app: web}}\n"
                              "---\nkind: Deployment\nspec:\n  selector:\n    matchLabels:"
                              " {app: web, tier: front}\n---\nkind: Job\nspec:\n  template:"
                              "\n    metadata: {labels: {job: once}}\n") == \
        [{"app": "web", "tier": "front"}, {"job": "once"}]


def test_a_failing_helm_raises_helm_error_with_its_own_words(fake, lab_cluster):
    fake.answer(stderr='level=ERROR msg="release name check failed" error="in use"\n'
                       "Error: INSTALLATION FAILED: release name check failed: cannot reuse a "
                       "name that is still in use\n", rc=1)
    with pytest.raises(HelmError) as err:
        helm.install("web", "12-helm-chart", "demo")
    assert err.value.message == ("helm install failed: INSTALLATION FAILED: release name check "
                                 "failed: cannot reuse a name that is still in use")
    assert "helm.upgrade" in err.value.hint


@pytest.mark.parametrize(("stderr", "hint_word"), [
    ('Error: INSTALLATION FAILED: path "/x/nope" not found', "12-helm-chart"),
    ("Error: release has no 9 version", "helm.history"),
    ("Error: release: not found", "list_releases"),
    ("Error: kubernetes cluster unreachable: connection refused", "k8slab up"),
    ("Error: UPGRADE FAILED: context deadline exceeded", "timeout"),
    ('Error: UPGRADE FAILED: conflict occurred while applying object d/web apps/v1, '
     'Kind=Deployment: Apply failed with 1 conflict: conflict with "kubectl" with subresource '
     '"scale" using apps/v1: .spec.replicas', "force_conflicts=True"),
    ("Error: something nobody foresaw", "--debug"),
])
def test_each_known_failure_gets_its_own_hint(stderr, hint_word):
    err = helm.helm_error("install", stderr + "\n", 1)
    assert err.message.endswith(stderr.removeprefix("Error: "))
    assert hint_word in err.hint


def test_lint_failure_reports_the_findings_helm_prints_on_stdout(fake):
    fake.answer(stdout="==> Linting x\n[ERROR] templates/: parse error at (x/templates/a.yaml:3)"
                       "\n\n1 chart(s) linted, 1 chart(s) failed\n",
                stderr="Error: 1 chart(s) linted, 1 chart(s) failed\n", rc=1)
    with pytest.raises(HelmError) as err:
        helm.lint("12-helm-chart")
    assert "parse error at (x/templates/a.yaml:3)" in err.value.message
    assert "1 chart(s) failed" in err.value.message


def test_cluster_commands_need_a_cluster_but_template_does_not(fake):
    with pytest.raises(ClusterUnavailable):
        helm.install("web", "12-helm-chart", "demo")
    assert fake.calls() == [], "helm must not run when no lab cluster is recorded"
    fake.answer("---\nkind: ConfigMap\napiVersion: v1\nmetadata: {name: a}\n---\n# empty\n"
                "---\nkind: Service\napiVersion: v1\nmetadata: {name: b}\n")
    objects = helm.template_objects("web", "12-helm-chart", "demo", values={"message": "x"})
    assert [o["kind"] for o in objects] == ["ConfigMap", "Service"]
    assert fake.calls()[0]["args"][:5] == ["template", "web",
                                           str(PROJECT_ROOT / "manifests" / "12-helm-chart"),
                                           "-n", "demo"]


def test_destructive_steps_refuse_a_foreign_cluster(fake, isolated_state):
    isolated_state.mkdir(parents=True, exist_ok=True)
    (isolated_state / "kubeconfig.yaml").write_text("{}")
    ClusterRecord(engine="existing", context="prod", lab=False).save()
    with pytest.raises(UnsafeContext, match="uninstall Helm release 'web'"):
        helm.uninstall("web", "demo")
    with pytest.raises(UnsafeContext, match="roll back Helm release 'web'"):
        helm.rollback("web", 1, "demo")
    assert fake.calls() == []


def test_missing_helm_says_how_to_build_it(tmp_path, monkeypatch):
    monkeypatch.setenv("K8SLAB_HELM", str(tmp_path / "no-helm-here"))
    with pytest.raises(ToolMissing) as err:
        helm.binary()
    assert "k8slab tools helm" in err.value.hint


def test_the_command_is_announced_as_a_learner_would_type_it(fake, lab_cluster, monkeypatch,
                                                             capsys):
    monkeypatch.setitem(_display._state, "show", True)
    fake.answer(INSTALL_JSON)
    helm.install("web", "12-helm-chart", "demo", values={"replicaCount": 3})
    out = capsys.readouterr().out
    assert out.startswith("$ helm install web manifests/12-helm-chart -n demo --wait=watcher "
                          "--timeout 60s -f values.yaml    # HELM ")
    assert '"replicaCount": 3' in out and "--kubeconfig" not in out


def test_history_and_list_tables_from_helm_json():
    frame = helm.history_frame(HISTORY_JSON)
    assert list(frame.columns) == ["revision", "updated", "status", "chart", "app_version",
                                   "description"]
    assert list(frame.revision) == [1, 2] and list(frame.status) == ["superseded", "deployed"]
    assert str(frame.updated[0]) == "2026-11-27 05:48:45+00:00"
    releases = helm.releases_frame(LIST_JSON)
    row = releases.iloc[0]
    assert row.revision == 2 and str(row.updated) == "2026-11-27 05:48:47+00:00"
    assert helm.history_frame([]).empty


def test_list_releases_turns_revisions_into_numbers(fake, lab_cluster):
    fake.answer(LIST_JSON)
    assert helm.list_releases("demo")[0]["revision"] == 2
    fake.answer([])
    assert helm.list_releases() == []
    assert "--all-namespaces" in fake.calls()[1]["args"]


def test_durations_and_chart_paths():
    assert helm._timeout_seconds("1m30s") == 90 and helm._timeout_seconds(5) == 5
    with pytest.raises(HelmError, match="timeout"):
        helm._timeout_seconds("soon")
    assert helm.resolve_chart("12-helm-chart") == str(PROJECT_ROOT / "manifests" /
                                                      "12-helm-chart")
    assert helm.resolve_chart("bitnami/nginx") == "bitnami/nginx"
    assert helm.trim_stderr("just a line\nlevel=DEBUG noise\n") == "just a line"
