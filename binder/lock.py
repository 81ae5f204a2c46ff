"""Print the exact versions of k8slab's ``[lab]`` dependencies installed here: Binder's lock.

Why: ``binder/requirements.txt`` pins every package a Binder session imports
(k8slab's own dependencies, its ``[lab]`` extra, and all theirs), so that an
image built next month runs the versions the tests ran. It is written from an
environment where the project was installed and tested, never by hand:

    python -m venv /tmp/lockenv && /tmp/lockenv/bin/pip install -e ".[lab]"
    /tmp/lockenv/bin/python binder/lock.py > binder/requirements.txt

k8slab itself is not in the lock: postBuild installs it from the copy of the
repository (editable, so its notebooks and manifests are where it looks).
"""

from __future__ import annotations

import re
from importlib import metadata

from packaging.requirements import Requirement

ROOT_PACKAGE = "k8slab"
EXTRAS = {"lab"}


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def closure() -> dict[str, str]:
    """Every distribution ``k8slab[lab]`` needs here, transitively: name -> version."""
    found: dict[str, str] = {}
    todo: list[tuple[str, set[str]]] = [(ROOT_PACKAGE, EXTRAS)]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        if (_key(name), frozenset(extras)) in seen:
            continue
        seen.add((_key(name), frozenset(extras)))
        dist = metadata.distribution(name)
        if _key(name) != ROOT_PACKAGE:
            found[dist.metadata["Name"]] = dist.version
        for line in dist.requires or []:
            req = Requirement(line)
            marker_env = [{"extra": e} for e in (extras or {""})]
            if req.marker and not any(req.marker.evaluate(env) for env in marker_env):
                continue
            todo.append((req.name, set(req.extras)))
    return found


def main() -> None:
    print("# Binder's lock: exact versions of k8slab[lab]'s dependencies (binder/lock.py).")
    for name, version in sorted(closure().items(), key=lambda kv: _key(kv[0])):
        print(f"{name}=={version}")


if __name__ == "__main__":
    main()
