"""The workshop hub's JupyterHub plug-ins: who may log in, and how their server starts.

JupyterHub loads these classes by name from the configuration that
``k8slab workshop serve`` writes (:mod:`k8slab.workshop._hub.serve`). Both read one
JSON file of settings (``hub/settings.json``), written by ``serve`` before the
hub starts: the attendees, their Unix user, home folder, namespace and
kubeconfig.

* :class:`WorkshopAuthenticator` checks a login against the scrypt hashes of
  the passwords ``serve`` generated (:mod:`k8slab.workshop._hub.passwords`); nobody
  else (no system account, no PAM) can log in.
* :class:`WorkshopSpawner` starts an attendee's JupyterLab as their own Unix
  user when the hub runs as root (``LocalProcessSpawner``, through
  :func:`k8slab.workshop._hub.users.private_view`: a mount namespace that hides the
  lab's state and ``/root``, then the user's uid and groups), in their home
  folder, with an environment that holds their kubeconfig and namespace and
  nothing of the instructor's. Its kernels talk over ``ipc`` (Unix sockets in a
  0700 tmpfs only the attendee's server sees), never TCP ports on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import os
import pwd
from pathlib import Path

from jupyterhub.auth import Authenticator
from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Unicode

from k8slab._base.language import edition_path
from k8slab.workshop._hub import passwords as _hub_passwords
from k8slab.workshop._hub.users import KERNEL_ARGS, private_view, runtime_dir, server_needs

#: Under the progress service's prefix: where lab.check reports (progress.REPORT_PATH).
PROGRESS_REPORT_PATH = "api/checked"
#: The hub user who sees the progress page and the admin page (no JupyterLab of their own).
INSTRUCTOR = "instructor"


def load_settings(path: str | Path) -> dict:
    """The settings ``serve`` wrote: ``{"attendees": {name: {...}}, "env": {...}, ...}``."""
    return json.loads(Path(path).read_text())


class WorkshopAuthenticator(Authenticator):
    """Log in with the generated credentials of ``k8slab workshop serve`` (hashed, scrypt).

    Guessing is slowed down per user name and per client address
    (:class:`k8slab.workshop._hub.passwords.LoginThrottle`): after 5 failures in
    a minute, that name or address is refused, right password or not, for 30 s,
    then twice as long after each further failure (up to 15 minutes).
    """

    credentials_file = Unicode(help="JSON file of scrypt hashes by user name").tag(config=True)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.throttle = _hub_passwords.LoginThrottle()

    async def authenticate(self, handler, data):
        name = str((data or {}).get("username", "")).strip()
        password = str((data or {}).get("password", ""))
        # The client's address: the proxy forwards it (X-Forwarded-For, which the hub trusts
        # from the proxy only); None when called without a request (tests, API).
        address = getattr(getattr(handler, "request", None), "remote_ip", None)
        wait = self.throttle.blocked(name, address)
        if wait > 0:
            self.log.warning("k8slab: login for %r from %s refused: too many failures, "
                             "%.0f s to wait", name, address, wait)
            return None
        records = _hub_passwords.load(Path(self.credentials_file))
        # scrypt takes tens of milliseconds of CPU: off the hub's event loop.
        ok = await asyncio.to_thread(_hub_passwords.verify, password, records.get(name))
        if not ok:
            self.throttle.failed(name, address)
            self.log.warning("k8slab: failed login for %r from %s", name, address)
            return None
        self.throttle.succeeded(name, address)
        return name


class WorkshopSpawner(LocalProcessSpawner):
    """An attendee's JupyterLab: their Unix user (as root), home, kubeconfig and namespace."""

    settings_file = Unicode(help="hub/settings.json written by k8slab workshop serve"
                            ).tag(config=True)

    def _person(self) -> dict:
        settings = load_settings(self.settings_file)
        person = settings["attendees"].get(self.user.name)
        if person is None:
            raise RuntimeError(
                f"{self.user.name!r} is not an attendee of this workshop, so no JupyterLab "
                "is started for them (the instructor uses the progress and admin pages; "
                "`k8slab lab` opens the instructor's own JupyterLab).")
        return person

    async def start(self):
        person = self._person()
        settings = load_settings(self.settings_file)
        home = Path(person["home"])
        self.notebook_dir = str(home / "notebooks")
        self.default_url = landing_url(settings.get("lang", "en"))
        if person.get("unix_user"):
            # As the attendee, in a mount namespace that hides the lab's state and /root.
            entry = pwd.getpwnam(person["unix_user"])
            cached = Path(settings["env"].get("K8SLAB_CACHE", "/nonexistent")) / "bin"
            needed = server_needs(settings["env"]["PATH"], cached)
            self.cmd = private_view(entry, home, needed) + settings["singleuser"]
            # Kernels over Unix sockets in the attendee's private runtime folder: a TCP
            # port on 127.0.0.1 would let any local user read their code and output.
            self.args = [*KERNEL_ARGS, *(a for a in self.args if a not in KERNEL_ARGS)]
        else:
            self.cmd = settings["singleuser"]
        return await super().start()

    def make_preexec_fn(self, name):
        person = self._person()
        if person.get("unix_user"):
            return None  # private_view's setpriv drops to the attendee's uid and groups
        home = person["home"]

        def preexec() -> None:
            os.chdir(home)

        return preexec

    def user_env(self, env):
        person = self._person()
        env["USER"] = person.get("unix_user") or self.user.name
        env["HOME"] = person["home"]
        env["SHELL"] = "/bin/bash"
        return env

    def get_env(self):
        env = super().get_env()
        person = self._person()
        settings = load_settings(self.settings_file)
        common = settings.get("env", {})
        home = Path(person["home"])
        env.update(common)
        env.update({
            # The attendee's own kubeconfig: k8slab (connect) and kubectl/helm in a terminal.
            "KUBECONFIG": person["kubeconfig"],
            "K8SLAB_KUBECONFIG": person["kubeconfig"],
            # The notebooks' parameter cells default to it: no edit needed.
            "K8SLAB_NAMESPACE": person["namespace"],
            # A state folder of their own: nothing of the instructor's lab state.
            "K8SLAB_STATE": str(home / ".k8slab"),
            "HELM_CACHE_HOME": str(home / ".k8slab" / "helm" / "cache"),
            "HELM_CONFIG_HOME": str(home / ".k8slab" / "helm" / "config"),
            "HELM_DATA_HOME": str(home / ".k8slab" / "helm" / "data"),
            "MPLCONFIGDIR": str(home / ".config" / "matplotlib"),
            # Where lab.check asks the instructor's progress service to look at a pass
            # (with this server's hub token): the service runs the check itself.
            "K8SLAB_PROGRESS_URL": progress_report_url(settings),
        })
        if person.get("unix_user"):
            env["JUPYTER_RUNTIME_DIR"] = runtime_dir()  # private_view's tmpfs, theirs alone
        return env


