"""Who owns whom: owners (``ownerReferences``) and the Services selecting the pods."""

from __future__ import annotations

from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from k8slab._base import display as _display
from k8slab._core.objects import matches, selector_of, selector_string
from k8slab._core.resources import get, list_, resource_for
from k8slab.errors import ManifestError
from k8slab.plots._figure import LabFigure, done, figure

#: Column of each kind in the picture: owners on the left, Services on the right.
COLUMNS = {"CronJob": 0, "Deployment": 0, "StatefulSet": 0, "DaemonSet": 0,
           "Job": 1, "ReplicaSet": 1, "Pod": 2, "Service": 3}
KIND_COLOURS = {"Deployment": "#cfe2ff", "StatefulSet": "#cfe2ff", "DaemonSet": "#cfe2ff",
                "CronJob": "#cfe2ff", "ReplicaSet": "#e2d9f3", "Job": "#e2d9f3",
                "Pod": "#d1e7dd", "Service": "#fff3cd"}
#: What each kind owns, to know what to fetch for :func:`owner_tree`.
CHILD_KINDS = {"Deployment": ("ReplicaSet", "Pod"), "CronJob": ("Job", "Pod"),
               "ReplicaSet": ("Pod",), "StatefulSet": ("Pod",), "DaemonSet": ("Pod",),
               "Job": ("Pod",), "Pod": ()}


def _node_id(obj: dict) -> str:
    if "kind" not in obj:
        raise ManifestError(f"Object {(obj.get('metadata') or {}).get('name')!r} has no kind.",
                            "Pass objects as lab.get/lab.list return them (they carry 'kind').")
    return f"{obj['kind']}/{obj['metadata']['name']}"


def _detail(obj: dict) -> str:
    kind, spec, status = obj["kind"], obj.get("spec") or {}, obj.get("status") or {}
    if kind in ("Deployment", "ReplicaSet", "StatefulSet"):
        return f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)} ready"
    if kind == "Pod":
        phase = "Terminating" if obj["metadata"].get("deletionTimestamp") else status.get(
            "phase", "Pending")
        return f"{phase} on {spec['nodeName']}" if spec.get("nodeName") else phase
    if kind == "Service":
        selector = selector_string(spec.get("selector"))
        return f"selector {selector}" if selector else "no selector"
    return ""


def owner_graph(objects: list[dict], root: str | None = None
                ) -> tuple[list[dict], list[dict]]:
    """Who owns whom (``ownerReferences``), and which Services select which pods.

    Args:
        objects: object dicts of any kinds (Deployments, ReplicaSets, Pods, Services...).
        root: ``"Deployment/web"`` to keep only that object, what it owns
            (transitively), and the Services selecting those pods.

    Returns:
        ``(nodes, edges)``: nodes are dicts ``id`` (``Kind/name``), ``kind``,
        ``name``, ``column``, ``detail``; edges are dicts ``source``, ``target``,
        ``relation`` (``owns``: owner to owned; ``selects``: Service to Pod).

    Example:
        >>> dep = {"kind": "Deployment", "metadata": {"name": "web", "uid": "1"}}
        >>> rs = {"kind": "ReplicaSet", "metadata": {"name": "web-5d", "uid": "2",
        ...       "ownerReferences": [{"kind": "Deployment", "name": "web", "uid": "1"}]}}
        >>> nodes, edges = owner_graph([dep, rs])
        >>> [(e["source"], e["relation"], e["target"]) for e in edges]
        [('Deployment/web', 'owns', 'ReplicaSet/web-5d')]
    """
    by_id = {_node_id(o): o for o in objects}
    by_uid = {o["metadata"]["uid"]: _node_id(o) for o in objects if o["metadata"].get("uid")}
    edges = []
    for oid, obj in by_id.items():
        for ref in obj["metadata"].get("ownerReferences") or []:
            owner = by_uid.get(ref.get("uid", "")) or f"{ref.get('kind')}/{ref.get('name')}"
            if owner in by_id:
                edges.append({"source": owner, "target": oid, "relation": "owns"})
    keep = set(by_id)
    if root is not None:
        if root not in by_id:
            raise ManifestError(f"{root} is not among the objects given.",
                                "Name the root as Kind/name, e.g. 'Deployment/web'.")
        keep, frontier = {root}, [root]
        while frontier:
            current = frontier.pop()
            for e in edges:
                if e["source"] == current and e["target"] not in keep:
                    keep.add(e["target"])
                    frontier.append(e["target"])
    pods = [by_id[i] for i in sorted(keep) if by_id[i]["kind"] == "Pod"]
    for sid, svc in sorted(by_id.items()):
        if svc["kind"] != "Service":
            continue
        chosen = [p for p in pods if matches(selector_of(svc), p)]
        if root is not None and not chosen:
            continue
        keep.add(sid)
        edges.extend({"source": sid, "target": _node_id(p), "relation": "selects"}
                     for p in chosen)
    edges = [e for e in edges if e["source"] in keep and e["target"] in keep]
    max_column = max(COLUMNS.values())
    nodes = [{"id": i, "kind": by_id[i]["kind"], "name": by_id[i]["metadata"]["name"],
              "column": COLUMNS.get(by_id[i]["kind"], max_column + 1),
              "detail": _detail(by_id[i])} for i in keep]
    nodes.sort(key=lambda n: (n["column"], n["name"]))
    edges.sort(key=lambda e: (e["relation"], e["source"], e["target"]))
    return nodes, edges


