"""A tiny controller framework: watch objects, reconcile each one, report status.

Every controller of Kubernetes, from the Deployment controller to a database
operator, is the same loop: *watch* objects, put the name of any object that
changed in a *work queue*, and for each name *reconcile*: read what the object
asks for, read what exists, create or fix what differs, write what was seen
in the object's ``status``. This module is that loop in a few hundred lines
of Python, small enough to read in one sitting, so notebook 11 can write a
real controller for a custom kind in one cell.

What it does, as production frameworks (controller-runtime, kopf) do:

* level-triggered: a reconcile reads the current state, never the event, so
  missed or repeated events are harmless, and objects created before the
  controller started are handled when it starts;
* owned objects are watched too: when a Deployment owned by a ``Website``
  changes or disappears, its owner is reconciled (that is how it heals);
* changes that only touch ``status`` do not trigger a reconcile (the
  controller's own status writes would otherwise wake it up forever);
* failures are retried with a growing delay; a periodic resync reconciles
  everything now and then;
* it runs in background threads and stops cleanly with :meth:`Controller.stop`.

The threads never print into a notebook: every action lands in
:meth:`Controller.history`, a table you display when you want.

Example:
    >>> from k8slab import controller
    >>> def reconcile(site, ctl):                                     # doctest: +SKIP
    ...     for child in controller.website_children(site):
    ...         ctl.apply(child)
    ...     return "applied"
    >>> ctl = controller.Controller("Website", "demo", reconcile,     # doctest: +SKIP
    ...                             owns=["Deployment", "Service"]).start()
    >>> ctl.history()                                                 # doctest: +SKIP
    >>> ctl.stop()                                                    # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from kubernetes import client
from kubernetes import watch as k8s_watch
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import ResourceNotFoundError

from ._client import connect
from ._errors import translate
from ._resources import _search, _to_dict, dynamic, resource_for
from .errors import ApiError, K8sLabError


def own_client() -> DynamicClient:
    """A dynamic client on an ApiClient of its own, for code in background threads.

    Why: the official client's ``exec`` and ``port-forward`` streams replace
    the request method of the ApiClient they use for as long as they run. A
    controller (or the GitOps loop) sharing the notebook's client would then
    send its reads and watches as websocket upgrades, and fail, each time a
    cell runs ``lab.exec`` or ``lab.http_get`` beside it.

    Example:
        >>> dyn = own_client()                                  # doctest: +SKIP
        >>> resource_of(dyn, "Deployment").kind                 # doctest: +SKIP
        'Deployment'
    """
    return DynamicClient(client.ApiClient(connect().configuration))


def resource_of(dyn: DynamicClient, kind: str, api_version: str | None = None):
    """The API resource for ``kind`` from ``dyn``'s discovery (the lab's, if unknown there)."""
    try:
        found = _search(dyn, kind, api_version)
    except ResourceNotFoundError:
        found = None
    return found or resource_for(kind, api_version)

Reconcile = Callable[[dict, "Controller"], str | None]

# ---------------------------------------------------------------------------
# Pure building blocks (unit-tested without a cluster)


class WorkQueue:
    """Names waiting for a reconcile, each queued at most once.

    Adding a name that is already waiting keeps one entry (with the latest
    reason and the earliest due time): ten events about one object while the
    worker is busy cost one reconcile, not ten.

    Example:
        >>> q = WorkQueue()
        >>> q.add("home", "ADDED"); q.add("home", "MODIFIED"); len(q)
        1
        >>> q.get(timeout=0)
        ('home', 'MODIFIED')
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._items: dict[str, tuple[float, str]] = {}
        self._cond = threading.Condition()
        self._clock = clock

    def add(self, key: str, reason: str, delay: float = 0.0) -> None:
        """Queue ``key``, due in ``delay`` seconds."""
        with self._cond:
            due = self._clock() + delay
            if key in self._items:
                due = min(due, self._items[key][0])
            self._items[key] = (due, reason)
            self._cond.notify()

    def get(self, timeout: float) -> tuple[str, str] | None:
        """The next due ``(key, reason)``, waiting up to ``timeout`` seconds; None if none."""
        deadline = self._clock() + timeout
        with self._cond:
            while True:
                now = self._clock()
                due = [(d, k) for k, (d, _) in self._items.items() if d <= now]
                if due:
                    key = min(due)[1]
                    return key, self._items.pop(key)[1]
                if now >= deadline:
                    return None
                soonest = min((d for d, _ in self._items.values()), default=deadline)
                self._cond.wait(max(0.0, min(deadline, soonest) - now))

    def __len__(self) -> int:
        with self._cond:
            return len(self._items)


