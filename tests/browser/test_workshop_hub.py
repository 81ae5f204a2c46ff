"""The workshop hub as a room uses it: two attendees at once, and the instructor.

Runs the real command, ``k8slab workshop serve`` (JupyterHub + configurable-http-
proxy), for a fresh two-attendee workshop on the test cluster, reads the
printed login list, then drives Chromium (hub.mjs): both attendees log in at
the same time, land in their own JupyterLab, run a probe cell and then
notebooks 05 and 06 (unchanged: their parameter cells pick the namespace up
from the hub) in their own server through the hub, at the same time; the
instructor logs in and reads the progress page. Then ``serve --stop`` must
stop every attendee server, and ``workshop delete`` remove their Unix users
and homes. Screenshots go to test-artifacts/browser/.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import pwd
import re
import subprocess
import sys
import time
import uuid

import pytest

from k8slab._base import pki as _pki
from k8slab._base.paths import kubeconfig_path, state_dir
from k8slab._course.recorded import extract
from k8slab.workshop._hub import users as _hub_users
from tests.browser.test_jupyterlab import ARTIFACTS, HERE, _chromium, _free_port
from tests.integration.test_workshop_course import course_quota

NOTEBOOKS = ["05-deployments.ipynb", "06-services.ipynb"]
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="one Unix user per attendee needs root")

#: What each attendee's kernel reports about itself, and what it may read.
PROBE = """
import json, os, pwd
def readable(path):
    try:
        open(path, "rb").read(1)
        return True
    except OSError as err:
        return type(err).__name__
def listable(path):
    try:
        os.listdir(path)
        return True
    except OSError as err:
        return type(err).__name__
