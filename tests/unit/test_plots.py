"""Pure builders behind k8slab.plots, fed with objects captured from a live cluster."""

from __future__ import annotations

import copy
import itertools
import threading
from datetime import UTC, datetime, timedelta

import pytest
from matplotlib.figure import Figure

from k8slab import plots
from k8slab._base import display as _display
from k8slab._core.objects import selector_string
from k8slab._views import show_once as _show_once
from k8slab.errors import ManifestError

T0 = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def gids(fig: Figure, prefix: str) -> list[str]:
    return [a.get_gid() for ax in fig.axes for a in [*ax.patches, *ax.lines]
            if (a.get_gid() or "").startswith(prefix)]


# -- quantities ---------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("100m", 0.1), ("0.5", 0.5), ("2", 2.0), ("1.5", 1.5), (".5", 0.5),
    ("512Mi", 512 * 2**20), ("1Gi", 2**30), ("64Ki", 65536), ("1G", 1e9), ("128M", 128e6),
    ("2k", 2000), ("250u", 250e-6), ("1e3", 1000), ("12E2", 1200), ("1E", 1e18),
    (3, 3.0), (0.25, 0.25), (" 100m ", 0.1),
])
def test_parse_quantity(text, value):
    assert plots.parse_quantity(text) == pytest.approx(value)


@pytest.mark.parametrize(("text", "hint"), [
    ("512MB", "Drop the 'B'"),
    ("1GiB", "Drop the 'B'"),
    ("1gi", "capitalised: 1Gi"),
    ("lots", "optional suffix"),
    ("1.2.3", "optional suffix"),
    ("", "optional suffix"),
])
def test_parse_quantity_explains_bad_input(text, hint):
    with pytest.raises(ManifestError) as err:
        plots.parse_quantity(text)
    assert hint in err.value.hint and repr(text) in err.value.message


def test_parse_quantity_refuses_booleans():
    with pytest.raises(ManifestError):
        plots.parse_quantity(True)


# -- pod timeline -------------------------------------------------------------

def test_timeline_rows_from_captured_pods(captured):
    pods = captured("pods")
    created = max(datetime.fromisoformat(p["metadata"]["creationTimestamp"].replace("Z", "+00:00"))
                  for p in pods)
    now = created + timedelta(seconds=30)
    rows = plots.timeline_rows(pods, now=now)
    assert len(rows) == 4
    assert [r["created"] for r in rows] == sorted(r["created"] for r in rows)
    by_name = {r["name"]: r for r in rows}
    big = by_name["too-big"]
    assert big["node"] == "" and big["phase"] == "Pending"
    assert [s["state"] for s in big["segments"]] == ["pending"]
    assert big["segments"][0]["end"] == now
    for row in rows:
        if not row["name"].startswith("web-"):
            continue
        assert [s["state"] for s in row["segments"]] == ["pending", "starting", "ready"]
        assert row["node"].startswith("worker-") and row["phase"] == "Running"
        segs = row["segments"]
        assert all(a["end"] == b["start"] for a, b in itertools.pairwise(segs))
        assert segs[-1]["end"] == now


def _pod(name: str, **status) -> dict:
    return {"metadata": {"name": name, "creationTimestamp": at(0)},
            "spec": {"nodeName": "worker-1"}, "status": status}


def test_timeline_terminating_starts_when_deletion_was_asked():
    pod = _pod("p", phase="Running", conditions=[
        {"type": "PodScheduled", "status": "True", "lastTransitionTime": at(1)},
        {"type": "Ready", "status": "True", "lastTransitionTime": at(3)}])
    # deletionTimestamp is the deadline of the graceful stop: asked at 10s, 30s of grace.
    pod["metadata"].update(deletionTimestamp=at(40), deletionGracePeriodSeconds=30)
    row = plots.timeline_rows([pod], now=T0 + timedelta(seconds=12))[0]
    spans = {s["state"]: ((s["start"] - T0).seconds, (s["end"] - T0).seconds)
             for s in row["segments"]}
    assert spans == {"pending": (0, 1), "starting": (1, 3), "ready": (3, 10),
                     "terminating": (10, 12)}
    assert row["phase"] == "Terminating"