def backoff(failures: int, base: float = 0.5, cap: float = 10.0) -> float:
    """Seconds to wait before retry number ``failures`` (1, 2, ...): doubling, capped.

    Example:
        >>> [backoff(n) for n in (1, 2, 3, 10)]
        [0.5, 1.0, 2.0, 10.0]
    """
    return min(cap, base * 2 ** max(0, failures - 1))


def owner_name(obj: dict, owner_kind: str) -> str | None:
    """The name of the ``owner_kind`` object controlling ``obj``, if any.

    Example:
        >>> owner_name({"metadata": {"ownerReferences": [{"kind": "Website", "name": "home",
        ...     "controller": True}]}}, "Website")
        'home'
    """
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("kind") == owner_kind and ref.get("controller"):
            return ref.get("name")
    return None


def owner_reference(owner: dict) -> dict:
    """An ownerReference pointing at ``owner``: the garbage collector deletes the
    owned object when its owner goes, and the controller finds the owner back."""
    meta = owner["metadata"]
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": meta["name"],
            "uid": meta["uid"], "controller": True, "blockOwnerDeletion": True}


def spec_changed(previous_generation: int | None, obj: dict) -> bool:
    """True unless the object's ``metadata.generation`` is the one already seen.

    The API server bumps ``generation`` when ``spec`` changes, not when only
    ``status`` or metadata do: a controller that ignores same-generation updates
    is not woken up by its own status writes.
    """
    return (obj.get("metadata") or {}).get("generation") != previous_generation


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


# ---------------------------------------------------------------------------
# The controller


@dataclass(frozen=True)
class Action:
    """One reconcile that changed something (or failed), for :meth:`Controller.history`."""

    seconds: float
    object: str
    trigger: str
    changes: str
    result: str


#: The controller started last for each (kind, namespace), stopped if another one starts.
_RUNNING: dict[tuple[str, str], Controller] = {}