def progress_report_url(settings: dict) -> str:
    """The progress service's own address for reports (127.0.0.1, the hub's port for it)."""
    return (f"http://127.0.0.1:{settings['service_port']}/services/progress/"
            f"{PROGRESS_REPORT_PATH}")


def _default_url(handler) -> str:
    """The instructor lands on the progress page, an attendee in their JupyterLab."""
    user = handler.current_user
    if user is not None and user.name == INSTRUCTOR:
        return "/services/progress/"
    return "/hub/spawn"


#: The instructor's hub rights: see and start/stop everybody's server, open the progress
#: page; not JupyterHub's full admin role, which could also enter attendees' JupyterLabs.
INSTRUCTOR_SCOPES = ["admin-ui", "list:users", "read:users", "admin:servers", "read:hub",
                     "list:services", "read:services", "access:services!service=progress",
                     "shutdown"]


def landing_url(lang: str) -> str:
    """Where an attendee's JupyterLab opens: the first notebook of the workshop's edition.

    Example:
        >>> landing_url("fr")
        '/lab/tree/fr/01-getting-started.ipynb'
    """
    return "/lab/tree/" + edition_path(lang)


def configure(c, settings_path: str) -> None:
    """Fill JupyterHub's configuration ``c`` from the settings ``serve`` wrote."""
    s = load_settings(settings_path)
    hub = Path(s["hub_dir"])
    c.JupyterHub.bind_url = s["bind_url"]
    c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{s['hub_port']}"
    c.JupyterHub.db_url = f"sqlite:///{hub / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(hub / "jupyterhub_cookie_secret")
    c.JupyterHub.pid_file = str(hub / "jupyterhub.pid")
    c.JupyterHub.cleanup_servers = True   # stopping the hub stops every attendee server
    c.JupyterHub.cleanup_proxy = True
    c.JupyterHub.default_url = _default_url
    if s.get("tls"):
        # HTTPS for the room (the proxy's public port); the hub's own links stay on 127.0.0.1.
        c.JupyterHub.ssl_cert = s["tls"]["cert"]
        c.JupyterHub.ssl_key = s["tls"]["key"]
    c.ConfigurableHTTPProxy.command = s["proxy_command"]
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{s['proxy_api_port']}"
    c.ConfigurableHTTPProxy.pid_file = str(hub / "proxy.pid")

    c.JupyterHub.authenticator_class = WorkshopAuthenticator
    c.WorkshopAuthenticator.credentials_file = s["credentials"]
    c.Authenticator.allowed_users = {INSTRUCTOR, *s["attendees"]}
    c.Authenticator.allow_existing_users = False
    c.JupyterHub.load_roles = [{"name": "k8slab-instructor", "users": [INSTRUCTOR],
                                "scopes": INSTRUCTOR_SCOPES}]

    c.JupyterHub.spawner_class = WorkshopSpawner
    c.WorkshopSpawner.settings_file = settings_path
    c.Spawner.cmd = s["singleuser"]
    c.Spawner.default_url = landing_url(s.get("lang", "en"))
    # A busy 2-core machine may take a while to start twenty JupyterLabs at once.
    c.Spawner.start_timeout = 180
    c.Spawner.http_timeout = 180
    c.LocalProcessSpawner.interrupt_timeout = 10

    c.JupyterHub.services = [{
        "name": "progress", "url": f"http://127.0.0.1:{s['service_port']}",
        "command": [s["python"], "-m", "k8slab.workshop._hub.progress", s["workshop"],
                    str(s["interval"]), str(hub / "passed.json")],
        "environment": s["service_env"], "display": True, "oauth_no_confirm": True,
    }]
