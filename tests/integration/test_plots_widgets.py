"""Plots and widgets on a live cluster: recorded replicas, pictures, slider, live table.

Widgets are driven through their Python methods (``.set``, ``.frame``,
``.stop``), which do exactly what a click does; the last test runs them in a
headless kernel with papermill, as CI runs the course notebooks.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

import nbformat
import papermill
import pytest

import k8slab as lab
from k8slab import plots, widgets
from k8slab.errors import K8sLabError

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: nginx
        image: k8slab.local/web:1.0
        resources:
          requests: {{cpu: 100m, memory: 64Mi}}
          limits: {{cpu: 250m, memory: 128Mi}}
      - name: sidecar
        image: k8slab.local/busybox:1.35
        resources:
          requests: {{cpu: 50m, memory: 32Mi}}
"""

SERVICE = """
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
"""


def web(replicas: int) -> str:
    return WEB.format(replicas=replicas)


def start_web(ns: str, replicas: int, *extra: str) -> None:
    lab.apply(web(replicas), ns)
    for source in extra:
        lab.apply(source, ns)
    lab.wait("Deployment", "web", ns, timeout=90)


def eventually(check: Callable[[], bool], timeout: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout}s")
        time.sleep(0.2)


def gids(fig, prefix: str) -> list[str]:
    """The gids starting with ``prefix`` of every artist in the figure."""
    found = []
    for ax in fig.axes:
        for artist in [*ax.patches, *ax.lines]:
            gid = artist.get_gid()
            if gid and gid.startswith(prefix):
                found.append(gid)
    return found


def test_recorder_follows_a_scale_from_2_to_4(ns):
    start_web(ns, 2)
    with plots.ReplicaRecorder("web", ns) as rec:
        rec.mark("scale to 4")
        lab.apply(web(4), ns)
        last = rec.wait_for(desired=4, ready=4, available=4, timeout=60)
    samples = rec.samples
    assert samples[0]["desired"] == 2 and samples[0]["ready"] == 2
    assert last["ready"] == 4 and samples[-1]["ready"] == 4
    assert [s["t"] for s in samples] == sorted(s["t"] for s in samples)
    first_with_4 = next(s for s in samples if s["desired"] == 4)
    assert first_with_4["ready"] < 4, "the spec should change before pods get ready"
    assert {s["ready"] for s in samples} >= {2, 4}
    assert not any(t.is_alive() for t in rec.threads)

    fig = rec.plot(title="2 -> 4")
    series = {g.split(":", 1)[1] for g in gids(fig, "series:")}
    assert len(series) >= 3 and {"desired", "ready", "updated", "available"} <= series
    ready_line = next(line for line in fig.axes[0].get_lines()
                      if line.get_gid() == "series:ready")
    assert min(ready_line.get_ydata()) == 2 and ready_line.get_ydata()[-1] == 4
    assert gids(fig, "mark:") == ["mark:scale to 4"]


def test_recorder_sees_a_deleted_pod_replaced(ns):
    start_web(ns, 3)
    rec = plots.ReplicaRecorder("web", ns).start()
    try:
        before = set(rec.pods_seen)
        assert len(before) == 3
        victim = sorted(before)[0]
        rec.mark(f"delete {victim}")
        lab.delete("Pod", victim, ns)
        eventually(lambda: len(rec.pods_seen) > 3, what="a replacement pod")
        rec.wait_for(ready=3, pods=3, timeout=60)
        lab.wait("Pod", victim, ns, until="deleted")   # it lingers while terminating
        # The Deployment may count the new pod ready a moment before the pod's own
        # Ready condition reaches the recorder's pod watch: wait for the picture.
        replacement = sorted(set(rec.pods_seen) - before)[0]
        eventually(lambda: f"segment:{replacement}:ready" in gids(rec.timeline(), "segment:"),
                   what="the replacement pod drawn ready")
    finally:
        rec.stop()
    deleted_at = rec.marks[0]["t"]
    after = [s for s in rec.samples if s["t"] >= deleted_at]
    assert any(s["ready"] < 3 or s["pods"] < 3 for s in after), after
    new = set(rec.pods_seen) - before
    assert len(new) == 1
    current = {p["metadata"]["name"] for p in lab.list("Pod", ns, labels="app=web")}
    assert victim not in current and new <= current

    fig = rec.timeline()
    pods_drawn = {g.split(":")[1] for g in gids(fig, "segment:")}
    assert pods_drawn == before | new
    assert f"segment:{victim}:terminating" in gids(fig, "segment:")
    assert f"segment:{new.pop()}:ready" in gids(fig, "segment:")


def test_pictures_of_a_live_deployment_and_service(ns):
    start_web(ns, 2, SERVICE)
    pods = sorted(p["metadata"]["name"] for p in lab.list("Pod", ns, labels="app=web"))

    tree = plots.owner_tree("Deployment", "web", ns)
    kinds = Counter(g.split(":")[1].split("/")[0] for g in gids(tree, "node:"))
    assert kinds == {"Deployment": 1, "ReplicaSet": 1, "Pod": 2, "Service": 1}
    edges = Counter(g.split(":")[1] for g in gids(tree, "edge:"))
    assert edges == {"owns": 3, "selects": 2}

    timeline = plots.pod_timeline(ns, labels="app=web")
    segments = gids(timeline, "segment:")
    assert sorted({g.split(":")[1] for g in segments}) == pods
    assert all(f"segment:{p}:ready" in segments for p in pods)

    chart = plots.resources(ns)
    bars = gids(chart, "bar:")
    assert len(bars) == 6, bars
    kinds_of_bars = Counter(g.split(":")[1] for g in bars)
    assert kinds_of_bars == {"cpu-request": 2, "cpu-limit": 1, "memory-request": 2,
                             "memory-limit": 1}
    cpu_limit = next(p for p in chart.axes[0].patches
                     if (p.get_gid() or "").startswith("bar:cpu-limit"))
    assert cpu_limit.get_width() == pytest.approx(250)
    assert "×2" in cpu_limit.get_gid()