class Controller:
    """Watch a kind in a namespace and reconcile each object with your function.

    Args:
        kind: the kind to reconcile (``Website``...), core or custom.
        namespace: the namespace to watch.
        reconcile: ``reconcile(obj, ctl) -> message``; it is called with the
            object's current version, as often as needed, and must be idempotent.
            Use ``ctl.apply``, ``ctl.get`` and ``ctl.update_status`` inside it.
        owns: kinds of the objects it creates; their changes wake up their owner.
        resync: seconds between two reconciles of everything (0: never).
        field_manager: the name written in ``managedFields`` of what it applies.

    Example:
        >>> ctl = Controller("Website", "demo", reconcile, owns=["Deployment"])  # doctest: +SKIP
        >>> ctl.start(); ...; ctl.stop()                                          # doctest: +SKIP
    """

    def __init__(self, kind: str, namespace: str, reconcile: Reconcile, *,
                 owns: Iterable[str] = (), resync: float = 30.0,
                 field_manager: str | None = None, watch_timeout: int = 2) -> None:
        self.kind = resource_for(kind).kind
        self.namespace = namespace
        self.reconcile_fn = reconcile
        self.owns = [resource_for(k).kind for k in owns]
        self.resync = resync
        self.field_manager = field_manager or f"{self.kind.lower()}-controller"
        self.watch_timeout = watch_timeout
        self.reconciles = 0
        self.errors: list[str] = []
        self._queue = WorkQueue()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._generations: dict[str, int | None] = {}
        self._failures: dict[str, int] = {}
        self._actions: list[Action] = []
        self._changes: list[str] = []
        self._lock = threading.Lock()
        self._started = 0.0
        self._dyn = own_client()

    # -- lifecycle ----------------------------------------------------------

    def start(self) -> Controller:
        """Start the watch threads and the worker; returns the controller itself."""
        if self.running:
            return self
        key = (self.kind, self.namespace)
        previous = _RUNNING.get(key)
        if previous is not None and previous is not self and previous.running:
            previous.stop()  # a re-run notebook cell must not leave two controllers fighting
        _RUNNING[key] = self
        self._stop.clear()
        self._started = time.monotonic()
        self._threads = [threading.Thread(target=self._watch_loop, args=(k, k == self.kind),
                                          name=f"watch-{k}", daemon=True)
                         for k in [self.kind, *self.owns]]
        self._threads.append(threading.Thread(target=self._work_loop, name="reconcile",
                                              daemon=True))
        for t in self._threads:
            t.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop watching and reconciling; wait for the threads to end (idempotent)."""
        self._stop.set()
        for t in self._threads:
            t.join(timeout)
        alive = [t.name for t in self._threads if t.is_alive()]
        self._threads = []
        if alive:
            raise K8sLabError(f"The controller's threads {alive} did not stop in {timeout:.0f}s.",
                              "Restart the kernel to be sure they are gone.")

    @property
    def running(self) -> bool:
        """True while the controller's threads run."""
        return any(t.is_alive() for t in self._threads) and not self._stop.is_set()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return (f"<Controller {self.kind} in {self.namespace!r}: {state}, "
                f"{self.reconciles} reconciles, {len(self._actions)} with changes>")

    # -- what reconcile functions call ---------------------------------------

    def get(self, kind: str, name: str) -> dict | None:
        """Read an object of the controller's namespace; None when it does not exist."""
        res = resource_of(self._dyn, kind)
        try:
            return _to_dict(self._dyn.get(res, name=name, namespace=self.namespace))
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise translate(exc, action="get", kind=res.kind, name=name,
                            namespace=self.namespace) from exc

    def apply(self, obj: dict) -> dict:
        """Server-side apply ``obj`` in the controller's namespace; note what changed."""
        kind, name = obj["kind"], obj["metadata"]["name"]
        res = resource_of(self._dyn, kind, obj.get("apiVersion"))
        before = self.get(kind, name)
        body = {**obj, "metadata": {**obj["metadata"], "namespace": self.namespace}}
        try:
            out = self._dyn.server_side_apply(res, body=body, name=name,
                                              namespace=self.namespace,
                                              field_manager=self.field_manager,
                                              force_conflicts=True).to_dict()
        except ApiException as exc:
            raise translate(exc, action="apply", kind=kind, name=name,
                            namespace=self.namespace) from exc
        if before is None:
            self._changes.append(f"created {kind}/{name}")
        elif before["metadata"]["resourceVersion"] != out["metadata"]["resourceVersion"]:
            self._changes.append(f"updated {kind}/{name}")
        return out

    def update_status(self, obj: dict, status: dict) -> bool:
        """Write ``status`` through the status subresource, if it differs; True if written."""
        if (obj.get("status") or {}) == status:
            return False
        kind, name = obj["kind"], obj["metadata"]["name"]
        res = resource_of(self._dyn, kind, obj.get("apiVersion"))
        target = res.subresources.get("status")
        if target is None:
            raise K8sLabError(f"The kind {kind} has no status subresource.",
                              "Add `subresources: {status: {}}` to its CRD version.")
        try:
            self._dyn.patch(target, body={"status": status}, name=name,
                            namespace=self.namespace,
                            content_type="application/merge-patch+json")
        except ApiException as exc:
            raise translate(exc, action="update the status of", kind=kind, name=name,
                            namespace=self.namespace) from exc
        summary = status.get("phase") or ", ".join(f"{k}={v}" for k, v in status.items())
        self._changes.append(f"status {summary}")
        return True

    # -- what the notebook looks at ------------------------------------------

    def history(self, last: int = 20) -> pd.DataFrame:
        """The last reconciles that changed something or failed, oldest first."""
        with self._lock:
            rows = [a.__dict__ for a in self._actions[-last:]]
        frame = pd.DataFrame(rows, columns=["seconds", "object", "trigger", "changes", "result"])
        frame["seconds"] = frame["seconds"].round(1)
        return frame

    def actions(self) -> list[Action]:
        """Every reconcile that changed something or failed, oldest first."""
        with self._lock:
            return list(self._actions)

    def enqueue(self, name: str, reason: str = "requested") -> None:
        """Ask for a reconcile of one object now."""
        self._queue.add(name, reason)

    # -- the machinery ---------------------------------------------------------

    def _record(self, name: str, trigger: str, result: str) -> None:
        with self._lock:
            self._actions.append(Action(time.monotonic() - self._started,
                                        f"{self.kind}/{name}", trigger,
                                        "; ".join(self._changes), result))

    def _on_event(self, kind: str, event: str, obj: dict) -> None:
        name = (obj.get("metadata") or {}).get("name", "")
        if kind == self.kind:
            if event == "DELETED":
                self._generations.pop(name, None)
            elif event == "MODIFIED" and not spec_changed(self._generations.get(name), obj):
                return
            else:
                self._generations[name] = (obj.get("metadata") or {}).get("generation")
            self._queue.add(name, f"{event} {kind}/{name}")
            return
        owner = owner_name(obj, self.kind)
        if owner:
            self._queue.add(owner, f"{event} {kind}/{name}")

    def _watch_loop(self, kind: str, primary: bool) -> None:
        dyn = self._dyn
        res = resource_of(dyn, kind)
        version: str | None = None
        while not self._stop.is_set():
            try:
                if version is None:
                    listing = dyn.get(res, namespace=self.namespace)
                    version = listing.metadata.resourceVersion
                    if primary:
                        for item in listing.items:
                            self._on_event(kind, "EXISTING", item.to_dict())
                watcher = k8s_watch.Watch()
                for event in dyn.watch(res, namespace=self.namespace, resource_version=version,
                                       timeout=self.watch_timeout, watcher=watcher):
                    obj = event["raw_object"]
                    if event["type"] == "ERROR":
                        version = None if obj.get("code") == 410 else version
                        break
                    if event["type"] != "BOOKMARK":
                        version = obj["metadata"].get("resourceVersion", version)
                        self._on_event(kind, event["type"], obj)
                    if self._stop.is_set():
                        watcher.stop()
                        break
            except ApiException as exc:
                if exc.status == 410:
                    version = None
                    continue
                self.errors.append(f"watch {kind}: HTTP {exc.status} {exc.reason}")
                self._stop.wait(1.0)
            except Exception as exc:  # keep watching through network hiccups
                self.errors.append(f"watch {kind}: {type(exc).__name__}: {exc}")
                self._stop.wait(1.0)

    def _work_loop(self) -> None:
        next_resync = time.monotonic() + self.resync if self.resync else float("inf")
        while not self._stop.is_set():
            item = self._queue.get(timeout=0.25)
            if time.monotonic() >= next_resync:
                for name in list(self._generations):
                    self._queue.add(name, "resync")
                next_resync = time.monotonic() + self.resync
            if item is not None:
                self._reconcile_one(*item)

    def _reconcile_one(self, name: str, trigger: str) -> None:
        self._changes = []
        self.reconciles += 1
        try:
            obj = self.get(self.kind, name)
            if obj is None:
                self._failures.pop(name, None)
                if trigger.startswith("DELETED"):
                    self._changes.append("nothing: what it owned is garbage-collected")
                    self._record(name, trigger, "gone")
                return
            result = self.reconcile_fn(obj, self) or "reconciled"
            self._failures.pop(name, None)
            if self._changes:
                self._record(name, trigger, str(result))
        except Exception as exc:
            count = self._failures[name] = self._failures.get(name, 0) + 1
            delay = backoff(count)
            message = (exc.message if isinstance(exc, K8sLabError)
                       else f"{type(exc).__name__}: {exc}")
            if isinstance(exc, ApiError) and exc.status == 409:
                delay = 0.2
            self._record(name, trigger, f"error (retry in {delay:.1f}s): {message}")
            self._queue.add(name, f"retry {count}", delay)


