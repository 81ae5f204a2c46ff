"""Notebook 08 · Configuration, executed against the live cluster."""

from __future__ import annotations

from tests.notebooks.harness import run_notebook, unique_namespace
from tests.notebooks.twice import run_again

NOTEBOOK = "08-configuration.ipynb"
EXERCISES = {"08.toolbox", "08.config-key", "08.restart", "08.read-one-secret"}


def test_nb08_runs_records_and_cleans_up(cluster):
    ns = unique_namespace("nb08")
    params = {"namespace": ns, "solve_exercises": True}
    run = run_notebook(NOTEBOOK, parameters=params)
    assert not run.errors()

    assert run.last("configmap_keys") == ["GREETING", "LOG_LEVEL", "app.properties"]
    # Stored base64-encoded, decoded without any key.
    assert run.last("secret_stored") != run.last("secret_decoded")
    assert run.last("secret_decoded") == "correct-horse-battery-staple"

    env = run.last("env_at_start")
    assert env["LOG_LEVEL"] == "info" and env["DB_USER"] == "app"
    assert env["POD_NAME"].startswith("app-")
    files = run.last("files_at_start")
    assert [f for f in files if f.startswith("/etc/")] == [
        "/etc/app/app.properties", "/etc/app/log-level", "/etc/db/password", "/etc/db/username"]
    assert "/var/run/secrets/kubernetes.io/serviceaccount/token" in files
    # After the ConfigMap changed: files follow, variables keep their start value...
    assert run.last("running_env_log_level") == "info"
    assert run.last("running_file_log_level") == "debug"
    # ...until a rollout restarts the containers.
    assert run.last("env_after_restart") == "debug"

    assert run.last("engine") == cluster.engine
    # A key the ConfigMap lacks: the kubelet (or kwok, imitating it) keeps the
    # container waiting and names the key; after the fix the report runs.
    assert run.last("report_waiting_reason") == "CreateContainerConfigError"
    assert run.last("report_waiting_message") == (
        f"couldn't find key greeting in ConfigMap {ns}/app-config")
    assert run.last("report_phases") == ["Running"]
    if cluster.engine != "kwok":
        assert run.last("report_log") == "hello from the ConfigMap, here is the report"
    inside = ("env_inside", "mount_types", "inside_after_change", "env_inside_after_restart")
    if cluster.engine == "kwok":
        # No container: the notebook says so and looks inside nothing.
        assert not set(inside) & set(run.records)
    else:
        # Real containers, seen with exec: the kubelet's variables and volumes...
        assert run.last("env_inside") == {"LOG_LEVEL": "info", "DB_USER": "app",
                                          "POD_NAME": env["POD_NAME"]}
        mounts = run.last("mount_types")
        assert mounts["/etc/db"] == "tmpfs" and mounts["/etc/app"] != "tmpfs"
        # ...the file rewritten in place, the variable kept, until the restart.
        assert run.last("inside_after_change") == ["file:", "debug", "variable:", "info"]
        assert run.last("env_inside_after_restart") == "debug"

    # RBAC: the ServiceAccount may read ConfigMaps, not Secrets (a real 403).
    assert run.last("reader_may_get") == {"configmaps": True, "secrets": False}
    assert run.last("secret_read_as_reader") == 403

    again = run_again(run, NOTEBOOK, params, EXERCISES)
    if again:
        assert again.last("env_after_restart") == "debug"
