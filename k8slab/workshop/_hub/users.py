"""The workshop hub's attendees on this machine: Unix users and home folders.

When the hub runs as root, each attendee's JupyterLab runs as a Unix user of
their own, ``k8slab-<attendee>``, made by ``k8slab workshop serve`` with
``useradd`` and removed with ``userdel`` by ``k8slab workshop delete`` and
``k8slab down``. Only users k8slab created (listed in ``hub/unix-users.json``)
are ever removed; an existing account of the same name is refused, never
adopted. Their homes live in the lab's state folder
(``<state>/workshop-homes/<attendee>``, mode 0700, owned by the attendee), so
deleting the project deletes them too.

Each home holds a copy of the course notebooks and manifests (made once, so
the attendee's work survives a restart of the hub) and the attendee's
kubeconfig (0600, refreshed at every ``serve``: ``workshop create`` issues
new tokens).
"""

from __future__ import annotations

import json
import os
import pwd
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from k8slab._base.language import DEFAULT, LANGUAGES, edition_folder
from k8slab._base.paths import PROJECT_ROOT, state_dir
from k8slab._base.procs import stop as _stop_processes
from k8slab.errors import K8sLabError

UNIX_PREFIX = "k8slab-"
#: useradd's limit on a user name.
MAX_UNIX_NAME = 32


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def hub_dir() -> Path:
    """The hub's private folder (0700): hashes, database, cookie secret, logs."""
    return state_dir() / "workshop-hub"


def homes_dir() -> Path:
    """The attendees' homes (0711: each may enter their own, nobody may list them)."""
    return state_dir() / "workshop-homes"


def _registry() -> Path:
    return hub_dir() / "unix-users.json"


def created_users() -> dict[str, str]:
    """The Unix users k8slab made, by attendee (``{"attendee-01": "k8slab-attendee-01"}``)."""
    try:
        return json.loads(_registry().read_text())
    except FileNotFoundError:
        return {}


def _save_registry(users: dict[str, str]) -> None:
    hub_dir().mkdir(parents=True, exist_ok=True)
    _registry().write_text(json.dumps(users, indent=1, sort_keys=True))


def unix_name(attendee: str) -> str:
    """``k8slab-<attendee>``: never the name of an account the machine already had."""
    name = UNIX_PREFIX + attendee
    if len(name) > MAX_UNIX_NAME:
        raise K8sLabError(
            f"The attendee {attendee!r} would need the Unix user {name!r}, longer than "
            f"{MAX_UNIX_NAME} characters.",
            "Use a shorter --workshop name with `k8slab workshop create`.")
    return name


def ensure_user(attendee: str, home: Path) -> pwd.struct_passwd:
    """Create the attendee's Unix user (if k8slab has not yet), with ``home`` as home.

    Raises:
        K8sLabError: the name belongs to an account k8slab did not create.
    """
    name = unix_name(attendee)
    ours = created_users()
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        entry = None
    if entry is not None and ours.get(attendee) != name:
        raise K8sLabError(
            f"The Unix user {name!r} already exists and was not created by k8slab, so the "
            f"attendee {attendee!r} cannot have it.",
            f"Remove or rename that account (`userdel {name}`), or use another --workshop name.")
    if entry is None:
        if not shutil.which("useradd"):
            raise K8sLabError("`useradd` is missing, so attendees cannot get Unix users.",
                              "Install the passwd package (apt-get install passwd).")
        ours[attendee] = name
        _save_registry(ours)  # before useradd: a crash in between still gets cleaned up
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                        "--home-dir", str(home), "--shell", "/bin/bash",
                        "--comment", f"k8slab workshop attendee {attendee}", name],
                       check=True, capture_output=True, text=True)
        entry = pwd.getpwnam(name)
    return entry