# ---------------------------------------------------------------------------
# CustomResourceDefinitions


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
    from ._resources import delete, exists, get

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


# ---------------------------------------------------------------------------
# The Website kind of notebook 11 (manifests/11-extending-crd.yaml)

WEBSITE_CRD = "websites.k8slab.io"
WEBSITE_LABEL = "k8slab.io/website"


def website_children(site: dict) -> list[dict]:
    """The Deployment and Service a ``Website`` asks for, owned by it.

    Pure: the same Website always gives the same objects, which is what makes
    reconciling again and again harmless (server-side apply of an unchanged
    object changes nothing).

    Example:
        >>> site = {"apiVersion": "k8slab.io/v1alpha1", "kind": "Website",
        ...         "metadata": {"name": "home", "uid": "u1"},
        ...         "spec": {"image": "nginx:1.27", "replicas": 2, "port": 8080}}
        >>> [(o["kind"], o["metadata"]["name"]) for o in website_children(site)]
        [('Deployment', 'home'), ('Service', 'home')]
    """
    name, spec = site["metadata"]["name"], site.get("spec") or {}
    labels = {WEBSITE_LABEL: name, "app.kubernetes.io/managed-by": "website-controller"}
    owner = [owner_reference(site)]
    port = int(spec.get("port", 8080))
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": labels, "ownerReferences": owner},
        "spec": {
            "replicas": int(spec.get("replicas", 1)),
            "selector": {"matchLabels": {WEBSITE_LABEL: name}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{
                    "name": "web", "image": spec["image"],
                    "ports": [{"name": "http", "containerPort": port}],
                    "resources": {"requests": {"cpu": "50m", "memory": "32Mi"}},
                }]},
            },
        },
    }
    service = {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "labels": labels, "ownerReferences": owner},
        "spec": {"selector": {WEBSITE_LABEL: name},
                 "ports": [{"name": "http", "port": 80, "targetPort": "http"}]},
    }
    return [deployment, service]