def test_replica_slider_scales_the_deployment(ns):
    start_web(ns, 2)
    s = widgets.replica_slider("web", ns, max=6)
    try:
        assert s.slider.value == 2 and s.ready == 2
        assert "replica slider for deployment/web" in repr(s) and "current: 2" in repr(s)
        s.set(5)
        assert lab.get("Deployment", "web", ns)["spec"]["replicas"] == 5
        lab.wait("Deployment", "web", ns, timeout=60)
        running = [p for p in lab.list("Pod", ns, labels="app=web")
                   if p["status"].get("phase") == "Running"]
        assert len(running) == 5
        eventually(lambda: s.ready == 5 and "ready 5/5" in s.status.value,
                   what="the label showing 5 ready")
        with pytest.raises(K8sLabError, match="outside this slider's range"):
            s.set(7)
        assert lab.get("Deployment", "web", ns)["spec"]["replicas"] == 5
    finally:
        s.stop()
    assert not s.thread.is_alive()


def test_live_pods_follows_a_scale(ns):
    start_web(ns, 1)
    live = widgets.live_pods(ns, labels="app=web")
    try:
        assert len(live.frame()) == 1 and live.thread.is_alive()
        seen = live.events_seen
        lab.apply(web(3), ns)
        lab.wait("Deployment", "web", ns, timeout=60)
        eventually(lambda: len(live.frame()) == 3 and set(live.frame().phase) == {"Running"},
                   what="3 running pods in the live table")
        assert live.events_seen >= seen + 2
        names = {p["metadata"]["name"] for p in lab.list("Pod", ns, labels="app=web")}
        assert set(live.frame().name) == names
        assert all(name in live.html.value for name in names)
    finally:
        live.stop()
    assert not live.thread.is_alive()
    assert "stopped" in repr(live)


def test_live_pods_stops_by_itself_after_its_timeout(ns):
    started = time.monotonic()
    live = widgets.live_pods(ns, timeout=2)
    assert live.running and len(live.frame()) == 0
    eventually(lambda: not live.thread.is_alive(), timeout=10, what="the watch timing out")
    assert time.monotonic() - started >= 2
    assert "stopped" in repr(live) and "no pods" in live.html.value


def test_namespace_picker_lists_the_test_namespace(ns):
    picker = widgets.namespace_picker()
    assert ns in picker.options
    chosen = widgets.namespace_picker(default=ns)
    assert chosen.value == ns and ns in repr(chosen)
    with pytest.raises(K8sLabError):
        chosen.value = f"{ns}-does-not-exist"


def _outputs(cell) -> list[dict]:
    return [o for o in cell.get("outputs", []) if o.get("output_type") in (
        "display_data", "execute_result", "stream")]


def test_widgets_and_plots_degrade_to_text_when_headless(ns, tmp_path):
    """Under papermill nothing renders widgets: the outputs must still say what they are."""
    start_web(ns, 2, SERVICE)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    code = [
        f"import k8slab as lab\nfrom k8slab import plots, widgets\nns = {ns!r}",
        "s = widgets.replica_slider('web', ns)\ns.set(3)\ns.stop()\n"
        "lab.wait('Deployment', 'web', ns)",
        "live = widgets.live_pods(ns, labels='app=web')\nlive.stop()",
        "widgets.namespace_picker(default=ns)",
        "plots.owner_tree('Deployment', 'web', ns)",
        "fig = plots.pod_timeline(ns)",
    ]
    nb.cells = [nbformat.v4.new_code_cell(c) for c in code]
    source, output = tmp_path / "headless.ipynb", tmp_path / "headless-out.ipynb"
    nbformat.write(nb, source)
    papermill.execute_notebook(str(source), str(output), kernel_name="python3",
                               progress_bar=False, log_output=False, execution_timeout=120)
    done = nbformat.read(output, as_version=4)
    cells = [_outputs(c) for c in done.cells]

    def texts(outputs: list[dict]) -> str:
        return "\n".join(o.get("data", {}).get("text/plain", "") + o.get("text", "")
                         for o in outputs)

    assert "replica slider for deployment/web" in texts(cells[1])
    assert "current: 2" in texts(cells[1])
    assert f"pods in {ns} with labels app=web: 3 pods" in texts(cells[2])
    picker = [o for o in cells[3] if "namespace picker" in o.get("data", {}).get(
        "text/plain", "")]
    assert len(picker) == 1, "shown once even though the cell also returns it"
    assert "application/vnd.jupyter.widget-view+json" in picker[0]["data"]
    tree_images = [o for o in cells[4] if "image/png" in o.get("data", {})]
    assert len(tree_images) == 1, "a figure returned by the last line is shown once"
    assert len([o for o in cells[5] if "image/png" in o.get("data", {})]) == 1
    assert lab.get("Deployment", "web", ns)["spec"]["replicas"] == 3
