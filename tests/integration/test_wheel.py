"""``pip install`` of the wheel, as a learner without a checkout gets k8slab (pip, pipx).

The wheel is built from a copy of this checkout's files (what git tracks or
would track, so a stale ``build/`` cannot hide a missing file), installed with
its dependencies from the registry into a fresh virtualenv, and run from an
empty folder with a fresh ``HOME``: ``k8slab --help``, ``k8slab course DIR``,
where its state and cache go, and that the course's files it reads (the
manifests, the Go wrapper modules under ``tools/``) are in the package.
No cluster is used.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


def _run(cmd: list[str], *, timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc


def _source_copy(dest: Path) -> None:
    """The files of this checkout git knows of (tracked, or new and not ignored)."""
    names = _run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                 cwd=ROOT).stdout.split("\0")
    for name in filter(None, names):
        src = ROOT / name
        if not src.exists() and not src.is_symlink():
            continue                                  # deleted in the work tree
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / name, follow_symlinks=False)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, Path]:
    """A fresh virtualenv with the wheel of this checkout installed in it."""
    tmp = tmp_path_factory.mktemp("wheel")
    _source_copy(tmp / "src")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w",
          str(tmp / "dist"), str(tmp / "src")])
    wheel = next((tmp / "dist").glob("k8slab-*.whl"))
    # This venv's pip installs into the new one (--python): no pip of its own to set up;
    # no bytecode compiled ahead (pandas, matplotlib...): minutes of CPU on a small machine.
    _run([sys.executable, "-m", "venv", "--without-pip", str(tmp / "venv")])
    _run([sys.executable, "-m", "pip", "--python", str(tmp / "venv" / "bin" / "python"),
          "install", "--quiet", "--no-compile", "--disable-pip-version-check", str(wheel)],
         timeout=600)
    return {"tmp": tmp, "bin": tmp / "venv" / "bin", "wheel": wheel}


def _learner_env(tmp: Path) -> dict[str, str]:
    """A learner's shell: a fresh HOME and XDG folders, none of the test's k8slab settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("K8SLAB_", "XDG_", "VIRTUAL_ENV", "PYTHON"))}
    home = tmp / "home"
    for sub in ("", "data", "cache"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    env.update({"HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
                "XDG_CACHE_HOME": str(home / "cache")})
    return env


def test_the_installed_command_copies_the_course(installed):
    tmp, bindir = installed["tmp"], installed["bin"]
    work = tmp / "work"
    work.mkdir()
    env = _learner_env(tmp)
    k8slab = str(bindir / "k8slab")

    helped = _run([k8slab, "--help"], cwd=work, env=env)
    assert "course" in helped.stdout and "lab" in helped.stdout

    # No course here yet: `k8slab lab` says how to get one (before any cluster).
    refused = subprocess.run([k8slab, "lab"], cwd=work, env=env, capture_output=True,
                             text=True, timeout=60)
    assert refused.returncode == 1
    assert "k8slab course" in refused.stderr

    copied = _run([k8slab, "course", "my-course"], cwd=work, env=env)
    dest = work / "my-course"
    assert "k8slab lab" in copied.stdout
    for edition in (ROOT / "notebooks", ROOT / "notebooks" / "fr"):
        names = sorted(p.name for p in edition.glob("*.ipynb"))
        assert len(names) >= 14
        here = dest / edition.relative_to(ROOT / "notebooks")
        assert sorted(p.name for p in here.glob("*.ipynb")) == names
        for name in names:
            assert (here / name).read_bytes() == (edition / name).read_bytes()
    manifests = {p.relative_to(ROOT / "manifests"): p.read_bytes()
                 for p in (ROOT / "manifests").rglob("*") if p.is_file()}
    assert {p.relative_to(dest / "manifests"): p.read_bytes()
            for p in (dest / "manifests").rglob("*") if p.is_file()} == manifests
    assert (dest / "fr" / "manifests" / "kind-cluster.yaml").is_file()

    # The learner's work is kept: a saved notebook stops a second copy.
    (dest / "01-getting-started.ipynb").write_text("{}")
    again = subprocess.run([k8slab, "course", "my-course"], cwd=work, env=env,
                           capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "--force" in again.stderr
    assert (dest / "01-getting-started.ipynb").read_text() == "{}"

    # In the copy, `k8slab lab` finds the course and goes on to the cluster it needs.
    in_copy = subprocess.run([k8slab, "lab"], cwd=dest, env=env, capture_output=True,
                             text=True, timeout=60)
    assert in_copy.returncode == 1
    assert "No lab cluster is running" in in_copy.stderr, in_copy.stderr


def test_the_installed_package_keeps_its_files_in_the_users_folders(installed):
    tmp, bindir = installed["tmp"], installed["bin"]
    env = _learner_env(tmp)
    work = tmp / "paths"
    work.mkdir()
    script = ("import json; from k8slab._base import paths as p; print(json.dumps({"
              "'checkout': p.IN_CHECKOUT, 'root': str(p.PROJECT_ROOT), "
              "'state': str(p.state_dir()), 'cache': str(p.cache_dir()), "
              "'tools': str(p.tools_src_dir()), 'manifests': str(p.manifests_dir())}))")
    found = json.loads(_run([str(bindir / "python"), "-c", script], cwd=work,
                            env=env).stdout)
    home = Path(env["HOME"])
    assert found["checkout"] is False
    site = Path(_run([str(bindir / "python"), "-c", "import k8slab, os; "
                      "print(os.path.dirname(k8slab.__file__))"], cwd=work, env=env).stdout
                .strip())
    assert Path(found["root"]) == site / "_data"
    if sys.platform.startswith("linux"):
        assert Path(found["state"]) == (home / "data" / "k8slab").resolve()
        assert Path(found["cache"]) == home / "cache" / "k8slab"
    # Every Go wrapper module and manifest the library builds or applies is shipped.
    shipped = {p.relative_to(found["tools"]) for p in Path(found["tools"]).rglob("*")
               if p.is_file()}
    tracked = {Path(n).relative_to("tools") for n in _run(
        ["git", "ls-files", "tools"], cwd=ROOT).stdout.split()}
    assert tracked and shipped == tracked
    assert (Path(found["manifests"]) / "kind-cluster.yaml").is_file()
    # The overrides still win.
    env2 = {**env, "K8SLAB_STATE": str(tmp / "st"), "K8SLAB_CACHE": str(tmp / "ca")}
    found2 = json.loads(_run([str(bindir / "python"), "-c", script], cwd=work,
                             env=env2).stdout)
    assert found2["state"] == str((tmp / "st").resolve())
    assert found2["cache"] == str((tmp / "ca").resolve())
