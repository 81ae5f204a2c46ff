"""Workshop mode's pure parts: names, RBAC rules, quotas, kubeconfigs and the CLI."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pandas as pd
import pytest
import yaml
from kubernetes import client, config

from k8slab import workshop
from k8slab._base.cluster_record import ClusterRecord
from k8slab.cli import _status_record, build_parser, main
from k8slab.errors import ClusterUnavailable, K8sLabError, UnsafeContext
from k8slab.workshop._cluster import lab_cluster_info
from k8slab.workshop._objects import (
    ClusterInfo,
    Quota,
    attendee_names,
    attendee_objects,
    build_kubeconfig,
    cluster_info,
    kubeconfig_file,
    role_rules,
    system_view_rules,
    viewer_bindings,
    viewer_objects,
    viewer_rules,
    write_private,
)

CA_PEM = b"-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"

# What the course needs, by API group (the brief of workshop mode).
NEEDED = {
    "": {"pods", "pods/log", "pods/exec", "pods/portforward", "services", "endpoints",
         "configmaps", "secrets", "persistentvolumeclaims", "events", "serviceaccounts"},
    "apps": {"deployments", "replicasets", "statefulsets", "daemonsets", "deployments/scale"},
    "batch": {"jobs", "cronjobs"},
    "networking.k8s.io": {"ingresses"},
    "discovery.k8s.io": {"endpointslices"},
    "autoscaling": {"horizontalpodautoscalers"},
    "policy": {"poddisruptionbudgets"},
}


def _granted(rules: list[dict]) -> dict[str, dict[str, set[str]]]:
    out: dict[str, dict[str, set[str]]] = {}
    for rule in rules:
        for group in rule["apiGroups"]:
            for res in rule["resources"]:
                out.setdefault(group, {}).setdefault(res, set()).update(rule["verbs"])
    return out


# -- names --------------------------------------------------------------------------------

def test_names_are_zero_padded_and_sort_in_order():
    assert attendee_names("attendee", 3) == ["attendee-01", "attendee-02", "attendee-03"]
    names = attendee_names("t", 120)
    assert names[0] == "t-001" and names[-1] == "t-120"
    assert names == sorted(names)


@pytest.mark.parametrize("prefix", ["Attendee", "team_a", "-a", "a-", "1team", "", "a.b"])
def test_prefixes_that_cannot_make_namespaces_are_refused(prefix):
    with pytest.raises(K8sLabError, match="cannot start a namespace name"):
        attendee_names(prefix, 2)


def test_names_too_long_or_counts_out_of_range_are_refused():
    with pytest.raises(K8sLabError, match="63 characters"):
        attendee_names("a" * 61, 2)
    assert attendee_names("a" * 60, 2)[1] == "a" * 60 + "-02"
    for count in (0, -1, 1000):
        with pytest.raises(K8sLabError, match="between 1 and"):
            attendee_names("a", count)


# -- RBAC ---------------------------------------------------------------------------------

def test_role_grants_what_the_course_needs():
    granted = _granted(role_rules("a-01"))
    for group, resources in NEEDED.items():
        missing = resources - set(granted.get(group, {}))
        assert not missing, f"{group or 'core'} lacks {missing}"
    assert {"create", "delete", "patch"} <= granted["apps"]["deployments"]
    assert "patch" in granted["apps"]["deployments/scale"]
    assert "create" in granted[""]["pods/exec"] and "create" in granted[""]["pods/portforward"]


def test_role_cannot_escalate_or_lift_its_limits():
    rules = role_rules("a-01")
    granted = _granted(rules)
    assert all("*" not in r["verbs"] and "*" not in r["resources"] and "*" not in r["apiGroups"]
               for r in rules)
    assert "rbac.authorization.k8s.io" not in granted
    assert "serviceaccounts/token" not in granted[""]
    for read_only in ("resourcequotas", "limitranges", "events", "pods/log"):
        assert granted[""][read_only] <= {"get", "list", "watch"}, read_only
    namespace_rules = [r for r in rules if "namespaces" in r["resources"]]
    assert namespace_rules == [{"apiGroups": [""], "resources": ["namespaces"],
                                "resourceNames": ["a-01"], "verbs": ["get"]}]


def test_attendee_objects_stay_in_their_namespace():
    objs = attendee_objects("ws-01", "ws", Quota(), Path("/x/ws-01.kubeconfig.yaml"))
    ns, sa, role, binding, quota, limits = objs
    assert ns["metadata"]["labels"] == {"k8slab.io/lab": "true", "k8slab.io/workshop": "ws",
                                        "k8slab.io/attendee": "ws-01"}
    assert ns["metadata"]["annotations"]["k8slab.io/kubeconfig"] == "/x/ws-01.kubeconfig.yaml"
    assert all(o["metadata"]["namespace"] == "ws-01" for o in objs[1:])
    assert sa["metadata"]["name"] == "ws-01"
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                  "name": role["metadata"]["name"]}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "ws-01",
                                    "namespace": "ws-01"}]
    assert quota["spec"]["hard"]["pods"] == "20"
    assert limits["spec"]["limits"][0]["type"] == "Container"


# The cluster-scoped kinds the course looks at (never changes) as an attendee.
LOOKED_AT = {"": {"nodes", "persistentvolumes"}, "storage.k8s.io": {"storageclasses"},
             "apiextensions.k8s.io": {"customresourcedefinitions"},
             "networking.k8s.io": {"ingressclasses"}}


def test_viewer_can_look_at_the_cluster_but_change_nothing():
    granted = _granted(viewer_rules())
    assert {g: set(r) for g, r in granted.items()} == LOOKED_AT
    for group, resources in granted.items():
        for res, verbs in resources.items():
            assert verbs == {"get", "list", "watch"}, (group, res, verbs)
    for rules in system_view_rules().values():
        for rule in rules:
            assert set(rule["verbs"]) <= {"get", "list", "watch"}, rule
            assert not {"secrets", "configmaps", "serviceaccounts"} & set(rule["resources"])
            assert "*" not in rule["resources"] + rule["apiGroups"] + rule["verbs"]
    system = {ns: _granted(rules) for ns, rules in system_view_rules().items()}
    assert {"get", "list"} <= system["kube-system"][""]["pods"]
    assert system["kube-system"]["coordination.k8s.io"]["leases"] == {"get", "list", "watch"}
    assert set(system["kube-node-lease"]) == {"coordination.k8s.io"}


def test_viewer_bindings_point_one_service_account_at_the_shared_roles():
    shared = viewer_objects()
    assert [(o["kind"], o["metadata"]["name"], o["metadata"].get("namespace"))
            for o in shared] == [("ClusterRole", "k8slab-workshop-viewer", None),
                                 ("Role", "k8slab-workshop-viewer", "kube-system"),
                                 ("Role", "k8slab-workshop-viewer", "kube-node-lease")]
    bindings = viewer_bindings("ws-03", "ws")
    assert [(o["kind"], o["metadata"].get("namespace")) for o in bindings] == [
        ("ClusterRoleBinding", None), ("RoleBinding", "kube-system"),
        ("RoleBinding", "kube-node-lease")]
    for binding, role in zip(bindings, shared, strict=True):
        assert binding["metadata"]["name"] == "k8slab-workshop-ws-03"
        assert binding["metadata"]["labels"]["k8slab.io/attendee"] == "ws-03"
        assert binding["metadata"]["labels"]["k8slab.io/workshop"] == "ws"
        assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io",
                                      "kind": role["kind"], "name": role["metadata"]["name"]}
        assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "ws-03",
                                        "namespace": "ws-03"}]


# -- quota --------------------------------------------------------------------------------

@pytest.mark.parametrize("pods,cpu,memory", [(20, "4", "8Gi"), (5, "4", "8Gi"),
                                             (7, "1500m", "3G"), (1, "0.5", "256Mi")])
def test_default_resources_let_exactly_quota_pods_fit(pods, cpu, memory):
    from kubernetes.utils import parse_quantity

    ceiling = {"cpu": parse_quantity("500m"), "memory": parse_quantity("512Mi")}
    limits, requests = Quota(pods=pods, cpu=cpu, memory=memory).container_defaults()
    for key, total in (("cpu", cpu), ("memory", memory)):
        assert parse_quantity(limits[key]) * pods <= parse_quantity(total)
        # Exactly: one more pod would not fit, unless the default hit its ceiling.
        assert (parse_quantity(limits[key]) * (pods + 1) > parse_quantity(total)
                or parse_quantity(limits[key]) == ceiling[key]), (key, limits)
        assert 0 < parse_quantity(requests[key]) <= parse_quantity(limits[key])


def test_default_resources_stay_small_under_a_generous_quota():
    limits, requests = Quota(pods=20, cpu="200", memory="256Gi").container_defaults()
    assert limits == {"cpu": "500m", "memory": "512Mi"}
    assert requests == {"cpu": "250m", "memory": "256Mi"}


def test_unusable_quotas_are_refused_with_a_fix():
    with pytest.raises(K8sLabError, match="too small"):
        Quota(pods=100, cpu="10m").container_defaults()
    with pytest.raises(K8sLabError, match="not a Kubernetes quantity"):
        Quota(memory="eight gigs").container_defaults()
    with pytest.raises(K8sLabError, match="at least 1"):
        Quota(pods=0).container_defaults()


# -- kubeconfig ---------------------------------------------------------------------------

def _lab_kubeconfig(tmp_path: Path) -> dict:
    (tmp_path / "pki").mkdir(exist_ok=True)
    (tmp_path / "pki" / "ca.crt").write_bytes(CA_PEM)
    return {"apiVersion": "v1", "kind": "Config", "current-context": "other",
            "clusters": [{"name": "lab", "cluster": {"server": "https://127.0.0.1:36443",
                                                     "certificate-authority": "pki/ca.crt"}},
                         {"name": "o", "cluster": {"server": "https://elsewhere:6443"}}],
            "contexts": [{"name": "kwok-k8slab", "context": {"cluster": "lab", "user": "u"}},
                         {"name": "other", "context": {"cluster": "o", "user": "u"}}],
            "users": [{"name": "u", "user": {"token": "admin"}}]}


def test_cluster_info_inlines_the_ca_of_the_chosen_context(tmp_path):
    info = cluster_info(_lab_kubeconfig(tmp_path), tmp_path, "kwok-k8slab")
    assert info.server == "https://127.0.0.1:36443"
    assert base64.b64decode(info.ca_data) == CA_PEM
    assert cluster_info(_lab_kubeconfig(tmp_path), tmp_path).server == "https://elsewhere:6443"
    with pytest.raises(K8sLabError, match="no context 'nope'"):
        cluster_info(_lab_kubeconfig(tmp_path), tmp_path, "nope")
    doc = _lab_kubeconfig(tmp_path)
    (tmp_path / "pki" / "ca.crt").unlink()
    with pytest.raises(K8sLabError, match="CA certificate"):
        cluster_info(doc, tmp_path, "kwok-k8slab")


def test_lab_cluster_info_reads_the_recorded_context(isolated_state):
    with pytest.raises(ClusterUnavailable):
        lab_cluster_info()
    isolated_state.mkdir(parents=True)
    (isolated_state / "kubeconfig.yaml").write_text(yaml.safe_dump(_lab_kubeconfig(
        isolated_state)))
    ClusterRecord(engine="kwok", context="kwok-k8slab").save()
    assert lab_cluster_info().server == "https://127.0.0.1:36443"
    moved = lab_cluster_info("https://lab.example.org:6443")
    assert moved.server == "https://lab.example.org:6443"
    assert base64.b64decode(moved.ca_data) == CA_PEM


def test_kubeconfig_loads_in_the_official_client(tmp_path):
    cfg = build_kubeconfig(ClusterInfo("https://127.0.0.1:36443",
                                       base64.b64encode(CA_PEM).decode()), "ws-02", "s3cret")
    assert cfg["current-context"] == "k8slab-workshop-ws-02"
    assert cfg["current-context"].startswith("k8slab-")
    path = write_private(kubeconfig_file(tmp_path / "out", "ws-02"), cfg)
    assert path.name == "ws-02.kubeconfig.yaml"
    conf = client.Configuration()
    config.load_kube_config(config_file=str(path), client_configuration=conf,
                            persist_config=False)
    assert conf.host == "https://127.0.0.1:36443"
    assert conf.auth_settings()["BearerToken"]["value"] == "Bearer s3cret"
    assert Path(conf.ssl_ca_cert).read_bytes() == CA_PEM
    assert conf.verify_ssl
    contexts, active = config.list_kube_config_contexts(str(path))
    assert active["context"]["namespace"] == "ws-02"
    assert len(contexts) == 1


def test_insecure_clusters_stay_insecure_and_files_stay_private(tmp_path):
    cfg = build_kubeconfig(ClusterInfo("https://x:6443", "", insecure=True), "a-01", "t")
    assert cfg["clusters"][0]["cluster"] == {"server": "https://x:6443",
                                             "insecure-skip-tls-verify": True}
    target = tmp_path / "a-01.kubeconfig.yaml"
    target.write_text("old")
    target.chmod(0o644)
    old = os.umask(0)
    try:
        write_private(target, cfg)
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert yaml.safe_load(target.read_text())["users"][0]["user"]["token"] == "t"


# -- command line and guards --------------------------------------------------------------

def test_cli_arguments_parse_with_their_defaults():
    args = build_parser().parse_args(["workshop", "create", "12"])
    assert (args.count, args.workshop, args.quota_pods, args.quota_cpu, args.quota_memory,
            args.out, args.hours, args.token_mode) == (12, "attendee", 20, "4", "8Gi", None,
                                                       24, "auto")
    args = build_parser().parse_args(["workshop", "create", "3", "--workshop", "team",
                                      "--quota-pods", "5", "--out", "/tmp/k",
                                      "--token-mode", "secret"])
    assert (args.workshop, args.quota_pods, args.out, args.token_mode) == (
        "team", 5, Path("/tmp/k"), "secret")
    args = build_parser().parse_args(["workshop", "delete", "a-01", "a-02"])
    assert args.names == ["a-01", "a-02"] and not args.all
    args = build_parser().parse_args(["workshop", "delete", "--all", "--workshop", "team"])
    assert args.all and args.workshop == "team" and args.names == []
    args = build_parser().parse_args(["workshop", "progress", "--exercises", "05."])
    assert args.exercises == "05." and args.func.__name__ == "cmd_progress"
    assert build_parser().parse_args(["workshop", "list"]).func.__name__ == "cmd_list"


@pytest.mark.parametrize("argv", [["workshop"], ["workshop", "create"],
                                  ["workshop", "create", "two"],
                                  ["workshop", "create", "2", "--token-mode", "magic"]])
def test_bad_command_lines_are_refused(argv):
    with pytest.raises(SystemExit):
        build_parser().parse_args(argv)


def test_delete_needs_names_or_all_but_not_both():
    with pytest.raises(K8sLabError, match="names, or --all"):
        workshop.delete()
    with pytest.raises(K8sLabError, match="names, or --all"):
        workshop.delete(["a-01"], all=True)


def test_delete_is_guarded_off_the_lab_cluster(isolated_state):
    with pytest.raises(ClusterUnavailable):
        workshop.delete(["a-01"])
    ClusterRecord(engine="existing", context="prod", lab=False).save()
    with pytest.raises(UnsafeContext, match="delete workshop attendees a-01"):
        workshop.delete(["a-01"])


def test_cli_without_a_cluster_explains_and_fails(capsys):
    assert main(["workshop", "list"]) == 1
    assert "No lab cluster" in capsys.readouterr().err
    assert main(["workshop", "create", "2", "--workshop", "Bad"]) == 1
    assert "cannot start a namespace name" in capsys.readouterr().err


def test_status_describes_the_attendee_kubeconfig(tmp_path, monkeypatch, isolated_state):
    cfg = build_kubeconfig(ClusterInfo("https://lab.example.org:6443", "Q0E="), "ws-04", "t")
    path = write_private(kubeconfig_file(tmp_path, "ws-04"), cfg)
    monkeypatch.setenv("K8SLAB_KUBECONFIG", str(path))
    record = _status_record()     # no cluster record: an attendee's own machine
    assert (record.engine, record.context, record.kubeconfig, record.lab) == (
        "workshop", "k8slab-workshop-ws-04", str(path), True)
    # On the instructor's machine, the attendee's file still wins (connect() uses it).
    ClusterRecord(engine="kwok", context="kwok-k8slab").save()
    assert _status_record().engine == "workshop"
    monkeypatch.setenv("K8SLAB_KUBECONFIG", str(tmp_path / "missing.yaml"))
    assert _status_record().engine == "kwok"
    ClusterRecord.clear()
    with pytest.raises(K8sLabError, match="not a file"):
        _status_record()


# -- the instructor's plot ----------------------------------------------------------------

def test_plot_progress_draws_one_cell_per_attendee_and_exercise():
    df = pd.DataFrame([[True, False, True], [False, False, True]],
                      index=pd.Index(["a-01", "a-02"], name="attendee"),
                      columns=["05.scale", "05.rollout", "06.svc"])
    fig = workshop.plot_progress(df)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a-01", "a-02"]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(df.columns)
    marks = [t.get_text() for t in ax.texts]
    assert marks.count("✓") == 3 and marks.count("✗") == 3
    scores = [t.get_text() for t in ax.child_axes[0].get_yticklabels()]
    assert scores == ["2/3", "1/3"]
    empty = workshop.plot_progress(df.iloc[0:0])
    assert empty.axes[0].texts[0].get_text() == "no attendees yet"
