"""CPU and memory each container requests and is limited to, as a bar chart.

Quantities are read by the official client's parser
(:func:`kubernetes.utils.parse_quantity`); :func:`parse_quantity` only adds a
learner-facing message for text that is not a quantity.
"""

from __future__ import annotations

import re

from kubernetes.utils import parse_quantity as kubernetes_quantity
from matplotlib.patches import Patch

from k8slab._core.resources import list_
from k8slab.errors import ManifestError
from k8slab.plots._figure import LabFigure, done, figure


def parse_quantity(value: str | float | int) -> float:
    """A Kubernetes quantity as a plain number (cores for CPU, bytes for memory).

    Decimal suffixes count in powers of 1000 (``m`` milli, ``k``, ``M``, ``G``...),
    binary ones in powers of 1024 (``Ki``, ``Mi``, ``Gi``...): ``1G`` is
    1 000 000 000 bytes, ``1Gi`` is 1 073 741 824. Case matters: ``m`` is milli,
    ``M`` is mega.

    Raises:
        ManifestError: the text is not a quantity (the message says how to write one).

    Example:
        >>> parse_quantity("100m"), parse_quantity("0.5"), parse_quantity("512Mi")
        (0.1, 0.5, 536870912.0)
        >>> parse_quantity("1G"), parse_quantity("1e3")
        (1000000000.0, 1000.0)
    """
    if isinstance(value, bool):
        raise ManifestError(f"{value!r} is not a quantity.", "Write a number, like '250m' or 1.")
    text = str(value).strip()
    try:
        return float(kubernetes_quantity(text))
    except ValueError:
        hint = ("Write a number with an optional suffix: m (thousandths, for CPU), "
                "k, M, G, T (powers of 1000) or Ki, Mi, Gi, Ti (powers of 1024), "
                "e.g. '250m', '0.5', '512Mi', '1G'.")
        if re.fullmatch(r"[\d.]+\s*[KMGTPE]?i?B", text, flags=re.IGNORECASE):
            hint = (f"Drop the 'B': Kubernetes writes {text.rstrip('bB')} "
                    "(no byte unit); 'Mi' means 2^20 bytes, 'M' means 10^6.")
        elif re.fullmatch(r"[\d.]+\s*[kmgtpe]i", text):
            hint = f"Binary suffixes are capitalised: {text[:-2]}{text[-2].upper()}i."
        raise ManifestError(f"{value!r} is not a Kubernetes quantity.", hint) from None


def _workload(pod: dict) -> str:
    meta = pod.get("metadata") or {}
    for owner in meta.get("ownerReferences") or []:
        if owner.get("controller"):
            return f"{owner['kind']}/{owner['name']}"
    return f"Pod/{meta.get('name', '')}"


def resource_rows(pods: list[dict]) -> list[dict]:
    """CPU and memory requests and limits per container, pods of one workload merged.

    Pods made by one controller (a ReplicaSet, a StatefulSet...) share a
    template, so they are counted together (``pods``) rather than listed one by one.

    Returns:
        One dict per (workload, container): ``workload``, ``container``, ``init``,
        ``pods``, ``label``, and ``cpu_request``, ``cpu_limit`` (cores),
        ``memory_request``, ``memory_limit`` (bytes), each None when unset.

    Example:
        >>> pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c",
        ...        "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}}}]}}
        >>> row = resource_rows([pod])[0]
        >>> row["cpu_request"], row["memory_request"], row["cpu_limit"]
        (0.25, 67108864.0, None)
    """
    rows: dict[tuple[str, str, bool], dict] = {}
    for pod in sorted(pods, key=lambda p: (p.get("metadata") or {}).get("name", "")):
        spec = pod.get("spec") or {}
        workload = _workload(pod)
        containers = [(c, True) for c in spec.get("initContainers") or []] + [
            (c, False) for c in spec.get("containers") or []]
        for container, init in containers:
            key = (workload, container.get("name", ""), init)
            if key in rows:
                rows[key]["pods"] += 1
                continue
            res = container.get("resources") or {}
            requests, limits = res.get("requests") or {}, res.get("limits") or {}

            def amount(table: dict, what: str) -> float | None:
                return parse_quantity(table[what]) if what in table else None

            rows[key] = {"workload": workload, "container": key[1], "init": init, "pods": 1,
                         "cpu_request": amount(requests, "cpu"),
                         "cpu_limit": amount(limits, "cpu"),
                         "memory_request": amount(requests, "memory"),
                         "memory_limit": amount(limits, "memory")}
    for row in rows.values():
        name = row["workload"].split("/", 1)[1]
        count = f" ×{row['pods']}" if row["pods"] > 1 else ""
        row["label"] = f"{name}{count} · {row['container']}{' (init)' if row['init'] else ''}"
    return list(rows.values())


def plot_resources(rows: list[dict], *, title: str | None = None) -> LabFigure:
    """Bar chart of :func:`resource_rows`: CPU (millicores) and memory (MiB), per container.

    Each container gets a request bar and a limit bar per resource; an unset
    value has no bar (no request means the scheduler reserves nothing; no limit
    means the container may use whatever the node has left).
    """
    fig = figure(11, 1.6 + 0.6 * max(len(rows), 2))
    cpu_ax, mem_ax = fig.subplots(1, 2, sharey=True)
    fig.suptitle(title or "CPU and memory requests and limits, per container")
    if not rows:
        cpu_ax.text(0.5, 0.5, "no pods", ha="center", va="center",
                    transform=cpu_ax.transAxes, color="#777")
    panels = ((cpu_ax, "cpu", 1000.0, "CPU (millicores)"),
              (mem_ax, "memory", 1.0 / 2**20, "memory (MiB)"))
    colours = {"request": "#4c72b0", "limit": "#dd8452"}
    for ax, what, scale, label in panels:
        for y, row in enumerate(rows):
            for offset, kind in ((-0.2, "request"), (0.2, "limit")):
                value = row[f"{what}_{kind}"]
                if value is None:
                    ax.text(0, y + offset, f" no {kind}", va="center", fontsize=7,
                            color="#999")
                    continue
                ax.barh(y + offset, value * scale, height=0.38, color=colours[kind],
                        gid=f"bar:{what}-{kind}:{row['label']}")
                ax.text(value * scale, y + offset, f" {value * scale:g}", va="center",
                        fontsize=7)
        ax.set_xlabel(label)
        ax.grid(True, axis="x", alpha=0.3)
        biggest = max((row[f"{what}_{kind}"] or 0) * scale for row in rows
                      for kind in ("request", "limit")) if rows else 0
        ax.set_xlim(0, biggest * 1.25 if biggest else 1)
    cpu_ax.set_yticks(range(len(rows)), [r["label"] for r in rows], fontsize=8)
    cpu_ax.set_ylim(len(rows) - 0.45, -0.55)
    fig.legend(handles=[Patch(color=c, label=k) for k, c in colours.items()],
               loc="outside lower center", ncols=2, fontsize=8)
    return done(fig)


def resources(namespace: str, labels: str | dict | None = None, *,
              title: str | None = None) -> LabFigure:
    """Bar chart of the CPU and memory each container requests and is limited to.

    Example:
        >>> plots.resources("demo")                                  # doctest: +SKIP
    """
    rows = resource_rows(list_("Pod", namespace, labels=labels))
    return plot_resources(rows, title=title or f"Requests and limits in {namespace}")
