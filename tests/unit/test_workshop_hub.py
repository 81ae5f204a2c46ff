"""The workshop hub's pure parts: password hashes, the hub configuration, the private view."""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import re
import ssl
import stat
import subprocess

import pytest
from traitlets.config import Config

from k8slab._base.pki import ensure_ca, fingerprint, server_certificate
from k8slab.errors import K8sLabError
from k8slab.workshop._hub import passwords as _hub_passwords
from k8slab.workshop._hub import users as _hub_users
from k8slab.workshop._hub.classes import INSTRUCTOR_SCOPES, WorkshopAuthenticator, configure
from k8slab.workshop._hub.serve import (
    login_list,
    room_tls,
    serve,
    tls_summary,
    write_logins,
)


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


def test_a_checkout_in_a_closed_folder_is_shown_before_the_home_inside_it(tmp_path, monkeypatch):
    """A checkout in /root (or a home of mode 0750): the attendee's server needs the
    virtualenv and k8slab from it, and their home lives inside it (the lab's state
    folder). The outer folder must be put in place first, or it would cover the home
    (the server then started without its packages: "No module named 'jupyter_server'")."""
    closed = tmp_path / "closed"
    checkout = closed / "repo"
    (checkout / ".venv" / "lib").mkdir(parents=True)
    closed.chmod(0o700)
    monkeypatch.setenv("K8SLAB_STATE", str(checkout / ".k8slab"))
    home = checkout / ".k8slab" / "workshop-homes" / "a-01"
    cmd = _hub_users.private_view(pwd.getpwuid(0), home, [checkout / ".venv", checkout])
    moves = [line.split()[-1] for line in cmd[cmd.index("-c") + 1].splitlines()
             if line.startswith("mount --move")]
    assert moves.index(str(checkout)) < moves.index(str(checkout / ".venv"))
    assert moves.index(str(checkout)) < moves.index(str(home))


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


# --- logins: rate limited per user and per address -----------------------------------------

class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class _Request:
    def __init__(self, ip: str) -> None:
        self.remote_ip = ip


class _Handler:
    def __init__(self, ip: str) -> None:
        self.request = _Request(ip)


def _login(auth, name, password, ip="192.0.2.7"):
    return asyncio.run(auth.authenticate(_Handler(ip), {"username": name, "password": password}))


def test_forty_wrong_passwords_then_the_right_one_is_refused_until_the_delay_is_over(tmp_path):
    path = tmp_path / "credentials.json"
    fresh = _hub_passwords.issue(path, ["a-01"])
    clock = _Clock()
    auth = WorkshopAuthenticator(credentials_file=str(path))
    auth.throttle = _hub_passwords.LoginThrottle(clock=clock)
    for i in range(40):
        clock.now += 0.1
        assert _login(auth, "a-01", f"wrong-{i}") is None
    # The right password, at once: refused (the name is blocked, whatever the password).
    assert _login(auth, "a-01", fresh["a-01"]) is None
    # From another address too: the name itself is blocked.
    assert _login(auth, "a-01", fresh["a-01"], ip="192.0.2.99") is None
    # The fifth failure (at +0.5 s) blocked the name for 30 s: still refused at +30 s.
    clock.now = 1000.0 + 30
    assert _login(auth, "a-01", fresh["a-01"], ip="192.0.2.99") is None
    # The refused tries did not count: once that first delay is over, the right one works.
    clock.now = 1000.0 + 31
    assert _login(auth, "a-01", fresh["a-01"]) == "a-01"
    # A success starts the name afresh: one typo is not blocked.
    assert _login(auth, "a-01", "typo") is None
    assert _login(auth, "a-01", fresh["a-01"]) == "a-01"


def test_the_delay_grows_and_an_address_is_limited_across_names(tmp_path):
    clock = _Clock()
    gate = _hub_passwords.LoginThrottle(clock=clock)
    for _ in range(5):
        gate.failed("a-01", "198.51.100.1")
    assert gate.blocked("a-01", None) == pytest.approx(30)
    clock.now += 31
    assert gate.blocked("a-01", None) == 0
    gate.failed("a-01", "198.51.100.1")          # one more failure after a block: 60 s
    assert gate.blocked("a-01", None) == pytest.approx(60)
    clock.now += 61
    gate.failed("a-01", "198.51.100.1")          # then 120 s
    assert gate.blocked("a-01", None) == pytest.approx(120)
    # The address tried 7 times: any other name from it waits too; others do not.
    assert gate.blocked("a-02", "198.51.100.1") == pytest.approx(120)
    assert gate.blocked("a-02", "198.51.100.2") == 0
    # Four failures spread over more than a minute never block.
    other = _hub_passwords.LoginThrottle(clock=clock)
    for _ in range(8):
        clock.now += 20
        other.failed("a-03", None)
    assert other.blocked("a-03", None) == 0
    # The cap: never longer than max_delay.
    for _ in range(20):
        clock.now += 1000
        gate.failed("a-01", None)
    assert gate.blocked("a-01", None) == pytest.approx(gate.max_delay)


# --- TLS -------------------------------------------------------------------------------------

def _handshake(cert, key, cafile, host: str) -> str:
    """A TLS handshake in memory (no socket): the server's name as the client verified it."""
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    client_ctx = ssl.create_default_context(cafile=str(cafile))
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    client = client_ctx.wrap_bio(c_in, c_out, server_hostname=host)
    server = server_ctx.wrap_bio(s_in, s_out, server_side=True)
    for _ in range(10):
        done = 0
        for side in (client, server):
            try:
                side.do_handshake()
                done += 1
            except ssl.SSLWantReadError:
                pass
        s_in.write(c_out.read())
        c_in.write(s_out.read())
        if done == 2:
            break
    return client.getpeercert()["subject"][0][0][1]


