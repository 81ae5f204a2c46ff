"""Look at the cluster itself: raw API paths, API discovery, components, event stories.

Kubernetes describes itself through its API: ``/version`` and ``/readyz`` say
who answers and whether it is healthy, the discovery documents under ``/api``
and ``/apis`` list every kind it serves, Leases show which control-plane
components are alive, and Events tell, component by component, what each one
did. These helpers turn those answers into short strings and pandas tables, so
a notebook can show the architecture from evidence instead of a diagram.

Builders (``resources_frame``, ``components_frame``, ``story_frame``) are pure
functions over the API's JSON, testable on captured documents; the other
functions fetch and build.

Example:
    >>> import k8slab as lab
    >>> lab.get_raw("/version")["gitVersion"]                      # doctest: +SKIP
    'v1.36.3'
    >>> lab.api_resources().query("kind == 'Deployment'")          # doctest: +SKIP
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

import urllib3.exceptions
from kubernetes import watch as k8s_watch
from kubernetes.client.exceptions import ApiException

from k8slab._base import display as _display
from k8slab._base.frames import dataframe
from k8slab._base.paths import state_dir
from k8slab._core import request
from k8slab._core import target as _target
from k8slab._core.api_errors import translate
from k8slab._core.client import connect
from k8slab._core.objects import parse_time
from k8slab._core.resources import dynamic, list_, resource_for
from k8slab.errors import WaitTimeout

if TYPE_CHECKING:
    import pandas as pd

#: The components the course names, in the order of the architecture diagram.
COMPONENTS: tuple[tuple[str, str], ...] = (
    ("kube-apiserver", "control plane"),
    ("etcd", "control plane"),
    ("kube-controller-manager", "control plane"),
    ("kube-scheduler", "control plane"),
    ("cloud-controller-manager", "control plane"),
    ("kubelet", "worker"),
    ("kube-proxy", "worker"),
    ("container runtime", "worker"),
)


def get_raw(path: str) -> Any:
    """GET any path of the API server, like ``kubectl get --raw PATH``.

    Args:
        path: an API path with an optional query, e.g. ``"/readyz?verbose"``.

    Returns:
        The parsed JSON document, or the text when the answer is not JSON
        (health endpoints answer plain text).

    Raises:
        ApiError: the API server answered an error (404 for an unknown path).

    Example:
        >>> print(lab.get_raw("/livez?verbose"))                   # doctest: +SKIP
        [+]ping ok
        [+]etcd ok
        ...
    """
    parts = urlsplit(path)
    route = parts.path if parts.path.startswith("/") else "/" + parts.path
    query = parse_qsl(parts.query, keep_blank_values=True)
    # No object: the path itself is what the error message names.
    response = request.send(
        f"GET {path}", kubectl=_display.kubectl("get", "--raw", path), method="GET", path=path,
        call=lambda: connect().call_api(route, "GET", query_params=query,
                                        header_params={"Accept": "application/json, */*"},
                                        auth_settings=["BearerToken"],
                                        _preload_content=False))
    text = response.data.decode("utf-8", errors="replace")
    if "json" in (response.headers.get("Content-Type") or ""):
        return json.loads(text)
    return text


def resources_frame(resource_lists: Iterable[dict]) -> pd.DataFrame:
    """One row per kind from discovery documents (``APIResourceList``), subresources left out.

    Columns: kind, resource (the plural name in URLs), group (``""`` is the
    core group), version, api_version (what a manifest's ``apiVersion`` says),
    namespaced, verbs, short_names.
    """
    rows = []
    for doc in resource_lists:
        group_version = doc.get("groupVersion", "")
        group, _, version = group_version.rpartition("/")
        for res in doc.get("resources") or []:
            if "/" in res.get("name", ""):
                continue
            rows.append({
                "kind": res.get("kind"),
                "resource": res.get("name"),
                "group": group,
                "version": version,
                "api_version": group_version,
                "namespaced": bool(res.get("namespaced")),
                "verbs": sorted(res.get("verbs") or []),
                "short_names": list(res.get("shortNames") or []),
            })
    columns = ["kind", "resource", "group", "version", "api_version", "namespaced", "verbs",
               "short_names"]
    frame = dataframe(rows, columns=columns)
    return frame.sort_values(["group", "kind"], kind="stable").reset_index(drop=True)


def _group_versions(all_versions: bool) -> list[str]:
    core = get_raw("/api")
    groups = get_raw("/apis")
    found = list(core.get("versions") or [])
    for group in groups.get("groups") or []:
        if all_versions:
            found += [v["groupVersion"] for v in group.get("versions") or []]
        else:
            found.append(group["preferredVersion"]["groupVersion"])
    return found


def api_groups() -> pd.DataFrame:
    """The API groups the server serves, their versions and the preferred one.

    Columns: group (``""`` for the core group, served under ``/api``),
    versions, preferred.

    Example:
        >>> lab.api_groups().query("group == 'autoscaling'")       # doctest: +SKIP
                 group versions preferred
        5  autoscaling [v2, v1]        v2
    """
    core = get_raw("/api")
    groups = get_raw("/apis")
    rows = [{"group": "", "versions": list(core.get("versions") or []),
             "preferred": (core.get("versions") or [""])[0]}]
    for group in groups.get("groups") or []:
        rows.append({"group": group["name"],
                     "versions": [v["version"] for v in group.get("versions") or []],
                     "preferred": group["preferredVersion"]["version"]})
    return dataframe(rows, columns=["group", "versions", "preferred"])


def api_resources(*, all_versions: bool = False) -> pd.DataFrame:
    """Every kind the cluster serves, like ``kubectl api-resources -o wide``.

    Discovery is plain HTTP: ``GET /api`` and ``GET /apis`` list the groups
    and versions, then one ``GET`` per group version lists its kinds. A
    CustomResourceDefinition adds rows here as soon as it is established.

    Args:
        all_versions: one row per served version (``autoscaling/v1`` *and*
            ``autoscaling/v2``); by default only each group's preferred version.

    Example:
        >>> kinds = lab.api_resources()                            # doctest: +SKIP
        >>> kinds[~kinds.namespaced].kind.tolist()                 # doctest: +SKIP
        ['Namespace', 'Node', 'PersistentVolume', ...]
    """
    _display.announce(_display.kubectl("api-resources", "-o", "wide"), "GET", "/apis")
    with _display.quiet():
        documents = []
        for group_version in _group_versions(all_versions):
            prefix = "/api/" if "/" not in group_version else "/apis/"
            documents.append(get_raw(prefix + group_version))
    return resources_frame(documents)



def _seconds_ago(value: Any, now: datetime) -> str:
    moment = parse_time(value)
    return f"{max(0, int((now - moment).total_seconds()))}s ago" if moment else "never"


def _own_pods(pods: list[dict], prefix: str) -> list[dict]:
    return [p for p in pods if p["metadata"]["name"].startswith(prefix + "-")]


def _where(pods: list[dict], default: str) -> str:
    if not pods:
        return default
    first = pods[0]
    node = (first.get("spec") or {}).get("nodeName") or "?"
    more = f" (+{len(pods) - 1} more)" if len(pods) > 1 else ""
    return f"pod {first['metadata']['name']} on {node}{more}"


def components_frame(*, version: str, readyz: str, leases: list[dict], node_leases: list[dict],
                     pods: list[dict], daemonsets: list[dict], nodes: list[dict],
                     proxy_events: Iterable[dict] = (),
                     node_processes: dict[str, int] | None = None,
                     now: datetime | None = None) -> pd.DataFrame:
    """The architecture map: each component, whether it is found, where it runs, the evidence.

    Pure: it takes what :func:`components` fetched (the ``/version`` git
    version, the ``/readyz?verbose`` text, Leases of ``kube-system`` and
    ``kube-node-lease``, pods and DaemonSets of ``kube-system``, Nodes, the
    Events kube-proxy wrote, and the node programs the host engine runs here,
    name -> pid). Control-plane programs that are not pods (the kwok and host
    engines, managed clusters) are "outside the cluster's pods": the evidence
    still proves they work, because every component reports to the API server.
    kube-proxy is the exception: it only reads the API, and its one trace, a
    ``Starting`` Event, expires after an hour; where it runs as a process of
    the host engine, that process is the evidence.
    """
    now = now or datetime.now(UTC)
    outside = "a process outside the cluster's pods"
    by_name = {lease["metadata"]["name"]: lease for lease in leases}
    identity = [lease for lease in leases if ((lease["metadata"].get("labels") or {})
                .get("apiserver.kubernetes.io/identity") == "kube-apiserver")]
    info = [(n.get("status") or {}).get("nodeInfo") or {} for n in nodes]
    kubelets = sorted({i.get("kubeletVersion", "") for i in info} - {""})
    runtimes = sorted({i.get("containerRuntimeVersion", "") for i in info} - {""})
    simulated = any(v.startswith("kwok") for v in kubelets)
    etcd_line = next((line for line in readyz.splitlines() if line.startswith(("[+]etcd",
                                                                              "[-]etcd"))), "")
    rows: dict[str, tuple[bool, str, str]] = {}
    rows["kube-apiserver"] = (
        bool(version), _where(_own_pods(pods, "kube-apiserver"), outside),
        f"GET /version: {version}; {len(identity)} identity Lease(s)")
    rows["etcd"] = (
        etcd_line.startswith("[+]"), _where(_own_pods(pods, "etcd"), outside),
        f"/readyz check: {etcd_line or 'no etcd line'}")
    for name in ("kube-controller-manager", "kube-scheduler", "cloud-controller-manager"):
        lease = by_name.get(name)
        renewed = _seconds_ago((lease or {}).get("spec", {}).get("renewTime"), now)
        rows[name] = (
            lease is not None, _where(_own_pods(pods, name), outside if lease else "not running"),
            f"Lease {name} renewed {renewed}" if lease else f"no Lease {name}")
    rows["kubelet"] = (
        bool(kubelets), ("simulated by kwok, one per node" if simulated
                         else "an agent on each node (not a pod)") if kubelets else "no node",
        f"{len(nodes)} node(s) report {', '.join(kubelets) or '-'}; "
        f"{len(node_leases)} node Lease(s)")
    proxy_ds = [d for d in daemonsets if d["metadata"]["name"] == "kube-proxy"]
    proxy_pods = _own_pods(pods, "kube-proxy")
    started = sorted(t for t in (parse_time(e.get("lastTimestamp") or e.get("eventTime"))
                                 for e in proxy_events if e.get("reason") == "Starting") if t)
    proxy_pid = (node_processes or {}).get("kube-proxy")
    if proxy_ds or proxy_pods:
        rows["kube-proxy"] = (
            True, (f"DaemonSet kube-proxy ({len(proxy_pods)} pods)" if proxy_ds
                   else _where(proxy_pods, "not running")),
            "DaemonSet kube-proxy in kube-system" if proxy_ds else "kube-proxy pods in kube-system")
    elif proxy_pid or started:
        seen = f"Event Starting from kube-proxy {_seconds_ago(started[-1], now)}" if started else ""
        rows["kube-proxy"] = (
            True, "a process on this machine (the host engine's node), not a pod" if proxy_pid
            else "a process on each node (not a pod)",
            "; ".join(part for part in (seen, f"pid {proxy_pid}, run by k8slab" if proxy_pid
                                        else "") if part))
    else:
        rows["kube-proxy"] = (False, "not running", "no kube-proxy DaemonSet, pod or Event")
    rows["container runtime"] = (
        bool(runtimes), ("simulated by kwok" if simulated else "on each node, driven by the "
                         "kubelet through the CRI") if runtimes else "no node",
        f"nodes report {', '.join(runtimes) or '-'}")
    table = [{"component": name, "plane": plane, "found": rows[name][0], "runs_as": rows[name][1],
              "evidence": rows[name][2]} for name, plane in COMPONENTS]
    return dataframe(table, columns=["component", "plane", "found", "runs_as", "evidence"])


def components() -> pd.DataFrame:
    """Which Kubernetes components run in this cluster, where, and the evidence for each.

    Everything comes through the API server, as for any client: the version
    it answers, its readiness checks (which include etcd), the Leases that
    the controller manager and the scheduler renew every few seconds, the
    nodes' reports of their kubelet and container runtime, and the pods and
    DaemonSets of ``kube-system`` (where kind and kubeadm clusters run their
    control plane as pods).

    Example:
        >>> lab.components()[["component", "found", "runs_as"]]    # doctest: +SKIP
    """
    version = get_raw("/version").get("gitVersion", "")
    return components_frame(
        version=version, readyz=get_raw("/readyz?verbose"),
        leases=list_("Lease", "kube-system"), node_leases=list_("Lease", "kube-node-lease"),
        pods=list_("Pod", "kube-system"), daemonsets=list_("DaemonSet", "kube-system"),
        nodes=list_("Node"), proxy_events=list_("Event", fields="source=kube-proxy"),
        node_processes=_host_node_processes())


def _host_node_processes() -> dict[str, int]:
    """Name -> pid of the node programs the host engine runs here ({} on other engines).

    Read from the pid files the host engine writes (``<state>/node/pids/NAME.pid``,
    see ``k8slab.engines.host.Process``) rather than by importing the engine: the
    notebook API loads no engine code. A pid counts only while its process lives.
    """
    record = _target.current()
    if record is None or record.engine != "host":
        return {}
    found = {}
    for name in ("kubelet", "kube-proxy", "containerd"):
        try:
            pid = int((state_dir() / "node" / "pids" / f"{name}.pid").read_text().strip())
        except (OSError, ValueError):
            continue
        if Path(f"/proc/{pid}").exists():
            found[name] = pid
    return found


def _order(event: dict) -> tuple[int, str]:
    version = (event.get("metadata") or {}).get("resourceVersion") or ""
    return (int(version) if version.isdigit() else 0, version)


def story_frame(events: Iterable[dict]) -> pd.DataFrame:
    """Events as a story: who (which component) did what, in the order they were stored.

    Columns: time, component, reason, object, message. The component is the
    Event's ``reportingComponent`` (or its legacy ``source.component``).
    """
    rows = []
    for ev in sorted(events, key=_order):
        involved = ev.get("involvedObject") or ev.get("regarding") or {}
        when = parse_time(ev.get("eventTime") or ev.get("lastTimestamp")
                           or (ev.get("metadata") or {}).get("creationTimestamp"))
        rows.append({
            "time": when.strftime("%H:%M:%S") if when else "",
            "component": ev.get("reportingComponent") or (ev.get("source") or {}).get(
                "component", ""),
            "reason": ev.get("reason", ""),
            "object": f"{involved.get('kind', '').lower()}/{involved.get('name', '')}",
            "message": ev.get("message") or ev.get("note") or "",
        })
    return dataframe(rows, columns=["time", "component", "reason", "object", "message"])


def timeline(namespace: str, *, until: dict[str, int] | None = None,
             timeout: float = 30) -> pd.DataFrame:
    """The story of a namespace told by its Events, optionally waiting for it to reach a point.

    The watch starts with the Events already stored, so nothing is missed
    even if the components acted before this call: Events are objects too.

    Args:
        namespace: whose Events.
        until: wait until at least this many Events of each reason exist,
            e.g. ``{"Scheduled": 3}``; ``None`` returns the story so far.
        timeout: seconds to wait for ``until``.

    Raises:
        WaitTimeout: ``until`` was not reached in time (the message gives the counts).

    Example:
        >>> lab.timeline("demo", until={"Scheduled": 3})           # doctest: +SKIP
           time              component             reason  ...
    """
    if until is None:
        return story_frame(list_("Event", namespace))
    res = resource_for("Event")
    dyn = dynamic()
    seen: dict[str, dict] = {}

    def reached() -> bool:
        have = Counter(ev.get("reason", "") for ev in seen.values())
        return all(have[reason] >= n for reason, n in until.items())

    def events(quiet: bool) -> Any:
        # The first list is the request the `kubectl get events --watch` line stands
        # for; a list again after an expired version (410) is not announced again.
        return request.send("list", "Event", namespace=namespace, quiet=quiet, method="GET",
                            kubectl=_display.kubectl("get", "events", "-n", namespace,
                                                     "--watch"),
                            path=res.path(namespace=namespace) + "?watch=true",
                            call=lambda: dyn.get(res, namespace=namespace))

    listing = events(quiet=False)
    deadline = time.monotonic() + timeout
    version = ""
    while True:
        if not version:  # (re)list: the stored Events, then changes from that version on
            if listing is None:
                listing = events(quiet=True)
            seen.update({ev["metadata"]["uid"]: ev for ev in
                         (item.to_dict() for item in listing.items)})
            version = listing.metadata.resourceVersion
            listing = None
        remaining = deadline - time.monotonic()
        if reached():
            return story_frame(seen.values())
        if remaining <= 0:
            break
        watcher = k8s_watch.Watch()
        try:
            for event in dyn.watch(res, namespace=namespace, resource_version=version,
                                   timeout=max(1, int(remaining)), watcher=watcher):
                obj = event["raw_object"]
                if event["type"] == "ERROR":
                    version = ""  # expired version (410): list again
                    break
                version = obj["metadata"].get("resourceVersion", version)
                if event["type"] in ("ADDED", "MODIFIED"):
                    seen[obj["metadata"]["uid"]] = obj
                if reached() or time.monotonic() >= deadline:
                    break
        except ApiException as exc:
            if exc.status != 410:
                raise translate(exc, action="watch", kind="Event", namespace=namespace) from exc
            version = ""
        except (urllib3.exceptions.HTTPError, OSError) as exc:  # the stream broke mid-read
            raise translate(exc, action="watch", kind="Event", namespace=namespace) from exc
        finally:
            watcher.stop()
    have = Counter(ev.get("reason", "") for ev in seen.values())
    missing = ", ".join(f"{reason} {have[reason]}/{n}" for reason, n in until.items())
    raise WaitTimeout(f"After {timeout:.0f}s the Events of {namespace!r} are not there yet: "
                      f"{missing}.",
                      f"Look at the whole story with lab.timeline({namespace!r}) and at "
                      f"lab.diagnose(...) for the object that is stuck.")
