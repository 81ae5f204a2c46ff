"""``k8slab workshop serve``: a JupyterHub for the attendees of ``workshop create``.

The hub (JupyterHub from PyPI, with configurable-http-proxy from npm,
installed by ``serve`` into the k8slab cache, never globally) gives each
attendee a login of their own and, behind it, their own JupyterLab:

* **credentials**: a password per attendee (and one for ``instructor``),
  generated at the first ``serve``, shown once as a printable list, stored as
  scrypt hashes only (:mod:`k8slab.workshop._hub.passwords`);
* **their server**: as root, a Unix user per attendee runs their JupyterLab
  (:mod:`k8slab.workshop._hub.users`), in a home of their own with a copy of the
  notebooks, their kubeconfig (0600) and ``K8SLAB_NAMESPACE`` set, which the
  notebooks' parameter cells default to (:class:`k8slab.workshop._hub.classes.WorkshopSpawner`);
* **the instructor**: the progress heatmap at ``/services/progress/``
  (:mod:`k8slab.workshop._hub.progress`) and JupyterHub's admin page;
* **TLS**: the hub answers HTTPS with a certificate for the room signed by
  the lab's CA (``.k8slab/pki/``; a CA of the room's own when the lab has
  none) or the one given with ``--certfile/--keyfile``; ``serve`` prints the
  CA's SHA-256 fingerprint to hand out. Plain HTTP (``--no-tls``) is for
  127.0.0.1 only, unless told ``--insecure``;
* **stopping** the hub (Ctrl-C, SIGTERM or ``serve --stop``) stops every
  attendee server (JupyterHub's ``cleanup_servers``, then whatever an
  attendee's Unix user still runs).

Everything lives in the lab's state folder (``workshop-hub/``, 0700, and
``workshop-homes/``); ``k8slab down`` removes it with the Unix users.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from k8slab._base.cliutil import with_examples
from k8slab._base.language import LANGUAGES
from k8slab._base.paths import cache_dir, state_dir
from k8slab._base.pki import Pki, ensure_ca, fingerprint, server_certificate
from k8slab._base.procs import alive as _alive
from k8slab._base.procs import free_port as _free_port
from k8slab._base.procs import stop as _stop_process
from k8slab.errors import K8sLabError
from k8slab.workshop._cluster import attendees
from k8slab.workshop._hub import passwords as _hub_passwords
from k8slab.workshop._hub import users as _hub_users
from k8slab.workshop._hub.users import hub_dir, is_root

#: The proxy JupyterHub drives; pinned with its lock file in k8slab/jupyter/proxy/.
PROXY_VERSION = "5.3.0"
PROXY_SOURCE = Path(__file__).resolve().parents[2] / "jupyter" / "proxy"
INSTRUCTOR = "instructor"  # as in workshop._hub.classes (which needs jupyterhub)


def _print(msg: str) -> None:
    print(msg, flush=True)


def proxy_command() -> Path:
    """configurable-http-proxy, installed with ``npm ci`` into the k8slab cache once.

    Raises:
        K8sLabError: npm is missing or the install failed.
    """
    target = cache_dir() / f"configurable-http-proxy-{PROXY_VERSION}"
    binary = target / "node_modules" / ".bin" / "configurable-http-proxy"
    if binary.exists():
        return binary
    npm = shutil.which("npm")
    if not npm or not shutil.which("node"):
        raise K8sLabError("Node.js and npm are needed for the hub's proxy "
                          "(configurable-http-proxy).",
                          "Install them (apt-get install nodejs npm), then run "
                          "`k8slab workshop serve` again.")
    target.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(PROXY_SOURCE / name, target / name)
    _print(f"k8slab: installing configurable-http-proxy {PROXY_VERSION} (npm) into {target}")
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=target,
                          capture_output=True, text=True)
    if done.returncode != 0 or not binary.exists():
        raise K8sLabError(f"npm could not install configurable-http-proxy into {target}: "
                          f"{(done.stderr or done.stdout).strip()[-500:]}",
                          "Check that the npm registry is reachable, then run "
                          "`k8slab workshop serve` again.")
    return binary


def _port_in_use(port: int, ip: str) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1" if ip in ("0.0.0.0", "") else ip, port)) == 0


def _pid_file() -> Path:
    return hub_dir() / "serve.pid"


def running_pid() -> int | None:
    """The pid of a ``k8slab workshop serve`` still running for this lab, if any."""
    try:
        pid = int(_pid_file().read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return None
    return pid if _alive(pid) else None


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.chmod(path, 0o600)


def is_loopback(ip: str) -> bool:
    """True for an address only this machine reaches (``127.0.0.1``, ``::1``, ``localhost``).

    Example:
        >>> is_loopback("127.0.0.1"), is_loopback("0.0.0.0"), is_loopback("10.1.2.3")
        (True, False, False)
    """
    if ip == "localhost":
        return True
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def _is_wildcard(ip: str) -> bool:
    return ip in ("", "0.0.0.0", "::")


def _machine_addresses() -> list[str]:
    """This machine's own addresses (from the kernel, `ip -j addr`; no DNS lookup)."""
    ip = shutil.which("ip")
    if not ip:
        return []
    done = subprocess.run([ip, "-j", "addr", "show"], capture_output=True, text=True,
                          timeout=10)
    try:
        links = json.loads(done.stdout or "[]")
    except json.JSONDecodeError:
        return []
    return [a["local"] for link in links for a in link.get("addr_info", [])
            if a.get("local") and a.get("scope") == "global"]