def test_the_room_certificate_is_signed_by_the_lab_ca(tmp_path, monkeypatch):
    monkeypatch.setenv("K8SLAB_STATE", str(tmp_path / "state"))
    lab = ensure_ca(tmp_path / "state" / "pki")          # the lab's CA, as `k8slab up` left it
    tls = room_tls("127.0.0.1", hosts=["lab.example.org"])
    assert tls["made"] and tls["ca"] == str(lab.ca_cert)
    assert stat.S_IMODE(os.stat(tls["key"]).st_mode) == 0o600
    assert _handshake(tls["cert"], tls["key"], lab.ca_cert, "127.0.0.1") == "lab.example.org"
    assert _handshake(tls["cert"], tls["key"], lab.ca_cert, "lab.example.org")
    with pytest.raises(ssl.SSLCertVerificationError):     # a name it was not made for
        _handshake(tls["cert"], tls["key"], lab.ca_cert, "elsewhere.example.org")
    # The fingerprint handed out is the CA's, as openssl computes it.
    out = subprocess.run(["openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in",
                          str(lab.ca_cert)], capture_output=True, text=True, check=True)
    assert tls["fingerprint"] == out.stdout.strip().split("=", 1)[1]
    assert tls["fingerprint"] in tls_summary(tls, "0.0.0.0")
    # Another serve keeps the lab's CA (a running cluster's certificates stay valid).
    again = room_tls("127.0.0.1")
    assert again["fingerprint"] == tls["fingerprint"]


def test_without_a_lab_ca_the_room_gets_one_of_its_own(tmp_path, monkeypatch):
    monkeypatch.setenv("K8SLAB_STATE", str(tmp_path / "state"))
    tls = room_tls("0.0.0.0")
    assert tls["ca"].startswith(str(tmp_path / "state"))
    assert "workshop-hub" in tls["ca"]
    assert _handshake(tls["cert"], tls["key"], tls["ca"], "127.0.0.1")


def test_plain_http_for_the_room_is_refused_unless_insecure(tmp_path, monkeypatch):
    monkeypatch.setenv("K8SLAB_STATE", str(tmp_path / "state"))
    with pytest.raises(K8sLabError, match="--insecure"):
        serve("w", ip="0.0.0.0", no_tls=True)
    with pytest.raises(K8sLabError, match="--insecure"):
        room_tls("10.1.2.3", no_tls=True)
    assert room_tls("0.0.0.0", no_tls=True, insecure=True) is None
    assert room_tls("127.0.0.1", no_tls=True) is None          # this machine only: fine
    with pytest.raises(K8sLabError, match="go together"):
        room_tls("0.0.0.0", certfile=str(tmp_path / "x.crt"))
    assert not (tmp_path / "state" / "workshop-hub" / "tls").exists()


def test_a_given_certificate_is_served_as_is(tmp_path, monkeypatch):
    monkeypatch.setenv("K8SLAB_STATE", str(tmp_path / "state"))
    mine = ensure_ca(tmp_path / "mine")
    cert, key = server_certificate(mine, tmp_path / "mine", "hub", ["hub.example.org"])
    tls = room_tls("0.0.0.0", certfile=str(cert), keyfile=str(key))
    assert tls == {"cert": str(cert), "key": str(key), "ca": None, "made": False,
                   "fingerprint": fingerprint(cert)}


def test_hub_configuration_with_tls(tmp_path):
    path = tmp_path / "settings.json"
    tls = {"cert": "/x/room.crt", "key": "/x/room.key", "ca": None, "made": False,
           "fingerprint": "AB"}
    path.write_text(json.dumps({**_settings(tmp_path), "tls": tls,
                                "bind_url": "https://0.0.0.0:8000"}))
    c = Config()
    configure(c, str(path))
    assert c.JupyterHub.ssl_cert == "/x/room.crt" and c.JupyterHub.ssl_key == "/x/room.key"
    assert c.JupyterHub.bind_url == "https://0.0.0.0:8000"
    # The progress service keeps its passes in the hub's folder.
    (service,) = c.JupyterHub.services
    assert service["command"][-1] == str(tmp_path / "passed.json")


# --- the printable list ----------------------------------------------------------------------

def test_the_login_list_is_written_to_a_private_file(tmp_path):
    settings = _settings(tmp_path)
    path = write_logins(settings, {"instructor": "aaaa-bbbb-cccc", "a-01": "abcd-efgh-jkmn",
                                   "a-02": "zzzz-yyyy-xxxx"})
    assert path.parent == tmp_path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "abcd-efgh-jkmn" in path.read_text()
    # A later serve (no new password for a-01): the file keeps a-01's, takes a-02's new one.
    write_logins(settings, {"a-02": "qqqq-rrrr-ssss"})
    text = path.read_text()
    assert "abcd-efgh-jkmn" in text and "qqqq-rrrr-ssss" in text
    assert "zzzz-yyyy-xxxx" not in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_readme_quota_examples_agree_with_the_course(tmp_path):
    from k8slab._base.paths import PROJECT_ROOT
    from tests.integration.test_workshop_course import course_quota

    readme = (PROJECT_ROOT / "README.md").read_text()
    figures = set(re.findall(r"--quota-cpu (\d+)", readme))
    assert figures == {course_quota().cpu}, figures
    # And no command that sudo cannot find: the README runs the virtualenv's k8slab.
    assert "sudo k8slab" not in readme.replace("plain `sudo k8slab`", "")