def test_timeline_merges_versions_and_ends_deleted_pods():
    ready = _pod("p", phase="Running", conditions=[
        {"type": "PodScheduled", "status": "True", "lastTransitionTime": at(1)},
        {"type": "Ready", "status": "True", "lastTransitionTime": at(2)}])
    last = copy.deepcopy(ready)
    last["status"]["conditions"][1].update(status="False", lastTransitionTime=at(6))
    last["metadata"].update(deletionTimestamp=at(5), deletionGracePeriodSeconds=0)
    gone = {"p": T0 + timedelta(seconds=7)}
    row = plots.timeline_rows([ready, last], now=T0 + timedelta(seconds=60), gone=gone)[0]
    states = [(s["state"], (s["start"] - T0).seconds, (s["end"] - T0).seconds)
              for s in row["segments"]]
    assert states == [("pending", 0, 1), ("starting", 1, 2), ("ready", 2, 5),
                      ("terminating", 5, 7)]
    assert row["end"] == gone["p"]
    # the last version alone forgets the pod was ever ready
    alone = plots.timeline_rows([last], now=T0 + timedelta(seconds=60), gone=gone)[0]
    assert "ready" not in {s["state"] for s in alone["segments"]}


def test_timeline_of_a_finished_job_pod():
    pod = _pod("job-x", phase="Succeeded", conditions=[
        {"type": "PodScheduled", "status": "True", "lastTransitionTime": at(1)},
        {"type": "Ready", "status": "False", "lastTransitionTime": at(4)}],
        containerStatuses=[{"name": "c", "state": {"terminated": {
            "startedAt": at(2), "finishedAt": at(4), "exitCode": 0}}}])
    row = plots.timeline_rows([pod], now=T0 + timedelta(seconds=9))[0]
    states = [(s["state"], (s["start"] - T0).seconds, (s["end"] - T0).seconds)
              for s in row["segments"]]
    assert states == [("pending", 0, 1), ("starting", 1, 2), ("running", 2, 4),
                      ("finished", 4, 9)]


def test_plot_timeline_draws_one_row_per_pod(captured):
    rows = plots.timeline_rows(captured("pods"))
    fig = plots.plot_timeline(rows, title="captured")
    assert isinstance(fig, Figure)
    assert {g.split(":")[1] for g in gids(fig, "segment:")} == {r["name"] for r in rows}
    assert len(gids(fig, "segment:")) == sum(len(r["segments"]) for r in rows)


# -- resources ----------------------------------------------------------------

def test_resource_rows_from_captured_pods(captured):
    rows = {r["container"]: r for r in plots.resource_rows(captured("pods"))}
    assert set(rows) == {"c", "nginx"}
    big = rows["c"]
    assert big["workload"] == "Pod/too-big" and big["pods"] == 1
    assert big["cpu_request"] == 64 and big["cpu_limit"] is None
    web = rows["nginx"]
    assert web["workload"].startswith("ReplicaSet/web-") and web["pods"] == 3
    assert web["label"].endswith("×3 · nginx")
    assert all(web[k] is None for k in ("cpu_request", "cpu_limit", "memory_request",
                                        "memory_limit"))