print("PROBE " + json.dumps({
    "uid": os.getuid(), "user": pwd.getpwuid(os.getuid()).pw_name, "home": os.environ["HOME"],
    "namespace": os.environ.get("K8SLAB_NAMESPACE"), "cwd": os.getcwd(),
    "kubeconfig_mode": oct(os.stat(os.environ["KUBECONFIG"]).st_mode & 0o777),
    "reads": {name: readable(path) for name, path in PATHS.items()},
    "lists": {name: listable(path) for name, path in DIRS.items()},
}))
"""


def _spki(cert) -> str:
    """base64(SHA-256(the certificate's public key)): what Chromium pins with
    --ignore-certificate-errors-spki-list."""
    der = subprocess.run(f"openssl x509 -pubkey -noout -in {cert} | openssl pkey -pubin "
                         "-outform der", shell=True, capture_output=True, check=True).stdout
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def _k8slab(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "k8slab", *args], capture_output=True,
                          text=True, timeout=600, **kwargs)


@pytest.fixture
def hub(cluster, tmp_path):
    """A running `k8slab workshop serve` for two fresh attendees: (url, logins, proc, names)."""
    prefix = f"hb{uuid.uuid4().hex[:4]}"
    # A quota that admits the course's too-big-for-any-node pods (04, 05): the scheduler,
    # not the quota, must refuse them for those lessons to happen.
    quota = course_quota()
    made = _k8slab("workshop", "create", "2", "--workshop", prefix, "--quota-cpu", quota.cpu,
                   "--quota-memory", quota.memory)
    assert made.returncode == 0, made.stderr
    names = [f"{prefix}-01", f"{prefix}-02"]
    port = _free_port()
    out = (tmp_path / "serve.log").open("w")
    # Over HTTPS, with the certificate serve makes from the lab's CA (its default).
    proc = subprocess.Popen([sys.executable, "-m", "k8slab", "workshop", "serve",
                             "--workshop", prefix, "--port", str(port), "--interval", "5",
                             "--new-passwords"],
                            stdout=out, stderr=subprocess.STDOUT, text=True)
    log = tmp_path / "serve.log"
    deadline = time.monotonic() + 240
    while "services/progress/" not in log.read_text():
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(1)
    logins = dict(re.findall(r"^  (\S+)\s+([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})$",
                             log.read_text(), re.M))
    try:
        yield f"https://127.0.0.1:{port}", logins, proc, names, log
    finally:
        if proc.poll() is None:
            _k8slab("workshop", "serve", "--stop")
            proc.wait(timeout=120)
        out.close()
        gone = _k8slab("workshop", "delete", "--all", "--workshop", prefix)
        assert gone.returncode == 0, gone.stderr


@ROOT_ONLY
def test_two_attendees_and_the_instructor_in_the_hub(hub):
    url, logins, proc, names, log = hub
    assert set(logins) == {"instructor", *names}, log.read_text()
    # The state folder keeps hashes only: no password appears in it.
    hub_dir = _hub_users.hub_dir()
    stored = (hub_dir / "credentials.json").read_text()
    assert all(pw not in stored for pw in logins.values())
    assert "scrypt" in stored
    assert (hub_dir / "credentials.json").stat().st_mode & 0o777 == 0o600
    assert hub_dir.stat().st_mode & 0o777 == 0o700

    homes = {n: _hub_users.homes_dir() / n for n in names}
    paths = {"instructor kubeconfig": str(kubeconfig_path()),
             "hub credentials": str(hub_dir / "credentials.json")}
    dirs = {"hub folder": str(hub_dir), "homes folder": str(_hub_users.homes_dir())}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # One probe string for both: each attendee fills in the other's paths at run time.
    probe = ("import os\nOTHER = [n for n in " + json.dumps(names) +
             " if n != os.environ['K8SLAB_NAMESPACE']][0]\n" +
             f"HOMES = {json.dumps({n: str(p) for n, p in homes.items()})}\n" +
             f"PATHS = {json.dumps(paths)}\nPATHS['other kubeconfig'] = HOMES[OTHER] + "
             "'/kubeconfig.yaml'\n" +
             f"DIRS = {json.dumps(dirs)}\nDIRS['other home'] = HOMES[OTHER]\n" + PROBE)
    # The room's certificate: signed by the lab's CA, its fingerprint printed by serve.
    room = hub_dir / "tls" / "room.crt"
    ca = _pki.Pki(state_dir() / "pki")
    assert _pki.fingerprint(ca.ca_cert) in log.read_text()
    verified = subprocess.run(["openssl", "verify", "-CAfile", str(ca.ca_cert), str(room)],
                              capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert (hub_dir / "logins.txt").stat().st_mode & 0o777 == 0o600
    assert logins[names[0]] in (hub_dir / "logins.txt").read_text()
    config = {"base": url, "spki": _spki(room), "outDir": str(ARTIFACTS), "probe": probe,
              "notebooks": NOTEBOOKS,
              "attendees": [{"name": n, "password": logins[n]} for n in names],
              "instructor": {"name": "instructor", "password": logins["instructor"]}}
    run = subprocess.run(["node", str(HERE / "hub.mjs"), json.dumps(config)], cwd=HERE,
                         capture_output=True, text=True, timeout=1800,
                         env={**os.environ, "CHROMIUM": _chromium()})
    (ARTIFACTS / "hub-drive.log").write_text(run.stderr)
    assert run.returncode == 0, run.stderr[-4000:]
    seen = json.loads(run.stdout)

    failed = {(p["name"], r["path"]): (r["errors"], r["text"][-1500:])
              for p in seen["attendees"] for r in p["notebooks"] if r["errors"]}
    assert not failed, failed
    for person in seen["attendees"]:
        name = person["name"]
        unix = pwd.getpwnam(f"k8slab-{name}")
        assert f"/user/{name}/lab" in person["landed"]
        assert person["statusOwn"] == 200
        # Another attendee's server: the hub refuses (403, or a redirect to its login/403 page).
        for other in person["statusOthers"]:
            assert other["status"] in (403, 0) or "/hub/" in other["url"], other
        # The instructor's page is not for attendees.
        assert person["progressStatus"] == 403 and person["progressHasRows"] == 0, person
        assert not person["probe"]["errors"], person["probe"]
        facts = json.loads(person["probe"]["text"].split("PROBE ", 1)[1].splitlines()[0])
        assert facts["uid"] == unix.pw_uid and facts["user"] == unix.pw_name
        assert facts["namespace"] == name
        assert facts["home"] == str(homes[name]) and facts["cwd"].startswith(str(homes[name]))
        assert facts["kubeconfig_mode"] == "0o600"
        # Out of view (FileNotFoundError: the private view hides them) or refused.
        assert all(v in ("PermissionError", "FileNotFoundError")
                   for v in [*facts["reads"].values(), *facts["lists"].values()]), facts

        for ran in person["notebooks"]:
            assert not ran["errors"], (name, ran["path"], ran["errors"], ran["text"][-2000:])
            assert ran["executed"] == ran["cells"] > 5, ran
            # The notebook's own setup line: it worked in the attendee's namespace, unedited.
            assert f"namespace {name!r} is ready" in ran["text"], ran["text"][:2000]
            saved = json.loads((homes[name] / "notebooks" / ran["path"]).read_text())
            assert extract(saved), f"{ran['path']} of {name} recorded nothing"
            assert not [o for c in saved["cells"] for o in c.get("outputs", [])
                        if o.get("output_type") == "error"]

    teacher = seen["instructor"]
    assert "/services/progress/" in teacher["landed"]
    assert sorted(r["attendee"] for r in teacher["rows"]) == sorted(names), teacher
    # Every exercise of the notebooks they ran shows as passed, though each notebook's
    # clean-up has deleted what the checks look at: the passes were kept when they passed.
    for row in teacher["rows"]:
        for notebook in ("05", "06"):
            cell = row["notebooks"][notebook]
            assert cell["total"] > 0 and cell["passed"] == cell["total"], (row, teacher)
    assert teacher["grid"] == 1
    kept = json.loads((hub_dir / "passed.json").read_text())
    assert all({e.split(".")[0] for e in kept[n]} >= {"05", "06"} for n in names), kept
    assert teacher["adminStatus"] == 200

    # Stopping the hub stops every attendee server.
    uids = {n: pwd.getpwnam(f"k8slab-{n}").pw_uid for n in names}
    assert all(_hub_users.processes_of(uid) for uid in uids.values()), "no attendee server ran"
    stopped = subprocess.run([sys.executable, "-m", "k8slab", "workshop", "serve", "--stop"],
                             capture_output=True, text=True, timeout=180)
    assert stopped.returncode == 0, stopped.stderr
    assert proc.wait(timeout=60) == 0 or proc.returncode is not None
    assert {n: _hub_users.processes_of(uid) for n, uid in uids.items()} == \
        {n: [] for n in names}
    assert "every attendee server are stopped" in log.read_text()

    # Deleting the workshop removes the Unix users and their homes.
    gone = _k8slab("workshop", "delete", "--all", "--workshop", names[0].rsplit("-", 1)[0])
    assert gone.returncode == 0, gone.stderr
    for name in names:
        with pytest.raises(KeyError):
            pwd.getpwnam(f"k8slab-{name}")
        assert not homes[name].exists()
