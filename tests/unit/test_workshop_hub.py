"""The workshop hub's pure parts: password hashes, the hub configuration, the private view."""

from __future__ import annotations

import asyncio
import json
import pwd
import stat

import pytest
from traitlets.config import Config

from k8slab.workshop._hub import passwords as _hub_passwords
from k8slab.workshop._hub import users as _hub_users
from k8slab.workshop._hub.classes import INSTRUCTOR_SCOPES, WorkshopAuthenticator, configure
from k8slab.workshop._hub.serve import login_list


def test_passwords_are_stored_as_scrypt_hashes_only(tmp_path):
    path = tmp_path / "credentials.json"
    fresh = _hub_passwords.issue(path, ["instructor", "a-01", "a-02"])
    assert set(fresh) == {"instructor", "a-01", "a-02"}
    assert len(set(fresh.values())) == 3
    text = path.read_text()
    assert all(pw not in text for pw in fresh.values())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    records = _hub_passwords.load(path)
    assert _hub_passwords.verify(fresh["a-01"], records["a-01"])
    assert not _hub_passwords.verify(fresh["a-02"], records["a-01"])
    assert not _hub_passwords.verify("", records["a-01"])
    # Issued once: a second serve makes none for those who have one, unless renewed.
    assert _hub_passwords.issue(path, ["a-01", "a-03"]).keys() == {"a-03"}
    renewed = _hub_passwords.issue(path, ["a-01"], renew=True)
    assert not _hub_passwords.verify(fresh["a-01"], _hub_passwords.load(path)["a-01"])
    assert _hub_passwords.verify(renewed["a-01"], _hub_passwords.load(path)["a-01"])
    _hub_passwords.forget(path, ["a-01"])
    assert "a-01" not in _hub_passwords.load(path)


def test_the_authenticator_checks_the_hashes(tmp_path):
    path = tmp_path / "credentials.json"
    fresh = _hub_passwords.issue(path, ["a-01"])
    auth = WorkshopAuthenticator(credentials_file=str(path))
    ok = asyncio.run(auth.authenticate(None, {"username": "a-01", "password": fresh["a-01"]}))
    assert ok == "a-01"
    assert asyncio.run(auth.authenticate(None, {"username": "a-01", "password": "x"})) is None
    assert asyncio.run(auth.authenticate(None, {"username": "root",
                                                "password": fresh["a-01"]})) is None


def _settings(tmp_path) -> dict:
    return {"workshop": "a", "bind_url": "http://127.0.0.1:8000", "hub_port": 1,
            "proxy_api_port": 2, "service_port": 3, "hub_dir": str(tmp_path),
            "proxy_command": ["chp"], "singleuser": ["jupyterhub-singleuser"],
            "python": "python", "credentials": str(tmp_path / "c.json"), "interval": 10,
            "attendees": {"a-01": {}, "a-02": {}}, "env": {"PATH": "/usr/bin"},
            "service_env": {}, "root": True}


def test_hub_configuration(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(_settings(tmp_path)))
    c = Config()
    configure(c, str(path))
    assert c.JupyterHub.cleanup_servers is True   # stopping the hub stops every server
    assert c.Authenticator.allowed_users == {"instructor", "a-01", "a-02"}
    assert c.Authenticator.allow_existing_users is False
    assert c.JupyterHub.hub_bind_url.startswith("http://127.0.0.1:")
    (role,) = c.JupyterHub.load_roles
    assert role["users"] == ["instructor"]
    assert "access:services!service=progress" in role["scopes"]
    # The instructor may not enter attendees' JupyterLabs (no access:servers, no admin).
    assert not [s for s in INSTRUCTOR_SCOPES if s.startswith("access:servers")]
    assert "admin_users" not in c.Authenticator or not c.Authenticator.admin_users.to_dict()
    (service,) = c.JupyterHub.services
    assert service["name"] == "progress" and service["url"] == "http://127.0.0.1:3"
    assert c.Spawner.default_url == "/lab/tree/01-getting-started.ipynb"
    # `serve --lang fr`: every attendee's JupyterLab opens the French edition.
    path.write_text(json.dumps({**_settings(tmp_path), "lang": "fr"}))
    c = Config()
    configure(c, str(path))
    assert c.Spawner.default_url == "/lab/tree/fr/01-getting-started.ipynb"


def test_login_list_shows_new_passwords_only(tmp_path):
    text = login_list(_settings(tmp_path), {"a-01": "abcd-efgh-jkmn"})
    assert "a-01" in text and "abcd-efgh-jkmn" in text
    assert "a-02" in text and "given earlier" in text
    assert "/services/progress/" in text


def test_private_view_hides_the_state_and_drops_privileges(tmp_path, monkeypatch):
    monkeypatch.setenv("K8SLAB_STATE", str(tmp_path / "state"))
    me = pwd.getpwuid(0)
    home = tmp_path / "state" / "workshop-homes" / "a-01"
    closed = tmp_path / "closed"
    (closed / "python").mkdir(parents=True)
    closed.chmod(0o700)
    cmd = _hub_users.private_view(me, home, [closed / "python", tmp_path])
    assert cmd[:4] == ["unshare", "--mount", "--propagation", "private"]
    script = cmd[cmd.index("-c") + 1]
    state = str(_hub_users.state_dir())
    assert f"k8slab-hidden {state}" in script          # the lab state: empty...
    assert "mount --move" in script and str(home) in script   # ...but for their home
    shut = _hub_users._closed_ancestor(closed / "python")   # closed, or a closed parent
    assert shut is not None and f"k8slab-hidden {shut}" in script   # empty...
    assert f"mount -o remount,bind,ro {closed / 'python'}" in script  # ...but what is needed
    assert f"--reuid={me.pw_uid}" in script and "--no-new-privs" in script
    assert "--bounding-set=-all" in script


def test_unix_names_are_prefixed_and_bounded():
    assert _hub_users.unix_name("attendee-01") == "k8slab-attendee-01"
    with pytest.raises(Exception, match="longer than"):
        _hub_users.unix_name("a" * 40)


def test_an_attendee_gets_both_editions_of_the_course(tmp_path):
    from k8slab._base.paths import PROJECT_ROOT
    from k8slab.workshop._hub.users import _copy_course

    _copy_course(tmp_path / "notebooks")
    english = sorted(p.name for p in (PROJECT_ROOT / "notebooks").glob("*.ipynb"))
    assert sorted(p.name for p in (tmp_path / "notebooks").glob("*.ipynb")) == english
    french = sorted(p.name for p in (PROJECT_ROOT / "notebooks" / "fr").glob("*.ipynb"))
    assert sorted(p.name for p in (tmp_path / "notebooks" / "fr").glob("*.ipynb")) == french
    # The French notebooks find the manifests as in the repository: fr/manifests -> ../manifests.
    assert (tmp_path / "notebooks" / "fr" / "manifests" / "04-pods-web.yaml").is_file()
    _copy_course(tmp_path / "notebooks")   # a second start keeps what the attendee has