def test_resource_rows_and_bars_for_limits_and_init_containers():
    pod = {"metadata": {"name": "api"}, "spec": {
        "initContainers": [{"name": "migrate", "resources": {"limits": {"memory": "1G"}}}],
        "containers": [{"name": "app", "resources": {
            "requests": {"cpu": "250m", "memory": "256Mi"},
            "limits": {"cpu": "1", "memory": "512Mi"}}}]}}
    rows = plots.resource_rows([pod])
    assert [(r["container"], r["init"]) for r in rows] == [("migrate", True), ("app", False)]
    app = rows[1]
    assert (app["cpu_request"], app["cpu_limit"]) == (0.25, 1.0)
    assert (app["memory_request"], app["memory_limit"]) == (256 * 2**20, 512 * 2**20)
    assert rows[0]["label"] == "api · migrate (init)"
    fig = plots.plot_resources(rows)
    bars = gids(fig, "bar:")
    assert len(bars) == 5
    mem_limit = next(p for p in fig.axes[1].patches
                     if p.get_gid() == "bar:memory-limit:api · app")
    assert mem_limit.get_width() == pytest.approx(512)
    cpu_request = next(p for p in fig.axes[0].patches
                       if p.get_gid() == "bar:cpu-request:api · app")
    assert cpu_request.get_width() == pytest.approx(250)


# -- owner graph --------------------------------------------------------------

def _all_objects(captured) -> list[dict]:
    return [*captured("deployments"), *captured("replicasets"), *captured("pods"),
            *captured("services")]


def test_owner_graph_of_everything(captured):
    nodes, edges = plots.owner_graph(_all_objects(captured))
    assert len(nodes) == 8
    assert [n["column"] for n in nodes] == sorted(n["column"] for n in nodes)
    rels = [(e["source"].split("/")[0], e["relation"], e["target"].split("/")[0])
            for e in edges]
    assert rels.count(("Deployment", "owns", "ReplicaSet")) == 1
    assert rels.count(("ReplicaSet", "owns", "Pod")) == 3
    assert rels.count(("Service", "selects", "Pod")) == 3
    assert not any(e["source"] == "Service/orphan" for e in edges)
    assert not any(e["target"] == "Pod/too-big" for e in edges)


def test_owner_graph_from_a_root(captured):
    nodes, edges = plots.owner_graph(_all_objects(captured), root="Deployment/web")
    ids = {n["id"] for n in nodes}
    assert "Pod/too-big" not in ids and "Service/orphan" not in ids
    assert {n["kind"] for n in nodes} == {"Deployment", "ReplicaSet", "Pod", "Service"}
    assert len(nodes) == 6 and len(edges) == 7
    dep = next(n for n in nodes if n["kind"] == "Deployment")
    assert dep["detail"] == "3/3 ready"
    svc = next(n for n in nodes if n["kind"] == "Service")
    assert svc["detail"] == "selector app=web"

    fig = plots.plot_owner_graph(nodes, edges)
    assert len(gids(fig, "node:")) == 6
    assert len(gids(fig, "edge:owns:")) == 4 and len(gids(fig, "edge:selects:")) == 3
    dashed = [p for p in fig.axes[0].patches if (p.get_gid() or "").startswith("edge:selects")]
    assert all(p.get_linestyle() == "--" for p in dashed)
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert labels.count("selects") == 3


def test_owner_graph_errors_teach(captured):
    with pytest.raises(ManifestError, match="not among the objects"):
        plots.owner_graph(_all_objects(captured), root="Deployment/nope")
    pod = copy.deepcopy(captured("pods")[0])
    del pod["kind"]
    with pytest.raises(ManifestError, match="has no kind"):
        plots.owner_graph([pod])


def test_owner_graph_matches_owners_by_name_without_uids():
    dep = {"kind": "Deployment", "metadata": {"name": "web"}}
    rs = {"kind": "ReplicaSet", "metadata": {"name": "web-1", "ownerReferences": [
        {"kind": "Deployment", "name": "web"}]}}
    stray = {"kind": "Pod", "metadata": {"name": "x", "ownerReferences": [
        {"kind": "ReplicaSet", "name": "gone"}]}}
    _, edges = plots.owner_graph([dep, rs, stray])
    assert edges == [{"source": "Deployment/web", "target": "ReplicaSet/web-1",
                      "relation": "owns"}]


# -- replicas over time -------------------------------------------------------