def certificate_hosts(ip: str, extra: list[str] | None = None) -> list[str]:
    """The names and addresses the room's certificate is valid for.

    ``--tls-host`` names first (the first is the certificate's CN), then the
    address listened on (for a wildcard: the machine's name and every address
    it has), and always 127.0.0.1 and localhost (for the instructor and for
    ``serve``'s own readiness probe).

    Example:
        >>> certificate_hosts("127.0.0.1", ["lab.example.org"])
        ['lab.example.org', '127.0.0.1', 'localhost']
    """
    hosts = list(extra or [])
    if _is_wildcard(ip):
        hosts += [socket.gethostname(), *_machine_addresses()]
    elif not is_loopback(ip):
        hosts.append(ip)
    hosts += ["127.0.0.1", "localhost"]
    return list(dict.fromkeys(h for h in hosts if h))


def _room_ca() -> Pki:
    """The lab's CA (``.k8slab/pki/`` of ``k8slab up``), or a CA of the room's own."""
    lab = Pki(state_dir() / "pki")
    if lab.ca_cert.is_file() and (lab.folder / "ca.key").is_file():
        return lab
    return ensure_ca(hub_dir() / "ca", "k8slab workshop room CA")


def room_tls(ip: str, *, certfile: str | None = None, keyfile: str | None = None,
             no_tls: bool = False, insecure: bool = False,
             hosts: list[str] | None = None) -> dict | None:
    """How the hub answers: a certificate and key (HTTPS), or None for plain HTTP.

    Returns:
        ``{"cert", "key", "ca", "fingerprint", "made"}``: ``ca`` is the CA to
        trust (None for a certificate given with ``--certfile``, whose own
        fingerprint is then the one shown); ``made`` tells whether ``serve``
        signed it.

    Raises:
        K8sLabError: plain HTTP asked for an address other machines reach,
            without ``--insecure``; only one of certfile/keyfile; a file missing.
    """
    if no_tls:
        if not is_loopback(ip) and not insecure:
            raise K8sLabError(
                f"`--no-tls` with `--ip {ip}` would send every attendee's password and "
                "notebook in clear over the room's network.",
                "Drop `--no-tls` (serve makes a certificate from the lab's CA), give one with "
                "`--certfile/--keyfile`, or add `--insecure` if the network is truly yours.")
        return None
    if certfile or keyfile:
        if not (certfile and keyfile):
            raise K8sLabError("`--certfile` and `--keyfile` go together.",
                              "Give both: the certificate (PEM, chain included) and its key.")
        for given in (certfile, keyfile):
            if not Path(given).is_file():
                raise K8sLabError(f"{given} does not exist.",
                                  "Give the path of a PEM certificate and of its key.")
        return {"cert": str(Path(certfile).resolve()), "key": str(Path(keyfile).resolve()),
                "ca": None, "fingerprint": fingerprint(Path(certfile)), "made": False}
    ca = _room_ca()
    cert, key = server_certificate(ca, hub_dir() / "tls", "room", certificate_hosts(ip, hosts))
    return {"cert": str(cert), "key": str(key), "ca": str(ca.ca_cert),
            "fingerprint": fingerprint(ca.ca_cert), "made": True}


