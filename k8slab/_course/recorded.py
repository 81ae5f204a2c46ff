"""Values a notebook records for its tests to read back (``lab.record``).

Not to be confused with :mod:`k8slab._base.cluster_record` (``cluster.json``, the record of
the running lab cluster).

A papermill test should assert on what a notebook *produced*, not only that it
ran. :func:`record` displays a value with a k8slab-specific MIME type that the
test harness (``tests/notebooks``) extracts from the executed notebook; a
learner just sees a small line of text.
"""

from __future__ import annotations

import json
from typing import Any

from k8slab._base.display import in_notebook

MIME = "application/vnd.k8slab.record+json"


def record(name: str, value: Any) -> Any:
    """Record a named value in the notebook's output and return it unchanged.

    Example:
        >>> _ = record("replicas", 3)
        recorded replicas = 3
    """
    payload = json.loads(json.dumps({"name": name, "value": value}, default=str))
    if in_notebook():
        from IPython.display import display

        display({MIME: payload, "text/plain": f"recorded {name} = {value!r}"}, raw=True)
    else:
        print(f"recorded {name} = {value!r}")
    return value


def extract(notebook: dict) -> dict[str, list[Any]]:
    """All values recorded in an executed notebook (as parsed JSON), by name, in order."""
    found: dict[str, list[Any]] = {}
    for cell in notebook.get("cells", []):
        for out in cell.get("outputs", []) or []:
            data = (out.get("data") or {}).get(MIME)
            if data:
                if isinstance(data, str):
                    data = json.loads(data)
                found.setdefault(data["name"], []).append(data["value"])
    return found