SAMPLES = [
    {"t": 0.0, "desired": 2, "ready": 2, "updated": 2, "available": 2, "pods": 2},
    {"t": 0.1, "desired": 4, "ready": 2, "updated": 2, "available": 2, "pods": 4},
    {"t": 1.2, "desired": 4, "ready": 3, "updated": 4, "available": 3, "pods": 4},
    {"t": 2.0, "desired": 4, "ready": 4, "updated": 4, "available": 4, "pods": 4},
]


def test_replicas_over_time_plots_each_series():
    fig = plots.replicas_over_time(SAMPLES, marks=[(0.05, "scale to 4"),
                                                   {"t": 1.5, "label": "note"}],
                                   title="scaling")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title() == "scaling"
    lines = {line.get_gid(): line for line in ax.get_lines()}
    series = sorted(g.split(":", 1)[1] for g in lines if g.startswith("series:"))
    assert series == ["available", "desired", "pods", "ready", "updated"]
    assert list(lines["series:ready"].get_ydata()) == [2, 2, 3, 4]
    assert list(lines["series:desired"].get_xdata()) == [0.0, 0.1, 1.2, 2.0]
    assert lines["series:ready"].get_drawstyle() == "steps-post"
    assert {"mark:scale to 4", "mark:note"} <= set(lines)
    assert {t.get_text() for t in ax.get_legend().get_texts()} >= {"desired", "ready"}


def test_replicas_over_time_only_draws_series_present():
    fig = plots.replicas_over_time([{"t": 0, "desired": 1, "ready": 0},
                                    {"t": 1, "desired": 1, "ready": 1}])
    assert sorted(gids(fig, "series:")) == ["series:desired", "series:ready"]


def test_replicas_over_time_without_samples_says_so():
    fig = plots.replicas_over_time([])
    assert gids(fig, "series:") == []
    assert any("no samples" in t.get_text() for t in fig.axes[0].texts)


def test_selector_string_renders_selector_objects():
    selector = {"matchLabels": {"app": "web"}, "matchExpressions": [
        {"key": "tier", "operator": "In", "values": ["a", "b"]},
        {"key": "env", "operator": "NotIn", "values": ["dev"]},
        {"key": "team", "operator": "Exists"},
        {"key": "legacy", "operator": "DoesNotExist"}]}
    assert selector_string(selector) == \
        "app=web,tier in (a,b),env notin (dev),team,!legacy"


# -- display and threads --------------------------------------------------------

def test_figures_show_once_per_cell(monkeypatch):
    shown: list[dict] = []
    count = {"n": 7}
    monkeypatch.setattr(_show_once, "execution_count", lambda: count["n"])
    monkeypatch.setattr("IPython.display.display",
                        lambda obj, raw=False, **kw: shown.append(obj))
    fig = plots.replicas_over_time(SAMPLES)       # outside a notebook: nothing shown
    assert shown == []
    fig._ipython_display_()                       # the cell shows it...
    fig._ipython_display_()                       # ...and returns it: not twice
    assert len(shown) == 1 and set(shown[0]) == {"image/png", "text/plain"}
    assert shown[0]["text/plain"].startswith("<LabFigure")
    count["n"] = 8                                # a later cell shows it again
    fig._ipython_display_()
    assert len(shown) == 2


def test_background_threads_do_not_echo_commands(monkeypatch, capsys):
    monkeypatch.setenv("K8SLAB_SHOW_COMMANDS", "1")
    monkeypatch.setitem(_display._state, "show", None)
    with _display.quiet():
        _display.announce("kubectl get pods --watch", "GET", "/api/v1/pods")
        other = threading.Thread(target=_display.announce,
                                 args=("kubectl get nodes", "GET", "/api/v1/nodes"))
        other.start()
        other.join()
    _display.announce("kubectl get services", "GET", "/api/v1/services")
    out = capsys.readouterr().out
    assert "kubectl get pods" not in out
    assert "kubectl get nodes" in out and "kubectl get services" in out