def tls_summary(tls: dict | None, ip: str) -> str:
    """What ``serve`` says about the hub's transport: the fingerprint to hand out."""
    if tls is None:
        where = "on this machine only" if is_loopback(ip) else "ON THE ROOM'S NETWORK (--insecure)"
        return f"PLAIN HTTP ({where}): passwords and notebooks travel unencrypted."
    if tls["made"]:
        return (f"HTTPS, with a certificate signed by the lab's CA ({tls['ca']}). Hand out "
                f"the CA's SHA-256 fingerprint:\n  {tls['fingerprint']}\n"
                "Attendees compare it with the one their browser shows for the CA (or "
                "import ca.crt, copied to them), then accept it.")
    return (f"HTTPS, with the certificate given ({tls['cert']}); its SHA-256 fingerprint:"
            f"\n  {tls['fingerprint']}")


def _attendee_env() -> dict[str, str]:
    """What every attendee server gets besides their own kubeconfig and namespace."""
    venv_bin = str(Path(sys.executable).parent)
    # The lab's cached kubectl and helm (read-only for attendees): for the notebooks
    # (K8SLAB_CACHE, as k8slab finds its tools) and for attendees' terminals (PATH).
    tools = [str(Path(p).parent) for p in map(shutil.which, ("kubectl", "helm")) if p]
    tools += [str(p) for p in sorted(cache_dir().glob("bin/kubernetes-*"))[-1:]
              + sorted(cache_dir().glob("bin/helm-*"))[-1:]]
    path = os.pathsep.join(dict.fromkeys([venv_bin, *tools, "/usr/local/bin", "/usr/bin",
                                          "/bin"]))
    return {"PATH": path, "LANG": os.environ.get("LANG", "C.UTF-8"),
            "JUPYTER_CONFIG_PATH": str(Path(__file__).resolve().parents[2] / "jupyter"),
            "VIRTUAL_ENV": str(Path(sys.executable).parent.parent),
            "K8SLAB_CACHE": str(cache_dir())}


def _service_env() -> dict[str, str]:
    """The progress service's environment: the instructor's lab, read-only use."""
    env = {k: v for k, v in os.environ.items() if k.startswith("K8SLAB_")}
    env.update({"K8SLAB_STATE": str(state_dir()), "K8SLAB_SHOW_COMMANDS": "0",
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": os.environ.get("HOME", str(hub_dir())),
                "MPLCONFIGDIR": str(hub_dir() / "matplotlib")})
    env.pop("K8SLAB_KUBECONFIG", None)
    return env


