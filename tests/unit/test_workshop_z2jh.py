"""The zero-to-jupyterhub values ``k8slab workshop z2jh`` writes, against the chart's names.

The chart validates values against ``jupyterhub/values.schema.yaml``
(https://github.com/jupyterhub/zero-to-jupyterhub-k8s/blob/main/jupyterhub/values.schema.yaml,
rendered as https://z2jh.jupyter.org/en/stable/resources/reference.html), which has
``additionalProperties: false`` almost everywhere: a misspelt key fails ``helm install``.
The paths below are the ones that schema documents for what we set; ``hub.config``
passes traitlets straight to JupyterHub's classes, so its keys are checked against
KubeSpawner's and JupyterHub's own option names
(https://jupyterhub-kubespawner.readthedocs.io/en/latest/spawner.html:
``enable_user_namespaces``, ``user_namespace_template``,
``automount_service_account_token``, ``service_account``, ``pre_spawn_hook``).
Nothing here can install the chart (no registry, no real cluster); what can be
run is: the postStart script, which must write a kubeconfig that the official
client loads and that k8slab treats as an attendee's.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from k8slab.workshop import _z2jh as z2jh
from k8slab.workshop._objects import Quota, attendee_objects

#: Chart value paths documented in values.schema.yaml for what the values set.
#: (A path ending in ".*" is a free-form mapping there: ``additionalProperties: true``.)
DOCUMENTED = {
    "hub.serviceAccount.create", "hub.serviceAccount.name",
    "hub.config.*", "hub.extraConfig.*",
    "singleuser.image.name", "singleuser.image.tag", "singleuser.cmd",
    "singleuser.defaultUrl", "singleuser.storage.type", "singleuser.storage.homeMountPath",
    "singleuser.cpu.guarantee", "singleuser.cpu.limit",
    "singleuser.memory.guarantee", "singleuser.memory.limit",
    "singleuser.extraEnv.*", "singleuser.lifecycleHooks.postStart.*",
    "cull.enabled", "cull.timeout",
    "prePuller.hook.enabled", "prePuller.continuous.enabled",
    "scheduling.userScheduler.enabled", "rbac.create",
}
#: Traitlets (hub.config.<Class>.<trait>) of the classes we configure.
TRAITS = {
    "JupyterHub": {"authenticator_class"},
    "Authenticator": {"allowed_users", "admin_users"},
    "NativeAuthenticator": {"open_signup"},
    "KubeSpawner": {"enable_user_namespaces", "user_namespace_template",
                    "automount_service_account_token"},
}


def _paths(tree: dict, prefix: str = "") -> list[str]:
    out = []
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if f"{path}.*" in DOCUMENTED:
            out.append(f"{path}.*")
        elif isinstance(value, dict) and value:
            out.extend(_paths(value, f"{path}."))
        else:
            out.append(path)
    return out


@pytest.fixture
def values() -> dict:
    return z2jh.helm_values(["ws-01", "ws-02"], instructor="teacher")


def test_every_value_is_a_documented_chart_value(values):
    used = set(_paths(values))
    assert used - DOCUMENTED == set(), f"not in the chart's schema: {used - DOCUMENTED}"
    # Required by the schema wherever its parent is given.
    assert values["singleuser"]["storage"]["homeMountPath"]
    assert values["singleuser"]["storage"]["type"] in ("dynamic", "static", "none")
    assert isinstance(values["cull"]["timeout"], int)


def test_hub_config_names_real_traitlets(values):
    config = values["hub"]["config"]
    assert set(config) == set(TRAITS)
    for cls, traits in config.items():
        assert set(traits) <= TRAITS[cls], cls


def test_each_attendee_spawns_in_their_namespace_as_their_service_account(values):
    spawner = values["hub"]["config"]["KubeSpawner"]
    assert spawner["enable_user_namespaces"] is True
    # Hub user names are the attendees' names, which are their namespaces.
    assert spawner["user_namespace_template"] == "{username}"
    assert values["hub"]["config"]["Authenticator"]["allowed_users"] == ["ws-01", "ws-02"]
    assert values["hub"]["config"]["Authenticator"]["admin_users"] == ["teacher"]
    # The ServiceAccount the hook picks is the one `workshop create` makes, bound to the Role.
    hook = values["hub"]["extraConfig"]["k8slab-attendee-identity"]
    scope: dict = {"c": _Config()}
    exec(compile(hook, "extraConfig", "exec"), scope)   # our own generated snippet
    spawner_obj = _Spawner("ws-01")
    scope["c"].KubeSpawner.pre_spawn_hook(spawner_obj)
    objects = attendee_objects("ws-01", "ws", Quota())
    sa = next(o for o in objects if o["kind"] == "ServiceAccount")
    binding = next(o for o in objects if o["kind"] == "RoleBinding")
    assert spawner_obj.service_account == sa["metadata"]["name"]
    assert binding["subjects"][0]["name"] == spawner_obj.service_account


def test_the_jupyterlab_pod_fits_the_attendee_quota(values):
    from kubernetes.utils import parse_quantity

    quota = Quota().hard()
    memory = values["singleuser"]["memory"]
    assert parse_quantity(memory["limit"]) <= parse_quantity(quota["limits.memory"])
    assert values["singleuser"]["cpu"]["guarantee"] <= float(parse_quantity(quota["requests.cpu"]))


def test_hub_rbac_covers_user_namespaces():
    role, binding = z2jh.hub_rbac("hubns")
    rules = {(r, v) for rule in role["rules"] for r in rule["resources"] for v in rule["verbs"]}
    for needed in [("pods", "create"), ("pods", "watch"), ("events", "list"),
                   ("namespaces", "create"), ("persistentvolumeclaims", "delete")]:
        assert needed in rules
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "hub",
                                    "namespace": "hubns"}]
    assert binding["roleRef"]["name"] == role["metadata"]["name"]


def test_post_start_writes_an_attendee_kubeconfig(values, tmp_path, monkeypatch):
    """Run the hook's script with a stand-in ServiceAccount folder; load what it wrote."""
    sa = tmp_path / "sa"
    sa.mkdir()
    (sa / "namespace").write_text("ws-02")
    (sa / "token").write_text("t0ken")
    (sa / "ca.crt").write_text("not a real CA")
    command = values["singleuser"]["lifecycleHooks"]["postStart"]["exec"]["command"]
    assert command[:2] == ["sh", "-c"]
    script = command[2].replace(z2jh.SA_DIR, str(sa))
    target = tmp_path / "home" / ".k8slab" / "kubeconfig.yaml"
    subprocess.run(["sh", "-c", script], check=True,
                   env={"K8SLAB_KUBECONFIG": str(target), "PATH": "/usr/bin:/bin"})
    assert target.stat().st_mode & 0o777 == 0o600
    cfg = yaml.safe_load(target.read_text())
    assert cfg["contexts"][0]["context"]["namespace"] == "ws-02"
    assert cfg["users"][0]["user"]["tokenFile"] == str(sa / "token")
    from kubernetes import client, config

    conf = client.Configuration()
    config.load_kube_config(config_file=str(target), client_configuration=conf)
    assert conf.host == "https://kubernetes.default.svc"
    assert conf.api_key["BearerToken"] == "Bearer t0ken"
    # k8slab sees an attendee kept in their namespace, as with a `workshop create` file.
    monkeypatch.setenv("K8SLAB_KUBECONFIG", str(target))
    from k8slab._core.target import attendee_namespace, attendee_record

    assert attendee_record().engine == "workshop"
    assert attendee_namespace() == "ws-02"


