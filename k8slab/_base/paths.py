"""Where k8slab keeps its state and its cached binaries, and where the course's files are.

Two places, on purpose: the lab *state* (kubeconfig, logs, the kwok work
folder) lives inside the project, so that deleting the project deletes the lab
and nothing leaks into ``~/.kube``; the *binaries* are cached per version
outside the project, because building them takes minutes and every clone of
the project can share them.

Installed from a wheel (``pip install k8slab``, ``pipx install .``) there is no
project folder: the state goes to the user's data folder and the cache to the
user's cache folder, as each platform names them (platformdirs:
``~/.local/share/k8slab`` and ``~/.cache/k8slab`` on Linux,
``~/Library/Application Support/k8slab`` and ``~/Library/Caches/k8slab`` on
macOS), and the course's files (notebooks, manifests, the Go wrapper modules)
come from the copy shipped inside the package, ``k8slab/_data/`` (setup.py puts
it there when the wheel is built). ``K8SLAB_STATE`` and ``K8SLAB_CACHE`` win in
both cases.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

#: The ``k8slab`` package folder.
PACKAGE_DIR = Path(__file__).resolve().parents[1]


def _is_checkout(root: Path) -> bool:
    """A source checkout holds the package beside ``pyproject.toml`` and the course."""
    return all((root / name).exists() for name in ("pyproject.toml", "notebooks", "manifests"))


#: True when k8slab runs from a source checkout (a clone, ``pip install -e .``),
#: False when it was installed from a wheel (pip, pipx).
IN_CHECKOUT = _is_checkout(PACKAGE_DIR.parent)

#: The folder holding the course's ``notebooks/``, ``manifests/`` and ``tools/``: the
#: root of the source checkout, or the copy shipped in an installed package.
PROJECT_ROOT = PACKAGE_DIR.parent if IN_CHECKOUT else PACKAGE_DIR / "_data"


def state_dir() -> Path:
    """The folder for the lab's state: ``.k8slab/`` in a checkout (ignored by git).

    ``K8SLAB_STATE`` overrides it, which lets tests and several checkouts keep
    their clusters apart. An installed k8slab has no project folder, so it
    keeps its state in the user's data folder.
    """
    override = os.environ.get("K8SLAB_STATE")
    if override:
        path = Path(override)
    elif IN_CHECKOUT:
        path = PROJECT_ROOT / ".k8slab"
    else:
        path = platformdirs.user_data_path("k8slab", appauthor=False)
    return path.resolve()


def kubeconfig_path() -> Path:
    """The lab kubeconfig: the only kubeconfig k8slab ever writes."""
    return state_dir() / "kubeconfig.yaml"


def cluster_record_path() -> Path:
    """A small JSON file describing the running lab cluster (engine, context, ...)."""
    return state_dir() / "cluster.json"


def logs_dir() -> Path:
    """Where k8slab writes the logs of the processes it starts."""
    return state_dir() / "logs"


def cache_dir() -> Path:
    """The per-user cache of built or downloaded binaries, outside the project.

    ``~/.cache/k8slab`` from a checkout (``$XDG_CACHE_HOME/k8slab`` when set), the
    platform's user cache folder when installed; ``K8SLAB_CACHE`` overrides both.
    """
    override = os.environ.get("K8SLAB_CACHE")
    if override:
        return Path(override).resolve()
    if not IN_CHECKOUT:
        return platformdirs.user_cache_path("k8slab", appauthor=False)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "k8slab"


def tools_src_dir() -> Path:
    """The wrapper Go modules that pin each tool's version (``tools/`` in the repo).

    Installed, the package's copy (``k8slab/_data/tools``): ``go build`` runs in
    it, and writes nothing there while each ``go.sum`` is complete (kept so in git).
    """
    return PROJECT_ROOT / "tools"


def manifests_dir() -> Path:
    """The course manifests (``manifests/`` in the repo, ``k8slab/_data/manifests`` installed)."""
    return PROJECT_ROOT / "manifests"


def notebooks_dir() -> Path:
    """The course notebooks, both editions (``notebooks/`` and ``notebooks/fr/``)."""
    return PROJECT_ROOT / "notebooks"