def website_status(site: dict, deployment: dict | None) -> dict:
    """What a ``Website``'s status should say, given its Deployment as it is now.

    Phases: ``Pending`` (no Deployment yet), ``Progressing`` (not all wanted
    replicas ready and up to date), ``Ready``.

    Example:
        >>> site = {"metadata": {"name": "home", "generation": 1}, "spec": {"replicas": 2}}
        >>> website_status(site, {"metadata": {"generation": 1}, "spec": {"replicas": 2},
        ...     "status": {"observedGeneration": 1, "replicas": 2, "readyReplicas": 2,
        ...                "updatedReplicas": 2}})
        ... # doctest: +NORMALIZE_WHITESPACE
        {'phase': 'Ready', 'replicas': 2, 'readyReplicas': 2, 'observedGeneration': 1,
         'url': 'service/home:80'}
    """
    want = int((site.get("spec") or {}).get("replicas", 1))
    status = {"phase": "Pending", "replicas": want, "readyReplicas": 0,
              "observedGeneration": (site.get("metadata") or {}).get("generation"),
              "url": f"service/{site['metadata']['name']}:80"}
    if deployment is None:
        return status
    dstatus = deployment.get("status") or {}
    ready = int(dstatus.get("readyReplicas") or 0)
    current = (dstatus.get("observedGeneration") or 0) >= (deployment.get("metadata") or {}).get(
        "generation", 0)
    updated = int(dstatus.get("updatedReplicas") or 0)
    total = int(dstatus.get("replicas") or 0)
    done = current and ready == want and updated == want and total == want
    status.update(phase="Ready" if done else "Progressing", readyReplicas=ready)
    return status
