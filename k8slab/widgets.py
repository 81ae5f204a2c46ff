"""Widgets for trying things by hand: a replica slider, a live pod table, a namespace picker.

Each helper builds an ipywidgets control, shows it (in a notebook), and
returns an object with plain Python methods, so the same step runs from a test
or a headless notebook run (papermill) where nobody moves a slider. Without a
browser the widget cannot draw, so each one also carries a one-line
``text/plain`` summary (what a saved headless notebook shows), and outside a
notebook that line is printed.

Live views follow the cluster with a watch in a background thread (no
polling loop) and stop by themselves after ``timeout`` seconds, or with
``.stop()``.

Example:
    >>> from k8slab import widgets
    >>> s = widgets.replica_slider("web", "demo", max=8)      # doctest: +SKIP
    >>> s.set(5)        # what moving the slider does          # doctest: +SKIP
    >>> pods = widgets.live_pods("demo", labels="app=web")      # doctest: +SKIP
"""

from __future__ import annotations

import html
import threading
import time

import ipywidgets as w
from kubernetes import client

from k8slab._base import display as _display
from k8slab._core.api_errors import translate
from k8slab._core.background_watch import BackgroundWatch
from k8slab._core.client import connect
from k8slab._core.namespaces import LAB_LABEL
from k8slab._core.objects import selector_string
from k8slab._core.resources import get, list_, resource_for
from k8slab._views.show_once import ShowOnce
from k8slab._views.tables import pods_frame
from k8slab.errors import K8sLabError

__all__ = ["LivePods", "NamespacePicker", "ReplicaSlider", "live_pods", "namespace_picker",
           "replica_slider"]

_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def _bundle(widget: w.Widget, text: str) -> dict:
    """The widget's own view plus a sentence for places that cannot draw widgets."""
    data = widget._repr_mimebundle_() or {}
    return {"text/plain": text, **({_WIDGET_MIME: data[_WIDGET_MIME]}
                                   if _WIDGET_MIME in data else {})}


# ---------------------------------------------------------------------------
# Replica slider
# ---------------------------------------------------------------------------

class ReplicaSlider(ShowOnce):
    """A slider bound to a Deployment's ``spec.replicas``, with its ready count beside it.

    Moving the slider (or calling :meth:`set`) patches the Deployment's
    ``scale`` subresource, exactly what ``kubectl scale`` does; the label
    follows ``status`` through a watch, so you see the ReplicaSet controller
    catch up: desired first, then ready.

    Attributes:
        slider: the ``IntSlider``.
        status: the ``HTML`` label with the counts.
        widget: both, side by side (what is displayed).
        error: the last error from a slider move, if any (also shown in the label).
    """

    def __init__(self, name: str, namespace: str, *, low: int = 0, high: int = 10,
                 timeout: float = 300) -> None:
        self.name, self.namespace, self.timeout = name, namespace, timeout
        with _display.quiet():
            self._deployment = get("Deployment", name, namespace)
        current = int((self._deployment.get("spec") or {}).get("replicas", 1))
        self.slider = w.IntSlider(value=current, min=min(low, current), max=max(high, current),
                                  description="replicas", continuous_update=False)
        self.status = w.HTML()
        self.widget = w.HBox([self.slider, self.status])
        self.error: K8sLabError | None = None
        self._lock = threading.Lock()
        self._watch: BackgroundWatch | None = None
        self._follow()
        self._render()
        self.slider.observe(self._moved, names="value")

    # -- what the label shows -------------------------------------------------
    @property
    def desired(self) -> int:
        """``spec.replicas`` as last seen."""
        with self._lock:
            return int((self._deployment.get("spec") or {}).get("replicas", 1))

    @property
    def ready(self) -> int:
        """``status.readyReplicas`` as last seen."""
        with self._lock:
            return int((self._deployment.get("status") or {}).get("readyReplicas") or 0)

    @property
    def thread(self) -> threading.Thread | None:
        """The watch thread that keeps the label current."""
        return self._watch.thread if self._watch else None

    def _render(self) -> None:
        with self._lock:
            status = self._deployment.get("status") or {}
            desired = int((self._deployment.get("spec") or {}).get("replicas", 1))
        ready = int(status.get("readyReplicas") or 0)
        colour = "#2e7d32" if ready == desired else "#e65100"
        text = (f"<span style='color:{colour}'><b>ready {ready}/{desired}</b></span>"
                f" · up-to-date {status.get('updatedReplicas') or 0}"
                f" · available {status.get('availableReplicas') or 0}")
        if self.error is not None:
            text += f"<br><span style='color:#c0392b'>{html.escape(self.error.message)}</span>"
        if self._watch is not None and not self._watch.running:
            text += " <span style='color:#999'>(not following: move the slider to refresh)</span>"
        self.status.value = f"<span style='font-family:monospace'>{text}</span>"

    def _changed(self, event: str, obj: dict) -> None:
        if event != "DELETED":
            with self._lock:
                self._deployment = obj
        self._render()

    def _follow(self) -> None:
        """(Re)start the watch that keeps the label current."""
        if self._watch is not None and self._watch.running:
            return
        self._watch = BackgroundWatch("Deployment", self.namespace, name=self.name,
                                      timeout=self.timeout, on_change=self._changed,
                                      on_stop=self._render).start()

    # -- what moving the slider does -----------------------------------------------
    def _moved(self, change: dict) -> None:
        self.error = None
        try:
            self._scale(int(change["new"]))
        except K8sLabError as err:
            self.error = err
        self._render()

    def _scale(self, replicas: int) -> None:
        _display.announce(
            _display.kubectl("scale", f"deployment/{self.name}", f"--replicas={replicas}",
                             "-n", self.namespace),
            "PATCH", f"/apis/apps/v1/namespaces/{self.namespace}/deployments/{self.name}/scale")
        try:
            client.AppsV1Api(connect()).patch_namespaced_deployment_scale(
                self.name, self.namespace, {"spec": {"replicas": replicas}})
        except Exception as exc:
            raise translate(exc, action="scale", kind="Deployment", name=self.name,
                            namespace=self.namespace) from exc
        with self._lock:
            self._deployment.setdefault("spec", {})["replicas"] = replicas
        self._follow()

    def set(self, replicas: int) -> None:
        """Do what moving the slider to ``replicas`` does (scale the Deployment).

        Raises:
            K8sLabError: the value is outside the slider, or the API refused the change.
        """
        if not self.slider.min <= replicas <= self.slider.max:
            raise K8sLabError(
                f"{replicas} is outside this slider's range "
                f"{self.slider.min}..{self.slider.max}.",
                f"Create it with a wider range: widgets.replica_slider({self.name!r}, "
                f"namespace, max={replicas}).")
        if self.slider.value == replicas:
            self._moved({"new": replicas})
        else:
            self.slider.value = replicas
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        """Stop following the Deployment (the slider still scales it)."""
        if self._watch is not None:
            self._watch.stop()
        self._render()

    def _bundle(self) -> dict:
        return _bundle(self.widget, repr(self))

    def __repr__(self) -> str:
        return (f"replica slider for deployment/{self.name} in {self.namespace} "
                f"(current: {self.desired}, ready: {self.ready})")