def prepare(workshop: str, *, ip: str, port: int, renew: bool = False,
            interval: float = 10, lang: str = "en",
            tls: dict | None = None) -> tuple[dict, dict[str, str]]:
    """Homes, users, passwords and the hub's settings, before the hub starts.

    Returns:
        The settings (also written to ``hub/settings.json``) and the new
        passwords in clear, by user (only those made now).
    """
    found = [a for a in attendees(workshop) if a.phase == "Active"]
    if not found:
        raise K8sLabError(f"The workshop {workshop!r} has no attendees on this cluster.",
                          f"Create them first: `k8slab workshop create 12 --workshop {workshop}`.")
    missing = [a.name for a in found if not a.kubeconfig or not Path(a.kubeconfig).is_file()]
    if missing:
        raise K8sLabError(f"The kubeconfig files of {', '.join(missing)} are missing.",
                          f"Run `k8slab workshop create {len(found)} --workshop {workshop}` "
                          "again: it writes them anew.")
    folder = hub_dir()
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    people = {a.name: _hub_users.prepare_home(a.name, Path(a.kubeconfig)) for a in found}
    fresh = _hub_passwords.issue(folder / "credentials.json", [INSTRUCTOR, *people],
                                 renew=renew)
    scheme = "https" if tls else "http"
    shown = socket.gethostname() if _is_wildcard(ip) else ip
    settings = {
        "workshop": workshop, "bind_url": f"{scheme}://{ip}:{port}",
        # Where the room goes (a wildcard address is no address to type) and where
        # serve itself checks that the hub is up.
        "public_url": f"{scheme}://{shown}:{port}",
        "probe_url": f"{scheme}://{'127.0.0.1' if _is_wildcard(ip) else ip}:{port}",
        "tls": tls,
        "hub_port": _free_port(), "proxy_api_port": _free_port(),
        "service_port": _free_port(), "hub_dir": str(folder),
        "proxy_command": [str(proxy_command())],
        "singleuser": [str(Path(sys.executable).parent / "jupyterhub-singleuser")],
        "python": sys.executable, "credentials": str(folder / "credentials.json"),
        "interval": interval, "attendees": people, "env": _attendee_env(),
        "service_env": _service_env(), "root": is_root(),
        # The edition each attendee's JupyterLab opens on (both are in every home).
        "lang": lang,
    }
    _write_private(folder / "settings.json", json.dumps(settings, indent=1))
    _write_private(folder / "jupyterhub_config.py",
                   "# Written by `k8slab workshop serve`; see k8slab/workshop/_hub/classes.py.\n"
                   "from k8slab.workshop._hub.classes import configure\n\n"
                   f"configure(c, {str(folder / 'settings.json')!r})  # noqa: F821\n")
    return settings, fresh


def login_list(settings: dict, fresh: dict[str, str]) -> str:
    """The printable list of logins: hub address, then one line per user."""
    url = settings.get("public_url", settings["bind_url"]) + "/"
    lines = [f"Workshop hub {settings['workshop']!r}: {url}  (log in with the name and "
             "password below)", "", f"  {'USER':<26} PASSWORD"]
    for user in [INSTRUCTOR, *settings["attendees"]]:
        shown = fresh.get(user, "(given earlier: only its hash is kept; "
                                "`--new-passwords` makes new ones)")
        lines.append(f"  {user:<26} {shown}")
    lines += ["", f"The instructor's progress page: {url}services/progress/"]
    return "\n".join(lines)


#: A line of the list that holds a password: two spaces, the user, spaces, the password.
_LOGIN_LINE = re.compile(r"^  (\S+)\s+([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})$", re.M)


def write_logins(settings: dict, fresh: dict[str, str]) -> Path:
    """The printable list, also as a file only its owner reads (``logins.txt``, 0600).

    Passwords made by an earlier ``serve`` (only their hashes are kept) are
    taken from the previous list file when it is still there, so the file
    stays complete across restarts; ``--new-passwords`` replaces them.

    Returns:
        The file's path, in the hub's folder (0700), removed by ``k8slab down``.
    """
    path = Path(settings["hub_dir"]) / "logins.txt"
    try:
        earlier = dict(_LOGIN_LINE.findall(path.read_text()))
    except FileNotFoundError:
        earlier = {}
    known = {user: pw for user, pw in earlier.items()
             if user in (INSTRUCTOR, *settings["attendees"])}
    _write_private(path, login_list(settings, {**known, **fresh}) + "\n")
    return path


