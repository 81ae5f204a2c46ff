"""Where k8slab keeps its state and its cached binaries.

Two places, on purpose: the lab *state* (kubeconfig, logs, the kwok work
folder) lives inside the project, so that deleting the project deletes the lab
and nothing leaks into ``~/.kube``; the *binaries* are cached per version
outside the project, because building them takes minutes and every clone of
the project can share them.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Root of the source checkout (the folder holding ``pyproject.toml``).
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def state_dir() -> Path:
    """The project-local folder for the lab's state (ignored by git).

    ``K8SLAB_STATE`` overrides it, which lets tests and several checkouts keep
    their clusters apart.
    """
    override = os.environ.get("K8SLAB_STATE")
    path = Path(override) if override else PROJECT_ROOT / ".k8slab"
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
    """The per-user cache of built or downloaded binaries, outside the project."""
    override = os.environ.get("K8SLAB_CACHE")
    if override:
        return Path(override).resolve()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "k8slab"


def tools_src_dir() -> Path:
    """The wrapper Go modules that pin each tool's version (``tools/`` in the repo)."""
    return PROJECT_ROOT / "tools"


def manifests_dir() -> Path:
    """The course manifests (``manifests/`` in the repo)."""
    return PROJECT_ROOT / "manifests"