def replica_slider(name: str, namespace: str, min: int = 0, max: int = 10, *,
                   timeout: float = 300) -> ReplicaSlider:
    """Show a slider that scales a Deployment, with its ready count next to it.

    Args:
        name: the Deployment.
        namespace: its namespace.
        min, max: the slider's range (widened to include the current replicas).
        timeout: seconds the ready count keeps following the cluster by itself
            (moving the slider starts following again).

    Returns:
        A :class:`ReplicaSlider`: ``.slider``, ``.set(n)``, ``.ready``, ``.stop()``.

    Example:
        >>> s = widgets.replica_slider("web", "demo", max=8)    # doctest: +SKIP
        replica slider for deployment/web in demo (current: 3, ready: 3)
        >>> s.set(5)                                             # doctest: +SKIP
    """
    slider = ReplicaSlider(name, namespace, low=min, high=max, timeout=timeout)
    slider._publish()
    return slider


# ---------------------------------------------------------------------------
# Live pods
# ---------------------------------------------------------------------------

class LivePods(ShowOnce):
    """A table of pods that updates itself from a watch, like ``kubectl get pods --watch``.

    Attributes:
        html: the ``HTML`` widget holding the table (what is displayed).
    """

    def __init__(self, namespace: str, labels: str | dict | None = None, *,
                 timeout: float = 300) -> None:
        self.namespace = namespace
        self.labels = selector_string(labels)
        self.timeout = timeout
        self.html = w.HTML()
        self._started = time.monotonic()
        self._watch = BackgroundWatch("Pod", namespace, labels=self.labels, timeout=timeout,
                                      on_change=self._changed, on_stop=self._render)
        _display.announce(
            _display.kubectl("get", "pods", "-n", namespace,
                             *(("-l", self.labels) if self.labels else ()), "--watch"),
            "GET", resource_for("Pod").path(namespace=namespace) + "?watch=true"
            + (f"&labelSelector={self.labels}" if self.labels else ""))
        self._watch.start()
        self._render()

    @property
    def events_seen(self) -> int:
        """How many changes (ADDED, MODIFIED, DELETED) the watch has delivered."""
        return self._watch.events_seen

    @property
    def thread(self) -> threading.Thread:
        """The watch thread."""
        return self._watch.thread

    @property
    def running(self) -> bool:
        """True while the table follows the cluster."""
        return self._watch.running

    def frame(self):
        """The pods as they are now, as a pandas DataFrame (``lab.table("Pod")`` columns)."""
        with self._watch.lock:
            pods = sorted(self._watch.objects.values(), key=lambda p: p["metadata"]["name"])
        return pods_frame(pods)

    def stop(self) -> None:
        """Stop following (the table keeps its last content)."""
        self._watch.stop()
        self._render()

    def _changed(self, event: str, obj: dict) -> None:
        self._render()

    def _header(self) -> str:
        where = f" with labels {self.labels}" if self.labels else ""
        count = len(self._watch.objects)
        if self._watch.error is not None:
            state = f"stopped: {getattr(self._watch.error, 'message', self._watch.error)}"
        elif self._watch.running or not self._watch.thread.ident:
            left = max(0, self.timeout - (time.monotonic() - self._started))
            state = f"live, stops in {left:.0f}s or with .stop()"
        else:
            state = "stopped"
        return (f"pods in {self.namespace}{where}: {count} pod{'s' * (count != 1)}, "
                f"{self.events_seen} changes seen ({state})")

    def _render(self) -> None:
        frame = self.frame()
        table = frame.to_html(index=False, border=0) if len(frame) else "<i>no pods</i>"
        self.html.value = (f"<div style='font-family:monospace'><b>{html.escape(self._header())}"
                           f"</b>{table}</div>")

    def _bundle(self) -> dict:
        return _bundle(self.html, repr(self))

    def __repr__(self) -> str:
        frame = self.frame()
        body = frame.to_string(index=False) if len(frame) else "(no pods)"
        return f"{self._header()}\n{body}"


