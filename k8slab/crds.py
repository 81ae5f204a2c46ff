"""Custom kinds: read a CRD's schema, wait on a custom status, remove a shared CRD.

What kopf (the operator framework notebook 11 uses) does not do for a lesson:
show the fields a CustomResourceDefinition declares as a table, give
``lab.wait`` a rule on a custom object's ``status``, and delete a cluster-wide
CRD only when no other namespace still has objects of its kind.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pandas as pd
from kubernetes.client.exceptions import ApiException

from k8slab._core.api_errors import translate
from k8slab._core.resources import dynamic, resource_for

__all__ = [
    "WEBSITE_CRD", "custom_objects_elsewhere", "remove_crd_if_unused",
    "resource_cache_forget", "schema_frame", "status_matches",
]

#: The CRD of notebook 11's ``Website`` kind (manifests/11-extending-crd.yaml).
WEBSITE_CRD = "websites.k8slab.io"


def status_matches(**want: Any) -> Callable[[dict], tuple[bool, str]]:
    """A rule for ``lab.wait(..., until=...)``: ``status`` has these values.

    Example:
        >>> rule = status_matches(phase="Ready", readyReplicas=3)
        >>> rule({"status": {"phase": "Progressing", "readyReplicas": 1}})
        (False, 'status phase=Progressing, readyReplicas=1 (want phase=Ready, readyReplicas=3)')
    """
    def rule(obj: dict) -> tuple[bool, str]:
        status = obj.get("status") or {}
        have = ", ".join(f"{k}={status.get(k)}" for k in want)
        if all(status.get(k) == v for k, v in want.items()):
            return True, f"status {have}"
        return False, f"status {have} (want {', '.join(f'{k}={v}' for k, v in want.items())})"
    return rule


def schema_frame(crd: dict, version: str | None = None, part: str = "spec") -> pd.DataFrame:
    """The fields of ``spec`` (or ``status``) a CRD declares: type, constraints, default.

    Example:
        >>> crd = lab.get("CustomResourceDefinition", "websites.k8slab.io")  # doctest: +SKIP
        >>> schema_frame(crd)                                                # doctest: +SKIP
    """
    versions = (crd.get("spec") or {}).get("versions") or []
    chosen = next((v for v in versions if v.get("name") == version or
                   (version is None and v.get("storage"))), versions[0] if versions else {})
    root = ((chosen.get("schema") or {}).get("openAPIV3Schema") or {})
    node = (root.get("properties") or {}).get(part) or {}
    required = set(node.get("required") or [])
    rows = []
    for field, prop in (node.get("properties") or {}).items():
        rules = [f"{k} {prop[k]}" for k in ("minimum", "maximum", "minLength", "maxLength",
                                            "pattern") if k in prop]
        if "enum" in prop:
            rules.append("one of " + ", ".join(map(str, prop["enum"])))
        rows.append({"field": f"{part}.{field}", "type": prop.get("type", ""),
                     "required": field in required, "rules": "; ".join(rules),
                     "default": prop.get("default", ""),
                     "description": prop.get("description", "")})
    return pd.DataFrame(rows, columns=["field", "type", "required", "rules", "default",
                                       "description"])


def custom_objects_elsewhere(crd: dict, namespace: str) -> list[str]:
    """``namespace/name`` of the CRD's objects outside ``namespace`` (who else uses it)."""
    spec = crd["spec"]
    version = next((v["name"] for v in spec["versions"] if v.get("storage")),
                   spec["versions"][0]["name"])
    res = resource_for(spec["names"]["kind"], f"{spec['group']}/{version}")
    try:
        items = dynamic().get(res).items
    except ApiException as exc:
        if exc.status == 404:
            return []
        raise translate(exc, action="list", kind=spec["names"]["kind"]) from exc
    return sorted(f"{i.metadata.namespace}/{i.metadata.name}" for i in items
                  if i.metadata.namespace != namespace)


def remove_crd_if_unused(name: str, namespace: str, *, timeout: float = 60) -> bool:
    """Delete a CRD unless objects of its kind exist outside ``namespace``.

    A CRD is cluster-wide, and deleting it deletes *every* object of its kind
    in every namespace. Several notebooks (or learners) may share it, so the
    clean-up removes it only when nobody else has objects of that kind.

    Returns:
        True if the CRD was deleted (or was already gone), False if kept.
    """
    from k8slab._core.resources import delete, exists, get

    if not exists("CustomResourceDefinition", name):
        return True
    others = custom_objects_elsewhere(get("CustomResourceDefinition", name), namespace)
    if others:
        print(f"Kept CRD {name}: other namespaces still have objects of its kind "
              f"({', '.join(others[:5])}{'...' if len(others) > 5 else ''}).")
        return False
    delete("CustomResourceDefinition", name, wait=True, timeout=timeout)
    resource_cache_forget()
    return True


def resource_cache_forget() -> None:
    """Drop the cached API discovery, so a deleted CRD's kind is not used any more."""
    with contextlib.suppress(Exception):  # discovery refresh is best effort
        dynamic().resources.invalidate_cache()