def isolation_summary(settings: dict) -> str:
    if settings["root"]:
        return ("each attendee's JupyterLab runs as their own Unix user (k8slab-<attendee>), "
                "in a home only they can read; they cannot read each other's files, the "
                "instructor's lab state or the hub's secrets.")
    return ("NOT ROOT: every attendee's JupyterLab runs as your own Unix user. The hub's "
            "logins keep attendees out of each other's JupyterLab, but code an attendee "
            "runs can read every file you can, including other attendees' homes and "
            "kubeconfigs and your lab kubeconfig. Run `k8slab workshop serve` as root for "
            "one Unix user per attendee.")


def _wait_up(settings: dict, proc: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    url = settings.get("probe_url", settings["bind_url"]) + "/hub/api/"
    context = None
    tls = settings.get("tls")
    if tls and tls.get("ca"):
        context = ssl.create_default_context(cafile=tls["ca"])  # ours: verified
    elif tls:
        # A given certificate may name only the room's public host, not 127.0.0.1; this
        # probe sends nothing secret, it only waits for the hub to answer.
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise K8sLabError(f"JupyterHub exited ({proc.returncode}) while starting: "
                              f"{log.read_text()[-1500:]}",
                              f"Read {log}, then run `k8slab workshop serve` again.")
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise K8sLabError(f"JupyterHub did not answer on {url} in {timeout:.0f}s.",
                      f"Read {log}.")


def _stop_hub(proc: subprocess.Popen, settings: dict) -> None:
    """SIGTERM: JupyterHub stops every attendee server, the proxy and the service."""
    _stop_process(proc, grace=90)
    for person in settings["attendees"].values():
        if person.get("uid") is not None:
            _hub_users.stop_processes(person["uid"])  # a kernel that outlived its server


def serve(workshop: str = "attendee", *, ip: str = "127.0.0.1", port: int = 8000,
          renew: bool = False, interval: float = 10, lang: str = "en",
          certfile: str | None = None, keyfile: str | None = None, no_tls: bool = False,
          insecure: bool = False, tls_hosts: list[str] | None = None) -> int:
    """Run the hub in the foreground until Ctrl-C, SIGTERM or ``serve --stop``."""
    if no_tls and not is_loopback(ip) and not insecure:
        room_tls(ip, no_tls=True)  # refused before anything is made: it says why
    other = running_pid()
    if other:
        raise K8sLabError(f"A workshop hub already runs for this lab (pid {other}).",
                          "Stop it with `k8slab workshop serve --stop` first.")
    if _port_in_use(port, ip):
        raise K8sLabError(f"Port {port} is already in use, so the hub cannot listen on it.",
                          f"Pick another one: `k8slab workshop serve --port {port + 1}`.")
    hub_dir().mkdir(parents=True, exist_ok=True)
    os.chmod(hub_dir(), 0o700)
    tls = room_tls(ip, certfile=certfile, keyfile=keyfile, no_tls=no_tls, insecure=insecure,
                   hosts=tls_hosts)
    settings, fresh = prepare(workshop, ip=ip, port=port, renew=renew, interval=interval,
                              lang=lang, tls=tls)
    folder = Path(settings["hub_dir"])
    log = folder / "jupyterhub.log"
    _write_private(_pid_file(), f"{os.getpid()}\n")
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f",
                                 str(folder / "jupyterhub_config.py")],
                                cwd=folder, stdout=out, stderr=subprocess.STDOUT)

    def stop_on_term(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop_on_term)
    try:
        _wait_up(settings, proc, log)
        _print(login_list(settings, fresh))
        logins = write_logins(settings, fresh)
        _print(f"\nk8slab: this list is also in {logins} (0600, for printing; delete it "
               "once handed out).")
        _print(f"k8slab: transport: {tls_summary(tls, ip)}")
        _print(f"k8slab: isolation: {isolation_summary(settings)}")
        _print(f"k8slab: the hub's log is {log}. Ctrl-C (or `k8slab workshop serve --stop`) "
               "stops the hub and every attendee's server.")
        return proc.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        _stop_hub(proc, settings)
        _pid_file().unlink(missing_ok=True)
        signal.signal(signal.SIGTERM, previous)
        _print("k8slab: the workshop hub and every attendee server are stopped.")