def _copy_course(dest: Path) -> None:
    """The notebooks of both editions (ipynb only) and manifests, copied once: theirs to edit.

    The French edition goes to ``fr/`` as in the repository, with the same
    ``manifests`` link, so its kernels speak French (k8slab/_base/language.py).
    """
    dest.mkdir(parents=True, exist_ok=True)
    for lang in LANGUAGES:
        where = edition_folder(lang)
        notebooks = sorted((PROJECT_ROOT / "notebooks" / where).glob("*.ipynb"))
        if not notebooks:
            continue
        folder = dest / where
        folder.mkdir(exist_ok=True)
        for nb in notebooks:
            if not (folder / nb.name).exists():
                shutil.copy2(nb, folder / nb.name)
        if lang != DEFAULT and not (folder / "manifests").is_symlink():
            (folder / "manifests").symlink_to(Path("..") / "manifests")
    if not (dest / "manifests").exists():
        shutil.copytree(PROJECT_ROOT / "manifests", dest / "manifests")


def prepare_home(attendee: str, kubeconfig: Path) -> dict:
    """Make (or refresh) the attendee's home, user and kubeconfig; their spawner settings.

    Returns:
        ``{"home", "kubeconfig", "namespace", "unix_user", "uid"}`` for
        :class:`k8slab.workshop._hub.classes.WorkshopSpawner` (``unix_user`` is empty
        without root: then every server runs as the instructor's user).
    """
    homes = homes_dir()
    homes.mkdir(parents=True, exist_ok=True)
    os.chmod(homes, 0o711)
    home = homes / attendee
    home.mkdir(exist_ok=True)
    entry = ensure_user(attendee, home) if is_root() else None
    _copy_course(home / "notebooks")
    own = home / "kubeconfig.yaml"
    tmp = home / ".kubeconfig.yaml.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(Path(kubeconfig).read_bytes())
    os.replace(tmp, own)
    if entry is not None:
        for root, dirs, files in os.walk(home):
            for name in [*dirs, *files]:
                os.lchown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)
        os.chown(home, entry.pw_uid, entry.pw_gid)
    os.chmod(home, 0o700)
    os.chmod(own, 0o600)
    return {"home": str(home), "kubeconfig": str(own), "namespace": attendee,
            "unix_user": entry.pw_name if entry else "", "uid": entry.pw_uid if entry else None}


def processes_of(uid: int) -> list[int]:
    """Process ids run by ``uid`` (from /proc): what an attendee's user still runs."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def stop_processes(uid: int, timeout: float = 10) -> None:
    """End what an attendee's Unix user still runs (SIGTERM, then SIGKILL), by pid.

    Listed again before SIGKILL: what the user started meanwhile goes too.
    """
    _stop_processes(processes_of(uid), grace=timeout, kill=False)
    if left := processes_of(uid):
        _stop_processes(left, grace=0, kill_wait=timeout)


def remove(attendees: list[str] | None = None) -> list[str]:
    """Remove attendees' Unix users (those k8slab made) and home folders.

    Args:
        attendees: whom to remove; None: every attendee k8slab made a user or home for.

    Returns:
        The attendees whose user or home was removed.
    """
    ours = created_users()
    homes = homes_dir()
    known = set(ours) | ({p.name for p in homes.iterdir() if p.is_dir()}
                         if homes.is_dir() else set())
    targets = sorted(known if attendees is None else known & set(attendees))
    for attendee in targets:
        name = ours.get(attendee)
        if name:
            try:
                entry = pwd.getpwnam(name)
            except KeyError:
                entry = None
            if entry is not None and is_root():
                stop_processes(entry.pw_uid)
                subprocess.run(["userdel", name], check=True, capture_output=True, text=True)
                entry = None
            if entry is None:  # without root a user stays listed, for a later removal as root
                ours.pop(attendee)
                _save_registry(ours)
        shutil.rmtree(homes / attendee, ignore_errors=True)
    if homes.is_dir() and not any(homes.iterdir()):
        homes.rmdir()
    return targets


def server_needs(path_env: str, cache_bin: Path | None = None) -> list[Path]:
    """The folders an attendee's server runs from, for :func:`private_view`.

    Python itself, the virtualenv (its ``bin/`` is on PATH, but its packages are
    in ``lib/``), the checkout (an editable install imports k8slab from it), the
    folders on PATH and the cached kubectl and helm. Any of them may sit in a
    folder closed to other users (a checkout in ``/root`` or in a home of mode
    0750): the private view shows these, and only these, there.
    """
    return [Path(sys.base_prefix), Path(sys.prefix), PROJECT_ROOT,
            *(Path(p) for p in path_env.split(os.pathsep) if p and Path(p).is_dir()),
            *([cache_bin] if cache_bin is not None and cache_bin.is_dir() else [])]


def _closed_ancestor(path: Path) -> Path | None:
    """The first folder on the way to ``path`` that other users may not enter (``/root``)."""
    for folder in [*reversed(path.parents), path]:
        if folder.is_dir() and not os.stat(folder).st_mode & 0o001:
            return folder
    return None


def _stage() -> str:
    """An empty folder to prepare a private view in; afterwards, the attendee's runtime folder."""
    stage = next((p for p in ("/mnt", "/media", "/srv") if Path(p).is_dir()), None)
    if stage is None:
        raise K8sLabError("No empty folder (/mnt, /media or /srv) to prepare an attendee's "
                          "private view in.", "Create /mnt (an empty folder).")
    return stage