def plot_owner_graph(nodes: list[dict], edges: list[dict], *,
                     title: str | None = None) -> LabFigure:
    """Draw :func:`owner_graph` with boxes and arrows: owners left, Services right.

    Solid arrows go from an owner to what it owns; dashed ones, labelled
    ``selects``, from a Service to the pods its selector matches.
    """
    columns = sorted({n["column"] for n in nodes})
    place = {c: i for i, c in enumerate(columns)}
    per_column = {c: [n for n in nodes if n["column"] == c] for c in columns}
    tallest = max((len(v) for v in per_column.values()), default=1)
    width, height, dx, dy = 2.7, 0.78, 3.9, 1.05
    fig = figure(3.2 * max(len(columns), 2), 1.2 + 0.8 * max(tallest, 2))
    ax = fig.add_subplot()
    ax.set_title(title or "Who owns whom")
    ax.set_axis_off()
    centre: dict[str, tuple[float, float]] = {}
    for c, group in per_column.items():
        x = place[c] * dx
        top = (len(group) - 1) * dy / 2
        for k, node in enumerate(group):
            y = top - k * dy
            centre[node["id"]] = (x, y)
            ax.add_patch(FancyBboxPatch(
                (x - width / 2, y - height / 2), width, height,
                boxstyle="round,pad=0.02,rounding_size=0.12", linewidth=1.2,
                facecolor=KIND_COLOURS.get(node["kind"], "#eeeeee"), edgecolor="#555",
                gid=f"node:{node['id']}"))
            ax.text(x, y + 0.16, f"{node['kind']}", ha="center", va="center", fontsize=7,
                    color="#555")
            ax.text(x, y - 0.02, node["name"], ha="center", va="center", fontsize=8,
                    weight="bold")
            ax.text(x, y - 0.22, node["detail"], ha="center", va="center", fontsize=7,
                    color="#333")
    for edge in edges:
        (x1, y1), (x2, y2) = centre[edge["source"]], centre[edge["target"]]
        selects = edge["relation"] == "selects"
        start = (x1 - width / 2, y1) if x2 < x1 else (x1 + width / 2, y1)
        end = (x2 + width / 2, y2) if x2 < x1 else (x2 - width / 2, y2)
        ax.add_patch(FancyArrowPatch(
            start, end, arrowstyle="-|>", mutation_scale=11, linewidth=1.1,
            linestyle="--" if selects else "-", color="#b8860b" if selects else "#444",
            shrinkA=2, shrinkB=2,
            gid=f"edge:{edge['relation']}:{edge['source']}->{edge['target']}"))
        if selects:
            lx, ly = start[0] + 0.62 * (end[0] - start[0]), start[1] + 0.62 * (end[1] - start[1])
            ax.text(lx, ly, "selects", fontsize=6.5, color="#8a6d0b", ha="center",
                    va="center", backgroundcolor="white")
    if not nodes:
        ax.text(0.5, 0.5, "nothing to draw", ha="center", va="center",
                transform=ax.transAxes, color="#777")
    else:
        xs = [p[0] for p in centre.values()]
        ys = [p[1] for p in centre.values()]
        ax.set_xlim(min(xs) - width / 2 - 0.2, max(xs) + width / 2 + 0.2)
        ax.set_ylim(min(ys) - height, max(ys) + height)
        ax.legend(handles=[Line2D([], [], color="#444", label="owns (ownerReferences)"),
                           Line2D([], [], color="#b8860b", linestyle="--",
                                  label="selects (Service selector)")],
                  loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=2, fontsize=8,
                  frameon=False)
    return done(fig)


def owner_tree(kind: str, name: str, namespace: str, *, title: str | None = None
               ) -> LabFigure:
    """Picture an object's ownership chain, e.g. Deployment -> ReplicaSets -> Pods,
    plus the Services whose selector matches those pods.

    Example:
        >>> plots.owner_tree("Deployment", "web", "demo")            # doctest: +SKIP
    """
    res = resource_for(kind)
    kinds = [*CHILD_KINDS.get(res.kind, ("Pod",)), "Service"]
    _display.announce(
        _display.kubectl("get", ",".join(k.lower() + "s" for k in [res.kind, *kinds]),
                         "-n", namespace, "-o", "wide"),
        "GET", " + ".join(resource_for(k).path(namespace=namespace) for k in [res.kind, *kinds]))
    with _display.quiet():
        root = get(res.kind, name, namespace)
        root.setdefault("kind", res.kind)
        objects = [root]
        for child in kinds:
            for obj in list_(child, namespace):
                obj.setdefault("kind", child)
                if _node_id(obj) != _node_id(root):
                    objects.append(obj)
    nodes, edges = owner_graph(objects, root=_node_id(root))
    return plot_owner_graph(nodes, edges,
                            title=title or f"{res.kind.lower()}/{name}: owners and selectors")