def test_write_puts_both_files(tmp_path):
    values, rbac = z2jh.write(tmp_path, 3, prefix="ws")
    loaded = yaml.safe_load(values.read_text())
    assert loaded["hub"]["config"]["Authenticator"]["allowed_users"] == ["ws-01", "ws-02",
                                                                         "ws-03"]
    assert [d["kind"] for d in yaml.safe_load_all(rbac.read_text())] == [
        "ClusterRole", "ClusterRoleBinding"]


class _Config:
    """Just enough of traitlets' ``c`` for the extraConfig snippet."""

    def __init__(self) -> None:
        self.KubeSpawner = type("KubeSpawnerConfig", (), {})()


class _Spawner:
    def __init__(self, name: str) -> None:
        self.user = type("User", (), {"name": name})()
        self.service_account: str | None = None


def test_empty_room_is_refused():
    from k8slab.errors import K8sLabError

    with pytest.raises(K8sLabError, match="No attendee"):
        z2jh.helm_values([])
    assert Path(z2jh.POD_KUBECONFIG).name == "kubeconfig.yaml"


def test_the_french_workshop_opens_the_french_edition(values):
    assert values["singleuser"]["defaultUrl"] == "/lab/tree/notebooks/01-getting-started.ipynb"
    french = z2jh.helm_values(["ws-01"], lang="fr")
    assert french["singleuser"]["defaultUrl"] == "/lab/tree/notebooks/fr/01-getting-started.ipynb"
