"""An ordinary (non-root) user for one test or bench run, as Binder runs the image (jovyan).

As root: a system user with a random name, a home folder of its own in the
system's temporary folder, and a binary cache made of hard links to this
user's (the binaries are read-only to it, no copy of 600 MB, no access to
``/root``). Everything goes at the end: its processes (by their ids), the user
and its home. As an ordinary user already: that user, unchanged.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class User:
    name: str
    uid: int
    home: Path
    cache: Path
    #: Prefix for a command line to run as this user.
    prefix: tuple[str, ...]
    #: This project's Python (its virtualenv) as the user can run it.
    python: Path = Path(sys.executable)
    #: Where that Python's shared library is (its own may be unreachable, like its binary).
    libs: str = ""

    def env(self, **extra: str) -> dict[str, str]:
        """A clean environment for this user: its home, its cache, PATH, the given extras."""
        env = {"HOME": str(self.home), "USER": self.name, "LANG": "C.UTF-8",
               "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "K8SLAB_CACHE": str(self.cache)}
        if self.libs:
            env["LD_LIBRARY_PATH"] = self.libs
        env.update(extra)
        return env


def _link_python(home: Path, uid: int, gid: int, own_venv: bool = False) -> Path:
    """This virtualenv and its base Python, hard-linked where the user can run them.

    The base interpreter may live in a private folder (pyenv under ``/root``);
    Binder's lives in a world-readable one. Files that differ (the venv's
    ``pyvenv.cfg``, its interpreter links, a ``k8slab`` launcher) are unlinked
    first and written anew, never changed through a hard link. With
    ``own_venv`` the virtualenv is a real copy owned by the user, who may then
    ``pip install`` into it (as Binder's postBuild does in its conda env).
    """
    base, venv = Path(sys.base_prefix), Path(sys.prefix)
    py, env = home / "python", home / "venv"
    subprocess.run(["cp", "-al", str(base), str(py)], check=True)
    subprocess.run(["cp", "-a" if own_venv else "-al", str(venv), str(env)], check=True)
    if own_venv:
        _repoint_scripts(env / "bin", venv, env)
        subprocess.run(["chown", "-R", f"{uid}:{gid}", str(env)], check=True)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for link in ("python", "python3", version):
        (env / "bin" / link).unlink(missing_ok=True)
    (env / "bin" / version).symlink_to(py / "bin" / version)
    (env / "bin" / "python3").symlink_to(version)
    (env / "bin" / "python").symlink_to("python3")
    cfg = (env / "pyvenv.cfg").read_text().replace(str(base), str(py))
    (env / "pyvenv.cfg").unlink()
    (env / "pyvenv.cfg").write_text(cfg)
    launcher = env / "bin" / "k8slab"
    launcher.unlink(missing_ok=True)
    launcher.write_text(f'#!/bin/sh\nexec "{env / "bin" / "python"}" -m k8slab "$@"\n')
    launcher.chmod(0o755)
    for folder in (py, env):
        os.chown(folder, uid, gid)
    return env / "bin" / "python"


def _repoint_scripts(bindir: Path, old: Path, new: Path) -> None:
    """Scripts of a copied virtualenv (``jupyter-lab``...) run its own Python, not the original's.

    pip writes the interpreter's absolute path in each script's ``#!`` line; a
    copy keeps the original's, which the user may not be allowed to run.
    """
    before, after = f"#!{old}/bin/".encode(), f"#!{new}/bin/".encode()
    for script in bindir.iterdir():
        if script.is_file() and not script.is_symlink():
            with script.open("rb") as f:
                head = f.read(len(before))
            if head == before:
                script.write_bytes(after + script.read_bytes()[len(before):])


def _pids_of(uid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if entry.stat().st_uid == uid:
                    found.append(int(entry.name))
    return found


def _link_cache(source: Path, target: Path, uid: int, gid: int) -> None:
    """Folders of the user's own, files hard-linked (read-only to it) from ``source/bin``."""
    target.mkdir(parents=True)
    if (source / "bin").is_dir():
        subprocess.run(["cp", "-al", str(source / "bin"), str(target / "bin")], check=True)
    for folder in [target, *(p for p in target.rglob("*") if p.is_dir())]:
        os.chown(folder, uid, gid)
    for parent in (target.parent, target.parent.parent):
        os.chown(parent, uid, gid)


@contextlib.contextmanager
def throwaway_user(cache: Path | None, *, own_venv: bool = False) -> Iterator[User]:
    """An ordinary user whose binary cache holds ``cache``'s binaries (None: an empty cache).

    ``own_venv``: the user's virtualenv is a copy it owns and may install into.
    """
    if os.geteuid() != 0:
        home = Path(tempfile.mkdtemp(prefix="k8slab-user-"))
        if cache is None:
            cache = home / ".cache" / "k8slab"
            cache.mkdir(parents=True)
        try:
            yield User(os.environ.get("USER", str(os.getuid())), os.getuid(), home, cache, ())
        finally:
            shutil.rmtree(home, ignore_errors=True)
        return
    name = f"k8slabt{uuid.uuid4().hex[:6]}"
    home = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir",
                    str(home), "--shell", "/usr/sbin/nologin", name], check=True)
    try:
        info = subprocess.run(["id", "-u", name], capture_output=True, text=True, check=True)
        uid = int(info.stdout)
        gid = int(subprocess.run(["id", "-g", name], capture_output=True, text=True,
                                 check=True).stdout)
        home.chmod(0o755)
        os.chown(home, uid, gid)
        user_cache = home / ".cache" / "k8slab"
        _link_cache(cache or home / "no-cache", user_cache, uid, gid)
        python = _link_python(home, uid, gid, own_venv)
        yield User(name, uid, home, user_cache, ("runuser", "-u", name, "--"), python,
                   str(home / "python" / "lib"))
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            pids = _pids_of(uid) if "uid" in locals() else []
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
            if pids:
                time.sleep(2)
        subprocess.run(["userdel", name], check=False, capture_output=True)
        shutil.rmtree(home, ignore_errors=True)