def runtime_dir() -> str:
    """``JUPYTER_RUNTIME_DIR`` of an attendee's server: a tmpfs of their own, mode 0700.

    It holds the kernels' connection files and their ``ipc`` sockets (kernels
    talk over Unix sockets, not TCP ports on 127.0.0.1 that any local user could
    connect to). :func:`private_view` mounts it in the server's own mount
    namespace, owned by the attendee: no other user can see it, let alone
    connect. The path is short, as Unix socket paths must be (108 bytes).
    """
    return _stage()


#: Arguments of an attendee's server (root: their own user): kernels over ipc, not TCP.
KERNEL_ARGS = ("--KernelManager.transport=ipc",)


def private_view(entry: pwd.struct_passwd, home: Path, needed: list[Path]) -> list[str]:
    """The command prefix that runs an attendee's server as them, with a view of their own.

    The server starts in a mount namespace of its own (``unshare --mount``,
    gone with its last process; nothing changes on the host), where

    * the lab's state folder is an empty tmpfs but for the attendee's home:
      no other home, no lab kubeconfig, logs or hub secrets, not even their names;
    * a closed folder that holds what the server needs (``/root`` holding
      the Python installation and the cached kubectl and helm) is an empty
      tmpfs but for those folders, read-only: the instructor's home stays out of view;

    then ``setpriv`` drops to the attendee's uid, gid and groups, with no
    capabilities and ``no_new_privs`` (no setuid program can raise them again).
    The folder used to prepare all this ends as the attendee's private runtime
    folder (:func:`runtime_dir`).
    """
    hidden: dict[Path, list[Path]] = {state_dir(): [home]}
    for path in needed:
        path = path.resolve()
        closed = _closed_ancestor(path)
        if closed is not None:
            hidden.setdefault(closed, []).append(path)
    stage = _stage()
    q = shlex.quote
    lines = ["set -e", f"mount -t tmpfs -o mode=0700,size=1m k8slab-stage {stage}"]
    moves = []
    for i, (folder, keep) in enumerate(hidden.items()):
        for j, path in enumerate(keep):
            spot = f"{stage}/{i}-{j}"
            lines += [f"mkdir {spot}", f"mount --rbind {q(str(path))} {spot}"]
            moves.append((spot, path, path != home))
        lines.append(f"mount -t tmpfs -o mode=0711,size=1m k8slab-hidden {q(str(folder))}")
    # Outer folders first: a folder shown inside another one that is also shown (the
    # attendee's home inside the checkout) must be put in place after it, not under it.
    moves.sort(key=lambda move: len(move[1].parts))
    for spot, path, read_only in moves:
        # umask 066: the folders made on the way are 0711, enterable, not listable.
        lines += [f"(umask 066; mkdir -p {q(str(path))})", f"mount --move {spot} {q(str(path))}"]
        if read_only:
            lines.append(f"mount -o remount,bind,ro {q(str(path))}")
    lines += [f"umount {stage}",
              f"mount -t tmpfs -o mode=0700,uid={entry.pw_uid},gid={entry.pw_gid},size=16m,"
              f"nosuid,nodev k8slab-runtime {stage}",
              f"cd {q(str(home))}",
              f"exec setpriv --reuid={entry.pw_uid} --regid={entry.pw_gid} --init-groups "
              "--inh-caps=-all --bounding-set=-all --no-new-privs -- \"$@\""]
    return ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
            "\n".join(lines), "k8slab-attendee"]