def stop(timeout: float = 120) -> bool:
    """Stop a running ``serve`` (it stops the hub and every attendee server).

    Returns:
        True when a hub was running and is now stopped; False when none ran.
    """
    pid = running_pid()
    if pid is None:
        _pid_file().unlink(missing_ok=True)
        return False
    if not _stop_process(pid, grace=timeout, kill=False):  # it stops the servers first
        raise K8sLabError(f"The workshop hub (pid {pid}) is still running {timeout:.0f}s "
                          "after it was asked to stop.",
                          f"Look at {hub_dir() / 'jupyterhub.log'}; `kill {pid}` again.")
    return True


def forget(names: list[str]) -> None:
    """After ``workshop delete``: their Unix users, homes, password hashes and kept passes go."""
    from k8slab.workshop._progress import PassLog  # pandas: only when a workshop is deleted

    _hub_users.remove(names)
    _hub_passwords.forget(hub_dir() / "credentials.json", names)
    PassLog(hub_dir() / "passed.json").forget(names)


def teardown() -> None:
    """For ``k8slab down``: stop the hub, remove every attendee user and the hub's folder."""
    stop()
    _hub_users.remove(None)
    shutil.rmtree(hub_dir(), ignore_errors=True)


def cmd_serve(args) -> int:
    if args.stop:
        _print("k8slab: the workshop hub and every attendee server are stopped." if stop()
               else "k8slab: no workshop hub was running for this lab.")
        return 0
    return serve(args.workshop, ip=args.ip, port=args.port, renew=args.new_passwords,
                 interval=args.interval, lang=args.lang, certfile=args.certfile,
                 keyfile=args.keyfile, no_tls=args.no_tls, insecure=args.insecure,
                 tls_hosts=args.tls_host)


def add_serve_parser(sub) -> None:
    """``k8slab workshop serve``: registered by k8slab.workshop.add_parser."""
    s = sub.add_parser("serve", help="JupyterHub for the attendees: a login and a "
                                     "JupyterLab each, the progress page for you",
                       **with_examples("sudo k8slab workshop serve --workshop team --ip 0.0.0.0",
                                       "k8slab workshop serve --no-tls        # this machine only",
                                       "sudo k8slab workshop serve --stop"))
    s.add_argument("--workshop", default="attendee",
                   help="the workshop, as named by `k8slab workshop create --workshop` "
                        "(default attendee)")
    s.add_argument("--port", type=int, default=8000, help="the hub's port (8000)")
    s.add_argument("--ip", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; the room needs 0.0.0.0)")
    s.add_argument("--certfile", default=None,
                   help="the hub's HTTPS certificate (PEM, with its chain); default: one "
                        "made for the room from the lab's CA")
    s.add_argument("--keyfile", default=None, help="the key of --certfile (PEM)")
    s.add_argument("--tls-host", action="append", default=None, metavar="NAME",
                   help="a name or address the room types to reach the hub, added to the "
                        "certificate serve makes (repeat for several)")
    s.add_argument("--no-tls", action="store_true",
                   help="plain HTTP: for 127.0.0.1; another --ip also needs --insecure")
    s.add_argument("--insecure", action="store_true",
                   help="with --no-tls: allow plain HTTP on an address the room reaches")
    s.add_argument("--new-passwords", action="store_true",
                   help="make new passwords for everybody (the old ones stop working)")
    s.add_argument("--interval", type=float, default=10,
                   help="seconds between two rounds of progress checks (10)")
    s.add_argument("--stop", action="store_true",
                   help="stop the running hub and every attendee server")
    s.add_argument("--lang", default="en", choices=list(LANGUAGES),
                   help="the edition attendees' JupyterLab opens on: en, or fr (notebooks/fr/)")
    s.set_defaults(func=cmd_serve)