def live_pods(namespace: str, labels: str | dict | None = None, *,
              timeout: float = 300) -> LivePods:
    """Show a live table of pods, updated by a watch in the background.

    Args:
        namespace: where to look.
        labels: only pods with these labels (``"app=web"`` or ``{"app": "web"}``).
        timeout: stop following after this many seconds.

    Returns:
        A :class:`LivePods`: ``.frame()``, ``.events_seen``, ``.stop()``.

    Example:
        >>> pods = widgets.live_pods("demo", labels="app=web")   # doctest: +SKIP
        >>> # ... scale or delete pods in the next cells, watch the table change ...
        >>> pods.stop()                                          # doctest: +SKIP
    """
    table = LivePods(namespace, labels, timeout=timeout)
    table._publish()
    return table


# ---------------------------------------------------------------------------
# Namespace picker
# ---------------------------------------------------------------------------

class NamespacePicker(ShowOnce):
    """A drop-down of the lab's namespaces (those labelled ``k8slab.io/lab=true``).

    Attributes:
        dropdown: the ``Dropdown`` widget.
    """

    def __init__(self, default: str | None = None) -> None:
        items = list_("Namespace", labels=f"{LAB_LABEL}=true")
        names = sorted(n["metadata"]["name"] for n in items
                       if not n["metadata"].get("deletionTimestamp"))
        if default and default not in names:
            names.insert(0, default)
        self.dropdown = w.Dropdown(options=names, description="namespace",
                                   value=default or (names[0] if names else None))

    @property
    def value(self) -> str | None:
        """The chosen namespace."""
        return self.dropdown.value

    @value.setter
    def value(self, name: str) -> None:
        if name not in self.dropdown.options:
            raise K8sLabError(f"{name!r} is not one of the lab namespaces listed here.",
                              f"Create it with lab.namespace({name!r}), then make a new picker.")
        self.dropdown.value = name

    @property
    def options(self) -> list[str]:
        """The namespaces offered."""
        return list(self.dropdown.options)

    def _bundle(self) -> dict:
        return _bundle(self.dropdown, repr(self))

    def __repr__(self) -> str:
        names = self.options
        if not names:
            return ("namespace picker: no lab namespace yet "
                    "(create one with lab.namespace('demo'))")
        shown = ", ".join(names[:8]) + (f", ... ({len(names)} in all)" if len(names) > 8 else "")
        return f"namespace picker: {self.value} selected (lab namespaces: {shown})"


def namespace_picker(default: str | None = None) -> NamespacePicker:
    """Show a drop-down to choose one of the lab's namespaces.

    Args:
        default: the namespace selected first (added to the list if missing).

    Returns:
        A :class:`NamespacePicker`; read the choice with ``.value``.

    Example:
        >>> ns = widgets.namespace_picker(default="demo")        # doctest: +SKIP
        >>> ns.value                                              # doctest: +SKIP
        'demo'
    """
    picker = NamespacePicker(default)
    picker._publish()
    return picker
