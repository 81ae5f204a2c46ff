"""pandas tables of cluster objects: what ``kubectl get`` shows, as DataFrames.

Builders are pure functions from object dicts to a DataFrame, so they are
unit-tested on objects captured from a live cluster and usable in code
(``df[df.phase == "Running"]``); :func:`table` fetches and builds in one call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from k8slab._base import display as _display
from k8slab._base.frames import dataframe
from k8slab._core.objects import age, is_true, selector_string
from k8slab._core.resources import list_, resource_for
from k8slab._views.storage import claims_frame, volumes_frame

if TYPE_CHECKING:
    import pandas as pd


def _meta(obj: dict) -> dict:
    return obj.get("metadata") or {}


def _owner(obj: dict) -> str:
    owners = _meta(obj).get("ownerReferences") or []
    return ", ".join(f"{o['kind']}/{o['name']}" for o in owners)


def pod_status(pod: dict) -> str:
    """The STATUS column of ``kubectl get pods`` (waiting reasons, Terminating...)."""
    status = pod.get("status") or {}
    if _meta(pod).get("deletionTimestamp"):
        return "Terminating"
    for cs in status.get("containerStatuses") or []:
        state = cs.get("state") or {}
        if state.get("waiting", {}).get("reason"):
            return state["waiting"]["reason"]
        if state.get("terminated", {}).get("reason") and status.get("phase") not in (
                "Succeeded", "Failed"):
            return state["terminated"]["reason"]
    return status.get("phase", "Pending")


def pods_frame(pods: list[dict]) -> pd.DataFrame:
    """Columns: name, phase, status, ready, restarts, node, ip, age, owner."""
    rows = []
    for pod in pods:
        status = pod.get("status") or {}
        statuses = status.get("containerStatuses") or []
        containers = (pod.get("spec") or {}).get("containers") or []
        rows.append({
            "name": _meta(pod).get("name"),
            "phase": status.get("phase", "Pending"),
            "status": pod_status(pod),
            "ready": f"{sum(1 for c in statuses if c.get('ready'))}/{len(containers)}",
            "restarts": sum(int(c.get("restartCount", 0)) for c in statuses),
            "node": (pod.get("spec") or {}).get("nodeName") or "",
            "ip": status.get("podIP") or "",
            "age": age(_meta(pod).get("creationTimestamp")),
            "owner": _owner(pod),
        })
    return _frame(rows, ["name", "phase", "status", "ready", "restarts", "node", "ip", "age",
                         "owner"])


def deployments_frame(items: list[dict]) -> pd.DataFrame:
    """Columns: name, ready, up_to_date, available, replicas, images, age."""
    rows = []
    for d in items:
        status, spec = d.get("status") or {}, d.get("spec") or {}
        containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
        want = spec.get("replicas", 1)
        rows.append({
            "name": _meta(d).get("name"),
            "ready": f"{status.get('readyReplicas', 0)}/{want}",
            "up_to_date": status.get("updatedReplicas", 0),
            "available": status.get("availableReplicas", 0),
            "replicas": want,
            "images": ", ".join(c.get("image", "") for c in containers),
            "age": age(_meta(d).get("creationTimestamp")),
        })
    return _frame(rows, ["name", "ready", "up_to_date", "available", "replicas", "images",
                         "age"])


def replicasets_frame(items: list[dict]) -> pd.DataFrame:
    """Columns: name, desired, current, ready, revision, owner, images, age."""
    rows = []
    for rs in items:
        status, spec = rs.get("status") or {}, rs.get("spec") or {}
        containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
        rows.append({
            "name": _meta(rs).get("name"),
            "desired": spec.get("replicas", 0),
            "current": status.get("replicas", 0),
            "ready": status.get("readyReplicas", 0),
            "revision": (_meta(rs).get("annotations") or {}).get(
                "deployment.kubernetes.io/revision", ""),
            "owner": _owner(rs),
            "images": ", ".join(c.get("image", "") for c in containers),
            "age": age(_meta(rs).get("creationTimestamp")),
        })
    return _frame(rows, ["name", "desired", "current", "ready", "revision", "owner", "images",
                         "age"])


def services_frame(services: list[dict], slices: list[dict] | None = None) -> pd.DataFrame:
    """Columns: name, type, cluster_ip, ports, selector, endpoints, age.

    ``endpoints`` lists the ready addresses from the Service's EndpointSlices.
    """
    by_service: dict[str, list[str]] = {}
    for s in slices or []:
        owner = (_meta(s).get("labels") or {}).get("kubernetes.io/service-name")
        ports = [p.get("port") for p in s.get("ports") or []]
        for ep in s.get("endpoints") or []:
            if (ep.get("conditions") or {}).get("ready") is False:
                continue
            for addr in ep.get("addresses") or []:
                by_service.setdefault(owner, []).extend(
                    f"{addr}:{p}" for p in ports if p is not None)
    rows = []
    for svc in services:
        spec = svc.get("spec") or {}
        name = _meta(svc).get("name")
        ports = []
        for p in spec.get("ports") or []:
            text = f"{p.get('port')}/{p.get('protocol', 'TCP')}"
            if p.get("nodePort"):
                text = f"{p.get('port')}:{p['nodePort']}/{p.get('protocol', 'TCP')}"
            ports.append(text)
        rows.append({
            "name": name,
            "type": spec.get("type", "ClusterIP"),
            "cluster_ip": spec.get("clusterIP", ""),
            "ports": ", ".join(ports),
            "selector": selector_string(spec.get("selector")) or "",
            "endpoints": ", ".join(sorted(by_service.get(name, []))),
            "age": age(_meta(svc).get("creationTimestamp")),
        })
    return _frame(rows, ["name", "type", "cluster_ip", "ports", "selector", "endpoints", "age"])


def events_frame(events: list[dict]) -> pd.DataFrame:
    """Columns: last_seen, type, reason, object, message (oldest first)."""
    rows = []
    for ev in events:
        involved = ev.get("involvedObject") or ev.get("regarding") or {}
        when = (ev.get("lastTimestamp") or ev.get("eventTime")
                or _meta(ev).get("creationTimestamp"))
        rows.append({
            "time": str(when or ""),
            "last_seen": age(when),
            "type": ev.get("type", ""),
            "reason": ev.get("reason", ""),
            "object": f"{involved.get('kind', '').lower()}/{involved.get('name', '')}",
            "message": ev.get("message") or ev.get("note") or "",
        })
    frame = _frame(rows, ["time", "last_seen", "type", "reason", "object", "message"])
    return frame.sort_values("time", kind="stable").drop(columns="time").reset_index(drop=True)


def nodes_frame(nodes: list[dict]) -> pd.DataFrame:
    """Columns: name, status, roles, cpu, memory, pods, version, internal_ip, age."""
    rows = []
    for n in nodes:
        status = n.get("status") or {}
        ready = is_true(n, "Ready")
        labels = _meta(n).get("labels") or {}
        roles = [k.split("/", 1)[1] for k in labels if k.startswith("node-role.kubernetes.io/")]
        alloc = status.get("allocatable") or {}
        rows.append({
            "name": _meta(n).get("name"),
            "status": "Ready" if ready else "NotReady",
            "roles": ",".join(roles) or "<none>",
            "cpu": alloc.get("cpu", ""),
            "memory": alloc.get("memory", ""),
            "pods": alloc.get("pods", ""),
            "version": (status.get("nodeInfo") or {}).get("kubeletVersion", ""),
            "internal_ip": next((a.get("address") for a in status.get("addresses") or []
                                 if a.get("type") == "InternalIP"), ""),
            "age": age(_meta(n).get("creationTimestamp")),
        })
    return _frame(rows, ["name", "status", "roles", "cpu", "memory", "pods", "version",
                         "internal_ip", "age"])


def generic_frame(items: list[dict]) -> pd.DataFrame:
    """Any kind: name, namespace, age (and phase when the object has one)."""
    rows = [{
        "name": _meta(o).get("name"),
        "namespace": _meta(o).get("namespace", ""),
        "phase": (o.get("status") or {}).get("phase", "") if isinstance(o.get("status"), dict)
        else "",
        "age": age(_meta(o).get("creationTimestamp")),
    } for o in items]
    return _frame(rows, ["name", "namespace", "phase", "age"])


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return dataframe(rows, columns=columns)


_BUILDERS: dict[str, Callable[[list[dict]], pd.DataFrame]] = {
    "Pod": pods_frame,
    "Deployment": deployments_frame,
    "ReplicaSet": replicasets_frame,
    "Event": events_frame,
    "Node": nodes_frame,
}


def table(kind: str, namespace: str | None = None, *, labels: str | dict | None = None
          ) -> pd.DataFrame:
    """Fetch objects and return them as a DataFrame, like ``kubectl get KIND``.

    Pods, Deployments, ReplicaSets, Services (with their endpoints), Events and
    Nodes get dedicated columns; any other kind gets name, namespace, phase, age.

    Example:
        >>> lab.table("Pod", "demo")                        # doctest: +SKIP
                       name    phase   status ready  restarts      node  ...
    """
    res = resource_for(kind)
    items = list_(res.kind, namespace, labels=labels)
    if res.kind == "Service":
        with _display.quiet():
            slices = list_("EndpointSlice", namespace)
        return services_frame(items, slices)
    if res.kind in ("PersistentVolume", "PersistentVolumeClaim"):

        return (volumes_frame if res.kind == "PersistentVolume" else claims_frame)(items)
    return _BUILDERS.get(res.kind, generic_frame)(items)


def events(namespace: str | None = None, *, object_name: str | None = None) -> pd.DataFrame:
    """Recent Events (oldest first), optionally only those about one object."""
    frame = table("Event", namespace)
    if object_name:
        frame = frame[frame["object"].str.endswith("/" + object_name)].reset_index(drop=True)
    return frame
